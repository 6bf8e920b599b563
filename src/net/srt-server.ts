/**
 * SrtServer: a listener on one UDP socket, demultiplexing any number of
 * callers into accepted SrtSockets, with net.Server's API and semantics.
 * Handshakes arrive addressed to socket ID 0; the SYN cookie keeps the
 * listener stateless until a caller proves it can receive our replies.
 */
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { HandshakeRejection, negotiateAsResponder, rejectionResponse, type ConclusionRequest } from '../protocol/handshake';
import { decodeHandshake, encodeHandshake, encodePeerIp, Handshake, HandshakeType } from '../protocol/handshake-packet';
import { Listener } from '../protocol/listener';
import { ControlType, decodePacket, encodeControl } from '../protocol/packet';
import type { Refusal } from '../protocol/refusal-cache';
import { RejectReason, rejectReasonName } from '../protocol/reject-reason';
import { tsWrap } from '../protocol/sequence';
import { nowUs } from './clock';
import { srtError, type SrtError } from './errors';
import { ConnectionRequest } from './connection-request';
import {
  cryptoFor,
  handshakeConfig,
  passphraseOf,
  resolveBacklog,
  resolveOptions,
  ResolvedOptions,
  ServerOptions,
  SrtOptions,
  withOverrides,
} from './options';
import { SrtSocket } from './srt-socket';
import type { TypedListener } from './typed-events';
import { UdpMux } from './udp-mux';

/** What the 'reject' event reports about a refused caller. */
export interface RejectInfo {
  address: string;
  port: number;
  /** libsrt's name, e.g. 'SRT_REJ_BADSECRET'. */
  reason: string;
  /** libsrt's code (the wire value minus 1000). */
  rejectCode: number;
  /** The caller's stream ID, when its handshake got that far. */
  streamId?: string;
  message?: string;
}

export interface ServerCounters {
  /** Handshakes dropped: malformed, bad cookie, unexpected type. */
  handshakesDropped: number;
  /** Rejection replies sent (a caller repeating a refused CONCLUSION counts each time). */
  rejected: number;
  /** Of those, refusals repeated from the refusal cache without redoing the checks. */
  rejectedFromCache: number;
  accepted: number;
}

type ConnectionListener = (socket: SrtSocket) => void;

/** SrtServer's events and their arguments, net.Server's where they exist. */
export interface SrtServerEvents {
  /** The UDP socket is bound: address() is known. */
  listening: [];
  /** A caller was accepted. */
  connection: [socket: SrtSocket];
  /** A caller asks to connect: accept or reject it (only when there is a listener for this event). */
  request: [request: ConnectionRequest];
  /** A caller was refused (bad passphrase, rejected request, backlog...). */
  reject: [info: RejectInfo];
  /** The UDP socket failed (EADDRINUSE, EACCES...). */
  error: [err: SrtError];
  /** close() completed: the last accepted connection closed too. */
  close: [];
  /** A bug: a handler threw on a datagram, which was dropped (counted in muxCounters.handlerErrors). */
  handlerError: [err: Error];
}

/** What listen(options) takes, as net.Server's. */
export interface ListenOptions {
  /** Default 0: a port chosen by the system. */
  port?: number;
  /** Default '0.0.0.0'; an IPv6 address ('::') listens on IPv6 (and IPv4-mapped unless ipv6Only). */
  host?: string;
  /** Overrides the server's ipv6Only option for this listen. */
  ipv6Only?: boolean;
  /** Aborting closes the server, as server.close(). */
  signal?: AbortSignal;
}

/**
 * Typed listeners: a handler of the wrong shape does not compile. (Declared here, not inherited
 * from a generic interface: a class's own declarations may narrow its base class's methods.)
 */
export interface SrtServer {
  on<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  once<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  off<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  addListener<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  removeListener<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  prependListener<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  prependOnceListener<E extends keyof SrtServerEvents>(event: E, listener: TypedListener<SrtServerEvents[E]>): this;
  emit<E extends keyof SrtServerEvents>(event: E, ...args: SrtServerEvents[E]): boolean;
}

export class SrtServer extends EventEmitter {
  /** Kept private: it may hold a passphrase. */
  readonly #options: ServerOptions;
  private readonly resolved: ResolvedOptions;
  private mux?: UdpMux;
  /** The handshake decisions (cookies, repeats, backlog, refusals), sans I/O. */
  private readonly listener: Listener;
  private readonly startUs = nowUs();
  private closing = false;
  listening = false;
  /** Callers not yet accepted (pending 'request' decisions) beyond which new ones get SRT_REJ_BACKLOG. */
  readonly backlog: number;
  readonly counters: ServerCounters = { handshakesDropped: 0, rejected: 0, rejectedFromCache: 0, accepted: 0 };

  constructor(options: ServerOptions = {}, listener?: ConnectionListener) {
    super();
    this.#options = options;
    this.resolved = resolveOptions(options);
    this.backlog = resolveBacklog(options.backlog);
    this.listener = new Listener({ backlog: this.backlog, keyLen: passphraseOf(this.resolved) ? this.resolved.pbKeyLen : 0 });
    if (listener) this.on('connection', listener);
    if (options.onRequest) this.on('request', options.onRequest);
  }

  /**
   * Binds the UDP socket and starts accepting callers, as net.Server.listen: `listen(port, host, cb)`
   * or `listen({ port, host, ipv6Only, signal }, cb)`.
   */
  listen(options: ListenOptions, cb?: () => void): this;
  listen(port?: number, host?: string, cb?: () => void): this;
  listen(port: number, cb?: () => void): this;
  listen(a?: number | ListenOptions, b?: string | (() => void), c?: () => void): this {
    const o: ListenOptions = typeof a === 'object' && a !== null ? a : { port: a, host: typeof b === 'string' ? b : undefined };
    const cb = typeof b === 'function' ? b : c;
    if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
      throw srtError('ERR_SOCKET_BAD_PORT', `options.port should be >= 0 and < 65536. Received ${String(o.port)}.`);
    }
    if (this.mux) throw srtError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    if (cb) this.once('listening', cb);
    const address = o.host || '0.0.0.0';
    const mux = new UdpMux(address.includes(':') ? 'udp6' : 'udp4', o.ipv6Only ?? this.resolved.ipv6Only, this.resolved.ipTtl);
    this.mux = mux;
    mux.requestHandler = (msg, rinfo) => this.onRequest(msg, rinfo);
    mux.on('error', (err: SrtError) => this.emit('error', err));
    mux.on('handlerError', (err: Error) => this.emit('handlerError', err));
    mux.bind(o.port ?? 0, address).then(
      () => {
        if (this.mux !== mux) return; // closed (aborted) while binding
        this.listening = true;
        this.emit('listening');
      },
      (err: SrtError) => {
        if (this.mux !== mux) return;
        this.mux = undefined;
        mux.close();
        this.emit('error', err);
      },
    );
    if (o.signal) this.closeOnAbort(o.signal, mux);
    return this;
  }

  /** listen({ signal }): an abort closes the server, as net's (at once when already aborted). */
  private closeOnAbort(signal: AbortSignal, mux: UdpMux): void {
    const onAbort = () => {
      if (this.mux === mux && !this.closing) this.close();
    };
    if (signal.aborted) return void process.nextTick(onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
    // Closed otherwise: the signal no longer holds a reference to this server.
    this.once('close', () => signal.removeEventListener('abort', onAbort));
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.mux || !this.listening) return null;
    return this.mux.socket.address();
  }

  /** Datagram counters of the shared UDP socket (malformed, unknown destination...). */
  get muxCounters() {
    return this.mux?.counters;
  }

  /** Refuse callers beyond this many open connections (SRT_REJ_BACKLOG), as net.Server's. */
  get maxConnections(): number | undefined {
    return this.listener.maxConnections;
  }

  set maxConnections(n: number | undefined) {
    this.listener.maxConnections = n;
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.listener.connections;
    process.nextTick(() => cb(null, n));
    return this;
  }

  /**
   * Stops accepting; existing connections go on. 'close' is emitted (and the
   * UDP socket closed) once every accepted connection has closed.
   */
  close(cb?: (err?: Error) => void): this {
    if (!this.mux || this.closing) {
      const err = srtError('ERR_SERVER_NOT_RUNNING', 'Server is not running.');
      if (cb) process.nextTick(() => cb(err));
      return this;
    }
    if (cb) this.once('close', () => cb());
    this.closing = true;
    this.listener.closing = true;
    this.listening = false;
    this.maybeFinishClose();
    return this;
  }

  private maybeFinishClose(): void {
    if (!this.closing || this.listener.connections > 0 || !this.mux) return;
    this.listener.clear();
    this.mux.close();
    this.mux = undefined;
    this.closing = false;
    this.listener.closing = false;
    process.nextTick(() => this.emit('close'));
  }

  ref(): this {
    this.mux?.socket.ref();
    return this;
  }

  unref(): this {
    this.mux?.socket.unref();
    return this;
  }

  // ------------------------------------------------------------------ handshakes

  private encodeHs(hs: Handshake, destId: number): Buffer {
    return encodeControl(ControlType.HANDSHAKE, 0, tsWrap(nowUs() - this.startUs), destId, encodeHandshake(hs));
  }

  /** A handshake addressed to socket ID 0: the listener decides, this does what it says. */
  private onRequest(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const pkt = decodePacket(msg);
    const hs = pkt && pkt.kind === 'control' ? decodeHandshake(pkt.body) : null;
    if (!pkt || !hs) {
      this.counters.handshakesDropped++;
      return;
    }
    const d = this.listener.handle(hs, rinfo, Date.now(), this.listenerCount('request') > 0);
    switch (d.kind) {
      case 'drop':
        this.counters.handshakesDropped++;
        return;
      case 'silent':
        return;
      case 'reply':
        return this.mux!.send(this.encodeHs(d.hs, hs.socketId), rinfo.port, rinfo.address);
      case 'repeat':
        return this.mux!.send(d.datagram, rinfo.port, rinfo.address);
      case 'refuse':
        if (d.fromCache) {
          // Refused before with this cookie: said again without the checks (PBKDF2...) or a new 'reject' event.
          this.counters.rejectedFromCache++;
          this.counters.rejected++;
          this.mux!.send(this.encodeHs(rejectionResponse(hs, d.refusal.reason, this.mux!.allocateId()), hs.socketId), rinfo.port, rinfo.address);
          return;
        }
        this.reject(hs, d.refusal, rinfo);
        // An HSv4 (pre-1.3) caller also gets a SHUTDOWN, as libsrt sends one.
        if (d.shutdown) this.mux!.send(encodeControl(ControlType.SHUTDOWN, 0, tsWrap(nowUs() - this.startUs), hs.socketId), rinfo.port, rinfo.address);
        return;
      case 'admit':
        if (d.ask) return this.ask(hs, pkt.timestamp, d.key, d.request, rinfo);
        return this.accept(hs, pkt.timestamp, nowUs(), d.key, d.request, rinfo);
    }
  }

  /** Shows the caller to the application ('request') and acts on its decision, now or later. */
  private ask(hs: Handshake, hsTimestamp: number, key: string, request: ConclusionRequest, rinfo: dgram.RemoteInfo): void {
    const arrivalUs = nowUs();
    const streamId = request.streamId;
    this.emit('request', new ConnectionRequest(rinfo.address, rinfo.port, streamId, {
      accept: (overrides) => {
        if (overrides) resolveOptions(withOverrides(this.#options, overrides)); // throws to the application on bad options
        this.listener.decided(key, Date.now());
        if (!this.mux || this.closing) return void this.reject(hs, { reason: RejectReason.CLOSE, streamId }, rinfo);
        this.accept(hs, hsTimestamp, arrivalUs, key, request, rinfo, overrides);
      },
      reject: (code) => {
        if (!this.mux || !this.listener.isUndecided(key, Date.now())) return;
        this.listener.decided(key, Date.now(), this.reject(hs, { reason: code, streamId }, rinfo));
      },
    }));
  }

  /** Refuses a caller on the wire and tells the application who and why ('reject' event); returns the reply sent. */
  private reject(hs: Handshake, refusal: Refusal, rinfo: dgram.RemoteInfo): Buffer {
    this.counters.rejected++;
    const reply = this.encodeHs(rejectionResponse(hs, refusal.reason, this.mux!.allocateId()), hs.socketId);
    this.mux!.send(reply, rinfo.port, rinfo.address);
    const info: RejectInfo = { address: rinfo.address, port: rinfo.port, reason: rejectReasonName(refusal.reason), rejectCode: refusal.reason };
    if (refusal.streamId !== undefined) info.streamId = refusal.streamId;
    if (refusal.message) info.message = refusal.message;
    this.emit('reject', info);
    return reply;
  }

  private accept(
    hs: Handshake,
    hsTimestamp: number,
    arrivalUs: number,
    key: string,
    request: ConclusionRequest,
    rinfo: dgram.RemoteInfo,
    overrides?: SrtOptions,
  ): void {
    const mux = this.mux!;
    const socket = new SrtSocket(overrides ? withOverrides(this.#options, overrides) : this.#options);
    const o = socket.options;
    const socketId = mux.allocateId();
    const crypto = cryptoFor(o);
    let result;
    try {
      result = negotiateAsResponder(hs, request, handshakeConfig(o, socketId, hs.isn, crypto));
    } catch (err) {
      if (!(err instanceof HandshakeRejection)) throw err;
      const refusal: Refusal = { reason: err.reason, streamId: request.streamId, message: err.message };
      // A repeat with this cookie is refused from the cache: no second PBKDF2 for a wrong passphrase.
      this.listener.refusedAfterAdmit(rinfo, hs.cookie, refusal, Date.now());
      return void this.reject(hs, refusal, rinfo);
    }
    result.response.peerIp = encodePeerIp(rinfo.address);
    const startUs = nowUs();
    // The accepted socket's clock starts now; its reply carries that clock.
    const reply = encodeControl(ControlType.HANDSHAKE, 0, 0, hs.socketId, encodeHandshake(result.response));
    mux.send(reply, rinfo.port, rinfo.address);
    this.listener.opened(key, reply);
    this.counters.accepted++;
    socket.once('close', () => {
      this.listener.closed(key);
      this.maybeFinishClose();
    });
    socket.attach({
      mux,
      ownsMux: false,
      socketId,
      peerAddress: rinfo.address,
      peerPort: rinfo.port,
      negotiated: result.negotiated,
      startUs,
      hsArrivalUs: arrivalUs,
      hsTimestamp,
      crypto,
      // A repeated CONCLUSION can also come addressed to the new ID.
      onHandshake: (msg2) => {
        const p2 = decodePacket(msg2);
        const hs2 = p2 && p2.kind === 'control' ? decodeHandshake(p2.body) : null;
        if (hs2 && hs2.reqType === HandshakeType.CONCLUSION) mux.send(reply, rinfo.port, rinfo.address);
      },
    });
    this.emit('connection', socket);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.mux) return;
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }
}

export function createServer(options?: ServerOptions | ConnectionListener, listener?: ConnectionListener): SrtServer {
  if (typeof options === 'function') return new SrtServer({}, options);
  return new SrtServer(options ?? {}, listener);
}
