/**
 * A connected SRT socket's protocol engine, sans I/O. Fed decoded packets, writes and the current
 * time (µs on a local monotonic clock), it returns its effects in an outbox (datagrams to send,
 * packets to deliver, drain / closed / broken) that the adapter performs after each call: nothing
 * it does calls back into the adapter or re-enters it. It is the sender (sender.ts) and the
 * receiver (receiver.ts) of one connection plus what belongs to the connection as a whole:
 *   checkPeerIdle   connection broken after peerIdleTimeout without hearing the peer
 *   checkKeepalive  KEEPALIVE after 1 s without sending
 *   checkKmRefresh  key refresh KMREQ (re)sent until echoed
 * tick() runs every timer that is due and returns the next deadline; the adapter arms one timer
 * for it. (The handshake's timers are the caller's and listener's; linger is the socket's.)
 */
import type { BandwidthOptions } from './congestion';
import type { CryptoControl } from './crypto-control';
import type { EngineContext } from './engine-context';
import type { FecConfig } from './fec/fec-config';
import { Outbox } from './outbox';
import {
  ControlPacket,
  ControlType,
  decodeAck,
  decodeDropReq,
  decodeLossList,
  encodeControl,
  ExtType,
  Packet,
  Position,
} from './packet';
import { Receiver } from './receiver';
import { RttEstimator } from './rtt';
import { PACKET_OVERHEAD, Sender } from './sender';
import { tsWrap } from './sequence';
import { CounterName, Counters, Ctr, type SrtStats } from './stats';
import type { TsbpdClock } from './tsbpd';

export { MAX_PAYLOAD } from './limits';
export { ACK_INTERVAL_US, PACKET_OVERHEAD } from './sender';
export { LIGHT_ACK_PACKETS, MIN_NAK_INTERVAL_US } from './receiver';
export const KEEPALIVE_US = 1_000_000;

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
  /** Reorder tolerance's maximum, packets (SRTO_LOSSMAXTTL); 0 (default): every gap is NAKed at once. */
  lossMaxTtl?: number;
  /** Keys and KM refresh; data is sent encrypted once it holds a sending key. */
  crypto?: CryptoControl;
  /** Deliver at timestamp + latency (live); false delivers in order at once (file mode). Default true. */
  tsbpd?: boolean;
  /** File mode: FileCC congestion control and timer-driven retransmission (LATEREXMIT). */
  fileMode?: boolean;
  /** The peer sends periodic NAKs (its HSREQ/HSRSP NAKREPORT flag). Default true. */
  peerNakReport?: boolean;
  /** Extra ms of the sender drop threshold (SRTO_SNDDROPDELAY); -1 turns sender drop off. Default 0. */
  sndDropDelay?: number;
  /** SRTO_RETRANSMITALGO: 1 (default) skips repeats within SRTT - 4·RTTVar of the last one; 0 resends every NAK. */
  retransmitAlgo?: 0 | 1;
  /** SRTO_DRIFTTRACER: ACKACK and keepalive timing correct the TSBPD clock. Default true. */
  driftTracer?: boolean;
  /** The negotiated MSS (statistics only). Default 1500. */
  mss?: number;
  /** The fec packet filter (SRTO_PACKETFILTER) negotiated for the connection; none when undefined. */
  fec?: FecConfig;
}

/** Byte counters that libsrt reports with each packet's headers, and the packet counter of each. */
const BYTES_WITH_HEADERS: [CounterName, CounterName][] = [
  ['byteSent', 'pktSent'], ['byteSentUnique', 'pktSentUnique'], ['byteRecv', 'pktRecv'], ['byteRecvUnique', 'pktRecvUnique'],
  ['byteRetrans', 'pktRetrans'], ['byteRcvLoss', 'pktRcvLoss'], ['byteSndDrop', 'pktSndDrop'], ['byteRcvDrop', 'pktRcvDrop'],
];

export class SrtConnection implements EngineContext {
  readonly counters = new Counters();
  readonly rtt = new RttEstimator();
  /** Effects of the last call(s): the adapter performs them, then clears the outbox. */
  readonly out = new Outbox();
  closed = false;
  private readonly sender: Sender;
  private readonly receiver: Receiver;
  private lastSentUs: number;
  private lastRecvUs: number;
  /** Start of the statistics interval (stats(now, true) starts a new one). */
  private statsSinceUs: number;

  constructor(readonly cfg: ConnectionConfig, nowUs: number) {
    this.sender = new Sender(this, nowUs);
    this.receiver = new Receiver(this, nowUs);
    this.lastSentUs = nowUs;
    this.lastRecvUs = nowUs;
    this.statsSinceUs = nowUs;
  }

  /** Play-time clock for the peer's data (base, wrap, drift). */
  get tsbpd(): TsbpdClock {
    return this.receiver.tsbpd;
  }

  /** Our 32-bit timestamp for a packet sent now. */
  timestamp(nowUs: number): number {
    return tsWrap(nowUs - this.cfg.startUs);
  }

  // =================================================================== writing

  /** True while the send buffer can take another packet. */
  get writable(): boolean {
    return this.sender.writable;
  }

  /** As writable; when false, the outbox will say drain once there is room. */
  canWrite(): boolean {
    return this.sender.canWrite();
  }

  /** Bandwidth options changed on the connected socket (srt_setsockflag's SRTO_MAXBW...). */
  setBandwidth(bw: BandwidthOptions): void {
    this.sender.setBandwidth(bw);
  }

  /**
   * sndDropDelay or driftTracer changed on the connected socket (post options in libsrt too): the
   * sender's drop check and the receiver's drift samples read them from the configuration each time.
   */
  setConfig(changes: Partial<Pick<ConnectionConfig, 'sndDropDelay' | 'driftTracer'>>): void {
    if (changes.sndDropDelay !== undefined) this.cfg.sndDropDelay = changes.sndDropDelay;
    if (changes.driftTracer !== undefined) this.cfg.driftTracer = changes.driftTracer;
  }

  /** lossMaxTtl changed on the connected socket (SRTO_LOSSMAXTTL is a post option in libsrt too). */
  setLossMaxTtl(max: number): void {
    this.receiver.setLossMaxTtl(max);
  }

  /** Everything written was acknowledged (or dropped). */
  get flushed(): boolean {
    return this.sender.flushed;
  }

  /**
   * Queues one packet (live: one message, payload <= payloadSize) and sends what pacing allows
   * now (`sendNow` false leaves that to sendWritten() after a batch). Returns false when the
   * writer should wait for the outbox's `drain`.
   */
  write(payload: Buffer, nowUs: number, position: number = Position.SOLO, sendNow = true): boolean {
    if (this.closed) return false;
    return this.sender.write(payload, nowUs, position, sendNow);
  }

  /** Sends what a batch of write(..., false) queued (`written` packets), as pacing allows. */
  sendWritten(nowUs: number, written: number): void {
    if (!this.closed) this.sender.sendWritten(nowUs, written);
  }

  // =================================================================== receiving

  receive(pkt: Packet, nowUs: number): void {
    if (this.closed) return;
    this.lastRecvUs = nowUs;
    if (pkt.kind === 'data') this.receiver.onData(pkt, nowUs);
    else this.onControl(pkt, nowUs);
  }

  private onControl(pkt: ControlPacket, nowUs: number): void {
    switch (pkt.type) {
      case ControlType.KEEPALIVE:
        return this.receiver.onKeepalive(pkt, nowUs);
      case ControlType.ACK: {
        const ack = decodeAck(pkt.body);
        if (!ack) return void this.counters.add(Ctr.pktRecvInvalid);
        this.counters.add(Ctr.pktRecvACK);
        return this.sender.onAck(ack, pkt.typeInfo, nowUs);
      }
      case ControlType.ACKACK:
        return this.receiver.onAckAck(pkt, nowUs);
      case ControlType.NAK: {
        const ranges = decodeLossList(pkt.body);
        if (!ranges) return void this.counters.add(Ctr.pktRecvInvalid);
        this.counters.add(Ctr.pktRecvNAK);
        return this.sender.onNak(ranges, nowUs);
      }
      case ControlType.SHUTDOWN:
        // Deliver whatever arrived, in order, before reporting the close.
        this.receiver.deliverAll();
        this.closed = true;
        this.out.peerClosed = true;
        return;
      case ControlType.DROPREQ: {
        const r = decodeDropReq(pkt.body);
        if (r) this.receiver.onDropReq(r, nowUs); // libsrt ignores a DROPREQ shorter than 8 bytes
        return;
      }
      case ControlType.EXT:
        return this.onExt(pkt, nowUs);
      default:
        // HANDSHAKE repeats are answered by the adapter; the rest carry nothing this engine needs.
        return;
    }
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

  /** The reader said "enough": deliveries wait in the bounded receive buffer, ACKs advertise less room. */
  pauseDelivery(): void {
    this.receiver.pauseDelivery();
  }

  /** The reader takes more: deliver what is due. */
  resumeDelivery(nowUs: number): void {
    if (!this.closed) this.receiver.resumeDelivery(nowUs);
  }

  // =================================================================== timers

  /** Runs every timer that is due; returns the next deadline (µs). */
  tick(nowUs: number): number {
    if (this.closed) return Infinity;
    if (this.checkPeerIdle(nowUs)) return Infinity;
    this.receiver.tick(nowUs);
    this.sender.tick(nowUs);
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

  /** The connection is dead (idle peer, or a peer that broke the protocol): stop and say why. */
  breakConnection(message: string): void {
    if (this.closed) return;
    this.closed = true;
    this.out.broken = message;
  }

  private checkKeepalive(nowUs: number): void {
    if (nowUs - this.lastSentUs >= KEEPALIVE_US) this.sendControl(ControlType.KEEPALIVE, 0, undefined, nowUs);
  }

  private nextDeadline(nowUs: number): number {
    let t = Math.min(this.lastSentUs + KEEPALIVE_US, this.lastRecvUs + this.idleLimitUs() + 1000);
    t = Math.min(t, this.receiver.deadline());
    const km = this.cfg.crypto?.nextKmAt(this.rtt.srtt) ?? Infinity;
    if (km < t) t = Math.max(km, nowUs);
    return Math.min(t, this.sender.deadline(nowUs));
  }

  // =================================================================== output

  sendControl(type: number, typeInfo: number, body: Buffer | undefined, nowUs: number, subtype = 0): void {
    this.lastSentUs = nowUs;
    this.out.datagrams.push(encodeControl(type, typeInfo, this.timestamp(nowUs), this.cfg.peerSocketId, body, subtype));
  }

  sendData(parts: Buffer[], nowUs: number): void {
    this.lastSentUs = nowUs;
    this.out.datagrams.push(parts);
  }

  // =================================================================== closing and stats

  /** Sends SHUTDOWN (once) and stops the engine. */
  shutdown(nowUs: number): void {
    if (this.closed) return;
    this.sendControl(ControlType.SHUTDOWN, 0, undefined, nowUs);
    this.closed = true;
  }

  /** libsrt-style statistics (srt_bstats names and units). */
  stats(nowUs: number, clear = false): SrtStats {
    const s = this.counters.snapshot(clear);
    // libsrt's byte counters include each packet's headers (16 SRT + 28 UDP/IPv4), payloads do not.
    for (const [bytes, pkts] of BYTES_WITH_HEADERS) {
      s[bytes] += s[pkts] * PACKET_OVERHEAD;
      s[`${bytes}Total`] += s[`${pkts}Total`] * PACKET_OVERHEAD;
    }
    // Rates over the interval since the last clear, as libsrt (bytes with headers / interval).
    const intervalUs = Math.max(1, nowUs - this.statsSinceUs);
    if (clear) this.statsSinceUs = nowUs;
    s.msTimeStamp = Math.round((nowUs - this.cfg.startUs) / 1000);
    s.msRTT = this.rtt.srtt / 1000;
    s.msRcvTsbPdDelay = this.cfg.rcvLatency;
    s.msSndTsbPdDelay = this.cfg.sndLatency;
    s.byteMSS = this.cfg.mss ?? 1500;
    s.mbpsRecvRate = (s.byteRecv * 8) / intervalUs;
    s.mbpsSendRate = (s.byteSent * 8) / intervalUs;
    this.sender.stats(s, nowUs);
    this.receiver.stats(s, nowUs);
    return s as SrtStats; // every name: test/unit/stats.test.ts
  }
}
