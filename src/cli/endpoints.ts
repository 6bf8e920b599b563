import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Readable, Writable, type Duplex } from 'node:stream';
import { AcceptingSocket, connect, createServer, ReconnectingSocket, type SrtSocket } from '../index';
import { LineBudget } from '../net/line-budget';
import type { SuccessiveConnections } from '../net/successive-connections';
import type { SrtError } from '../net/errors';
import { resolveOptions, type ConnectOptions, type ResolvedOptions } from '../net/options';
import type { RejectInfo } from '../net/srt-server';
import { fmtHost, type EndpointSpec, type SrtSpec, type TcpSpec, type UdpSpec } from './endpoint-spec';
import type { Logger } from './log';
import { describeReject } from './reject-text';

/** Opens INPUT / OUTPUT endpoints as Node streams (the I/O half of endpoint-spec). */

export interface OpenContext {
  /** Verbose log line (connection events); a no-op unless -v. */
  log(msg: string): void;
  /** Aborted on SIGINT/SIGTERM (or -t) while still waiting for a peer. */
  signal: AbortSignal;
  /** The -ll log: refused callers and calls (warning), connections (note), socket details (debug). */
  logger: Logger;
  /** -a: an SRT caller dials again when its connection ends, a listener takes the next caller. */
  autoReconnect: boolean;
}

export interface Opened {
  stream: Readable | Writable | Duplex;
  /** Set for srt:// endpoints (stats): the connection in use (with -a, the current one). */
  readonly srt?: SrtSocket;
  /** With -a: the series of connections behind `stream` ('connect' and 'disconnect' per connection). */
  series?: SuccessiveConnections;
  /** Set once a bidirectional output's peer has closed its side (receiver went away). */
  peerClosed: { value: boolean };
  /** Releases what the stream itself does not own (e.g. a listening server); idempotent. */
  release(): void;
}

/** One live SRT payload, and 7 × 188-byte TS packets: what srt-live-transmit and ffmpeg send over UDP. */
export const UDP_MAX_DATAGRAM = 1316;
/** Datagrams buffered while the output is slower; beyond that they are dropped (like a full socket buffer). */
const UDP_INPUT_QUEUE = 4096;

export async function openInput(spec: EndpointSpec, ctx: OpenContext): Promise<Opened> {
  switch (spec.kind) {
    case 'stdio':
      return simple(process.stdin);
    case 'file': {
      const s = fs.createReadStream(spec.path);
      await openedOrFailed(s, spec, ctx);
      return simple(s);
    }
    case 'srt':
      return openSrt(spec, ctx, 'input');
    case 'tcp':
      return openTcp(spec, ctx);
    case 'udp':
      return simple(await openUdpInput(spec, ctx));
  }
}

export async function openOutput(spec: EndpointSpec, ctx: OpenContext): Promise<Opened> {
  switch (spec.kind) {
    case 'stdio':
      return simple(process.stdout);
    case 'file': {
      const s = fs.createWriteStream(spec.path);
      await openedOrFailed(s, spec, ctx);
      return simple(s);
    }
    case 'srt':
      return watchPeerClose(await openSrt(spec, ctx, 'output'));
    case 'tcp':
      return watchPeerClose(await openTcp(spec, ctx));
    case 'udp':
      return simple(await openUdpOutput(spec, ctx));
  }
}

function simple(stream: Readable | Writable): Opened {
  return { stream, peerClosed: { value: false }, release() {} };
}

/** We never read an output connection, but must drain it to notice the peer's shutdown ('end'). */
function watchPeerClose(o: Opened): Opened {
  const d = o.stream as Duplex;
  d.once('end', () => { o.peerClosed.value = true; });
  d.resume();
  return o;
}

/**
 * Resolves with `event`'s arguments; rejects on the emitter's 'error' or on abort (an AbortError),
 * after `onFail` closed what was opened.
 */
async function waitFor<T extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, ctx: OpenContext, onFail: () => void): Promise<T> {
  try {
    return (await once(emitter, event, { signal: ctx.signal })) as T;
  } catch (err) {
    onFail();
    throw err;
  }
}

async function openedOrFailed(s: fs.ReadStream | fs.WriteStream, spec: { path: string; label: string }, ctx: OpenContext): Promise<void> {
  try {
    await waitFor(s, 'open', ctx, () => s.destroy());
  } catch (err) {
    // fs names the path in its message: show the label instead, which hides a mistyped URI's passphrase.
    if (err instanceof Error && spec.label !== spec.path) err.message = err.message.split(spec.path).join(spec.label);
    throw err;
  }
}

// ---- SRT ----------------------------------------------------------------------------------------

/** connect()'s options for an srt:// caller or rendezvous. */
function callerOptions(spec: SrtSpec): ConnectOptions {
  return {
    ...spec.options,
    host: spec.host,
    port: spec.port,
    rendezvous: spec.mode === 'rendezvous',
    ...(spec.localAddress !== undefined ? { localAddress: spec.localAddress } : {}),
    ...(spec.localPort !== undefined ? { localPort: spec.localPort } : {}),
  };
}

async function openSrt(spec: SrtSpec, ctx: OpenContext, role: 'input' | 'output'): Promise<Opened> {
  const log = ctx.logger;
  if (ctx.autoReconnect) return openSrtSeries(spec, ctx, role);
  if (spec.mode === 'caller' || spec.mode === 'rendezvous') {
    // connect() may throw synchronously (bad options): that is a runtime error like a failed connect.
    const sock = connect(callerOptions(spec));
    ctx.log(`connecting to ${spec.label} (${role})`);
    log.debug('sockmgmt', `${spec.label}: ${spec.mode} (${role}) connecting; ${describeOptions(resolveOptions(spec.options))}`);
    try {
      await waitFor(sock, 'connect', ctx, () => sock.destroy());
    } catch (err) {
      const e = err as SrtError;
      // A refusal says why (libsrt logs it as a warning too); a timeout is the error exit's line alone.
      if (e.code === 'ECONNREFUSED' && e.rejectCode !== undefined) log.warn('conn', `${spec.label}: connection rejected: ${describeReject(e.rejectCode)}`);
      throw err;
    }
    ctx.log(`connected to ${spec.label}${sock.streamId ? ` streamid=${JSON.stringify(sock.streamId)}` : ''}`);
    log.note('conn', `${spec.label}: connected (${role})${sock.streamId ? ` streamid=${JSON.stringify(sock.streamId)}` : ''}`);
    return { stream: sock as unknown as Duplex, srt: sock, peerClosed: { value: false }, release() {} };
  }

  const server = createServer(spec.options);
  let accepted = false;
  let closed = false;
  const closeServer = () => {
    if (closed) return;
    closed = true;
    server.close();
    const c = server.counters;
    log.debug('sockmgmt', `${spec.label}: listener closed (accepted ${c.accepted}, rejected ${c.rejected}, handshakes dropped ${c.handshakesDropped})`);
  };
  // Like srt-live-transmit: the first caller only; the listener is closed once it is accepted.
  server.on('connection', (sock: SrtSocket) => {
    if (accepted) { sock.destroy(); return; }
    accepted = true;
  });
  server.on('reject', logRejection(spec.label, log));
  if (spec.host) server.listen(spec.port, spec.host);
  else server.listen(spec.port);
  await waitFor(server, 'listening', ctx, closeServer);
  const a = server.address();
  const where = `srt://${a ? `${fmtHost(a.address)}:${a.port}` : `${fmtHost(spec.host)}:${spec.port}`}`;
  ctx.log(`listening on ${where} (${role}), waiting for a caller`);
  log.debug('sockmgmt', `${spec.label}: listening on ${where} (${role}); ${describeOptions(resolveOptions(spec.options))}`);
  const [sock] = await waitFor<[SrtSocket]>(server, 'connection', ctx, closeServer);
  closeServer();
  server.on('error', (err: Error) => ctx.log(`listener error after accept: ${err.message}`));
  const peer = `${fmtHost(sock.remoteAddress ?? '?')}:${sock.remotePort ?? '?'}${sock.streamId ? ` streamid=${JSON.stringify(sock.streamId)}` : ''}`;
  ctx.log(`accepted ${peer}`);
  log.note('conn', `${spec.label}: accepted ${peer} (${role})`);
  return { stream: sock as unknown as Duplex, srt: sock, peerClosed: { value: false }, release: closeServer };
}

/**
 * -a (srt-live-transmit's default): the stream outlives its connections. A caller dials again with
 * backoff when its connection ends or an attempt fails; a listener stays open and takes the next
 * caller. Resolves once the first connection is up.
 */
async function openSrtSeries(spec: SrtSpec, ctx: OpenContext, role: 'input' | 'output'): Promise<Opened> {
  const log = ctx.logger;
  let series: SuccessiveConnections;
  let release = () => {};
  if (spec.mode === 'caller' || spec.mode === 'rendezvous') {
    const r = new ReconnectingSocket(callerOptions(spec));
    // Each failed attempt says why (a refusal with libsrt's code), then the next one starts.
    r.on('reconnect', ({ error, delayMs }) => {
      const why = error?.rejectCode !== undefined ? `connection rejected: ${describeReject(error.rejectCode)}` : error ? error.message : 'closed by the peer';
      log.warn('conn', `${spec.label}: ${why}; connecting again in ${delayMs} ms`);
    });
    series = r;
    ctx.log(`connecting to ${spec.label} (${role}, reconnecting)`);
    log.debug('sockmgmt', `${spec.label}: ${spec.mode} (${role}) connecting; ${describeOptions(resolveOptions(spec.options))}`);
  } else {
    const server = createServer(spec.options);
    server.on('reject', logRejection(spec.label, log));
    series = new AcceptingSocket(server, spec.options);
    let closed = false;
    release = () => {
      if (closed) return;
      closed = true;
      server.close();
    };
    series.once('close', release);
    if (spec.host) server.listen(spec.port, spec.host);
    else server.listen(spec.port);
    await waitFor(server, 'listening', ctx, () => { series.destroy(); release(); });
    // The UDP socket failing later ends the stream with that error (an 'error' nobody hears would crash).
    server.on('error', (err) => series.destroy(err));
    const a = server.address();
    const where = `srt://${a ? `${fmtHost(a.address)}:${a.port}` : `${fmtHost(spec.host)}:${spec.port}`}`;
    ctx.log(`listening on ${where} (${role}), waiting for a caller`);
    log.debug('sockmgmt', `${spec.label}: listening on ${where} (${role}); ${describeOptions(resolveOptions(spec.options))}`);
  }
  series.on('connect', (sock: SrtSocket) => {
    const peer = `${fmtHost(sock.remoteAddress ?? '?')}:${sock.remotePort ?? '?'}${sock.streamId ? ` streamid=${JSON.stringify(sock.streamId)}` : ''}`;
    ctx.log(`${spec.mode === 'listener' ? 'accepted' : 'connected to'} ${spec.mode === 'listener' ? peer : spec.label}`);
    log.note('conn', `${spec.label}: ${spec.mode === 'listener' ? `accepted ${peer}` : 'connected'} (${role})`);
  });
  await waitFor(series, 'connect', ctx, () => { series.destroy(); release(); });
  return {
    stream: series as unknown as Duplex,
    get srt() { return series.socket; },
    series,
    peerClosed: { value: false },
    release,
  };
}

/** Rejection lines logged per second at most: a flood of hostile handshakes must not flood the log. */
const REJECTIONS_LOGGED_PER_SECOND = 20;

/** Logs each refused caller with the reason (libsrt warns too), within a budget per second. */
export function logRejection(label: string, log: Logger, clock: () => number = Date.now): (info: RejectInfo) => void {
  const budget = new LineBudget(REJECTIONS_LOGGED_PER_SECOND, (n) => log.warn('conn', `${label}: ${n} more callers rejected (not logged)`));
  return (info) => {
    if (!budget.take(clock())) return;
    const sid = info.streamId ? ` streamid=${JSON.stringify(info.streamId)}` : '';
    const detail = info.message ? ` (${JSON.stringify(info.message).slice(1, -1)})` : '';
    log.warn('conn', `${label}: rejected caller ${fmtHost(info.address)}:${info.port}${sid}: ${describeReject(info.rejectCode)}${detail}`);
  };
}

/** The socket options that matter when debugging a connection (never the passphrase). */
function describeOptions(o: ResolvedOptions): string {
  return `latency ${o.rcvLatency}/${o.peerLatency} ms, payloadsize ${o.payloadSize}, mss ${o.mss}, fc ${o.fc}, ` +
    `rcvbuf ${o.rcvBuf} pkts, sndbuf ${o.sndBuf} pkts, conntimeo ${o.connectTimeout} ms, peeridletimeo ${o.peerIdleTimeout} ms, ` +
    `maxbw ${o.maxBw}, transtype ${o.transType}, pbkeylen ${o.pbKeyLen}`;
}

// ---- TCP ----------------------------------------------------------------------------------------

async function openTcp(spec: TcpSpec, ctx: OpenContext): Promise<Opened> {
  if (spec.mode === 'caller') {
    const sock = net.connect({ host: spec.host, port: spec.port });
    ctx.log(`connecting to ${spec.label}`);
    await waitFor(sock, 'connect', ctx, () => sock.destroy());
    ctx.log(`connected to ${spec.label}`);
    return { stream: sock, peerClosed: { value: false }, release() {} };
  }
  let accepted = false;
  const server = net.createServer((sock) => {
    if (accepted) { sock.destroy(); return; }
    accepted = true;
    server.close(); // first connection only
  });
  if (spec.host) server.listen(spec.port, spec.host);
  else server.listen(spec.port);
  const closeServer = () => { if (server.listening) server.close(); };
  await waitFor(server, 'listening', ctx, closeServer);
  const a = server.address() as net.AddressInfo;
  ctx.log(`listening on tcp://${fmtHost(a.address)}:${a.port}, waiting for a connection`);
  const [sock] = await waitFor<[net.Socket]>(server, 'connection', ctx, closeServer);
  ctx.log(`accepted ${fmtHost(sock.remoteAddress ?? '?')}:${sock.remotePort ?? '?'}`);
  return { stream: sock, peerClosed: { value: false }, release: closeServer };
}

// ---- UDP ----------------------------------------------------------------------------------------

function udpType(address: string): 'udp4' | 'udp6' {
  return net.isIPv6(address) ? 'udp6' : 'udp4';
}

/** Each datagram is one chunk. UDP cannot be paused: past a bounded queue, datagrams are dropped. */
export class UdpSource extends Readable {
  dropped = 0;
  constructor(private readonly sock: dgram.Socket) {
    super({ objectMode: true, highWaterMark: 64 });
    sock.on('message', (msg: Buffer) => {
      if (this.readableLength >= UDP_INPUT_QUEUE) { this.dropped++; return; }
      this.push(msg);
    });
    sock.on('error', (err) => this.destroy(err));
  }
  override _read(): void {}
  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    try { this.sock.close(); } catch { /* already closed */ }
    cb(err);
  }
}

/** Options that apply to either direction's socket, as srt-live-transmit sets them on both. */
function applyUdpOptions(sock: dgram.Socket, spec: UdpSpec): void {
  if (spec.ttl !== undefined) {
    if (spec.multicast) sock.setMulticastTTL(spec.ttl);
    else sock.setTTL(spec.ttl);
  }
  if (spec.mcLoop !== undefined) sock.setMulticastLoopback(spec.mcLoop);
}

/**
 * A multicast input binds the group address, as srt-live-transmit on POSIX: the socket then gets
 * that group's datagrams only, not every datagram to the port (Windows cannot bind a group: it
 * binds the wildcard). The group is joined on `adapter` (default: the system's choice), and with
 * `source` for that sender only (source-specific multicast).
 */
async function openUdpInput(spec: UdpSpec, ctx: OpenContext): Promise<UdpSource> {
  const host = spec.host;
  const type = host ? udpType(host) : 'udp4';
  const sock = dgram.createSocket({ type, reuseAddr: spec.multicast });
  const bindGroup = spec.multicast && type === 'udp4' && process.platform !== 'win32';
  const bindAddress = spec.multicast && !bindGroup ? undefined : host || undefined;
  sock.bind({ port: spec.port, address: bindAddress });
  await waitFor(sock, 'listening', ctx, () => sock.close());
  try {
    if (spec.multicast && spec.source !== undefined) sock.addSourceSpecificMembership(spec.source, host, spec.localAddress);
    else if (spec.multicast) sock.addMembership(host, spec.localAddress);
    if (spec.rcvBufBytes) sock.setRecvBufferSize(spec.rcvBufBytes);
    applyUdpOptions(sock, spec);
  } catch (err) {
    sock.close();
    throw err;
  }
  const a = sock.address();
  const group = spec.multicast ? `udp://${fmtHost(host)} group${spec.source !== undefined ? ` from ${spec.source}` : ''}, ` : '';
  ctx.log(`receiving on ${group}udp://${fmtHost(a.address)}:${a.port}`);
  return new UdpSource(sock);
}

/** Sends each chunk as datagrams of at most UDP_MAX_DATAGRAM bytes to one resolved address. */
export class UdpSink extends Writable {
  constructor(private readonly sock: dgram.Socket, private readonly address: string, private readonly port: number) {
    super({ highWaterMark: 64 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let pending = Math.ceil(chunk.length / UDP_MAX_DATAGRAM);
    if (pending === 0) { cb(); return; }
    let failed = false;
    const done = (err: Error | null) => {
      if (failed) return;
      if (err) { failed = true; cb(err); return; }
      if (--pending === 0) cb();
    };
    for (let off = 0; off < chunk.length; off += UDP_MAX_DATAGRAM) {
      this.sock.send(chunk.subarray(off, off + UDP_MAX_DATAGRAM), this.port, this.address, done);
    }
  }
  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    try { this.sock.close(); } catch { /* already closed */ }
    cb(err);
  }
}

async function openUdpOutput(spec: UdpSpec, ctx: OpenContext): Promise<UdpSink> {
  // Resolve once, not per datagram.
  const { address } = net.isIP(spec.host) ? { address: spec.host } : await dns.lookup(spec.host);
  const sock = dgram.createSocket(udpType(address));
  // Socket options need a bound socket; without any, the first send binds it.
  if (spec.localAddress !== undefined || spec.localPort !== undefined || spec.sndBufBytes || spec.ttl !== undefined || spec.mcLoop !== undefined) {
    sock.bind({ port: spec.localPort ?? 0, address: spec.multicast ? undefined : spec.localAddress });
    await waitFor(sock, 'listening', ctx, () => sock.close());
    try {
      if (spec.sndBufBytes) sock.setSendBufferSize(spec.sndBufBytes);
      // To a group, adapter= is the interface it goes out of (IP_MULTICAST_IF, as srt-live-transmit).
      if (spec.multicast && spec.localAddress) sock.setMulticastInterface(spec.localAddress);
      applyUdpOptions(sock, spec);
    } catch (err) {
      sock.close();
      throw err;
    }
  }
  sock.on('error', () => { /* surfaced through send callbacks */ });
  ctx.log(`sending to udp://${fmtHost(address)}:${spec.port}`);
  return new UdpSink(sock, address, spec.port);
}
