/**
 * Our side of the interop tests: start an SrtServer / connect an SrtSocket with bounded waits, so a
 * missing or broken implementation fails fast with a clear message instead of hanging mocha.
 * Everything opened here is closed by cleanupPeers() (see ./interop).
 */
import { connect, createServer } from '../../src/index';
import type { SrtServer, SrtSocket, ConnectOptions, ServerOptions, SrtStats } from '../../src/index';
import { expect } from 'chai';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, SLT_TARGET_CONNECTED, delay, describeMismatch, freeUdpPort,
  onCleanup, pacedWrite, randomBytes, spawnPeer, waitForSrtListener, withTimeout,
} from './interop';

export interface StartedServer {
  server: SrtServer;
  port: number;
  /** Every accepted socket, in order. */
  sockets: SrtSocket[];
  /** The next accepted socket (the n-th, 0-based, if given), or rejects after timeoutMs. */
  nextConnection(timeoutMs: number, diag?: () => string): Promise<SrtSocket>;
}

function destroyQuietly(s: SrtSocket): void {
  try { s.on('error', () => { /* after the test */ }); s.destroy(); } catch { /* stub or closed */ }
}

/** createServer(options) + listen(port, host) with a bounded wait for the listen callback. */
export async function startServer(options: ServerOptions, port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<StartedServer> {
  const sockets: SrtSocket[] = [];
  const waiters: Array<() => void> = [];
  let taken = 0;
  const server = createServer(options, (sock: SrtSocket) => {
    sockets.push(sock);
    onCleanup(() => destroyQuietly(sock));
    for (const w of waiters.splice(0)) w();
  });
  onCleanup(() => new Promise<void>((resolve) => {
    try { server.close(() => resolve()); } catch { resolve(); }
    setTimeout(resolve, 2000).unref();
  }));
  await withTimeout(new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  }), timeoutMs, `SrtServer.listen(${port}, '${host}') did not call back within ${timeoutMs} ms`);
  const addr = server.address();
  if (!addr || addr.port !== port) throw new Error(`SrtServer.address() returned ${JSON.stringify(addr)}, expected port ${port}`);
  return {
    server,
    port,
    sockets,
    nextConnection(ms: number, diag: () => string = () => '') {
      const idx = taken++;
      return withTimeout(new Promise<SrtSocket>((resolve) => {
        const check = () => { if (sockets.length > idx) resolve(sockets[idx]); else waiters.push(check); };
        check();
      }), ms, () => `no connection #${idx + 1} accepted by SrtServer on port ${port} within ${ms} ms\n${diag()}`);
    },
  };
}

/** connect(options) and wait (bounded) for 'connect'; rejects with the socket's 'error'. */
export async function connectTo(options: ConnectOptions, timeoutMs = 10000, diag: () => string = () => ''): Promise<SrtSocket> {
  const sock = connect(options);
  onCleanup(() => destroyQuietly(sock));
  await withTimeout(new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => reject(Object.assign(new Error(`connect to ${options.host}:${options.port} failed: ${e.message}` +
      ` (code ${(e as any).code}, reason ${(e as any).reason})\n${diag()}`), { cause: e }));
    sock.once('error', onErr);
    sock.once('connect', () => { sock.off('error', onErr); resolve(); });
  }), timeoutMs, () => `SrtSocket did not emit 'connect' to ${options.host}:${options.port} within ${timeoutMs} ms\n${diag()}`);
  return sock;
}

/** Waits for the socket's 'end' (peer SHUTDOWN) or 'close'; rejects after timeoutMs. */
export function waitForEndOrClose(sock: SrtSocket, timeoutMs: number, what: string): Promise<string> {
  return withTimeout(new Promise<string>((resolve) => {
    if ((sock as any).readableEnded) return resolve('end');
    sock.once('end', () => resolve('end'));
    sock.once('close', () => resolve('close'));
  }), timeoutMs, () => `${what}: socket emitted neither 'end' nor 'close' within ${timeoutMs} ms`);
}

/** Stats for assertion messages; never throws. */
export function statsText(sock: SrtSocket | undefined): string {
  if (!sock) return 'stats: (no socket)';
  try {
    const s = sock.getStats();
    const keys: (keyof SrtStats)[] = ['pktSent', 'pktRecv', 'pktSndLoss', 'pktRcvLoss', 'pktRetrans', 'pktRcvDrop', 'pktSndDrop', 'msRTT', 'pktSndBuf', 'pktRcvBuf'];
    return 'stats: ' + keys.filter((k) => k in s).map((k) => `${k}=${s[k]}`).join(' ');
  } catch (e) {
    return `stats: getStats() threw ${(e as Error).message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios shared by several test files

/**
 * Sends `bytes` paced at `bitrate` from connect() to a srt-live-transmit listener and checks its stdout.
 * End of stream: srt-live-transmit's stdout is block-buffered and flushed only at exit, so the test
 * waits until all but SLT_STDOUT_SLACK bytes arrived, lets the rest reach it (latency + margin), then
 * calls end(): our SHUTDOWN must make it (-a no) exit, flushing stdout. If it does not exit, SIGINT it
 * (which also flushes), check the data, and fail on the exit.
 */
export async function connectToSlt(opts: {
  bytes: number; bitrate: number; seed: string; latency?: number; timeoutMs: number;
  /** Extra options for our caller (e.g. passphrase, pbKeyLen, kmRefreshRate). */
  srt?: Partial<ConnectOptions>;
  /** Extra URI query for srt-live-transmit's listener, e.g. 'passphrase=...&pbkeylen=32'. */
  sltQuery?: string;
  /** Called once connected, before any data is sent. */
  onConnected?: (sock: SrtSocket) => void;
}): Promise<SrtSocket> {
  const port = await freeUdpPort();
  const data = randomBytes(opts.bytes, opts.seed);
  const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}${opts.sltQuery ? `?${opts.sltQuery}` : ''}`, 'file://con'], { name: 'slt-listener' });
  const out = new ByteCollector(slt.proc.stdout!);
  await waitForSrtListener(port, { peer: slt });

  const latency = opts.latency ?? 200;
  const sock = await connectTo({ host: '127.0.0.1', port, latency, streamId: 'cam1', payloadSize: 1316, ...opts.srt }, 10000, () => slt.diag());
  opts.onConnected?.(sock);
  await pacedWrite(sock, data, { bitrate: opts.bitrate, chunkSize: 1316 * 4, end: false });
  await out.waitForBytes(data.length - SLT_STDOUT_SLACK, opts.timeoutMs, () => `${statsText(sock)}\n${slt.diag()}`);
  await delay(latency + 500);

  sock.end();
  let exitedOnShutdown = true;
  try { await slt.waitExit(10000); } catch { exitedOnShutdown = false; await slt.kill('SIGINT'); }
  await out.done;
  const got = out.buffer();
  expect(got.equals(data), `${describeMismatch(got, data)}\n${statsText(sock)}\n${slt.diag()}`).to.equal(true);
  expect(exitedOnShutdown, `srt-live-transmit -a no did not exit within 10 s of our end() (SHUTDOWN)\n${slt.diag()}`).to.equal(true);
  expect(slt.exitStatus?.code, slt.diag()).to.equal(0);
  return sock;
}

/**
 * srt-live-transmit caller (stdin pipe, -chunk N) -> our SrtServer: checks streamId and that `bytes`
 * paced at `bitrate` arrive byte-exact; with checkEnd, that SIGINT on srt-live-transmit (SHUTDOWN)
 * ends our socket.
 */
export async function sltCallerToServer(opts: {
  streamId: string; chunk: number; bytes: number; seed: string; bitrate?: number; timeoutMs?: number; checkEnd?: boolean;
  /** Extra options for our SrtServer (e.g. passphrase, pbKeyLen). */
  server?: Partial<ServerOptions>;
  /** Extra URI query for srt-live-transmit's caller, e.g. 'passphrase=...&pbkeylen=24'. */
  sltQuery?: string;
  /** Called with the accepted socket once srt-live-transmit's output is connected. */
  onConnected?: (sock: SrtSocket) => void;
}): Promise<SrtSocket> {
  const port = await freeUdpPort();
  const srv = await startServer({ latency: 120, ...opts.server }, port);
  const data = randomBytes(opts.bytes, opts.seed);
  expect(data.length % opts.chunk, 'srt-live-transmit drops a partial last stdin block').to.equal(0);

  const url = `srt://127.0.0.1:${port}?streamid=${opts.streamId}${opts.sltQuery ? `&${opts.sltQuery}` : ''}`;
  const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', String(opts.chunk), 'file://con', url], { name: 'slt-caller' });
  const sock = await srv.nextConnection(10000, () => slt.diag());
  const got = new ByteCollector(sock);
  // srt-live-transmit drops stdin read before its output is connected
  await slt.waitForStderr(SLT_TARGET_CONNECTED, 10000);

  expect(sock.streamId, `streamId (${opts.streamId.length} chars)`).to.equal(opts.streamId);
  opts.onConnected?.(sock);

  await pacedWrite(slt.proc.stdin!, data, { bitrate: opts.bitrate ?? 20e6, chunkSize: opts.chunk }) // ends stdin: see SLT_FEED_NOTE;
  await got.waitForBytes(data.length, opts.timeoutMs ?? 20000, () => `${statsText(sock)}\n${slt.diag()}`);
  await delay(100);
  expect(got.buffer().equals(data), `${describeMismatch(got.buffer(), data)}\n${statsText(sock)}\n${slt.diag()}`).to.equal(true);

  if (opts.checkEnd) {
    // srt-live-transmit closes its socket on SIGINT: libsrt sends SHUTDOWN, our socket must end.
    await slt.kill('SIGINT');
    await waitForEndOrClose(sock, 5000, `after srt-live-transmit exited (${slt.diag()})`);
  }
  return sock;
}

