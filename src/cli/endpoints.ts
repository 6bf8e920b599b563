import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Readable, Writable, type Duplex } from 'node:stream';
import { connect, createServer, type RejectInfo, type SrtSocket } from '../index';
import { fmtHost, type EndpointSpec, type SrtSpec, type TcpSpec, type UdpSpec } from './endpoint-spec';

/** Opens INPUT / OUTPUT endpoints as Node streams (the I/O half of endpoint-spec). */

export interface OpenContext {
  /** Verbose log line (connection events); a no-op unless -v. */
  log(msg: string): void;
  /** Aborted on SIGINT/SIGTERM while still waiting for a peer. */
  signal: AbortSignal;
}

export interface Opened {
  stream: Readable | Writable | Duplex;
  /** Set for srt:// endpoints (stats). */
  srt?: SrtSocket;
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

function abortError(): Error {
  return Object.assign(new Error('interrupted'), { code: 'ABORT_ERR', name: 'AbortError' });
}

/**
 * Resolves when `emitter` emits `event`; rejects on `errors`' 'error' (default: the same emitter) or on
 * abort. `onFail` (close what was opened) runs on abort and on error.
 */
function waitFor<T extends unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
  ctx: OpenContext,
  onFail: () => void,
  errors: NodeJS.EventEmitter = emitter,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      emitter.removeListener(event, onEvent);
      errors.removeListener('error', onError);
      ctx.signal.removeEventListener('abort', abort);
    };
    const onEvent = (...args: unknown[]) => { cleanup(); resolve(args as T); };
    const onError = (err: Error) => { cleanup(); onFail(); reject(err); };
    const abort = () => { cleanup(); onFail(); reject(abortError()); };
    if (ctx.signal.aborted) { abort(); return; }
    emitter.on(event, onEvent);
    errors.on('error', onError);
    ctx.signal.addEventListener('abort', abort, { once: true });
  });
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

async function openSrt(spec: SrtSpec, ctx: OpenContext, role: 'input' | 'output'): Promise<Opened> {
  if (spec.mode === 'caller' || spec.mode === 'rendezvous') {
    // connect() may throw synchronously (bad options): that is a runtime error like a failed connect.
    const sock = connect({
      ...spec.options,
      host: spec.host,
      port: spec.port,
      rendezvous: spec.mode === 'rendezvous',
      ...(spec.localAddress !== undefined ? { localAddress: spec.localAddress } : {}),
      ...(spec.localPort !== undefined ? { localPort: spec.localPort } : {}),
    });
    ctx.log(`connecting to ${spec.label} (${role})`);
    await waitFor(sock, 'connect', ctx, () => sock.destroy());
    ctx.log(`connected to ${spec.label}${sock.streamId ? ` streamid=${JSON.stringify(sock.streamId)}` : ''}`);
    return { stream: sock as unknown as Duplex, srt: sock, peerClosed: { value: false }, release() {} };
  }

  const server = createServer(spec.options);
  const gate = new EventEmitter(); // 'first': the one accepted caller
  let accepted = false;
  let closed = false;
  const closeServer = () => {
    if (!closed) { closed = true; server.close(); }
  };
  // Like srt-live-transmit: the first caller only; the listener is closed once it is accepted.
  // A refused caller (minversion, passphrase...) is worth a line: it may be the one expected.
  server.on('reject', (r: RejectInfo) => ctx.log(`refused ${fmtHost(r.address)}:${r.port}: ${r.reason}${r.message ? ` (${r.message})` : ''}`));
  server.on('connection', (sock: SrtSocket) => {
    if (accepted) { sock.destroy(); return; }
    accepted = true;
    gate.emit('first', sock);
  });
  if (spec.host) server.listen(spec.port, spec.host);
  else server.listen(spec.port);
  await waitFor(server, 'listening', ctx, closeServer);
  const a = server.address();
  ctx.log(`listening on srt://${a ? `${fmtHost(a.address)}:${a.port}` : `${fmtHost(spec.host)}:${spec.port}`} (${role}), waiting for a caller`);
  const [sock] = await waitFor<[SrtSocket]>(gate, 'first', ctx, closeServer, server);
  closeServer();
  server.on('error', (err: Error) => ctx.log(`listener error after accept: ${err.message}`));
  ctx.log(`accepted ${fmtHost(sock.remoteAddress ?? '?')}:${sock.remotePort ?? '?'}${sock.streamId ? ` streamid=${JSON.stringify(sock.streamId)}` : ''}`);
  return { stream: sock as unknown as Duplex, srt: sock, peerClosed: { value: false }, release: closeServer };
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
  const gate = new EventEmitter(); // 'first': the one accepted connection
  let accepted = false;
  const server = net.createServer((sock) => {
    if (accepted) { sock.destroy(); return; }
    accepted = true;
    server.close(); // first connection only
    gate.emit('first', sock);
  });
  if (spec.host) server.listen(spec.port, spec.host);
  else server.listen(spec.port);
  const closeServer = () => { if (server.listening) server.close(); };
  await waitFor(server, 'listening', ctx, closeServer);
  const a = server.address() as net.AddressInfo;
  ctx.log(`listening on tcp://${fmtHost(a.address)}:${a.port}, waiting for a connection`);
  const [sock] = await waitFor<[net.Socket]>(gate, 'first', ctx, closeServer, server);
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
