/**
 * Bench helpers: child-process registry (nothing outlives the bench), /proc CPU and
 * memory readings, free UDP ports, SRT listener probe, line waits on a child's stderr.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';

// ------------------------------------------------------------------ children

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Last 16 KiB of stderr. */
  stderr(): string;
  exited: Promise<number | null>;
  hasExited(): boolean;
}

const children = new Set<Child>();

/** Spawns and registers a child; stderr is kept (bounded) for diagnostics and line waits. */
export function spawnChild(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  if (proc.pid === undefined) throw new Error(`could not spawn ${name}: ${cmd}`);
  let err = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (s: string) => {
    err += s;
    if (err.length > 32768) err = err.slice(-16384);
  });
  // A child that dies while we write into it must not kill the bench with EPIPE.
  proc.stdin?.on('error', () => {});
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? (signal ? -1 : null));
    });
    proc.once('error', () => {
      done = true;
      resolve(-2);
    });
  });
  const c: Child = { name, proc, pid: proc.pid, stderr: () => err, exited, hasExited: () => done };
  children.add(c);
  void exited.then(() => children.delete(c));
  return c;
}

/** SIGTERM, then SIGKILL after graceMs if still alive. */
export async function stopChild(c: Child, graceMs = 1500): Promise<void> {
  if (c.hasExited()) return;
  try { c.proc.kill('SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { c.proc.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
  await c.exited;
  clearTimeout(t);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, 1000)));
}

/** Synchronous last resort (process 'exit', signals, crashes). */
export function killAllNow(): void {
  for (const c of children) {
    try { c.proc.kill('SIGKILL'); } catch { /* gone */ }
  }
  children.clear();
}

let guarded = false;
/** Makes sure no child survives the bench, whatever way it ends. */
export function installExitGuards(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAllNow();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('uncaughtException', (e) => {
    console.error('bench: uncaught exception:', e);
    killAllNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    console.error('bench: unhandled rejection:', e);
    killAllNow();
    process.exit(1);
  });
}

/** Resolves when `re` matches the child's accumulated stderr; rejects on exit or timeout. */
export function waitForStderr(c: Child, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (re.test(c.stderr())) return resolve();
    const onData = () => {
      if (re.test(c.stderr())) finish();
    };
    const finish = (e?: Error) => {
      clearTimeout(t);
      c.proc.stderr?.off('data', onData);
      c.proc.off('exit', onExit);
      if (e) reject(e);
      else resolve();
    };
    const onExit = () => finish(new Error(`${c.name} exited before printing ${re}\n${c.stderr().slice(-2000)}`));
    const t = setTimeout(() => finish(new Error(`${c.name}: no ${re} on stderr within ${timeoutMs} ms\n${c.stderr().slice(-2000)}`)), timeoutMs);
    // Registered after spawnChild's own listener, so stderr() already holds the new text.
    c.proc.stderr?.on('data', onData);
    c.proc.once('exit', onExit);
  });
}

/** Counts bytes flowing out of a stream (e.g. srt-live-transmit's stdout). */
export function countBytes(r: Readable | null | undefined): { bytes: () => number; ended: Promise<void> } {
  let n = 0;
  const ended = new Promise<void>((resolve) => {
    if (!r) return resolve();
    r.on('data', (b: Buffer) => { n += b.length; });
    r.once('end', () => resolve());
    r.once('close', () => resolve());
    r.once('error', () => resolve());
  });
  return { bytes: () => n, ended };
}

// ------------------------------------------------------------------ /proc

export const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86/arm (checked with getconf here)

/** utime + stime of a process (all threads), in µs, or NaN if it is gone. */
export function cpuTimeUs(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces: fields start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state); utime is field 14, stime 15.
    const ticks = Number(f[11]) + Number(f[12]);
    return (ticks * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** utime + stime per thread (µs), keyed by `comm` (threads of the same name summed). */
export function threadCpuUs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out[comm] = (out[comm] ?? 0) + ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
    } catch {
      /* thread ended */
    }
  }
  return out;
}

/**
 * Time the threads of `pid` spent runnable but waiting for a CPU (/proc/<pid>/task/<tid>/schedstat,
 * the run-queue wait), summed, µs: what a process under test lost to others on a busy machine.
 */
export function runQueueWaitUs(pid: number): number {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let sum = 0;
  for (const tid of tids) {
    try {
      sum += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1000;
    } catch {
      /* thread ended */
    }
  }
  return sum;
}

/** Busy CPU time of the whole machine (all CPUs, /proc/stat), µs: to spot runs disturbed by other work. */
export function systemBusyUs(): number {
  const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = l[3] + (l[4] ?? 0);
  return ((l.reduce((a, b) => a + b, 0) - idle) * 1e6) / CLK_TCK;
}

/** A field of /proc/<pid>/status in bytes (VmHWM, VmRSS), or NaN. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ------------------------------------------------------------------ network

/** A UDP port that was free a moment ago (bind port 0, read it, close). */
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

/** A 64-byte SRT induction request; any listener answers it statelessly (it does not use up an accept). */
function inductionPacket(): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x80000000, 0);
  b.writeUInt32BE(4, 16);
  b.writeUInt32BE(2, 20);
  b.writeUInt32BE(crypto.randomInt(0, 0x7fffffff), 24);
  b.writeUInt32BE(1500, 28);
  b.writeUInt32BE(8192, 32);
  b.writeInt32BE(1, 36);
  b.writeUInt32BE(crypto.randomInt(1, 0x3fffffff), 40);
  b.writeUInt32BE(0x0100007f, 48);
  return b;
}

/** Resolves once an SRT listener answers an induction on 127.0.0.1:port. */
export function waitForSrtListener(port: number, timeoutMs = 5000): Promise<void> {
  const sock = dgram.createSocket('udp4');
  const probe = inductionPacket();
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (e?: Error) => {
      clearInterval(timer);
      clearTimeout(deadline);
      sock.close();
      if (e) reject(e);
      else resolve();
    };
    const deadline = setTimeout(() => done(new Error(`no SRT listener on 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', () => { /* ICMP unreachable until it listens */ });
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port === port && msg.length >= 16 && (msg[0] & 0x80)) done();
    });
    sock.bind(0, '127.0.0.1', () => {
      const send = () => sock.send(probe, port, '127.0.0.1', () => {});
      send();
      timer = setInterval(send, 50);
    });
  });
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A node child running a compiled bench script, with an IPC channel for its reports. */
export function nodeChild(name: string, script: string, args: (string | number)[], stdin: 'pipe' | 'ignore', stdout = false): Child {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the srt-stream children only.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return spawnChild(name, process.execPath, [...extra, script, ...args.map(String)], { stdio: [stdin, stdout ? 'pipe' : 'ignore', 'pipe', 'ipc'] });
}

/** Waits for an IPC message of `type` from a child; rejects on its 'error' message, exit or timeout. */
export function waitMsg<T = Record<string, unknown>>(c: Child, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: { type?: string; message?: string }) => {
      if (m?.type === type) finish(undefined, m as T);
      else if (m?.type === 'error') finish(new Error(`${c.name}: ${m.message}`));
    };
    const onExit = () => finish(new Error(`${c.name} exited while waiting for '${type}'\n${c.stderr().slice(-2000)}`));
    const finish = (e?: Error, v?: T) => {
      clearTimeout(t);
      c.proc.off('message', onMsg);
      c.proc.off('exit', onExit);
      if (e) reject(e);
      else resolve(v as T);
    };
    const t = setTimeout(() => finish(new Error(`${c.name}: no '${type}' within ${timeoutMs} ms\n${c.stderr().slice(-2000)}`)), timeoutMs);
    c.proc.on('message', onMsg);
    c.proc.once('exit', onExit);
  });
}
