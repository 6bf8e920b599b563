/**
 * A connected SRT socket's protocol engine, sans I/O: fed with decoded packets
 * and the current time (µs on a local monotonic clock), it emits packets to
 * send and payloads to deliver through a sink. The adapter calls tick() at the
 * deadline it returns; every protocol timer lives in this file:
 *   checkAckTimer   full ACK every 10 ms, light ACK every 64 packets
 *   checkNakTimer   periodic NAK every max(20 ms, (SRTT + 4·RTTVar) / 2)
 *   checkKeepalive  KEEPALIVE after 1 s without sending
 *   checkPeerIdle   connection broken after peerIdleTimeout without hearing the peer
 *   deliverDue      TSBPD: deliver at base + timestamp + latency, too-late drop of gaps
 *   dropTooLate     sender drop of packets older than max(peer latency, 1 s) + 20 ms
 *   sendPending     paced (re)transmission through a token bucket
 *   checkRexmitTimer retransmission without a NAK: file mode (LATEREXMIT), or a live peer without NAKREPORT
 */
import type { CryptoControl } from './crypto-control';
import { LossList } from './loss-list';
import {
  ControlPacket,
  ControlType,
  DataPacket,
  ExtType,
  decodeAck,
  decodeDropReq,
  decodeLossList,
  encodeAck,
  encodeControl,
  encodeDropReq,
  encodeLossList,
  HEADER_SIZE,
  Packet,
  Position,
  writeDataHeader,
} from './packet';
import { FileCC, FileCcInput } from './file-cc';
import { MAX_PAYLOAD } from './limits';
import { LiveCC } from './live-cc';
import { TokenBucket } from './pacer';
import { ArrivalRateEstimator } from './rate-estimator';
import { ReceiveBuffer } from './receive-buffer';
import { RttEstimator } from './rtt';
import { SendBuffer, SendEntry } from './send-buffer';
import { msgNoInc, SEQ_MAX, seqCmp, seqDec, seqInc, seqOffset, tsWrap } from './sequence';
import { TsbpdClock } from './tsbpd';
import { CounterName, Counters } from './stats';

export const ACK_INTERVAL_US = 10_000;
export const LIGHT_ACK_PACKETS = 64;
export const KEEPALIVE_US = 1_000_000;
export const MIN_NAK_INTERVAL_US = 20_000;
/** IP + UDP + SRT header bytes, counted by LiveCC pacing. */
export const PACKET_OVERHEAD = 44;
export { MAX_PAYLOAD } from './limits';

export interface ConnectionConfig {
  socketId: number;
  peerSocketId: number;
  /** Initial sequence number of both directions (the caller's ISN). */
  isn: number;
  /** The peer's first sequence number, when it differs from ours (rendezvous: each side keeps its own). */
  peerIsn?: number;
  payloadSize: number;
  /** Receiver latency applied to the peer's data, ms. */
  rcvLatency: number;
  /** The peer's receiver latency for our data, ms (sender drop threshold). */
  sndLatency: number;
  /** Initial flow window: the peer's flight flag size, packets. */
  flowWindow: number;
  rcvBufPackets: number;
  sndBufPackets: number;
  /** Local clock time (µs) our timestamps count from. */
  startUs: number;
  /** Local clock time at which the peer's timestamp 0 happened: HS arrival - HS timestamp. */
  tsbpdBaseUs: number;
  /** Timestamp of the handshake packet that set the base (unwrap reference). */
  tsbpdRefTimestamp: number;
  peerIdleTimeoutMs: number;
  /** Bytes/s; -1 means BW_INFINITE, 0 means inputBw or the measured input rate (LiveCC). */
  maxBw: number;
  /** Bytes/s (SRTO_INPUTBW); 0 = measure. */
  inputBw?: number;
  /** Bytes/s floor of the measured input rate (SRTO_MININPUTBW). */
  minInputBw?: number;
  /** Percent added to the input rate (SRTO_OHEADBW), default 25. */
  overheadBw?: number;
  tlpktDrop: boolean;
  nakReport: boolean;
  /** Keys and KM refresh; data is sent encrypted once it holds a sending key. */
  crypto?: CryptoControl;
  /** Deliver at timestamp + latency (live); false delivers in order at once (file mode). Default true. */
  tsbpd?: boolean;
  /** File mode: FileCC congestion control and timer-driven retransmission (LATEREXMIT). */
  fileMode?: boolean;
  /** The peer sends periodic NAKs (its HSREQ/HSRSP NAKREPORT flag). Default true. */
  peerNakReport?: boolean;
  /** The negotiated MSS (statistics only). Default 1500. */
  mss?: number;
}

export interface ConnectionSink {
  /** Send one datagram; an array is gathered into one datagram without copying. */
  send(packet: Buffer | Buffer[]): void;
  /**
   * A payload reached its play time (in order). Returning false pauses delivery
   * (the application is not reading): packets then wait in the bounded receive
   * buffer, the ACKs advertise less room, and resumeDelivery() picks up again.
   */
  deliver(payload: Buffer, pkt: DataPacket): boolean | void;
  /** The peer sent SHUTDOWN; everything received was delivered first. */
  peerClosed(): void;
  /** The connection died (peer idle timeout). */
  broken(message: string): void;
  /** The send buffer has room again after write() returned false. */
  drain(): void;
}

/** Byte counters that libsrt reports with each packet's headers, and the packet counter of each. */
const BYTES_WITH_HEADERS: [CounterName, CounterName][] = [
  ['byteSent', 'pktSent'], ['byteSentUnique', 'pktSentUnique'], ['byteRecv', 'pktRecv'], ['byteRecvUnique', 'pktRecvUnique'],
  ['byteRetrans', 'pktRetrans'], ['byteRcvLoss', 'pktRcvLoss'], ['byteSndDrop', 'pktSndDrop'], ['byteRcvDrop', 'pktRcvDrop'],
];

/** Full ACKs remembered for RTT measurement: 5 s of them at one per 10 ms. */
const ACK_HISTORY = 512;
/** Upper bounds of what a peer's ACK may set: flow window (packets) and rates (packets/s). */
const MAX_WINDOW = 0x40000000;
const MAX_PEER_RATE = 0x40000000;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export class SrtConnection {
  readonly counters = new Counters();
  /** Start of the statistics interval (getStats({ clear }) starts a new one). */
  private statsSinceUs: number;
  readonly rtt = new RttEstimator();
  /** Play-time clock for the peer's data (base, wrap, drift). */
  readonly tsbpd: TsbpdClock;
  closed = false;
  /** Set while the application does not take delivered payloads. */
  private deliveryPaused = false;

  // ---- sender state
  private readonly sndBuf: SendBuffer;
  private readonly rexmit: LossList;
  private readonly pacer: TokenBucket;
  private readonly cc: LiveCC;
  private readonly fileCc?: FileCC;
  /** When the peer last acknowledged something, and how many retransmission timeouts since (libsrt m_iReXmitCount). */
  private lastRspAckUs: number;
  private rexmitCount = 1;
  /** The last new packet sent opened a probe pair: send the next one unpaced. */
  private probePending = false;
  private nextMsgNo = 1;
  private flowWindow: number;
  private lastSentUs: number;
  private needDrain = false;
  private rttFromAckAck = false;
  /** Link capacity and packet receive rate the peer reported in its last full ACK (packets/s). */
  peerLinkCapacity = 0;
  peerPktRecvRate = 0;

  // ---- receiver state
  private readonly rcvBuf: ReceiveBuffer;
  private readonly lossList: LossList;
  /** One past the highest sequence number received. */
  private rcvNext: number;
  /** First sequence number not received contiguously (the ACK point). */
  private ackPoint: number;
  private lastRecvUs: number;
  private nextAckAt: number;
  private nextNakAt = Infinity;
  private ackNo = 1;
  private lastFullAckSeq: number;
  private lastFullAckUs = 0;
  private lastAckAckedSeq: number;
  /** Receive-buffer room advertised in the last full ACK. */
  private lastAckAvail: number;
  private packetsSinceAck = 0;
  private readonly ackSentUs = new Float64Array(ACK_HISTORY);
  private readonly ackSentNo = new Int32Array(ACK_HISTORY).fill(-1);
  private readonly ackSentSeq = new Int32Array(ACK_HISTORY);
  private readonly arrivals = new ArrivalRateEstimator();

  constructor(readonly cfg: ConnectionConfig, private readonly sink: ConnectionSink, nowUs: number) {
    this.sndBuf = new SendBuffer(cfg.sndBufPackets, cfg.isn);
    this.rexmit = new LossList(cfg.sndBufPackets);
    const rcvIsn = cfg.peerIsn ?? cfg.isn;
    this.rcvBuf = new ReceiveBuffer(cfg.rcvBufPackets, rcvIsn);
    this.lossList = new LossList(cfg.rcvBufPackets);
    this.flowWindow = cfg.flowWindow;
    this.cc = new LiveCC({
      maxBw: cfg.maxBw,
      inputBw: cfg.inputBw ?? 0,
      minInputBw: cfg.minInputBw ?? 0,
      overheadBw: cfg.overheadBw ?? 25,
    });
    if (cfg.fileMode) this.fileCc = new FileCC(cfg.isn, nowUs, cfg.payloadSize + PACKET_OVERHEAD);
    this.pacer = new TokenBucket(this.ccRate(), 4 * (cfg.payloadSize + PACKET_OVERHEAD), nowUs);
    this.lastRspAckUs = nowUs;
    this.rcvNext = rcvIsn;
    this.ackPoint = rcvIsn;
    this.lastFullAckSeq = rcvIsn;
    this.lastAckAckedSeq = rcvIsn;
    this.lastAckAvail = cfg.rcvBufPackets;
    this.tsbpd = new TsbpdClock(cfg.tsbpdBaseUs + cfg.tsbpdRefTimestamp, cfg.tsbpdRefTimestamp, cfg.rcvLatency * 1000);
    this.lastSentUs = nowUs;
    this.lastRecvUs = nowUs;
    this.nextAckAt = nowUs + ACK_INTERVAL_US;
    this.statsSinceUs = nowUs;
  }

  /** Our 32-bit timestamp for a packet sent now. */
  timestamp(nowUs: number): number {
    return tsWrap(nowUs - this.cfg.startUs);
  }

  // =================================================================== sending API

  /** True while the send buffer can take another packet. */
  get writable(): boolean {
    return !this.sndBuf.full && this.sndBuf.unsent < this.unsentLimit();
  }

  /** Unsent packets we queue before pushing back on the writer: about 20 ms at the pacing rate, at least 64. */
  private unsentLimit(): number {
    return Math.max(64, Math.ceil((this.pacer.rate * 0.02) / (this.cfg.payloadSize + PACKET_OVERHEAD)));
  }

  /**
   * Queues one message (live: one packet, payload <= payloadSize) and sends what
   * pacing allows now. Returns false when the caller should wait for drain().
   */
  write(payload: Buffer, nowUs: number, position: number = Position.SOLO): boolean {
    if (this.closed) return false;
    if (this.sndBuf.full) {
      this.needDrain = true;
      return false;
    }
    const seq = this.sndBuf.endSeq;
    this.sndBuf.push({
      seq,
      msgNo: this.nextMsgNo,
      position,
      timestamp: this.timestamp(nowUs),
      submittedUs: nowUs,
      payload,
      lastSentUs: -1,
      rexmits: 0,
    });
    if (position === Position.SOLO || position === Position.LAST) this.nextMsgNo = msgNoInc(this.nextMsgNo);
    this.cc.onInput(payload.length + PACKET_OVERHEAD, nowUs);
    this.pacer.rate = this.ccRate();
    this.sendPending(nowUs);
    const ok = this.writable;
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** The pacing rate, bytes/s: FileCC's period in file mode, LiveCC's rate otherwise. */
  private ccRate(): number {
    const fc = this.fileCc;
    if (!fc) return this.cc.rate();
    const rate = fc.rate(this.cfg.payloadSize + PACKET_OVERHEAD);
    return this.cfg.maxBw > 0 ? Math.min(rate, this.cfg.maxBw) : rate;
  }

  private ccInput(): FileCcInput {
    return { srttUs: this.rtt.srtt, recvRate: this.peerPktRecvRate, bandwidth: this.peerLinkCapacity, maxCwnd: this.flowWindow };
  }

  /** Everything written was acknowledged (or dropped). */
  get flushed(): boolean {
    return this.sndBuf.length === 0;
  }

  // =================================================================== receiving

  receive(pkt: Packet, nowUs: number): void {
    if (this.closed) return;
    this.lastRecvUs = nowUs;
    if (pkt.kind === 'data') this.onData(pkt, nowUs);
    else this.onControl(pkt, nowUs);
  }

  private onData(pkt: DataPacket, nowUs: number): void {
    const len = pkt.payload.length;
    this.counters.add('pktRecv');
    this.counters.add('byteRecv', len);
    if (len > MAX_PAYLOAD || len === 0) {
      this.counters.add('pktRecvInvalid');
      return;
    }
    const seq = pkt.seq;
    const offset = this.rcvBuf.offsetOf(seq);
    if (offset < 0) {
      this.counters.add('pktRcvBelated'); // already delivered or dropped
      return;
    }
    if (offset >= this.rcvBuf.capacity) {
      // No room (the application is not reading): ignore it as if lost, so it is
      // NAKed and resent, or skipped (and counted in pktRcvDrop) by too-late drop.
      this.counters.add('pktRcvNoRoom');
      return;
    }
    const ahead = seqOffset(this.rcvNext, seq);
    if (ahead >= 0 && !pkt.retransmitted) this.arrivals.onPacket(seq, len, nowUs);
    if (ahead > 0) {
      // A gap: report it at once, then periodically.
      const last = seqDec(seq);
      if (this.lossList.isEmpty) this.nextNakAt = nowUs + this.nakIntervalUs();
      this.lossList.insert(this.rcvNext, last);
      this.countRcvLost('pktRcvLoss', 'byteRcvLoss', ahead);
      this.sendNak([[this.rcvNext, last]], nowUs);
      this.rcvNext = seqInc(seq);
    } else if (ahead === 0) {
      this.rcvNext = seqInc(seq);
    } else {
      this.lossList.remove(seq);
      if (pkt.retransmitted) this.counters.add('pktRcvRetrans');
    }
    if (!this.decryptInPlace(pkt)) return;
    if (this.rcvBuf.insert(pkt, this.tsbpd.unwrap(pkt.timestamp)) !== 'ok') {
      this.counters.add('pktRcvBelated'); // a duplicate
      return;
    }
    this.counters.add('pktRecvUnique');
    this.counters.add('byteRecvUnique', len);
    this.advanceAckPoint();
    if (++this.packetsSinceAck >= LIGHT_ACK_PACKETS) {
      this.packetsSinceAck = 0;
      this.sendControl(ControlType.ACK, 0, encodeAck({ lastAckSeq: this.ackPoint }), nowUs);
    }
    this.deliverDue(nowUs);
  }

  /**
   * Replaces an encrypted payload by its plaintext. A packet that cannot be
   * decrypted (no key for its KK, bad GCM tag, or clear while we are secured)
   * is counted in pktRcvUndecrypt and dropped: the application never gets
   * ciphertext (libsrt ≥ 1.5.5). Its sequence number stays "received", so it is
   * not NAKed again; too-late drop skips it at its play time.
   */
  private decryptInPlace(pkt: DataPacket): boolean {
    const crypto = this.cfg.crypto;
    if (pkt.keyFlags === 0) {
      if (!crypto?.receivesEncrypted) return true;
    } else if (crypto) {
      const p = pkt.payload;
      const header = Buffer.from(p.buffer, p.byteOffset - HEADER_SIZE, HEADER_SIZE);
      const plain = crypto.decrypt(pkt.seq, pkt.keyFlags, p, header);
      if (plain) {
        pkt.payload = plain;
        return true;
      }
    }
    this.counters.add('pktRcvUndecrypt');
    this.counters.add('byteRcvUndecrypt', pkt.payload.length);
    return false;
  }

  private advanceAckPoint(): void {
    if (seqCmp(this.ackPoint, this.rcvBuf.head) < 0) this.ackPoint = this.rcvBuf.head;
    let off = this.rcvBuf.offsetOf(this.ackPoint);
    const limit = this.rcvBuf.offsetOf(this.rcvNext);
    while (off < limit && this.rcvBuf.at(off)) off++;
    this.ackPoint = seqInc(this.rcvBuf.head, off);
  }

  private onControl(pkt: ControlPacket, nowUs: number): void {
    switch (pkt.type) {
      case ControlType.KEEPALIVE:
        // Its timestamp is on the sender's clock: a drift sample (libsrt processKeepalive).
        return this.tsbpd.addDriftSample(pkt.timestamp, nowUs, this.rtt.srtt);
      case ControlType.ACK:
        return this.onAck(pkt, nowUs);
      case ControlType.ACKACK:
        return this.onAckAck(pkt, nowUs);
      case ControlType.NAK:
        return this.onNak(pkt, nowUs);
      case ControlType.SHUTDOWN:
        return this.onShutdown();
      case ControlType.DROPREQ:
        return this.onDropReq(pkt, nowUs);
      case ControlType.EXT:
        return this.onExt(pkt, nowUs);
      default:
        // HANDSHAKE repeats are answered by the adapter; EXT (KM refresh) and
        // the rest carry nothing this engine needs yet.
        return;
    }
  }

  private onAck(pkt: ControlPacket, nowUs: number): void {
    const ack = decodeAck(pkt.body);
    if (!ack) return void this.counters.add('pktRecvInvalid');
    this.counters.add('pktRecvACK');
    const full = ack.rtt !== undefined;
    // Full ACK: answer with ACKACK so the peer measures RTT (libsrt does so before any check).
    if (full) this.sendControl(ControlType.ACKACK, pkt.typeInfo, undefined, nowUs);
    // Checked by its offset from the oldest unacknowledged packet: ahead of what we sent is an
    // attack or a bug (libsrt breaks the connection); behind it, a stale ACK that changes nothing.
    const off = seqOffset(this.sndBuf.firstSeq, ack.lastAckSeq);
    if (off > this.sndBuf.inFlight) {
      this.counters.add('pktRecvInvalid');
      return this.breakConnection('the peer acknowledged packets never sent');
    }
    if (off < 0) return;
    if (off > 0) {
      this.sndBuf.dropBefore(ack.lastAckSeq);
      this.rexmit.removeUpTo(seqDec(ack.lastAckSeq));
    }
    this.lastRspAckUs = nowUs;
    this.rexmitCount = 1;
    if (full) {
      if (!this.rttFromAckAck && ack.rtt! > 0) this.rtt.adopt(ack.rtt!, ack.rttVar ?? ack.rtt! / 2);
      if (ack.availBuf !== undefined) this.flowWindow = clamp(ack.availBuf, 2, MAX_WINDOW);
      if (ack.linkCapacity) this.peerLinkCapacity = Math.min(ack.linkCapacity, MAX_PEER_RATE);
      if (ack.pktRecvRate) this.peerPktRecvRate = Math.min(ack.pktRecvRate, MAX_PEER_RATE);
    }
    if (this.fileCc) {
      this.fileCc.onAck(ack.lastAckSeq, nowUs, this.ccInput());
      this.pacer.rate = this.ccRate();
    }
    this.sendPending(nowUs);
  }

  private onAckAck(pkt: ControlPacket, nowUs: number): void {
    const i = pkt.typeInfo & (ACK_HISTORY - 1);
    if (this.ackSentNo[i] !== (pkt.typeInfo | 0)) return;
    this.ackSentNo[i] = -1;
    const rttSample = nowUs - this.ackSentUs[i];
    this.rtt.addSample(rttSample);
    this.rttFromAckAck = true;
    this.tsbpd.addDriftSample(pkt.timestamp, nowUs, rttSample);
    const seq = this.ackSentSeq[i];
    if (seqCmp(seq, this.lastAckAckedSeq) > 0) this.lastAckAckedSeq = seq;
  }

  /**
   * A loss report. Every range is checked by its distance back from the last sequence number
   * sent, a known point from which nothing can wrap: a range that names numbers we never sent
   * breaks the connection, as libsrt does. Valid ranges are clipped to the send buffer, so the
   * work is bounded by the packets held, whatever span the peer claimed.
   */
  private onNak(pkt: ControlPacket, nowUs: number): void {
    const ranges = decodeLossList(pkt.body);
    if (!ranges) return void this.counters.add('pktRecvInvalid');
    this.counters.add('pktRecvNAK');
    const lastSent = seqDec(this.sndBuf.nextToSend);
    for (const [a, b] of ranges) {
      const backA = (lastSent - a) & SEQ_MAX;
      const backB = (lastSent - b) & SEQ_MAX;
      if (backA >= this.sndBuf.passedSpan || backB > backA) {
        this.counters.add('pktRecvInvalid');
        return this.breakConnection('the peer reported the loss of packets never sent');
      }
    }
    // Offsets from the oldest packet held: [0, inFlight) is in the buffer, below 0 is gone.
    const inFlight = this.sndBuf.inFlight;
    let lost = 0;
    let dropFrom = Infinity;
    let dropTo = -Infinity;
    // A range is taken only past the previous one (libsrt lists them ascending): overlapping or
    // repeated ranges cost nothing more than the buffer they cover.
    let floor = 0;
    for (const [a, b] of ranges) {
      const offA = inFlight - 1 - ((lastSent - a) & SEQ_MAX);
      const offB = inFlight - 1 - ((lastSent - b) & SEQ_MAX);
      lost += offB - offA + 1;
      if (offA < 0) {
        dropFrom = Math.min(dropFrom, offA);
        dropTo = Math.max(dropTo, Math.min(offB, -1));
      }
      const from = Math.max(offA, floor);
      if (from <= offB) {
        const added = this.rexmit.insert(seqInc(this.sndBuf.firstSeq, from), seqInc(this.sndBuf.firstSeq, offB));
        this.counters.add('pktSndLoss', added);
        floor = offB + 1;
      }
    }
    // What is no longer buffered cannot be resent: one DROPREQ tells the receiver to stop asking.
    if (dropFrom <= dropTo) {
      const first = this.sndBuf.firstSeq;
      this.sendControl(ControlType.DROPREQ, 0, encodeDropReq(seqInc(first, dropFrom), seqInc(first, dropTo)), nowUs);
    }
    if (this.fileCc && ranges.length > 0) {
      this.fileCc.onLoss(ranges[0][0], lost, lastSent, this.ccInput());
      this.pacer.rate = this.ccRate();
    }
    this.sendPending(nowUs);
  }

  /**
   * The sender gave up on [first, last]. Clipped to the receive window by offsets from its head,
   * so the work is bounded by the buffer whatever span the peer claimed.
   */
  private onDropReq(pkt: ControlPacket, nowUs: number): void {
    const r = decodeDropReq(pkt.body);
    if (!r) return; // libsrt ignores a DROPREQ shorter than 8 bytes
    const head = this.rcvBuf.head;
    const from = Math.max(0, seqOffset(head, r[0]));
    const to = Math.min(seqOffset(head, r[1]), this.rcvBuf.capacity - 1);
    if (to < from) return;
    this.lossList.removeRange(seqInc(head, from), seqInc(head, to));
    // Dropping past the newest packet received: move on as if it came (libsrt processCtrlDropReq),
    // so the numbers are not reported lost.
    const next = this.rcvBuf.offsetOf(this.rcvNext);
    if (from <= next && to >= next) this.rcvNext = seqInc(head, to + 1);
    // Skip the dropped packets that are missing at the head of the buffer.
    if (from === 0) {
      let skipped = 0;
      while (skipped <= to && !this.rcvBuf.peek()) {
        this.rcvBuf.shift();
        skipped++;
      }
      if (skipped > 0) {
        this.countRcvLost('pktRcvDrop', 'byteRcvDrop', skipped);
        this.lossList.removeUpTo(seqDec(this.rcvBuf.head));
        this.advanceAckPoint();
      }
    }
    this.deliverDue(nowUs);
  }

  /** Key refresh: install the peer's new keys and echo; or note the echo of ours. */
  private onExt(pkt: ControlPacket, nowUs: number): void {
    const crypto = this.cfg.crypto;
    if (!crypto) return;
    if (pkt.subtype === ExtType.KMREQ) {
      this.sendControl(ControlType.EXT, 0, crypto.processExtKmReq(pkt.body), nowUs, ExtType.KMRSP);
    } else if (pkt.subtype === ExtType.KMRSP) {
      crypto.processExtKmRsp(pkt.body);
    }
  }

  private onShutdown(): void {
    // Deliver whatever arrived, in order, before reporting the close.
    while (this.rcvBuf.stored > 0) {
      const p = this.rcvBuf.shift();
      if (p) this.sink.deliver(p.payload, p);
    }
    this.closed = true;
    this.sink.peerClosed();
  }

  // =================================================================== timers

  /** Runs every timer that is due; returns the next deadline (µs). */
  tick(nowUs: number): number {
    if (this.closed) return Infinity;
    if (this.checkPeerIdle(nowUs)) return Infinity;
    this.deliverDue(nowUs);
    this.dropTooLate(nowUs);
    this.checkRexmitTimer(nowUs);
    this.sendPending(nowUs);
    this.checkAckTimer(nowUs);
    this.checkNakTimer(nowUs);
    this.checkKmRefresh(nowUs);
    this.checkKeepalive(nowUs);
    return this.nextDeadline(nowUs);
  }

  /** Sends (and resends every 1.5·SRTT until echoed) a pre-announced key. */
  private checkKmRefresh(nowUs: number): void {
    const km = this.cfg.crypto?.kmToSend(nowUs, this.rtt.srtt);
    if (km) this.sendControl(ControlType.EXT, 0, km, nowUs, ExtType.KMREQ);
  }

  /**
   * How long a silent peer is kept: peerIdleTimeout, a hard bound. (libsrt's EXP timer also waits
   * for 16 expirations of SRTT + 4·RTTVar + 10 ms, at least 300 ms each: with the default 5 s that
   * only matters above about 300 ms of RTT, and it would let a peer-supplied RTT stretch the limit.)
   */
  private idleLimitUs(): number {
    return this.cfg.peerIdleTimeoutMs * 1000;
  }

  private checkPeerIdle(nowUs: number): boolean {
    if (nowUs - this.lastRecvUs <= this.idleLimitUs()) return false;
    this.breakConnection(`peer idle for more than ${this.cfg.peerIdleTimeoutMs} ms`);
    return true;
  }

  /** The connection is dead (idle peer, or a peer that broke the protocol): stop and tell the adapter. */
  private breakConnection(message: string): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.broken(message);
  }

  /** Retransmission timeout: SRTT + 4·RTTVar + 20 ms per expiration, plus 10 ms (libsrt checkRexmitTimer). */
  private rexmitDeadline(): number {
    if (!this.fileCc && this.cfg.peerNakReport !== false) return Infinity; // live: the receiver re-NAKs
    if (this.sndBuf.inFlight === 0) return Infinity;
    const rttSyn = this.rtt.srtt + 4 * this.rtt.rttVar + 2 * ACK_INTERVAL_US;
    return this.lastRspAckUs + this.rexmitCount * rttSyn + ACK_INTERVAL_US;
  }

  /**
   * Without periodic NAKs a lost NAK (or a lost tail) would never be repaired: when nothing was
   * acknowledged for a timeout, resend everything in flight (file mode only when no NAKed packet
   * is still waiting: LATEREXMIT).
   */
  private checkRexmitTimer(nowUs: number): void {
    if (nowUs <= this.rexmitDeadline()) return;
    if (!this.fileCc || this.rexmit.isEmpty) this.rexmit.insert(this.sndBuf.firstSeq, seqDec(this.sndBuf.nextToSend));
    this.rexmitCount++;
    if (this.fileCc) {
      this.fileCc.onTimeout(this.ccInput());
      this.pacer.rate = this.ccRate();
    }
  }

  private checkAckTimer(nowUs: number): void {
    if (nowUs < this.nextAckAt) return;
    this.nextAckAt = nowUs + ACK_INTERVAL_US;
    const advanced = this.ackPoint !== this.lastFullAckSeq;
    const unconfirmed =
      this.ackPoint !== this.lastAckAckedSeq && nowUs - this.lastFullAckUs > this.rtt.srtt + 4 * this.rtt.rttVar;
    if (advanced || unconfirmed || this.roomReopened()) this.sendFullAck(nowUs);
  }

  /** The last ACK told the sender the buffer was (nearly) full and now it has room: say so. */
  private roomReopened(): boolean {
    return this.lastAckAvail < this.rcvBuf.capacity / 4 && this.rcvBuf.available >= this.rcvBuf.capacity / 2;
  }

  private checkNakTimer(nowUs: number): void {
    if (!this.cfg.nakReport || this.lossList.isEmpty || nowUs < this.nextNakAt) return;
    this.sendNak(this.lossList.toRanges(), nowUs);
    this.nextNakAt = nowUs + this.nakIntervalUs();
  }

  private nakIntervalUs(): number {
    return Math.max(MIN_NAK_INTERVAL_US, (this.rtt.srtt + 4 * this.rtt.rttVar) / 2);
  }

  private checkKeepalive(nowUs: number): void {
    if (nowUs - this.lastSentUs >= KEEPALIVE_US) this.sendControl(ControlType.KEEPALIVE, 0, undefined, nowUs);
  }

  private nextDeadline(nowUs: number): number {
    let t = Math.min(this.lastSentUs + KEEPALIVE_US, this.lastRecvUs + this.idleLimitUs() + 1000);
    if (this.ackPoint !== this.lastFullAckSeq || this.ackPoint !== this.lastAckAckedSeq || this.roomReopened()) {
      t = Math.min(t, this.nextAckAt);
    }
    if (this.cfg.nakReport && !this.lossList.isEmpty) t = Math.min(t, this.nextNakAt);
    const play = this.nextPlayTime();
    if (play < t) t = play;
    const km = this.cfg.crypto?.nextKmAt(this.rtt.srtt) ?? Infinity;
    if (km < t) t = Math.max(km, nowUs);
    t = Math.min(t, this.rexmitDeadline() + 1);
    if (this.sndBuf.length > 0) {
      const oldest = this.sndBuf.oldest()!;
      if (this.cfg.tlpktDrop) t = Math.min(t, oldest.submittedUs + this.sndDropThresholdUs());
      if (!this.rexmit.isEmpty || (this.sndBuf.unsent > 0 && this.sndBuf.inFlight < this.sendWindow())) {
        t = Math.min(t, nowUs + Math.max(200, this.pacer.waitUs(this.cfg.payloadSize + PACKET_OVERHEAD)));
      }
    }
    return t;
  }

  // =================================================================== TSBPD delivery

  /** Local play time of a buffered packet; without TSBPD (file mode) everything is due now. */
  private playAtOf(offset: number): number {
    return this.cfg.tsbpd === false ? -Infinity : this.tsbpd.playTime(this.rcvBuf.timestampOf(offset));
  }

  /** The application reads again: deliver what is due. */
  resumeDelivery(nowUs: number): void {
    if (!this.deliveryPaused) return;
    this.deliveryPaused = false;
    this.deliverDue(nowUs);
  }

  /** Play time of the next packet to deliver (or of the packet after a droppable gap). */
  private nextPlayTime(): number {
    if (this.rcvBuf.stored === 0 || this.deliveryPaused) return Infinity;
    if (this.rcvBuf.peek()) return this.playAtOf(0);
    if (!this.cfg.tlpktDrop) return Infinity;
    const off = this.rcvBuf.firstStoredFrom(1, this.rcvBuf.offsetOf(this.rcvNext));
    return off < 0 ? Infinity : this.playAtOf(off);
  }

  private deliverDue(nowUs: number): void {
    while (this.rcvBuf.stored > 0 && !this.closed && !this.deliveryPaused) {
      if (this.rcvBuf.peek()) {
        if (this.playAtOf(0) > nowUs) return;
        const p = this.rcvBuf.shift()!;
        if (this.sink.deliver(p.payload, p) === false) this.deliveryPaused = true;
        continue;
      }
      if (!this.cfg.tlpktDrop) return;
      // Too-late drop: the head is missing but a later packet is due; skip the gap.
      const off = this.rcvBuf.firstStoredFrom(1, this.rcvBuf.offsetOf(this.rcvNext));
      if (off < 0 || this.playAtOf(off) > nowUs) return;
      const lastMissing = seqInc(this.rcvBuf.head, off - 1);
      this.lossList.removeUpTo(lastMissing);
      for (let i = 0; i < off; i++) this.rcvBuf.shift();
      this.countRcvLost('pktRcvDrop', 'byteRcvDrop', off);
      this.advanceAckPoint();
    }
  }

  // =================================================================== sending

  private sndDropThresholdUs(): number {
    return (Math.max(this.cfg.sndLatency, 1000) + 20) * 1000;
  }

  /** Sender too-late drop: packets older than the peer could still play. */
  private dropTooLate(nowUs: number): void {
    if (!this.cfg.tlpktDrop) return;
    const limit = nowUs - this.sndDropThresholdUs();
    let e = this.sndBuf.oldest();
    let n = 0;
    while (e && e.submittedUs < limit) {
      n++;
      this.counters.add('byteSndDrop', e.payload.length);
      e = this.sndBuf.get(seqInc(e.seq));
    }
    if (n === 0) return;
    const next = seqInc(this.sndBuf.firstSeq, n);
    this.sndBuf.dropBefore(next);
    this.rexmit.removeUpTo(seqDec(next));
    this.counters.add('pktSndDrop', n);
    this.maybeDrain();
  }

  /** Sends retransmissions first, then new packets, within the flow window and the pacing budget. */
  private sendPending(nowUs: number): void {
    this.pacer.refill(nowUs);
    const rexmitHoldUs = this.rtt.srtt - 4 * this.rtt.rttVar;
    while (!this.rexmit.isEmpty) {
      const seq = this.rexmit.first()!;
      const e = this.sndBuf.get(seq);
      if (!e || e.lastSentUs < 0) {
        this.rexmit.remove(seq);
        continue;
      }
      // libsrt's retransmit rule: not again within SRTT - 4·RTTVar of the last send.
      if (e.rexmits > 0 && nowUs - e.lastSentUs < rexmitHoldUs) {
        this.rexmit.remove(seq);
        continue;
      }
      if (!this.pacer.tryTake(e.payload.length + PACKET_OVERHEAD)) return;
      this.rexmit.remove(seq);
      e.rexmits++;
      this.counters.add('pktRetrans');
      this.counters.add('byteRetrans', e.payload.length);
      this.transmit(e, true, nowUs);
    }
    const window = this.sendWindow();
    while (this.sndBuf.unsent > 0 && this.sndBuf.inFlight < window) {
      const e = this.sndBuf.get(this.sndBuf.nextToSend)!;
      // The second packet of a probe pair goes out right behind the first (libsrt packData).
      if (!this.probePending && !this.pacer.tryTake(e.payload.length + PACKET_OVERHEAD)) break;
      this.probePending = (e.seq & 0xf) === 0;
      this.sndBuf.takeUnsent();
      this.counters.add('pktSentUnique');
      this.counters.add('byteSentUnique', e.payload.length);
      this.transmit(e, false, nowUs);
    }
    this.maybeDrain();
  }

  /** Packets that may be in flight: the flow window, and FileCC's congestion window. */
  private sendWindow(): number {
    return this.fileCc ? Math.min(this.flowWindow, Math.max(2, Math.floor(this.fileCc.cwnd))) : this.flowWindow;
  }

  private transmit(e: SendEntry, retransmitted: boolean, nowUs: number): void {
    const header = Buffer.allocUnsafe(HEADER_SIZE);
    const crypto = this.cfg.crypto?.sendsEncrypted ? this.cfg.crypto : undefined;
    writeDataHeader(header, 0, {
      seq: e.seq,
      position: e.position,
      inOrder: false,
      keyFlags: crypto ? crypto.txKeyFlags : 0,
      retransmitted,
      msgNo: e.msgNo,
      timestamp: e.timestamp,
      destId: this.cfg.peerSocketId,
    });
    e.lastSentUs = nowUs;
    this.lastSentUs = nowUs;
    this.counters.add('pktSent');
    this.counters.add('byteSent', e.payload.length);
    // Encrypted per transmission, as libsrt: the key may have switched since the first one.
    this.sink.send([header, crypto ? crypto.encrypt(e.seq, e.payload, header) : e.payload]);
  }

  private maybeDrain(): void {
    if (this.needDrain && this.writable) {
      this.needDrain = false;
      this.sink.drain();
    }
  }

  private sendControl(type: number, typeInfo: number, body: Buffer | undefined, nowUs: number, subtype = 0): void {
    this.lastSentUs = nowUs;
    this.sink.send(encodeControl(type, typeInfo, this.timestamp(nowUs), this.cfg.peerSocketId, body, subtype));
  }

  private sendNak(ranges: readonly [number, number][], nowUs: number): void {
    this.counters.add('pktSentNAK');
    this.sendControl(ControlType.NAK, 0, encodeLossList(ranges, this.cfg.payloadSize >> 2), nowUs);
  }

  private sendFullAck(nowUs: number): void {
    const ackNo = this.ackNo;
    this.ackNo = (this.ackNo + 1) & 0x7fffffff;
    const i = ackNo & (ACK_HISTORY - 1);
    this.ackSentNo[i] = ackNo;
    this.ackSentUs[i] = nowUs;
    this.ackSentSeq[i] = this.ackPoint;
    this.lastFullAckSeq = this.ackPoint;
    this.lastFullAckUs = nowUs;
    this.packetsSinceAck = 0;
    this.counters.add('pktSentACK');
    this.lastAckAvail = this.rcvBuf.available;
    const body = encodeAck({
      lastAckSeq: this.ackPoint,
      rtt: Math.round(this.rtt.srtt),
      rttVar: Math.round(this.rtt.rttVar),
      availBuf: Math.max(2, this.rcvBuf.available),
      pktRecvRate: this.arrivals.packetRate(),
      linkCapacity: this.arrivals.linkCapacity(),
      recvRate: this.arrivals.byteRate(),
    });
    this.sendControl(ControlType.ACK, ackNo, body, nowUs);
  }

  // =================================================================== closing and stats

  /** Sends SHUTDOWN (once) and stops the engine. */
  shutdown(nowUs: number): void {
    if (this.closed) return;
    this.sendControl(ControlType.SHUTDOWN, 0, undefined, nowUs);
    this.closed = true;
  }

  /**
   * Packets never received (lost, or dropped unreceived) have no size: libsrt counts their bytes
   * at the average payload received so far.
   */
  private countRcvLost(pkts: CounterName, bytes: CounterName, n: number): void {
    const t = this.counters.total;
    const avg = t.pktRecvUnique > 0 ? t.byteRecvUnique / t.pktRecvUnique : this.cfg.payloadSize;
    this.counters.add(pkts, n);
    this.counters.add(bytes, Math.round(n * avg));
  }

  /** libsrt-style statistics (srt_bstats names and units). */
  stats(nowUs: number, clear = false): Record<string, number> {
    const s = this.counters.snapshot(clear);
    // libsrt's byte counters include each packet's headers (16 SRT + 28 UDP/IPv4), payloads do not.
    for (const [bytes, pkts] of BYTES_WITH_HEADERS) {
      s[bytes] += s[pkts] * PACKET_OVERHEAD;
      s[`${bytes}Total`] += s[`${pkts}Total`] * PACKET_OVERHEAD;
    }
    // Rates over the interval since the last clear, as libsrt (bytes with headers / interval).
    const intervalUs = Math.max(1, nowUs - this.statsSinceUs);
    if (clear) this.statsSinceUs = nowUs;
    const pkt = this.cfg.payloadSize + PACKET_OVERHEAD;
    s.msTimeStamp = Math.round((nowUs - this.cfg.startUs) / 1000);
    s.msRTT = this.rtt.srtt / 1000;
    s.pktFlowWindow = this.flowWindow;
    s.pktCongestionWindow = this.sendWindow();
    s.pktFlightSize = this.sndBuf.inFlight;
    s.pktSndBuf = this.sndBuf.length;
    s.byteSndBuf = this.sndBuf.bytes;
    const oldest = this.sndBuf.oldest();
    s.msSndBuf = oldest ? Math.round((nowUs - oldest.submittedUs) / 1000) : 0;
    s.pktRcvBuf = this.rcvBuf.stored;
    s.byteRcvBuf = this.rcvBuf.storedBytes;
    s.msRcvBuf = this.rcvBuf.stored > 0 && this.rcvBuf.peek() ? Math.max(0, Math.round((this.playAtOf(0) - nowUs) / 1000)) : 0;
    s.byteAvailRcvBuf = this.rcvBuf.available * pkt;
    s.byteAvailSndBuf = (this.sndBuf.capacity - this.sndBuf.length) * pkt;
    s.msRcvTsbPdDelay = this.cfg.rcvLatency;
    s.msSndTsbPdDelay = this.cfg.sndLatency;
    s.mbpsMaxBW = (this.pacer.rate * 8) / 1e6;
    s.byteMSS = this.cfg.mss ?? 1500;
    s.mbpsBandwidth = (this.peerLinkCapacity * pkt * 8) / 1e6;
    s.mbpsRecvRate = (s.byteRecv * 8) / intervalUs;
    s.mbpsSendRate = (s.byteSent * 8) / intervalUs;
    s.usPktSndPeriod = ((this.cfg.payloadSize + PACKET_OVERHEAD) * 1e6) / this.pacer.rate;
    s.pktRcvDriftCorrections = this.tsbpd.baseCorrections;
    s.usRcvDrift = this.tsbpd.driftUs;
    s.pktRcvLossRanges = this.lossList.size;
    return s;
  }
}
