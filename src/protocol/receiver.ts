/**
 * The receiving half of a connection: the receive buffer, the loss list, ACKs and their history,
 * TSBPD delivery, the reorder tolerance (lossMaxTtl: when a gap is NAKed) and what the peer's
 * DROPREQ and SHUTDOWN do to them. Its timers (tick):
 *   deliverDue     TSBPD: deliver at base + timestamp + latency, too-late drop of gaps
 *   checkAckTimer  full ACK every 10 ms (a light ACK every 64 packets on arrival)
 *   checkNakTimer  periodic NAK every max(20 ms, (SRTT + 4·RTTVar) / 2)
 * With the fec packet filter, every data packet goes through its FecReceiver first (FEC packets
 * only there); what it rebuilds is stored like a retransmission, and its arq level decides the
 * NAKs: always (ours, as without a filter), onreq (only what it gives up on), never (none).
 */
import type { EngineContext } from './engine-context';
import type { ArqLevel } from './fec/fec-config';
import type { RebuiltPacket } from './fec/fec-group';
import { isFecPacket } from './fec/fec-packet';
import { FecReceiver } from './fec/fec-receiver';
import { MAX_PAYLOAD } from './limits';
import { LossList } from './loss-list';
import { ControlPacket, ControlType, DataPacket, encodeAck, encodeLossList, HEADER_SIZE, Position, SeqRange, writeDataHeader } from './packet';
import { ArrivalRateEstimator } from './rate-estimator';
import { ReceiveBuffer } from './receive-buffer';
import { ReorderTolerance } from './reorder-tolerance';
import { seqCmp, seqDec, seqInc, seqLen, seqOffset } from './sequence';
import { ACK_INTERVAL_US, PACKET_OVERHEAD } from './sender';
import { Ctr } from './stats';
import { TsbpdClock } from './tsbpd';

export const LIGHT_ACK_PACKETS = 64;
export const MIN_NAK_INTERVAL_US = 20_000;
/** Full ACKs remembered for RTT measurement: 5 s of them at one per 10 ms. */
const ACK_HISTORY = 512;

export class Receiver {
  /** Play-time clock for the peer's data (base, wrap, drift). */
  readonly tsbpd: TsbpdClock;
  private readonly rcvBuf: ReceiveBuffer;
  private readonly lossList: LossList;
  /** When a gap is NAKed: at once, or after more packets on a reordering link (lossMaxTtl). */
  private readonly reorder: ReorderTolerance;
  /** Gaps whose wait ended with the packet being stored (reused: no allocation per packet). */
  private readonly waitsEnded: SeqRange[] = [];
  /** One past the highest sequence number received. */
  private rcvNext: number;
  /** First sequence number not received contiguously (the ACK point). */
  private ackPoint: number;
  /** Set while the application does not take delivered payloads. */
  private deliveryPaused = false;
  private nextAckAt: number;
  /**
   * When the periodic NAK period last started (the first loss, or the last periodic NAK). The next
   * one is due a period later, the period taken with the RTT known at that time: a first NAK lost
   * before any RTT was measured is repeated after a period of the measured RTT, not of the initial
   * 100 ms guess (libsrt 1.5.1 keeps its initial 300 ms there).
   */
  private nakPeriodFromUs = Infinity;
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
  /** The fec filter's receiving half, when the connection negotiated one. */
  private readonly fec?: FecReceiver;
  /** Who NAKs losses: we (always, also without a filter), the filter (onreq), or nobody (never). */
  private readonly arq: ArqLevel;

  constructor(private readonly ctx: EngineContext, nowUs: number) {
    const cfg = ctx.cfg;
    const rcvIsn = cfg.peerIsn ?? cfg.isn;
    this.rcvBuf = new ReceiveBuffer(cfg.rcvBufPackets, rcvIsn);
    this.lossList = new LossList(cfg.rcvBufPackets);
    this.reorder = new ReorderTolerance(cfg.lossMaxTtl ?? 0, cfg.rcvBufPackets);
    this.rcvNext = rcvIsn;
    this.ackPoint = rcvIsn;
    this.lastFullAckSeq = rcvIsn;
    this.lastAckAckedSeq = rcvIsn;
    this.lastAckAvail = cfg.rcvBufPackets;
    this.tsbpd = new TsbpdClock(cfg.tsbpdBaseUs + cfg.tsbpdRefTimestamp, cfg.tsbpdRefTimestamp, cfg.rcvLatency * 1000);
    this.nextAckAt = nowUs + ACK_INTERVAL_US;
    // The receiving clip takes any payload the wire may carry, whatever clip the peer sends with.
    if (cfg.fec) this.fec = new FecReceiver(cfg.fec, rcvIsn, MAX_PAYLOAD);
    this.arq = cfg.fec?.arq ?? 'always';
  }

  // ------------------------------------------------------------------ data

  onData(pkt: DataPacket, nowUs: number): void {
    const counters = this.ctx.counters;
    const len = pkt.payload.length;
    counters.add(Ctr.pktRecv);
    counters.add(Ctr.byteRecv, len);
    if (len > MAX_PAYLOAD || len === 0) {
      counters.add(Ctr.pktRecvInvalid);
      return;
    }
    if (this.fec !== undefined) this.onFilteredData(this.fec, pkt, nowUs);
    else this.store(pkt, false, nowUs);
  }

  /**
   * With the fec filter (libsrt PacketFilter::receive): a FEC packet goes to it only; a data
   * packet goes to it, still encrypted, then on. What it rebuilt is stored in sequence order
   * with the packet (libsrt sorts them), so a gap it filled is not taken for a loss.
   */
  private onFilteredData(fec: FecReceiver, pkt: DataPacket, nowUs: number): void {
    const offset = this.rcvBuf.offsetOf(pkt.seq);
    const inWindow = offset >= 0 && offset < this.rcvBuf.capacity;
    if (isFecPacket(pkt.msgNo)) {
      this.ctx.counters.add(Ctr.pktRcvFilterExtra);
      if (inWindow && !fec.onFec(pkt.seq, pkt.timestamp, pkt.payload)) this.ctx.counters.add(Ctr.pktRecvInvalid);
    } else {
      if (inWindow) fec.onData(pkt.seq, pkt.timestamp, pkt.keyFlags, pkt.payload);
      if (fec.rebuilt.length === 0) this.store(pkt, false, nowUs);
    }
    const rebuilt = fec.rebuilt;
    if (rebuilt.length > 0) {
      this.ctx.counters.add(Ctr.pktRcvFilterSupply, rebuilt.length);
      if (rebuilt.length > 1) rebuilt.sort((a, b) => seqCmp(a.seqNo, b.seqNo));
      let own = isFecPacket(pkt.msgNo); // stored already (a FEC packet has nothing to store)
      for (const r of rebuilt) {
        if (!own && seqCmp(pkt.seq, r.seqNo) < 0) {
          this.store(pkt, false, nowUs);
          own = true;
        }
        this.store(this.rebuiltPacket(r), true, nowUs);
      }
      if (!own) this.store(pkt, false, nowUs);
      rebuilt.length = 0;
    }
    if (fec.irrecoverable.length > 0) this.reportIrrecoverable(fec, nowUs);
  }

  /** A rebuilt packet as libsrt makes it: message 1, solo, flagged retransmitted, our socket ID. */
  private rebuiltPacket(r: RebuiltPacket): DataPacket {
    const fields = {
      seq: r.seqNo,
      position: Position.SOLO,
      inOrder: false,
      keyFlags: r.keyFlags,
      retransmitted: true,
      msgNo: 1,
      timestamp: r.timestamp,
      destId: this.ctx.cfg.socketId,
    };
    // Header and payload in one buffer, as a received datagram (decryption reads the header).
    const buf = Buffer.allocUnsafe(HEADER_SIZE + r.payload.length);
    writeDataHeader(buf, 0, fields);
    r.payload.copy(buf, HEADER_SIZE);
    return { kind: 'data', ...fields, payload: buf.subarray(HEADER_SIZE) };
  }

  /** arq onreq: NAK what the filter gave up on and is still missing. */
  private reportIrrecoverable(fec: FecReceiver, nowUs: number): void {
    const missing: SeqRange[] = [];
    for (const [first, last] of fec.irrecoverable) {
      this.ctx.counters.add(Ctr.pktRcvFilterLoss, seqLen(first, last));
      this.lossList.rangesIn(first, last, missing);
    }
    fec.irrecoverable.length = 0;
    if (missing.length > 0) this.sendNak(missing, nowUs);
  }

  /** Stores a data packet (received, or rebuilt by the filter): loss list, ACK point, delivery. */
  private store(pkt: DataPacket, rebuilt: boolean, nowUs: number): void {
    const counters = this.ctx.counters;
    const len = pkt.payload.length;
    const seq = pkt.seq;
    const offset = this.rcvBuf.offsetOf(seq);
    if (offset < 0) {
      counters.add(Ctr.pktRcvBelated); // already delivered or dropped
      return;
    }
    if (offset >= this.rcvBuf.capacity) {
      // No room (the application is not reading): ignore it as if lost, so it is
      // NAKed and resent, or skipped (and counted in pktRcvDrop) by too-late drop.
      counters.add(Ctr.pktRcvNoRoom);
      return;
    }
    const ahead = seqOffset(this.rcvNext, seq);
    if (ahead >= 0 && !pkt.retransmitted) this.arrivals.onPacket(seq, len, nowUs);
    let reordered = false;
    if (ahead > 0) {
      // A gap: report it at once (or once the reorder tolerance's wait is over), then periodically.
      const last = seqDec(seq);
      if (this.lossList.isEmpty) this.nakPeriodFromUs = nowUs;
      this.lossList.insert(this.rcvNext, last);
      this.countLost(Ctr.pktRcvLoss, Ctr.byteRcvLoss, ahead);
      // Under a filter with arq onreq or never the loss is recorded (the ACK waits) but not reported.
      if (this.arq === 'always' && !this.reorder.deferGap(this.rcvNext, last)) this.sendNak([[this.rcvNext, last]], nowUs);
      this.rcvNext = seqInc(seq);
    } else if (ahead === 0) {
      this.rcvNext = seqInc(seq);
    } else {
      if (this.lossList.remove(seq)) {
        reordered = !pkt.retransmitted;
        this.reorder.onGapFilled(seq, -ahead - 1, pkt.retransmitted);
      }
      if (pkt.retransmitted && !rebuilt) counters.add(Ctr.pktRcvRetrans);
    }
    const decrypted = this.decryptInPlace(pkt);
    if (decrypted && this.rcvBuf.insert(pkt, this.tsbpd.unwrap(pkt.timestamp)) !== 'ok') {
      counters.add(Ctr.pktRcvBelated); // a duplicate
      return;
    }
    // A new packet (an undecryptable one too, as libsrt counts it): the waits count it.
    this.countDownWaits(reordered, nowUs);
    if (!decrypted) return;
    counters.add(Ctr.pktRecvUnique);
    counters.add(Ctr.byteRecvUnique, len);
    this.advanceAckPoint();
    if (++this.packetsSinceAck >= LIGHT_ACK_PACKETS) {
      this.packetsSinceAck = 0;
      this.ctx.sendControl(ControlType.ACK, 0, encodeAck({ lastAckSeq: this.ackPoint }), nowUs);
    }
    this.deliverDue(nowUs);
  }

  /** NAKs what is still missing of the gaps whose wait ended with this packet (one NAK for all). */
  private countDownWaits(reordered: boolean, nowUs: number): void {
    const ended = this.waitsEnded;
    this.reorder.onStored(reordered, ended);
    if (ended.length === 0) return;
    const missing: SeqRange[] = [];
    for (const [first, last] of ended) this.lossList.rangesIn(first, last, missing);
    ended.length = 0;
    if (missing.length > 0) this.sendNak(missing, nowUs);
  }

  /**
   * Replaces an encrypted payload by its plaintext. A packet that cannot be
   * decrypted (no key for its KK, bad GCM tag, or clear while we are secured)
   * is counted in pktRcvUndecrypt and dropped: the application never gets
   * ciphertext (libsrt ≥ 1.5.5). Its sequence number stays "received", so it is
   * not NAKed again; too-late drop skips it at its play time.
   */
  private decryptInPlace(pkt: DataPacket): boolean {
    const crypto = this.ctx.cfg.crypto;
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
    this.ctx.counters.add(Ctr.pktRcvUndecrypt);
    this.ctx.counters.add(Ctr.byteRcvUndecrypt, pkt.payload.length);
    return false;
  }

  private advanceAckPoint(): void {
    if (seqCmp(this.ackPoint, this.rcvBuf.head) < 0) this.ackPoint = this.rcvBuf.head;
    let off = this.rcvBuf.offsetOf(this.ackPoint);
    const limit = this.rcvBuf.offsetOf(this.rcvNext);
    while (off < limit && this.rcvBuf.at(off)) off++;
    this.ackPoint = seqInc(this.rcvBuf.head, off);
  }

  /**
   * Packets never received (lost, or dropped unreceived) have no size: libsrt counts their bytes
   * at the average payload received so far.
   */
  private countLost(pkts: Ctr, bytes: Ctr, n: number): void {
    const counters = this.ctx.counters;
    const unique = counters.get(Ctr.pktRecvUnique);
    const avg = unique > 0 ? counters.get(Ctr.byteRecvUnique) / unique : this.ctx.cfg.payloadSize;
    counters.add(pkts, n);
    counters.add(bytes, Math.round(n * avg));
  }

  // ------------------------------------------------------------------ control

  /** The peer echoed one of our full ACKs: an RTT sample, and a drift sample for TSBPD. */
  onAckAck(pkt: ControlPacket, nowUs: number): void {
    const i = pkt.typeInfo & (ACK_HISTORY - 1);
    if (this.ackSentNo[i] !== (pkt.typeInfo | 0)) return;
    this.ackSentNo[i] = -1;
    const rttSample = nowUs - this.ackSentUs[i];
    this.ctx.rtt.addSample(rttSample);
    if (this.ctx.cfg.driftTracer !== false) this.tsbpd.addDriftSample(pkt.timestamp, nowUs, rttSample);
    const seq = this.ackSentSeq[i];
    if (seqCmp(seq, this.lastAckAckedSeq) > 0) this.lastAckAckedSeq = seq;
  }

  /** A KEEPALIVE's timestamp is on the sender's clock: a drift sample (libsrt processKeepalive). */
  onKeepalive(pkt: ControlPacket, nowUs: number): void {
    if (this.ctx.cfg.driftTracer !== false) this.tsbpd.addDriftSample(pkt.timestamp, nowUs, this.ctx.rtt.srtt);
  }

  /**
   * The sender gave up on [first, last]. Clipped to the receive window by offsets from its head,
   * so the work is bounded by the buffer whatever span the peer claimed.
   */
  onDropReq(range: SeqRange, nowUs: number): void {
    const head = this.rcvBuf.head;
    const from = Math.max(0, seqOffset(head, range[0]));
    const to = Math.min(seqOffset(head, range[1]), this.rcvBuf.capacity - 1);
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
        this.countLost(Ctr.pktRcvDrop, Ctr.byteRcvDrop, skipped);
        this.lossList.removeUpTo(seqDec(this.rcvBuf.head));
        this.advanceAckPoint();
      }
    }
    this.deliverDue(nowUs);
  }

  /** The peer closed: everything that arrived is delivered, in order, before the close is reported. */
  deliverAll(): void {
    while (this.rcvBuf.stored > 0) {
      const p = this.rcvBuf.shift();
      if (p) this.ctx.out.delivered.push(p);
    }
  }

  // ------------------------------------------------------------------ timers

  /** Runs the receiver's timers: delivery, ACK, periodic NAK. */
  tick(nowUs: number): void {
    this.deliverDue(nowUs);
    this.checkAckTimer(nowUs);
    this.checkNakTimer(nowUs);
  }

  /** The receiver's next deadline (µs). */
  deadline(): number {
    let t = Infinity;
    if (this.ackPoint !== this.lastFullAckSeq || this.ackPoint !== this.lastAckAckedSeq || this.roomReopened()) t = this.nextAckAt;
    if (this.periodicNak() && !this.lossList.isEmpty) t = Math.min(t, this.nakPeriodFromUs + this.nakIntervalUs());
    return Math.min(t, this.nextPlayTime());
  }

  private checkAckTimer(nowUs: number): void {
    if (nowUs < this.nextAckAt) return;
    this.nextAckAt = nowUs + ACK_INTERVAL_US;
    const rtt = this.ctx.rtt;
    const advanced = this.ackPoint !== this.lastFullAckSeq;
    const unconfirmed = this.ackPoint !== this.lastAckAckedSeq && nowUs - this.lastFullAckUs > rtt.srtt + 4 * rtt.rttVar;
    if (advanced || unconfirmed || this.roomReopened()) this.sendFullAck(nowUs);
  }

  /** The last ACK told the sender the buffer was (nearly) full and now it has room: say so. */
  private roomReopened(): boolean {
    return this.lastAckAvail < this.rcvBuf.capacity / 4 && this.rcvBuf.available >= this.rcvBuf.capacity / 2;
  }

  private checkNakTimer(nowUs: number): void {
    if (!this.periodicNak() || this.lossList.isEmpty || nowUs < this.nakPeriodFromUs + this.nakIntervalUs()) return;
    this.sendNak(this.lossList.toRanges(), nowUs);
    this.nakPeriodFromUs = nowUs;
  }

  /** NAKREPORT, and no filter that takes the loss reports over (libsrt checkNAKTimer: arq always only). */
  private periodicNak(): boolean {
    return this.ctx.cfg.nakReport && this.arq === 'always';
  }

  private nakIntervalUs(): number {
    const rtt = this.ctx.rtt;
    return Math.max(MIN_NAK_INTERVAL_US, (rtt.srtt + 4 * rtt.rttVar) / 2);
  }

  private sendNak(ranges: readonly SeqRange[], nowUs: number): void {
    this.ctx.counters.add(Ctr.pktSentNAK);
    this.ctx.sendControl(ControlType.NAK, 0, encodeLossList(ranges, this.ctx.cfg.payloadSize >> 2), nowUs);
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
    this.ctx.counters.add(Ctr.pktSentACK);
    this.lastAckAvail = this.rcvBuf.available;
    const rtt = this.ctx.rtt;
    const body = encodeAck({
      lastAckSeq: this.ackPoint,
      rtt: Math.round(rtt.srtt),
      rttVar: Math.round(rtt.rttVar),
      availBuf: Math.max(2, this.rcvBuf.available),
      pktRecvRate: this.arrivals.packetRate(),
      linkCapacity: this.arrivals.linkCapacity(),
      recvRate: this.arrivals.byteRate(),
    });
    this.ctx.sendControl(ControlType.ACK, ackNo, body, nowUs);
  }

  // ------------------------------------------------------------------ TSBPD delivery

  /** Too-late drop skips gaps at play time: without TSBPD there is none, and nothing is dropped (libsrt). */
  private dropsTooLate(): boolean {
    return this.ctx.cfg.tlpktDrop && this.ctx.cfg.tsbpd !== false;
  }

  /** Local play time of a buffered packet; without TSBPD (file mode) everything is due now. */
  private playAtOf(offset: number): number {
    return this.ctx.cfg.tsbpd === false ? -Infinity : this.tsbpd.playTime(this.rcvBuf.timestampOf(offset));
  }

  /** The reader said "enough": deliveries wait in the bounded buffer until resumeDelivery(). */
  pauseDelivery(): void {
    this.deliveryPaused = true;
  }

  /** The reader takes more: deliver what is due. */
  resumeDelivery(nowUs: number): void {
    if (!this.deliveryPaused) return;
    this.deliveryPaused = false;
    this.deliverDue(nowUs);
  }

  /** Play time of the next packet to deliver (or of the packet after a droppable gap). */
  private nextPlayTime(): number {
    if (this.rcvBuf.stored === 0 || this.deliveryPaused) return Infinity;
    if (this.rcvBuf.peek()) return this.playAtOf(0);
    if (!this.dropsTooLate()) return Infinity;
    const off = this.rcvBuf.firstStoredFrom(1, this.rcvBuf.offsetOf(this.rcvNext));
    return off < 0 ? Infinity : this.playAtOf(off);
  }

  /** Delivers (into the outbox) what is due, as far as the reader has room; drops what is too late. */
  private deliverDue(nowUs: number): void {
    const out = this.ctx.out;
    while (this.rcvBuf.stored > 0 && !this.deliveryPaused && out.canDeliver) {
      if (this.rcvBuf.peek()) {
        if (this.playAtOf(0) > nowUs) return;
        out.delivered.push(this.rcvBuf.shift()!);
        continue;
      }
      if (!this.dropsTooLate()) return;
      // Too-late drop: the head is missing but a later packet is due; skip the gap.
      const off = this.rcvBuf.firstStoredFrom(1, this.rcvBuf.offsetOf(this.rcvNext));
      if (off < 0 || this.playAtOf(off) > nowUs) return;
      const lastMissing = seqInc(this.rcvBuf.head, off - 1);
      this.lossList.removeUpTo(lastMissing);
      for (let i = 0; i < off; i++) this.rcvBuf.shift();
      this.countLost(Ctr.pktRcvDrop, Ctr.byteRcvDrop, off);
      this.advanceAckPoint();
    }
  }

  /** lossMaxTtl changed on the connected socket. */
  setLossMaxTtl(max: number): void {
    this.reorder.setMax(max);
  }

  /** The receiver's part of the statistics. */
  stats(s: Record<string, number>, nowUs: number): void {
    const pkt = this.ctx.cfg.payloadSize + PACKET_OVERHEAD;
    s.pktRcvBuf = this.rcvBuf.stored;
    s.byteRcvBuf = this.rcvBuf.storedBytes;
    s.msRcvBuf = this.rcvBuf.stored > 0 && this.rcvBuf.peek() ? Math.max(0, Math.round((this.playAtOf(0) - nowUs) / 1000)) : 0;
    s.byteAvailRcvBuf = this.rcvBuf.available * pkt;
    s.pktRcvDriftCorrections = this.tsbpd.baseCorrections;
    s.usRcvDrift = this.tsbpd.driftUs;
    s.pktRcvLossRanges = this.lossList.size;
    s.pktReorderDistance = this.reorder.distance;
    s.pktReorderTolerance = this.reorder.tolerance;
    // A receiving side hears no capacity from its peer's ACKs: like libsrt, it reports its own estimate.
    if (!(s.mbpsBandwidth > 0)) s.mbpsBandwidth = (this.arrivals.linkCapacity() * pkt * 8) / 1e6;
  }
}
