/**
 * SrtServer: a listener on one UDP socket, demultiplexing any number of
 * callers into accepted SrtSockets, with net.Server's API and semantics.
 * Handshakes arrive addressed to socket ID 0; the SYN cookie keeps the
 * listener stateless until a caller proves it can receive our replies.
 */
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import {
  CookieJar,
  HandshakeRejection,
  inductionResponse,
  negotiateAsResponder,
  parseConclusionRequest,
  rejectionResponse,
} from '../protocol/handshake';
import { decodeHandshake, encodeHandshake, encodePeerIp, Handshake, HandshakeType } from '../protocol/handshake-packet';
import { ControlType, decodePacket, encodeControl } from '../protocol/packet';
import { RejectReason, rejectReasonName } from '../protocol/reject-reason';
import { tsWrap } from '../protocol/sequence';
import { nowUs } from './clock';
import { srtError } from './errors';
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
import { Refusal, RefusalCache } from './refusal-cache';
import { SrtSocket } from './srt-socket';
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

/** An accepted caller, remembered so a repeated CONCLUSION gets the same reply. */
interface Accepted {
  socket: SrtSocket;
  reply: Buffer;
}

/** A caller the application is deciding on ('request' event); repeats of its CONCLUSION wait. */
interface Pending {
  timer: NodeJS.Timeout;
  /** Set once rejected: repeats of the CONCLUSION get the same refusal (for a while). */
  rejectReply?: Buffer;
}

/** An undecided caller is forgotten after its connect timeout could have run out. */
const UNDECIDED_MS = 30_000;
/** A rejected one is remembered this long, to repeat the refusal if our reply was lost. */
const REJECTED_MS = 5_000;

type ConnectionListener = (socket: SrtSocket) => void;

export class SrtServer extends EventEmitter {
  /** Kept private: it may hold a passphrase. */
  readonly #options: ServerOptions;
  private readonly resolved: ResolvedOptions;
  private mux?: UdpMux;
  private readonly cookies = new CookieJar();
  private readonly accepted = new Map<string, Accepted>();
  private readonly pending = new Map<string, Pending>();
  /** Entries of `pending` without a decision yet: what the backlog bounds. */
  private undecided = 0;
  private readonly startUs = nowUs();
  private closing = false;
  listening = false;
  /** Refuse callers beyond this many open connections (SRT_REJ_BACKLOG). */
  maxConnections?: number;
  /** Callers not yet accepted (pending 'request' decisions) beyond which new ones get SRT_REJ_BACKLOG. */
  readonly backlog: number;
  readonly counters: ServerCounters = { handshakesDropped: 0, rejected: 0, rejectedFromCache: 0, accepted: 0 };
  private readonly refusals = new RefusalCache();

  constructor(options: ServerOptions = {}, listener?: ConnectionListener) {
    super();
    this.#options = options;
    this.resolved = resolveOptions(options);
    this.backlog = resolveBacklog(options.backlog);
    if (listener) this.on('connection', listener);
    if (options.onRequest) this.on('request', options.onRequest);
  }

  listen(port?: number, host?: string | (() => void), cb?: () => void): this {
    if (typeof host === 'function') {
      cb = host;
      host = undefined;
    }
    if (cb) this.once('listening', cb);
    if (this.mux) throw srtError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    const address = host ?? '0.0.0.0';
    const mux = new UdpMux(address.includes(':') ? 'udp6' : 'udp4', !!this.#options.ipv6Only);
    this.mux = mux;
    mux.requestHandler = (msg, rinfo) => this.onRequest(msg, rinfo);
    mux.on('error', (err: Error) => this.emit('error', err));
    mux.on('handlerError', (err: Error) => this.emit('handlerError', err));
    mux.bind(port ?? 0, address).then(
      () => {
        this.listening = true;
        this.emit('listening');
      },
      (err: Error) => {
        this.mux = undefined;
        mux.close();
        this.emit('error', err);
      },
    );
    return this;
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.mux || !this.listening) return null;
    return this.mux.socket.address();
  }

  /** Datagram counters of the shared UDP socket (malformed, unknown destination...). */
  get muxCounters() {
    return this.mux?.counters;
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.accepted.size;
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
    this.listening = false;
    this.maybeFinishClose();
    return this;
  }

  private maybeFinishClose(): void {
    if (!this.closing || this.accepted.size > 0 || !this.mux) return;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.undecided = 0;
    this.refusals.clear();
    this.mux.close();
    this.mux = undefined;
    this.closing = false;
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

  private sendHs(hs: Handshake, destId: number, rinfo: dgram.RemoteInfo): Buffer {
    const buf = encodeControl(ControlType.HANDSHAKE, 0, tsWrap(nowUs() - this.startUs), destId, encodeHandshake(hs));
    this.mux!.send(buf, rinfo.port, rinfo.address);
    return buf;
  }

  private onRequest(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const pkt = decodePacket(msg);
    const hs = pkt && pkt.kind === 'control' ? decodeHandshake(pkt.body) : null;
    if (!pkt || !hs) {
      this.counters.handshakesDropped++;
      return;
    }
    if (hs.reqType === HandshakeType.INDUCTION) {
      if (this.closing) return; // not accepting: let the caller time out, as a closed port would
      const cookie = this.cookies.bake(rinfo.address, rinfo.port, Date.now());
      const keyLen = passphraseOf(this.resolved) ? this.resolved.pbKeyLen : 0;
      this.sendHs(inductionResponse(hs, cookie, keyLen), hs.socketId, rinfo);
      return;
    }
    if (hs.reqType !== HandshakeType.CONCLUSION) {
      this.counters.handshakesDropped++; // rendezvous and stray agreements are not for a listener
      return;
    }
    const key = `${rinfo.address}|${rinfo.port}|${hs.socketId}`;
    const known = this.accepted.get(key);
    if (known) {
      // Our reply was lost: the caller repeats its CONCLUSION; repeat the reply.
      this.mux!.send(known.reply, rinfo.port, rinfo.address);
      return;
    }
    const pending = this.pending.get(key);
    if (pending) {
      // Still deciding: let the caller keep trying; once refused, repeat the refusal.
      if (pending.rejectReply) this.mux!.send(pending.rejectReply, rinfo.port, rinfo.address);
      return;
    }
    if (!this.cookies.check(hs.cookie, rinfo.address, rinfo.port, Date.now())) {
      this.counters.handshakesDropped++;
      return;
    }
    const refused = this.refusals.get(rinfo.address, rinfo.port, hs.cookie, Date.now());
    if (refused) {
      // Refused before with this cookie: say so again without redoing the checks (PBKDF2...).
      this.counters.rejectedFromCache++;
      this.counters.rejected++;
      this.sendHs(rejectionResponse(hs, refused.reason, this.mux!.allocateId()), hs.socketId, rinfo);
      return;
    }
    if (hs.version < 5) {
      // An HSv4 (pre-1.3) caller: refuse clearly, and SHUTDOWN as libsrt does.
      this.reject(hs, RejectReason.VERSION, rinfo);
      this.mux!.send(encodeControl(ControlType.SHUTDOWN, 0, tsWrap(nowUs() - this.startUs), hs.socketId), rinfo.port, rinfo.address);
      return;
    }
    if (this.closing) return void this.reject(hs, RejectReason.CLOSE, rinfo);
    if (this.maxConnections !== undefined && this.accepted.size + this.undecided >= this.maxConnections) {
      return void this.reject(hs, RejectReason.BACKLOG, rinfo);
    }
    if (this.listenerCount('request') === 0) return this.accept(hs, pkt.timestamp, nowUs(), key, rinfo);
    if (this.undecided >= this.backlog) return void this.reject(hs, RejectReason.BACKLOG, rinfo);
    this.ask(hs, pkt.timestamp, key, rinfo);
  }

  /** Shows the caller to the application ('request') and acts on its decision, now or later. */
  private ask(hs: Handshake, hsTimestamp: number, key: string, rinfo: dgram.RemoteInfo): void {
    let parsed;
    try {
      parsed = parseConclusionRequest(hs);
    } catch (err) {
      if (err instanceof HandshakeRejection) return void this.refuse(hs, rinfo, { reason: err.reason, message: err.message });
      throw err;
    }
    const arrivalUs = nowUs();
    const forget = () => {
      if (this.pending.get(key) !== entry) return;
      this.pending.delete(key);
      if (!entry.rejectReply) this.undecided--;
    };
    const entry: Pending = { timer: setTimeout(forget, UNDECIDED_MS).unref() };
    this.pending.set(key, entry);
    this.undecided++;
    const streamId = parsed.streamId;
    const request = new ConnectionRequest(rinfo.address, rinfo.port, streamId, {
      accept: (overrides) => {
        if (overrides) resolveOptions(withOverrides(this.#options, overrides)); // throws to the application on bad options
        clearTimeout(entry.timer);
        forget();
        if (!this.mux || this.closing) return void this.reject(hs, RejectReason.CLOSE, rinfo, streamId);
        this.accept(hs, hsTimestamp, arrivalUs, key, rinfo, overrides);
      },
      reject: (code) => {
        if (!this.mux || this.pending.get(key) !== entry) return;
        this.undecided--;
        // Not cached by cookie: the application may decide otherwise next time (a user just added).
        entry.rejectReply = this.reject(hs, code, rinfo, streamId);
        clearTimeout(entry.timer);
        entry.timer = setTimeout(forget, REJECTED_MS).unref();
      },
    });
    this.emit('request', request);
  }

  /**
   * Refuses a caller for good: on the wire, to the application, and in the refusal cache so that a
   * repeat of its CONCLUSION (same address, port and cookie) is refused without redoing the checks.
   */
  private refuse(hs: Handshake, rinfo: dgram.RemoteInfo, refusal: Refusal): Buffer {
    this.refusals.set(rinfo.address, rinfo.port, hs.cookie, refusal, Date.now());
    return this.reject(hs, refusal.reason, rinfo, refusal.streamId, refusal.message);
  }

  /** Refuses a caller on the wire and tells the application who and why ('reject' event). */
  private reject(hs: Handshake, reason: number, rinfo: dgram.RemoteInfo, streamId?: string, message?: string): Buffer {
    this.counters.rejected++;
    const reply = this.sendHs(rejectionResponse(hs, reason, this.mux!.allocateId()), hs.socketId, rinfo);
    const info: RejectInfo = { address: rinfo.address, port: rinfo.port, reason: rejectReasonName(reason), rejectCode: reason };
    if (streamId !== undefined) info.streamId = streamId;
    if (message) info.message = message;
    this.emit('reject', info);
    return reply;
  }

  private accept(
    hs: Handshake,
    hsTimestamp: number,
    arrivalUs: number,
    key: string,
    rinfo: dgram.RemoteInfo,
    overrides?: SrtOptions,
  ): void {
    const mux = this.mux!;
    const socket = new SrtSocket(overrides ? withOverrides(this.#options, overrides) : this.#options);
    const o = socket.options;
    const socketId = mux.allocateId();
    const crypto = cryptoFor(o);
    let result;
    let streamId: string | undefined;
    try {
      const parsed = parseConclusionRequest(hs);
      streamId = parsed.streamId;
      result = negotiateAsResponder(hs, parsed, handshakeConfig(o, socketId, hs.isn, crypto));
    } catch (err) {
      if (err instanceof HandshakeRejection) return void this.refuse(hs, rinfo, { reason: err.reason, streamId, message: err.message });
      throw err;
    }
    result.response.peerIp = encodePeerIp(rinfo.address);
    const startUs = nowUs();
    // The accepted socket's clock starts now; its reply carries that clock.
    const reply = encodeControl(ControlType.HANDSHAKE, 0, 0, hs.socketId, encodeHandshake(result.response));
    mux.send(reply, rinfo.port, rinfo.address);
    this.accepted.set(key, { socket, reply });
    this.counters.accepted++;
    socket.once('close', () => {
      this.accepted.delete(key);
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
