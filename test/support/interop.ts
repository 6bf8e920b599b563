/**
 * Interop test harness: real peers (srt-live-transmit, ffmpeg, our srt-pipe CLI) as child processes.
 *
 * - requireTool(): skip (or fail, when SRT_INTEROP_REQUIRED is set, as in CI) if a binary is missing.
 * - spawnPeer(): child process with bounded stderr/stdout capture, registered so cleanupPeers()
 *   (call it from afterEach) kills leftovers; no orphan processes, no hanging mocha.
 * - waitForSrtListener(): sends an SRT induction handshake to a UDP port until something answers.
 *   A listener answers an induction statelessly (SYN cookie), so this does not use up the single
 *   accept of srt-live-transmit / ffmpeg.
 * - randomBytes() (seeded), sha256(), pacedWrite() (bit-rate pacing with backpressure), ByteCollector,
 *   waitFor()/waitForEvent()/withTimeout().
 *
 * srt-live-transmit 1.5.1 facts these helpers are built around (checked on this machine):
 * - `file://con` input must be a pipe; output only to `file://con` (stdout).
 * - Input is read in whole `-chunk` blocks (default 1456); a shorter tail at EOF is never sent, so
 *   feed it multiples of the chunk size.
 * - Input read before the SRT output is connected is dropped ("falls to the floor"): wait for
 *   "SRT target connected" (caller) / "Accepted SRT target connection" (listener) on its stderr before
 *   feeding stdin. These lines are printed unless -q is given, so use `-loglevel error`, not `-q`.
 * - SLT_FEED_NOTE: it reads stdin through a buffered std::istream polled on the fd: bytes already in
 *   that buffer are sent only when the fd becomes readable again. Always end (close) its stdin after
 *   the last byte, or the last few blocks stay stuck (seen: 6 x 1316 bytes missing out of 20 MB).
 * - It does not exit at stdin EOF; with `-a no` it exits (status 0) when its SRT peer disconnects,
 *   and on SIGINT/SIGTERM. stdout is block-buffered (4 KiB): the tail is flushed only at exit.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root (this file runs from dist/test/support/). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** The srt-pipe CLI entry point. */
export const srtPipeBin = path.join(repoRoot, 'bin', 'srt-pipe.js');
/**
 * srt-pipe as most tests run it: `node bin/srt-pipe.js -a no`, ending when its peer leaves instead of
 * waiting for the next one (-a yes is the default, as srt-live-transmit's; see SLT_BASE_ARGS).
 * The tests of -a itself pass `-a yes` after it (the last one counts).
 */
export const SRT_PIPE = [srtPipeBin, '-a', 'no'] as const;

// ---------------------------------------------------------------------------------------------
// Tools

const toolCache = new Map<string, string | null>();
const noticed = new Set<string>();

/** Absolute path of an executable on PATH, or null. */
export function findTool(name: string): string | null {
  if (toolCache.has(name)) return toolCache.get(name)!;
  let found: string | null = null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) { found = p; break; }
    } catch { /* not here */ }
  }
  toolCache.set(name, found);
  return found;
}

/** The Debian package of each tool the tests use (the install hint when one is missing). */
const TOOL_PACKAGES: Record<string, string> = {
  'srt-live-transmit': 'srt-tools', 'srt-file-transmit': 'srt-tools', ffmpeg: 'ffmpeg', ffprobe: 'ffmpeg',
  tshark: 'tshark', chromium: 'chromium', promtool: 'prometheus',
};

/**
 * Call at the top of a test or a before() hook. Missing tool: throws when SRT_INTEROP_REQUIRED is set
 * (CI must not silently skip interop), otherwise prints a loud notice once per tool and skips.
 */
export function requireTool(ctx: Mocha.Context, ...names: string[]): void {
  for (const name of names) {
    if (findTool(name)) continue;
    if (process.env.SRT_INTEROP_REQUIRED) {
      throw new Error(`interop tool '${name}' not found on PATH and SRT_INTEROP_REQUIRED is set ` +
        `(install it: apt-get install -y ${TOOL_PACKAGES[name] ?? name})`);
    }
    if (!noticed.has(name)) {
      noticed.add(name);
      process.stderr.write(
        `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
        `!!! INTEROP TESTS SKIPPED: '${name}' is not on PATH.\n` +
        `!!! Install it (Debian: apt-get install -y ${TOOL_PACKAGES[name] ?? name}),\n` +
        `!!! or set SRT_INTEROP_REQUIRED=1 to make this a failure.\n` +
        `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
    }
    ctx.skip();
  }
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A UDP port that was free a moment ago (bind udp4 port 0, read it, close). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A TCP port that was free a moment ago. */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A 64-byte SRT HSv4 induction request (what every libsrt caller sends first). */
export function inductionPacket(socketId = crypto.randomInt(1, 0x7fffffff)): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x80000000, 0); // control, type 0 = HANDSHAKE
  // words 1-3: type-specific 0, timestamp 0, destination socket ID 0
  b.writeUInt32BE(4, 16);          // version 4
  b.writeUInt32BE(2, 20);          // encryption 0 | extension 2 (UDT_DGRAM)
  b.writeUInt32BE(crypto.randomInt(0, 0x7fffffff), 24); // ISN
  b.writeUInt32BE(1500, 28);       // MSS
  b.writeUInt32BE(8192, 32);       // flow window
  b.writeInt32BE(1, 36);           // request type: INDUCTION
  b.writeUInt32BE(socketId, 40);   // our socket ID
  b.writeUInt32BE(0, 44);          // SYN cookie
  b.writeUInt32BE(0x0100007f, 48); // peer IP 127.0.0.1 (libsrt's per-word little-endian form)
  return b;
}

/**
 * Resolves once an SRT listener answers an induction handshake on host:port. Rejects after timeoutMs,
 * or early if `peer` (the process that should be listening) exits first.
 */
export async function waitForSrtListener(port: number, opts: { host?: string; timeoutMs?: number; peer?: PeerHandle } = {}): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const timeoutMs = opts.timeoutMs ?? 10000;
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const probe = inductionPacket();
  let timer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      sock.on('error', () => { /* ICMP unreachable while nobody listens: keep trying */ });
      sock.on('message', (msg, rinfo) => {
        if (rinfo.port === port && msg.length >= 16 && (msg[0] & 0x80)) resolve();
      });
      const send = () => { sock.send(probe, port, host, () => { /* ignore errors */ }); };
      sock.bind(0, () => { send(); timer = setInterval(send, 100); });
      deadline = setTimeout(() => reject(new Error(
        `no SRT listener answered on ${host}:${port} within ${timeoutMs} ms` + (opts.peer ? `\n${opts.peer.diag()}` : ''))), timeoutMs);
      opts.peer?.exited.then(() => reject(new Error(
        `peer exited before its SRT listener on ${host}:${port} answered\n${opts.peer!.diag()}`)));
    });
  } finally {
    if (timer) clearInterval(timer);
    if (deadline) clearTimeout(deadline);
    try { sock.close(); } catch { /* already closed */ }
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ExitStatus { code: number | null; signal: NodeJS.Signals | null; error?: Error }

export interface PeerHandle {
  readonly name: string;
  readonly cmdline: string;
  readonly proc: ChildProcess;
  /** Resolves (never rejects) when the process has exited (or failed to spawn). */
  readonly exited: Promise<ExitStatus>;
  /** Set once exited. */
  exitStatus: ExitStatus | null;
  stderrText(): string;
  /** Only when spawned with captureStdout. */
  stdoutText(): string;
  /** Sends a signal (default SIGTERM), escalates to SIGKILL after graceMs, resolves on exit. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
  /** Resolves with the matching stderr text once `re` matches the captured stderr. */
  waitForStderr(re: RegExp, timeoutMs: number): Promise<string>;
  /** Waits for exit, rejecting with diagnostics after timeoutMs (the process is left running). */
  waitExit(timeoutMs: number): Promise<ExitStatus>;
  /** Command line, exit status and stderr tail, for assertion messages. */
  diag(): string;
}

export interface SpawnPeerOptions extends SpawnOptions {
  /** Label in diagnostics; defaults to the command's base name. */
  name?: string;
  /** Keep a bounded copy of stdout for diagnostics (don't use with collectors that need every byte). */
  captureStdout?: boolean;
  /** Bytes kept per stream (the tail). Default 64 KiB. */
  captureLimit?: number;
}

const peers = new Set<PeerHandle>();
const cleanups: Array<() => unknown> = [];

class BoundedText {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      const c = this.chunks.shift()!;
      this.size -= c.length;
      this.dropped += c.length;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    const s = all.length > this.limit ? all.subarray(all.length - this.limit) : all;
    return (this.dropped ? `[...${this.dropped} bytes dropped...]\n` : '') + s.toString('utf8');
  }
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Spawns a peer process; see PeerHandle. Call cleanupPeers() from afterEach. */
export function spawnPeer(cmd: string, args: readonly string[], opts: SpawnPeerOptions = {}): PeerHandle {
  const { name, captureStdout, captureLimit = 64 * 1024, ...spawnOpts } = opts;
  const cmdline = [cmd, ...args].map(quoteArg).join(' ');
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOpts });
  const err = new BoundedText(captureLimit);
  const out = new BoundedText(captureLimit);
  proc.stderr?.on('data', (b: Buffer) => err.push(b));
  if (captureStdout) proc.stdout?.on('data', (b: Buffer) => out.push(b));
  // A dying child must not crash mocha with EPIPE on its stdin.
  proc.stdin?.on('error', () => { /* reported through exit status */ });

  const stderrWaiters = new Set<() => void>();
  proc.stderr?.on('data', () => { for (const w of [...stderrWaiters]) w(); });

  let handle!: PeerHandle;
  const exited = new Promise<ExitStatus>((resolve) => {
    let spawnError: Error | undefined;
    proc.once('error', (e) => {
      spawnError = e;
      // 'exit' is not emitted when spawn itself failed
      if (proc.pid === undefined) { handle.exitStatus = { code: null, signal: null, error: e }; resolve(handle.exitStatus); }
    });
    proc.once('close', (code, signal) => {
      handle.exitStatus = { code, signal, error: spawnError };
      resolve(handle.exitStatus);
    });
  });

  handle = {
    name: name ?? path.basename(cmd),
    cmdline,
    proc,
    exited,
    exitStatus: null,
    stderrText: () => err.text(),
    stdoutText: () => out.text(),
    kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000) {
      if (!handle.exitStatus && proc.exitCode === null && proc.signalCode === null) {
        try { proc.kill(signal); } catch { /* gone */ }
        const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
        t.unref();
        void exited.then(() => clearTimeout(t));
      }
      return exited;
    },
    waitForStderr(re: RegExp, timeoutMs: number) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = re.exec(err.text());
          if (m) { done(); resolve(m[0]); }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} on stderr\n${handle.diag()}`)); }, timeoutMs);
        const onExit = () => { check(); done(); reject(new Error(`exited while waiting for ${re} on stderr\n${handle.diag()}`)); };
        const done = () => { clearTimeout(timer); stderrWaiters.delete(check); exitWaiters.delete(onExit); };
        stderrWaiters.add(check);
        exitWaiters.add(onExit);
        check();
      });
    },
    waitExit(timeoutMs: number) {
      return withTimeout(exited, timeoutMs, () => `${handle.name} did not exit within ${timeoutMs} ms\n${handle.diag()}`);
    },
    diag() {
      const st = handle.exitStatus;
      const status = st ? (st.error ? `failed: ${st.error.message}` : `exited code=${st.code} signal=${st.signal}`) : 'still running';
      const stderr = err.text().trimEnd();
      const stdout = captureStdout ? out.text().trimEnd() : '';
      return `--- peer ${handle.name} (${status}): ${cmdline}\n` +
        `--- stderr:\n${stderr || '(empty)'}\n` + (captureStdout ? `--- stdout:\n${stdout || '(empty)'}\n` : '') + `--- end ${handle.name}`;
    },
  };
  const exitWaiters = new Set<() => void>();
  void exited.then(() => { for (const w of [...exitWaiters]) w(); peers.delete(handle); });
  peers.add(handle);
  return handle;
}

/** Peers still registered (running). */
export function livePeers(): PeerHandle[] { return [...peers]; }

/** Diagnostics of all peers spawned and still registered, for assertion messages. */
export function peersDiag(...extra: PeerHandle[]): string {
  const all = new Set<PeerHandle>([...extra, ...peers]);
  return [...all].map((p) => p.diag()).join('\n');
}

/** Registers a cleanup function (close a server, destroy a socket, remove a temp dir) for cleanupPeers(). */
export function onCleanup(fn: () => unknown): void { cleanups.push(fn); }

/**
 * Call from afterEach: runs registered cleanups (last first), then kills every peer still running
 * (SIGTERM, SIGKILL after 2 s) and waits for them. If the test failed, prints the peers' diagnostics.
 */
export async function cleanupPeers(ctx?: Mocha.Context): Promise<void> {
  const failed = ctx?.currentTest?.state === 'failed';
  if (failed && peers.size) process.stderr.write(`\n${peersDiag()}\n`);
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try { await withTimeout(Promise.resolve().then(fn), 5000, 'cleanup'); } catch { /* best effort */ }
  }
  await Promise.all([...peers].map((p) => p.kill('SIGTERM', 2000)));
}

// Last resort: never leave children behind when mocha exits (mocharc has exit: true).
process.once('exit', () => {
  for (const p of peers) { try { p.proc.kill('SIGKILL'); } catch { /* gone */ } }
});

// ---------------------------------------------------------------------------------------------
// Data

/** Deterministic pseudo-random bytes: AES-128-CTR keystream keyed by the seed. Fast for 20 MB. */
export function randomBytes(n: number, seed: number | string = 1): Buffer {
  const key = crypto.createHash('sha256').update(`srt-stream-interop:${seed}`).digest();
  const c = crypto.createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return Buffer.concat([c.update(Buffer.alloc(n)), c.final()]).subarray(0, n);
}

export function sha256(buf: Buffer): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** n rounded down to a multiple of m (srt-live-transmit drops a partial last stdin block). */
export function floorTo(n: number, m: number): number { return n - (n % m); }

/** Short description of where two buffers differ, for assertion messages. */
export function describeMismatch(got: Buffer, want: Buffer): string {
  if (got.equals(want)) return 'identical';
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  return `got ${got.length} bytes (sha256 ${sha256(got).slice(0, 16)}), want ${want.length} (sha256 ${sha256(want).slice(0, 16)}); ` +
    `first difference at offset ${i}` + (i < n ? ` (0x${got[i].toString(16)} vs 0x${want[i].toString(16)}; chunk ${Math.floor(i / 1316)} of 1316, ${Math.floor(i / 1456)} of 1456)` : ' (one is a prefix of the other)');
}

export interface PacedWriteOptions {
  /** Bits per second. */
  bitrate: number;
  /** Bytes per write() call (e.g. 1316, or srt-live-transmit's -chunk). Default 1316. */
  chunkSize?: number;
  /** Timer period. Default 5 ms. */
  tickMs?: number;
  /** Call end() when done. Default true. */
  end?: boolean;
  /** Stop early (rejects) when this signal aborts. */
  signal?: AbortSignal;
}

interface WritableLike extends EventEmitter {
  write(chunk: Buffer, cb?: (err?: Error | null) => void): boolean;
  end(cb?: () => void): unknown;
  destroyed?: boolean;
  writableNeedDrain?: boolean;
}

/**
 * Writes `data` into `w` at `bitrate` in `chunkSize` pieces: every tickMs it writes the bytes due so
 * far (whole chunks; the last chunk may be short), waits for 'drain' when write() returns false, and
 * ends the stream unless end === false. Rejects if the stream errors or closes first.
 */
export function pacedWrite(w: WritableLike, data: Buffer, opts: PacedWriteOptions): Promise<void> {
  const chunkSize = opts.chunkSize ?? 1316;
  const tickMs = opts.tickMs ?? 5;
  const bytesPerMs = opts.bitrate / 8 / 1000;
  return new Promise<void>((resolve, reject) => {
    let off = 0;
    let waitingDrain = false;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const start = process.hrtime.bigint();
    const finish = (e?: Error) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      w.off('error', onError); w.off('close', onClose); w.off('drain', onDrain);
      opts.signal?.removeEventListener('abort', onAbort);
      if (e) reject(e); else resolve();
    };
    const onError = (e: Error) => finish(new Error(`paced write failed at byte ${off}/${data.length}: ${e.message}`));
    const onClose = () => finish(new Error(`stream closed during paced write at byte ${off}/${data.length}`));
    const onDrain = () => { waitingDrain = false; tick(); };
    const onAbort = () => finish(new Error(`paced write aborted at byte ${off}/${data.length}`));
    w.on('error', onError); w.on('close', onClose); w.on('drain', onDrain);
    opts.signal?.addEventListener('abort', onAbort);

    const tick = () => {
      if (finished || waitingDrain) return;
      if (timer) { clearTimeout(timer); timer = undefined; }
      const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      const due = Math.min(data.length, Math.floor(elapsedMs * bytesPerMs));
      while (off < data.length && (off + chunkSize <= due || due === data.length)) {
        const end = Math.min(off + chunkSize, data.length);
        const ok = w.write(data.subarray(off, end));
        off = end;
        if (!ok) { waitingDrain = true; return; }
      }
      if (off >= data.length) {
        if (opts.end === false) finish();
        else w.end(() => finish());
        return;
      }
      timer = setTimeout(tick, tickMs);
    };
    tick();
  });
}

/**
 * Accumulates everything a Readable emits (every byte; no limit) and lets a test wait for a count.
 * Use for child stdout and SrtSocket alike.
 */
export class ByteCollector {
  private chunks: Buffer[] = [];
  length = 0;
  ended = false;
  error: Error | null = null;
  /** Resolves on 'end' (or 'close'), never rejects. */
  readonly done: Promise<void>;
  private waiters = new Set<() => void>();

  constructor(readonly source: NodeJS.ReadableStream & EventEmitter) {
    this.done = new Promise<void>((resolve) => {
      const fin = () => { this.ended = true; this.notify(); resolve(); };
      source.once('end', fin);
      source.once('close', fin);
      source.once('error', (e: Error) => { this.error = e; fin(); });
    });
    source.on('data', (b: Buffer | string) => {
      const buf = typeof b === 'string' ? Buffer.from(b) : b;
      this.chunks.push(buf);
      this.length += buf.length;
      this.notify();
    });
  }

  private notify(): void { for (const w of [...this.waiters]) w(); }

  buffer(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Resolves once at least n bytes arrived; rejects on timeout or if the stream ends short. */
  waitForBytes(n: number, timeoutMs: number, diag: () => string = () => ''): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.length >= n) { done(); resolve(); } else if (this.ended) {
          done(); reject(new Error(`stream ended after ${this.length} of ${n} bytes` +
            (this.error ? ` (error: ${this.error.message})` : '') + `\n${diag()}`));
        }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${timeoutMs} ms: ${this.length} of ${n} bytes arrived\n${diag()}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }
}

/** Everything a Readable emits until it ends. */
export async function collect(readable: NodeJS.ReadableStream & EventEmitter, timeoutMs = 60000): Promise<Buffer> {
  const c = new ByteCollector(readable);
  await withTimeout(c.done, timeoutMs, () => `collect(): stream did not end within ${timeoutMs} ms (${c.length} bytes so far)`);
  if (c.error) throw c.error;
  return c.buffer();
}

// ---------------------------------------------------------------------------------------------
// Waiting

export function delay(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

/** Races p against a timer; the message may be a function (evaluated at timeout, for fresh diagnostics). */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(typeof message === 'function' ? message() : `${message}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Polls predicate every intervalMs until it returns truthy; rejects after timeoutMs. */
export async function waitFor<T>(predicate: () => T | Promise<T>, timeoutMs: number,
  opts: { intervalMs?: number; message?: string | (() => string) } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() >= deadline) {
      const m = opts.message;
      throw new Error(`${typeof m === 'function' ? m() : (m ?? 'condition')}: not met within ${timeoutMs} ms`);
    }
    await delay(opts.intervalMs ?? 20);
  }
}

/**
 * Resolves with the event's arguments once `emitter` emits `event`; rejects on 'error' (unless
 * event === 'error') or after timeoutMs.
 */
export function waitForEvent<T extends unknown[] = unknown[]>(emitter: EventEmitter, event: string, timeoutMs: number,
  what?: string | (() => string)): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onEvent = (...args: unknown[]) => { done(); resolve(args as T); };
    const onError = (e: Error) => { done(); reject(e); };
    const timer = setTimeout(() => {
      done();
      const w = typeof what === 'function' ? what() : what;
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'${w ? `: ${w}` : ''}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      if (event !== 'error') emitter.off('error', onError);
    };
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
  });
}

// ---------------------------------------------------------------------------------------------
// Files and tools output

/** A fresh temp directory, removed by cleanupPeers(). */
export function tempDir(prefix = 'srt-interop-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Container duration in seconds according to ffprobe (throws with ffprobe's stderr on failure). */
export async function ffprobeDuration(file: string, timeoutMs = 20000): Promise<number> {
  const p = spawnPeer('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
    { captureStdout: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const st = await p.waitExit(timeoutMs);
  const d = parseFloat(p.stdoutText().trim());
  if (st.code !== 0 || !Number.isFinite(d)) {
    throw new Error(`ffprobe could not read a duration from ${file} (${fs.existsSync(file) ? fs.statSync(file).size : 'missing'} bytes)\n${p.diag()}`);
  }
  return d;
}

/**
 * Parses srt-live-transmit's `-s N -f -pf json -statsout FILE` output: one JSON object per line with
 * cumulative counters (`send`/`recv` objects: packets, packetsUnique, packetsLost, bytes, bytesUnique ...).
 * Note libsrt counts bytes with 44 bytes of header (SRT 16 + UDP/IPv4 28) per packet.
 */
export function readSltStats(file: string): Array<Record<string, any>> {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{'))
    .map((l) => { try { return JSON.parse(l); } catch { return null; } })
    .filter((x): x is Record<string, any> => x !== null);
}

/** Common srt-live-transmit arguments: no auto-reconnect, quiet libsrt log, but keep the app's status lines. */
export const SLT_BASE_ARGS: readonly string[] = ['-a', 'no', '-loglevel', 'error'];
/** stderr line srt-live-transmit prints when its SRT output is connected (caller or listener). */
export const SLT_TARGET_CONNECTED = /SRT target connected|Accepted SRT target connection/;
/** stderr line srt-live-transmit prints when its SRT input is connected (caller or listener). */
export const SLT_SOURCE_CONNECTED = /SRT source connected|Accepted SRT source connection/;
/** srt-live-transmit's stdout is block-buffered: up to this many bytes appear only at exit. */
export const SLT_STDOUT_SLACK = 8192;

/** ffmpeg's quiet, non-interactive options. */
export const FFMPEG_QUIET: readonly string[] = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

/** Encodes `seconds` of ffmpeg's test picture into an MPEG-TS file (H.264, 320x240, 25 fps). */
export async function makeTestTs(file: string, seconds: number): Promise<void> {
  const gen = spawnPeer('ffmpeg', [...FFMPEG_QUIET, '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', file], { name: 'ffmpeg-gen', stdio: ['ignore', 'pipe', 'pipe'] });
  const st = await gen.waitExit(30000);
  if (st.code !== 0) throw new Error(`ffmpeg could not make the test TS\n${gen.diag()}`);
}

/** An ffmpeg SRT listener on 127.0.0.1:port (latency 200 ms, in ffmpeg's µs) copying to `dst`; resolves once it answers. */
export async function ffmpegListener(port: number, dst: string): Promise<PeerHandle> {
  const ffl = spawnPeer('ffmpeg', [...FFMPEG_QUIET, '-y', '-i', `srt://127.0.0.1:${port}?mode=listener&latency=200000`,
    '-c', 'copy', '-f', 'mpegts', dst], { name: 'ffmpeg-listener', stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForSrtListener(port, { peer: ffl });
  return ffl;
}
