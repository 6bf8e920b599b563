/**
 * SrtSocket: a connected SRT socket as a Node stream Duplex (byte mode).
 * Writes are split into payload-size packets; every received payload is pushed
 * as one chunk. The protocol runs in SrtConnection (sans I/O); this class binds
 * it to a UdpMux; its timers run from the process scheduler (scheduler.ts), and
 * once per event-loop turn after the turn's datagrams.
 */
import type dgram from 'node:dgram';
import { Duplex } from 'readable-stream';
import { ConnectionConfig, SrtConnection } from '../protocol/connection';
import type { CryptoControl } from '../protocol/crypto-control';
import type { Negotiated } from '../protocol/handshake';
import { SrtFlag } from '../protocol/handshake-packet';
import { KmState } from '../protocol/km-message';
import { MessageAssembler } from '../protocol/message-assembler';
import { ControlType, DataPacket, decodePacket, Position } from '../protocol/packet';
import { fecConfigOf, filterMaxPayload } from '../protocol/packet-filter-config';
import { Ctr, emptyStats, type SrtStats } from '../protocol/stats';
import { nowUs } from './clock';
import { SrtError, srtError } from './errors';
import { ResolvedOptions, resolveOptions, resolveRuntimeOptions, type RuntimeOptions, SrtOptions } from './options';
import { Scheduled, scheduler } from './scheduler';
import type { DuplexEvents, TypedListener } from './typed-events';
import type { MuxEndpoint, UdpMux } from './udp-mux';

/** What a finished handshake hands to the socket. */
export interface AttachParams {
  mux: UdpMux;
  /** The caller's mux belongs to its socket and closes with it; a server's does not. */
  ownsMux: boolean;
  socketId: number;
  peerAddress: string;
  peerPort: number;
  negotiated: Negotiated;
  /** Local clock origin of our timestamps, µs. */
  startUs: number;
  /** Local arrival time and peer timestamp of the handshake that carried HSREQ/HSRSP. */
  hsArrivalUs: number;
  hsTimestamp: number;
  /** Called with every handshake datagram addressed to this socket after connection. */
  onHandshake?: (msg: Buffer, rinfo: dgram.RemoteInfo) => void;
  /** Encryption state agreed in the handshake. */
  crypto?: CryptoControl;
}

const KM_STATE_NAMES = Object.fromEntries(Object.entries(KmState).map(([k, v]) => [v, `SRT_KM_S_${k}`]));

type WriteCallback = (err?: Error | null) => void;

/** SrtSocket's events and their arguments, net.Socket's where they exist. */
export interface SrtSocketEvents extends DuplexEvents<SrtError> {
  /** The handshake completed (connect()); accepted sockets are connected already. */
  connect: [];
  /** Same time as 'connect', as net.Socket. */
  ready: [];
  /** setTimeout()'s idle time passed; the connection stays open. */
  timeout: [];
}

/**
 * Typed listeners: a handler of the wrong shape does not compile. (Declared here, not inherited
 * from a generic interface: a class's own declarations may narrow its base class's methods.)
 */
export interface SrtSocket {
  on<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  once<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  off<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  addListener<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  removeListener<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  prependListener<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  prependOnceListener<E extends keyof SrtSocketEvents>(event: E, listener: TypedListener<SrtSocketEvents[E]>): this;
  emit<E extends keyof SrtSocketEvents>(event: E, ...args: SrtSocketEvents[E]): boolean;
}

export class SrtSocket extends Duplex implements MuxEndpoint, Scheduled {
  /** The stream ID the caller sent (on a caller: the one it asked for). */
  streamId = '';
  /** The packet filter in force once connected, as negotiated with the peer (SRTO_PACKETFILTER); '' for none. */
  packetFilter = '';
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
  bytesRead = 0;
  bytesWritten = 0;
  /** True until the handshake completes. */
  connecting = false;
  /** In rendezvous, the role the cookie contest gave us ('initiator' sends the HSREQ). */
  rendezvousRole?: 'initiator' | 'responder';
  /** @internal */ readonly options: ResolvedOptions;
  /** @internal */ engine?: SrtConnection;
  /** @internal */ socketId = 0;
  private params?: AttachParams;
  /** @internal When the process scheduler runs our timers (local µs); Infinity when not scheduled. */
  dueUs = Infinity;
  /** Performing the engine's outbox (see flush). */
  private flushing = false;
  /** The reader asked for more while a flush was pushing. */
  private readWanted = false;
  /** A tick is due at the end of this event-loop turn (datagrams arrived). */
  private tickScheduled = false;
  private pending?: { chunk: Buffer; offset: number; cb: WriteCallback };
  /** Message API: joins the packets of a message (PP first..last), bounded by the receive buffer. */
  private assembler?: MessageAssembler;
  private finalCb?: WriteCallback;
  private finalDeadlineUs = 0;
  private lastSubmitUs = 0;
  private idleMs = 0;
  private idleTimer?: NodeJS.Timeout;
  private lastActivityMs = 0;
  /** endReadable() ran: the peer's end was pushed. */
  private readEnding = false;
  /** @internal connect()'s hook: a socket destroyed during its handshake stops the handshake. */
  onDestroyedInternal?: () => void;

  constructor(options: SrtOptions = {}) {
    super({
      allowHalfOpen: false, // as net.Socket: SRT has no half-close
      decodeStrings: true,
      // Message API: one write = one message, one read = one message.
      objectMode: !!options.messageApi,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    this.options = resolveOptions(options);
    this.streamId = this.options.streamId;
  }

  get localAddress(): string | undefined {
    return this.params?.mux.socket.address().address;
  }

  get localPort(): number | undefined {
    return this.params?.mux.socket.address().port;
  }

  get localFamily(): string | undefined {
    return this.params?.mux.socket.address().family;
  }

  /** 'opening' while connecting, then 'open', like net.Socket. */
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.destroyed) return 'closed';
    return this.engine && !this.engine.closed ? 'open' : 'closed';
  }

  /** True when data is encrypted in both directions (like tls.TLSSocket.encrypted). */
  get encrypted(): boolean {
    const c = this.params?.crypto;
    return !!c && c.sendsEncrypted && c.receivesEncrypted;
  }

  /** libsrt's SRTO_SNDKMSTATE / SRTO_RCVKMSTATE, e.g. 'SRT_KM_S_SECURED'. */
  get kmState(): { send: string; receive: string } {
    const c = this.params?.crypto;
    return { send: KM_STATE_NAMES[c?.sndKmState ?? 0], receive: KM_STATE_NAMES[c?.rcvKmState ?? 0] };
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    return this.params ? this.params.mux.socket.address() : {};
  }

  /** @internal Binds a completed handshake: creates the engine and starts its timers. */
  attach(p: AttachParams): void {
    this.params = p;
    this.socketId = p.socketId;
    this.remoteAddress = p.peerAddress;
    this.remotePort = p.peerPort;
    this.remoteFamily = p.peerAddress.includes(':') ? 'IPv6' : 'IPv4';
    if (p.negotiated.streamId) this.streamId = p.negotiated.streamId;
    this.packetFilter = p.negotiated.packetFilter;
    const o = this.options;
    const n = p.negotiated;
    const cfg: ConnectionConfig = {
      socketId: p.socketId,
      peerSocketId: n.peerSocketId,
      isn: n.isn,
      peerIsn: n.peerIsn,
      // AES-GCM's 16-byte tag comes out of the payload, and so does the fec filter's header (a
      // filter the peer imposed too). The handshake refused an MSS below 76, so the floor of 1
      // is a last guard against empty packets.
      payloadSize: Math.max(1, Math.min(o.payloadSize, filterMaxPayload(n.packetFilter, n.mss - 44 - (p.crypto?.overhead ?? 0)))),
      rcvLatency: n.rcvLatency,
      sndLatency: n.sndLatency,
      flowWindow: Math.min(n.peerFlightFlagSize, o.fc),
      rcvBufPackets: o.rcvBuf,
      sndBufPackets: o.sndBuf,
      startUs: p.startUs,
      tsbpdBaseUs: p.hsArrivalUs - p.hsTimestamp,
      tsbpdRefTimestamp: p.hsTimestamp,
      peerIdleTimeoutMs: o.peerIdleTimeout,
      maxBw: o.maxBw,
      inputBw: o.inputBw,
      minInputBw: o.minInputBw,
      overheadBw: o.overheadBw,
      tlpktDrop: o.tlpktDrop,
      nakReport: o.nakReport,
      lossMaxTtl: o.lossMaxTtl,
      crypto: p.crypto,
      // TSBPD on receive only when the peer timestamps for it (live) and we want it; file mode delivers at once.
      tsbpd: o.transType !== 'file' && o.tsbpdMode && (n.peerFlags & SrtFlag.TSBPDSND) !== 0,
      fileMode: o.transType === 'file',
      peerNakReport: (n.peerFlags & SrtFlag.NAKREPORT) !== 0,
      sndDropDelay: o.sndDropDelay,
      retransmitAlgo: o.retransmitAlgo,
      driftTracer: o.driftTracer,
      mss: n.mss,
      fec: fecConfigOf(n.packetFilter),
    };
    const now = nowUs();
    this.engine = new SrtConnection(cfg, now);
    p.mux.register(p.socketId, this);
    this.connecting = false;
    this.touch();
    this.tickAndArm(now);
  }

  /** Runs the engine's timers, performs what they produced and arms the timer for the next deadline. */
  private tickAndArm(now: number): void {
    const engine = this.engine!;
    engine.out.deliveryRoom = this.deliveryRoom();
    let deadline = engine.tick(now);
    this.flush();
    if (this.finalCb && !this.destroyed) deadline = Math.min(deadline, this.checkFinal(now));
    this.arm(deadline);
  }

  /** Packets the reader can take now: the room left under its highWaterMark (at least one). */
  private deliveryRoom(): number {
    if (this.readableObjectMode) return Infinity;
    const room = this.readableHighWaterMark - this.readableLength;
    return room <= 0 ? 1 : Math.ceil(room / this.engine!.cfg.payloadSize);
  }

  /**
   * Performs the engine's effects: sends its datagrams, pushes what it delivered, and acts on
   * drain / peer closed / broken. The engine never calls back; a 'data' handler that writes
   * during a push only adds to the outbox, which this loop empties.
   */
  private flush(): void {
    const engine = this.engine;
    const p = this.params;
    if (!engine || !p || this.flushing) return;
    this.flushing = true;
    const out = engine.out;
    try {
      while (!out.empty && !this.destroyed) {
        this.sendOut();
        for (let i = 0; i < out.delivered.length; i++) {
          const pkt = out.delivered[i];
          if (!this.onDeliver(pkt.payload, pkt)) engine.pauseDelivery();
        }
        out.delivered.length = 0;
        if (this.readWanted) {
          this.readWanted = false;
          engine.out.deliveryRoom = this.deliveryRoom();
          engine.resumeDelivery(nowUs());
        }
        if (out.broken !== undefined) {
          const why = out.broken;
          out.clear();
          this.destroy(srtError('ECONNRESET', `SRT connection broken: ${why}`));
          return;
        }
        if (out.peerClosed) {
          out.peerClosed = false;
          this.onPeerClosed();
        }
        if (out.drain) {
          out.drain = false;
          this.pump();
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Sends the datagrams the engine queued. */
  private sendOut(): void {
    const p = this.params!;
    const datagrams = this.engine!.out.datagrams;
    for (let i = 0; i < datagrams.length; i++) p.mux.send(datagrams[i], p.peerPort, p.peerAddress);
    datagrams.length = 0;
  }

  /** @internal Datagram addressed to our socket ID. */
  onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const p = this.params;
    const engine = this.engine;
    if (!p || !engine) return;
    // Only the connected peer may talk to this socket.
    if (rinfo.port !== p.peerPort || rinfo.address !== p.peerAddress) {
      engine.counters.add(Ctr.pktRecvInvalid);
      return;
    }
    const pkt = decodePacket(msg);
    if (!pkt) return;
    if (pkt.kind === 'control' && pkt.type === ControlType.HANDSHAKE) {
      engine.receive(pkt, nowUs()); // still proof of life
      p.onHandshake?.(msg, rinfo);
      return;
    }
    engine.out.deliveryRoom = this.deliveryRoom();
    const now = nowUs();
    engine.receive(pkt, now);
    // A live data packet that produced nothing waits for its play time, and the scheduler already
    // runs our timers within 2 ms: no tick this turn (a tick per datagram at 100 Mbit/s otherwise).
    if (pkt.kind === 'data' && engine.out.empty && engine.cfg.tsbpd !== false && this.dueUs <= now + 2000) return;
    // The timers (sending included) run once per event-loop turn, after all of the turn's datagrams.
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    setImmediate(this.runScheduledTick);
  }

  private readonly runScheduledTick = (): void => {
    this.tickScheduled = false;
    if (this.engine && !this.destroyed) this.tickAndArm(nowUs());
  };

  // ------------------------------------------------------------------ timers

  /** Keeps the engine's next deadline with the process scheduler (one timer for all sockets). */
  private arm(deadlineUs: number): void {
    if (deadlineUs === Infinity) scheduler.cancel(this);
    else if (!this.destroyed) scheduler.schedule(this, deadlineUs, nowUs());
  }

  /** @internal Called by the scheduler when our deadline comes. */
  onDue(now: number): void {
    if (!this.engine || this.destroyed) return;
    this.tickAndArm(now);
  }

  // ------------------------------------------------------------------ writing

  override _write(chunk: Buffer | string, enc: BufferEncoding, cb: WriteCallback): void {
    if (typeof chunk === 'string') chunk = Buffer.from(chunk, enc); // object mode does not decode strings
    else if (!Buffer.isBuffer(chunk)) {
      cb(Object.assign(new TypeError('SrtSocket writes take a Buffer, Uint8Array or string'), { code: 'ERR_INVALID_ARG_TYPE' }));
      return;
    }
    if (this.options.messageApi && this.options.transType === 'live') {
      // Live mode sends a message as one packet: refuse what cannot fit rather than cut it.
      const max = this.engine ? this.engine.cfg.payloadSize : this.options.payloadSize;
      if (chunk.length > max) {
        cb(srtError('EMSGSIZE', `message of ${chunk.length} bytes exceeds the payload size (${max} bytes) in live mode`));
        return;
      }
    }
    if (this.connecting || !this.engine) {
      // Held until 'connect'; Writable buffers further writes behind this one.
      this.pending = { chunk, offset: 0, cb };
      return;
    }
    if (this.engine.closed) {
      cb(srtError('EPIPE', 'This socket has been ended by the other party'));
      return;
    }
    this.pending = { chunk, offset: 0, cb };
    this.pump();
  }

  /** Moves the pending chunk into the send buffer, packet by packet, as far as it has room. */
  private pump(): void {
    const engine = this.engine;
    const w = this.pending;
    if (!engine || !w || this.connecting) return;
    const size = engine.cfg.payloadSize;
    const now = nowUs();
    // The chunk's packets are queued, then sent in one pass (not one pass per packet).
    let queued = 0;
    while (w.offset < w.chunk.length) {
      if (!engine.canWrite()) {
        engine.sendWritten(now, queued);
        this.tickAndArm(now);
        return; // the engine's drain calls pump again
      }
      const end = Math.min(w.offset + size, w.chunk.length);
      // Message API: a message of several packets goes out as first, middle..., last (file mode).
      let position: number = Position.SOLO;
      if (this.options.messageApi && w.chunk.length > size) {
        position = w.offset === 0 ? Position.FIRST : end === w.chunk.length ? Position.LAST : Position.MIDDLE;
      }
      // Zero copy: the packet payload is a view of the written chunk.
      engine.write(w.chunk.subarray(w.offset, end), now, position, false);
      queued++;
      this.bytesWritten += end - w.offset;
      w.offset = end;
    }
    engine.sendWritten(now, queued);
    this.lastSubmitUs = now;
    this.pending = undefined;
    this.touch();
    this.tickAndArm(now);
    w.cb();
  }

  /** end(): wait until the peer acknowledged everything and could play it, then SHUTDOWN. */
  override _final(cb: WriteCallback): void {
    if (!this.engine) {
      if (this.connecting) {
        this.once('connect', () => this._final(cb));
        return;
      }
      cb();
      return;
    }
    if (this.engine.closed) {
      cb();
      return;
    }
    this.finalCb = cb;
    this.finalDeadlineUs = nowUs() + this.options.linger * 1000;
    this.arm(this.checkFinal(nowUs()));
  }

  /** Returns when to check again; sends SHUTDOWN and finishes once flushed (or at linger). */
  private checkFinal(now: number): number {
    const engine = this.engine!;
    const cb = this.finalCb!;
    if (engine.flushed && !engine.closed) {
      // libsrt discards what it has not played when SHUTDOWN arrives: let the
      // last packet reach its play time at the peer first.
      const playedAt = this.lastSubmitUs + engine.cfg.sndLatency * 1000 + engine.rtt.srtt + 20_000;
      if (now < playedAt && now < this.finalDeadlineUs) return playedAt;
    } else if (!engine.closed && now < this.finalDeadlineUs) {
      return now + 10_000;
    }
    this.finalCb = undefined;
    // The peer closed before acknowledging what we wrote: it is lost, so end() fails as a
    // write to a closed net.Socket does (libsrt's sender gets "connection lost" too).
    const lost = engine.closed && !engine.flushed;
    engine.shutdown(now);
    this.sendOut();
    if (lost) {
      cb(srtError('EPIPE', 'SRT peer closed the connection before acknowledging all data'));
      return Infinity;
    }
    cb();
    this.endReadable();
    return Infinity;
  }

  // ------------------------------------------------------------------ reading

  override _read(): void {
    // Resume after push() returned false; until then packets waited in the
    // engine's bounded receive buffer (and past it are dropped, as libsrt does).
    const engine = this.engine;
    if (!engine || engine.closed) return;
    if (this.flushing) {
      this.readWanted = true; // a read during a push: the flush loop resumes delivery after its pushes
      return;
    }
    const now = nowUs();
    engine.out.deliveryRoom = this.deliveryRoom();
    engine.resumeDelivery(now);
    if (!this.destroyed) this.tickAndArm(now);
  }

  private onDeliver(payload: Buffer, pkt: DataPacket): boolean {
    this.bytesRead += payload.length;
    this.touch();
    if (!this.options.messageApi || pkt.position === Position.SOLO) return this.push(payload);
    // A message of several packets: pushed whole, or dropped if a part is missing or it outgrows the buffer.
    this.assembler ??= new MessageAssembler(this.options.rcvBuf);
    const dropped = this.assembler.oversizeDropped;
    const msg = this.assembler.add(payload, pkt);
    if (this.assembler.oversizeDropped !== dropped) this.engine!.counters.add(Ctr.pktRcvMsgOversize, this.assembler.oversizeDropped - dropped);
    return msg ? this.push(msg) : true;
  }

  private onPeerClosed(): void {
    if (this.pending) {
      // As net: writing to a socket the peer has closed is EPIPE.
      this.destroy(srtError('EPIPE', 'SRT peer closed the connection with data still unsent'));
      return;
    }
    this.endReadable();
    if (!this.writableEnded) this.end();
  }

  /**
   * Ends the readable side. As net with allowHalfOpen false, the socket is destroyed after 'end'
   * (everything received was read) once the writable side has finished too: 'end' comes before
   * 'close' whether the reader is 'data', for await or pipeline.
   */
  private endReadable(): void {
    if (this.readEnding) return;
    this.readEnding = true;
    this.push(null);
    this.once('end', () => (this.writableFinished ? this.destroy() : this.once('finish', () => this.destroy())));
    // Nothing left unread: 'end' now, even when nobody reads (a socket only written to).
    if (this.readableLength === 0) this.read(0);
  }

  // ------------------------------------------------------------------ lifecycle

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    scheduler.cancel(this);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const p = this.params;
    if (this.engine && !this.engine.closed) {
      this.engine.shutdown(nowUs());
      if (this.params) this.sendOut();
    }
    if (p) {
      p.mux.unregister(p.socketId);
      if (p.ownsMux) p.mux.close();
    }
    if (this.pending) {
      const w = this.pending;
      this.pending = undefined;
      w.cb(err ?? srtError('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed'));
    }
    if (this.finalCb) {
      // Destroyed while end() waited for the peer's acknowledgements: end() did not complete.
      const cb = this.finalCb;
      this.finalCb = undefined;
      cb(err ?? srtError('ERR_STREAM_DESTROYED', 'destroyed before the peer acknowledged all data'));
    }
    this.onDestroyedInternal?.();
    cb(err);
  }

  /** @internal Called by connect() when the handshake fails. */
  failConnect(err: SrtError): void {
    this.connecting = false;
    this.destroy(err);
  }

  /** @internal Called by connect() once attached. */
  connected(): void {
    this.emit('connect');
    this.emit('ready');
    if (this.pending) this.pump();
  }

  /**
   * Idle timeout as net.Socket: 'timeout' after `ms` without data in or out;
   * the connection stays open. 0 disables.
   */
  setTimeout(ms: number, cb?: () => void): this {
    if (cb) this.once('timeout', cb);
    this.idleMs = ms;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (ms > 0) this.armIdle(ms);
    return this;
  }

  private touch(): void {
    this.lastActivityMs = Date.now();
  }

  private armIdle(delay: number): void {
    this.idleTimer = setTimeout(() => {
      const idle = Date.now() - this.lastActivityMs;
      if (idle >= this.idleMs) {
        this.emit('timeout');
        this.lastActivityMs = Date.now();
        this.armIdle(this.idleMs);
      } else {
        this.armIdle(this.idleMs - idle);
      }
    }, delay);
    this.idleTimer.unref();
  }

  /**
   * Changes options on a live socket, as libsrt's srt_setsockflag after connect: the sending
   * bandwidth (maxBw, inputBw, minInputBw, overheadBw; the pacing follows at once), linger,
   * lossMaxTtl (the reorder tolerance restarts at the new maximum, as libsrt's), sndDropDelay and
   * driftTracer.
   * Other options throw ERR_SRT_OPTION_NOT_RUNTIME; bad values throw as in connect().
   */
  setOptions(changes: RuntimeOptions): this {
    const r = resolveRuntimeOptions(changes);
    const o = this.options as { -readonly [K in keyof ResolvedOptions]: ResolvedOptions[K] };
    Object.assign(o, r);
    this.engine?.setBandwidth({ maxBw: o.maxBw, inputBw: o.inputBw, minInputBw: o.minInputBw, overheadBw: o.overheadBw });
    if (r.lossMaxTtl !== undefined) this.engine?.setLossMaxTtl(r.lossMaxTtl);
    this.engine?.setConfig({ sndDropDelay: r.sndDropDelay, driftTracer: r.driftTracer });
    return this;
  }

  /** libsrt-style statistics (srt_bstats names); `clear` resets the interval counters. */
  getStats(opts: { clear?: boolean } = {}): SrtStats {
    if (!this.engine) return emptyStats();
    return this.engine.stats(nowUs(), !!opts.clear);
  }

  /** Keeps the process alive while this socket is open (default), like net.Socket.ref(). */
  ref(): this {
    this.params?.mux.socket.ref();
    return this;
  }

  unref(): this {
    this.params?.mux.socket.unref();
    return this;
  }
}
