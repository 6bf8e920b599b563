/**
 * RawPeer: an SRT caller done by hand over a plain node:dgram socket with the project's codecs,
 * for wire-level tests that need a peer free to misbehave. It runs the HSv5 caller handshake step
 * by step (induction, cookie, conclusion with HSREQ, no passphrase) so each step can be bent
 * (another cookie, another caller socket ID, a rogue MSS...), then sends any control or data
 * packet to the server's socket, counts what the server sends back, and can act as a receiver
 * that acknowledges what it got, or stays silent.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { hsreqFlags, SRT_VERSION } from '../../src/protocol/handshake';
import {
  decodeHandshake,
  encodeHandshake,
  encodeHsString,
  encodePeerIp,
  encodeSrtHs,
  Handshake,
  HandshakeType,
  HsExt,
  HsExtFlag,
  HsExtension,
  UDT_DGRAM,
} from '../../src/protocol/handshake-packet';
import {
  AckInfo,
  ControlPacket,
  ControlType,
  DataPacket,
  decodeAck,
  decodePacket,
  encodeAck,
  encodeControl,
  encodeDataPacket,
  encodeDropReq,
  encodeLossList,
  Position,
  SeqRange,
} from '../../src/protocol/packet';
import { REJECT_BASE } from '../../src/protocol/reject-reason';
import { randomIsn, seqCmp, seqInc, tsWrap } from '../../src/protocol/sequence';
import { prng } from '../../src/tools/prng';

/** libsrt resends a handshake every 250 ms until answered. */
const HS_RESEND_MS = 250;
/** A receiver sends a full ACK every 10 ms (when something new arrived). */
const ACK_INTERVAL_MS = 10;
/** Without anything else to send, a KEEPALIVE every second keeps the server's idle timer quiet. */
const KEEPALIVE_MS = 1000;

export interface RawPeerOptions {
  /** Server address; default 127.0.0.1. */
  host?: string;
  port: number;
  /** Seeds the default socket ID and ISN, so a run replays exactly. Default 1. */
  seed?: number;
  /** Our (caller) socket ID; default from the seed, in [1, 2^30). */
  socketId?: number;
  /** Our initial sequence number; with a listener both directions start there. Default from the seed. */
  isn?: number;
  /** MSS in the handshake; default 1500. */
  mss?: number;
  /** Flight flag size in the handshake (the server's initial flow window); default 8192. */
  flightFlagSize?: number;
  /** HSREQ capability flags; default libsrt's live caller (0xBF). */
  hsreqFlags?: number;
  /** HSREQ latencies, ms: ours as receiver, and what we ask of the server as receiver. Default 120 / 0. */
  rcvLatency?: number;
  sndLatency?: number;
  /** Stream ID (SID extension); none when empty or absent. */
  streamId?: string;
  /** Give up a handshake step after this long, ms. Default 3000. */
  handshakeTimeoutMs?: number;
  /** After the handshake, acknowledge received data every 10 ms (unless `silent`). Default true. */
  autoAck?: boolean;
}

/** What a CONCLUSION may carry instead of the peer's own values. */
export interface ConclusionOverrides extends Partial<Omit<Handshake, 'extensions'>> {
  hsreqFlags?: number;
  streamId?: string;
  /** Replaces the whole extension list (HSREQ and SID are then not added). */
  extensions?: HsExtension[];
}

export interface DataOptions {
  /** Default: our next sequence number (which then advances). */
  seq?: number;
  position?: number;
  msgNo?: number;
  retransmitted?: boolean;
  /** Default: µs since this peer started. */
  timestamp?: number;
}

export class RawPeer extends EventEmitter {
  readonly socket: dgram.Socket;
  readonly host: string;
  readonly port: number;
  readonly socketId: number;
  readonly isn: number;
  /** The cookie of the last induction reply. */
  cookie?: number;
  /** The server's socket ID and its CONCLUSION reply, once the handshake completed. */
  serverSocketId = 0;
  reply?: Handshake;
  /** Next sequence number sendData() uses by default. */
  nextSeq: number;
  /** While true, nothing is sent on our own (no ACK, no KEEPALIVE); explicit sends still go out. */
  silent = false;
  autoAck: boolean;

  // ---- what the server sent us
  datagrams = 0;
  bytesReceived = 0;
  dataPackets = 0;
  dataBytes = 0;
  /** Data packets flagged as retransmissions. */
  retransmittedPackets = 0;
  /** Control packets by control type (ControlType values). */
  readonly controlCounts = new Map<number, number>();
  /** Every handshake that reached us, with its datagram size. */
  readonly handshakes: Array<{ hs: Handshake; bytes: number; destId: number }> = [];
  /** Highest data sequence number seen (serial comparison), undefined before the first. */
  maxDataSeq?: number;
  /** Highest sequence number the server acknowledged of our data (its ACKs), undefined before the first. */
  ackedByServer?: number;
  /** ACK numbers the server echoed in ACKACKs. */
  readonly ackAcked = new Set<number>();

  private readonly o: RawPeerOptions;
  private readonly startMs = performance.now();
  private ackNo = 1;
  private ackedUpTo?: number;
  private lastSentMs = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  private constructor(o: RawPeerOptions, socket: dgram.Socket) {
    super();
    this.o = o;
    this.socket = socket;
    this.host = o.host ?? '127.0.0.1';
    this.port = o.port;
    const rand = prng(o.seed ?? 1);
    this.socketId = o.socketId ?? 1 + Math.floor(rand() * 0x3ffffffe);
    this.isn = o.isn ?? randomIsn(rand);
    this.nextSeq = this.isn;
    this.autoAck = o.autoAck ?? true;
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port === this.port && rinfo.address === this.host) this.onDatagram(msg);
      else this.emit('stray', msg, rinfo);
    });
    socket.on('error', (err) => this.emit('socketError', err));
  }

  /** Binds a udp4 socket on 127.0.0.1 (ephemeral port) aimed at the server. */
  static async open(o: RawPeerOptions): Promise<RawPeer> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RawPeer(o, socket);
  }

  /** Our local UDP port. */
  get localPort(): number {
    return this.socket.address().port;
  }

  /** Our 32-bit timestamp now: µs since this peer started. */
  timestamp(): number {
    return tsWrap((performance.now() - this.startMs) * 1000);
  }

  controlCount(type: number): number {
    return this.controlCounts.get(type) ?? 0;
  }

  // ------------------------------------------------------------------ handshake

  /** The INDUCTION a libsrt caller sends: version 4, UDT_DGRAM, cookie 0, to socket ID 0. */
  inductionHandshake(): Handshake {
    return {
      version: 4,
      encryption: 0,
      extField: UDT_DGRAM,
      isn: this.isn,
      mss: this.o.mss ?? 1500,
      flightFlagSize: this.o.flightFlagSize ?? 8192,
      reqType: HandshakeType.INDUCTION,
      socketId: this.socketId,
      cookie: 0,
      peerIp: encodePeerIp(this.host),
      extensions: [],
    };
  }

  /** Our CONCLUSION: HSv5, HSREQ (and SID), the cookie of the induction reply, unless overridden. */
  conclusionHandshake(over: ConclusionOverrides = {}): Handshake {
    const { hsreqFlags: flagsOver, streamId: sidOver, extensions: extOver, ...fields } = over;
    const streamId = sidOver ?? this.o.streamId;
    let extField: number = HsExtFlag.HSREQ;
    const extensions: HsExtension[] = [
      {
        type: HsExt.HSREQ,
        body: encodeSrtHs({
          srtVersion: SRT_VERSION,
          flags: flagsOver ?? this.o.hsreqFlags ?? hsreqFlags({ tlpktDrop: true, nakReport: true }),
          rcvLatency: this.o.rcvLatency ?? 120,
          sndLatency: this.o.sndLatency ?? 0,
        }),
      },
    ];
    if (streamId) {
      extensions.push({ type: HsExt.SID, body: encodeHsString(streamId) });
      extField |= HsExtFlag.CONFIG;
    }
    return {
      ...this.inductionHandshake(),
      version: 5,
      extField,
      reqType: HandshakeType.CONCLUSION,
      cookie: this.cookie ?? 0,
      extensions: extOver ?? extensions,
      ...fields,
    };
  }

  /** Sends one handshake to socket ID 0 (the listener); returns the datagram. */
  sendHandshake(hs: Handshake, destId = 0): Buffer {
    return this.send(encodeControl(ControlType.HANDSHAKE, 0, this.timestamp(), destId, encodeHandshake(hs)));
  }

  sendInduction(): Buffer {
    return this.sendHandshake(this.inductionHandshake());
  }

  /** Sends one CONCLUSION (by default with our socket ID and the last cookie); returns the datagram. */
  sendConclusion(over: ConclusionOverrides = {}): Buffer {
    return this.sendHandshake(this.conclusionHandshake(over));
  }

  /** INDUCTION until answered; keeps and returns the cookie. */
  async induction(): Promise<number> {
    const reply = await this.untilHandshake(
      () => this.sendInduction(),
      (h) => h.destId === this.socketId && h.hs.reqType === HandshakeType.INDUCTION,
      'induction reply',
    );
    this.cookie = reply.cookie;
    return reply.cookie;
  }

  /**
   * CONCLUSION until answered; resolves with the reply (a CONCLUSION, or a rejection with
   * ReqType >= 1000). An accepted reply to our own socket ID sets serverSocketId and reply.
   */
  async conclude(over: ConclusionOverrides = {}): Promise<Handshake> {
    const callerId = over.socketId ?? this.socketId;
    const reply = await this.untilHandshake(
      () => this.sendConclusion(over),
      (h) => h.destId === callerId && (h.hs.reqType === HandshakeType.CONCLUSION || h.hs.reqType >= REJECT_BASE),
      'conclusion reply',
    );
    if (callerId === this.socketId && reply.reqType === HandshakeType.CONCLUSION) {
      this.serverSocketId = reply.socketId;
      this.reply = reply;
      this.startTimer();
    }
    return reply;
  }

  /** The whole caller handshake; throws if the server refuses. */
  async handshake(over: ConclusionOverrides = {}): Promise<Handshake> {
    await this.induction();
    const reply = await this.conclude(over);
    if (reply.reqType !== HandshakeType.CONCLUSION) throw new Error(`server refused the handshake: ReqType ${reply.reqType}`);
    return reply;
  }

  private untilHandshake(send: () => void, match: (h: RawPeer['handshakes'][number]) => boolean, what: string): Promise<Handshake> {
    let reply: Handshake | undefined;
    const resend = setInterval(send, HS_RESEND_MS);
    const matched = (h: RawPeer['handshakes'][number]) => {
      if (match(h)) reply = h.hs;
    };
    this.on('handshake', matched);
    send();
    // 'handshake' is emitted before 'packet', on which until() checks.
    return this.until(() => reply !== undefined, this.o.handshakeTimeoutMs ?? 3000, what)
      .then(() => reply!)
      .finally(() => {
        clearInterval(resend);
        this.off('handshake', matched);
      });
  }

  // ------------------------------------------------------------------ sending after the handshake

  /** Sends a raw datagram to the server (or elsewhere); returns it. */
  send(buf: Buffer, port = this.port, host = this.host): Buffer {
    if (this.closed) return buf;
    this.lastSentMs = performance.now();
    this.socket.send(buf, port, host);
    return buf;
  }

  /** A control packet addressed to the server's socket (destId: another ID, e.g. 0). */
  sendControl(type: number, typeInfo = 0, body?: Buffer, subtype = 0, destId = this.serverSocketId): Buffer {
    return this.send(encodeControl(type, typeInfo, this.timestamp(), destId, body, subtype));
  }

  /** NAK of inclusive ranges; a range of more than one is coded first|0x80000000, last. */
  sendNak(ranges: readonly SeqRange[]): Buffer {
    return this.sendControl(ControlType.NAK, 0, encodeLossList(ranges));
  }

  /** DROPREQ of [first, last], for message number msgNo. */
  sendDropReq(first: number, last: number, msgNo = 0): Buffer {
    return this.sendControl(ControlType.DROPREQ, msgNo, encodeDropReq(first, last));
  }

  /** ACK: light with only lastAckSeq, full (7 words, with a fresh ACK number) when ack.rtt is set. */
  sendAck(ack: AckInfo): Buffer {
    const typeInfo = ack.rtt === undefined ? 0 : this.ackNo++;
    return this.sendControl(ControlType.ACK, typeInfo, encodeAck(ack));
  }

  sendKeepalive(): Buffer {
    return this.sendControl(ControlType.KEEPALIVE);
  }

  sendShutdown(): Buffer {
    return this.sendControl(ControlType.SHUTDOWN);
  }

  /** A data packet to the server's socket. */
  sendData(payload: Buffer, o: DataOptions = {}): Buffer {
    const seq = o.seq ?? this.nextSeq;
    if (o.seq === undefined) this.nextSeq = seqInc(this.nextSeq);
    const pkt = encodeDataPacket(
      {
        seq,
        position: o.position ?? Position.SOLO,
        inOrder: false,
        keyFlags: 0,
        retransmitted: o.retransmitted ?? false,
        msgNo: o.msgNo ?? 1,
        timestamp: o.timestamp ?? this.timestamp(),
        destId: this.serverSocketId,
      },
      payload,
    );
    return this.send(pkt);
  }

  /** Full ACK of everything received so far (one past the highest sequence seen), sane RTT values. */
  ackReceived(): Buffer | undefined {
    if (this.maxDataSeq === undefined) return undefined;
    const upTo = seqInc(this.maxDataSeq);
    this.ackedUpTo = upTo;
    return this.sendAck({ lastAckSeq: upTo, rtt: 1000, rttVar: 500, availBuf: 8192, pktRecvRate: 0, linkCapacity: 0, recvRate: 0 });
  }

  /**
   * A round trip through the server's socket: a full ACK (of what we received) and its ACKACK.
   * Datagrams reach the server's one UDP socket in the order they were sent, so once this
   * resolves the server has processed everything sent before it, from any of our sockets.
   */
  async barrier(timeoutMs = 5000): Promise<void> {
    const buf = this.sendAck({
      lastAckSeq: this.maxDataSeq === undefined ? this.isn : seqInc(this.maxDataSeq),
      rtt: 1000, rttVar: 500, availBuf: 8192, pktRecvRate: 0, linkCapacity: 0, recvRate: 0,
    });
    const ackNo = buf.readUInt32BE(4);
    await this.until(() => this.ackAcked.has(ackNo), timeoutMs, `the ACKACK of ACK ${ackNo}`);
  }

  /**
   * Resolves once `cond()` holds, checked after each datagram from the server (and now);
   * rejects after timeoutMs naming `what`.
   */
  until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`RawPeer: closed while waiting for ${what}`));
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        done();
        resolve();
      };
      const abort = (why: string) => {
        done();
        reject(new Error(`RawPeer: ${what} ${why}`));
      };
      const timeout = setTimeout(() => abort(`did not happen within ${timeoutMs} ms`), timeoutMs);
      const onClose = () => abort('never happened: the peer was closed');
      const done = () => {
        clearTimeout(timeout);
        this.off('packet', check);
        this.off('closed', onClose);
      };
      this.on('packet', check);
      this.on('closed', onClose);
    });
  }

  // ------------------------------------------------------------------ receiving

  private onDatagram(msg: Buffer): void {
    this.datagrams++;
    this.bytesReceived += msg.length;
    const pkt = decodePacket(msg);
    if (!pkt) return;
    if (pkt.kind === 'data') this.onData(pkt);
    else this.onControl(pkt, msg);
    this.emit('packet', pkt, msg);
  }

  private onData(pkt: DataPacket): void {
    this.dataPackets++;
    this.dataBytes += pkt.payload.length;
    if (pkt.retransmitted) this.retransmittedPackets++;
    if (this.maxDataSeq === undefined || seqCmp(pkt.seq, this.maxDataSeq) > 0) this.maxDataSeq = pkt.seq;
    this.emit('data', pkt);
  }

  private onControl(pkt: ControlPacket, msg: Buffer): void {
    this.controlCounts.set(pkt.type, this.controlCount(pkt.type) + 1);
    if (pkt.type === ControlType.ACKACK) this.ackAcked.add(pkt.typeInfo);
    if (pkt.type === ControlType.ACK) {
      const ack = decodeAck(pkt.body);
      if (ack && (this.ackedByServer === undefined || seqCmp(ack.lastAckSeq, this.ackedByServer) > 0)) this.ackedByServer = ack.lastAckSeq;
    }
    if (pkt.type === ControlType.HANDSHAKE) {
      const hs = decodeHandshake(pkt.body);
      if (hs) {
        const h = { hs, bytes: msg.length, destId: pkt.destId };
        this.handshakes.push(h);
        this.emit('handshake', h);
      }
    }
    this.emit('control', pkt);
  }

  /** What a live receiver does on its own: ACK new data every 10 ms, KEEPALIVE when idle. */
  private startTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      if (this.silent) return;
      const fresh = this.maxDataSeq !== undefined && this.ackedUpTo !== seqInc(this.maxDataSeq);
      if (this.autoAck && fresh) this.ackReceived();
      else if (performance.now() - this.lastSentMs >= KEEPALIVE_MS) this.sendKeepalive();
    }, ACK_INTERVAL_MS);
  }

  /** Stops the timers and closes the socket (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.socket.close();
    this.emit('closed'); // pending waits reject at once instead of running out their timers
  }
}
