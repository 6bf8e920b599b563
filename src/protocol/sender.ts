/**
 * The sending half of a connection: the send buffer, message numbering, pacing, the retransmission
 * list and what the peer's ACKs and loss reports do to them. Feedback only updates state: what it
 * makes sendable goes out on the next tick, which the adapter runs once per event-loop turn after
 * the turn's datagrams, so a burst of NAKs costs one paced send, not one per NAK. Its timers (tick):
 *   sendPending      paced (re)transmission through a token bucket, retransmissions first
 *   dropTooLate      sender drop of packets older than max(peer latency + sndDropDelay, 1 s) + 20 ms
 *   checkRexmitTimer retransmission without a NAK: file mode (LATEREXMIT), or a live peer without NAKREPORT
 * With the fec packet filter, each new packet is fed to its FecSender, and the FEC packets it
 * completes go out paced like data, before the next new packet (after retransmissions, as libsrt).
 */
import { AckInfo, ControlType, encodeDropReq, HEADER_SIZE, Position, SeqRange, writeDataHeader } from './packet';
import type { BandwidthOptions, CcView, CongestionControl } from './congestion';
import type { EngineContext } from './engine-context';
import { FecSender } from './fec/fec-sender';
import { FileCC } from './file-cc';
import { LiveCC } from './live-cc';
import { LossList } from './loss-list';
import { TokenBucket } from './pacer';
import { SendBuffer, SendEntry } from './send-buffer';
import { msgNoInc, SEQ_MAX, seqDec, seqInc, seqOffset } from './sequence';
import { Ctr } from './stats';

/** IP + UDP + SRT header bytes of a packet, counted by pacing and the byte statistics. */
export const PACKET_OVERHEAD = 44;
export const ACK_INTERVAL_US = 10_000;
/**
 * Packets one call may send. When sending costs more CPU than the pacing rate leaves between
 * packets, the token bucket refills while we send and never stops a burst: this cap ends it, so
 * one connection (or a peer's storm of NAKs) cannot hold the event loop; the rest goes on the
 * next tick.
 */
const MAX_SEND_BURST = 64;
/** Upper bounds of what a peer's ACK may set: flow window (packets) and rates (packets/s). */
const MAX_WINDOW = 0x40000000;
const MAX_PEER_RATE = 0x40000000;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export class Sender {
  private readonly sndBuf: SendBuffer;
  /** Sequence numbers to resend (NAKed, or timed out). */
  private readonly rexmit: LossList;
  private readonly pacer: TokenBucket;
  readonly cc: CongestionControl;
  /** When the peer last acknowledged something, and how many retransmission timeouts since (libsrt m_iReXmitCount). */
  private lastRspAckUs: number;
  private rexmitCount = 1;
  /** The last new packet sent opened a probe pair: send the next one unpaced. */
  private probePending = false;
  private nextMsgNo = 1;
  /** The peer's flow window: packets it can take, from its handshake then its full ACKs. */
  flowWindow: number;
  /** write() returned false: say drain once there is room. */
  private needDrain = false;
  /** Link capacity and packet receive rate the peer reported in its last full ACK (packets/s). */
  peerLinkCapacity = 0;
  peerPktRecvRate = 0;
  /** The fec filter's sending half, when the connection negotiated one. */
  private readonly fec?: FecSender;

  constructor(private readonly ctx: EngineContext, nowUs: number) {
    const cfg = ctx.cfg;
    this.sndBuf = new SendBuffer(cfg.sndBufPackets, cfg.isn);
    this.rexmit = new LossList(cfg.sndBufPackets);
    this.flowWindow = cfg.flowWindow;
    this.cc = cfg.fileMode
      ? new FileCC(cfg.isn, nowUs, cfg.payloadSize + PACKET_OVERHEAD, cfg.maxBw)
      : new LiveCC({ maxBw: cfg.maxBw, inputBw: cfg.inputBw ?? 0, minInputBw: cfg.minInputBw ?? 0, overheadBw: cfg.overheadBw ?? 25 });
    this.pacer = new TokenBucket(this.cc.rate(), 4 * (cfg.payloadSize + PACKET_OVERHEAD), nowUs);
    this.lastRspAckUs = nowUs;
    // libsrt's clip is the payload size plus the GCM tag: every packet as it goes on the wire.
    if (cfg.fec) this.fec = new FecSender(cfg.fec, cfg.payloadSize + (cfg.crypto?.overhead ?? 0));
  }

  /** New bandwidth options on a connected socket: the pacing rate follows at once. */
  setBandwidth(bw: BandwidthOptions): void {
    this.cc.setBandwidth(bw);
    this.pacer.rate = this.cc.rate();
  }

  // ------------------------------------------------------------------ writing

  /** True while the send buffer can take another packet. */
  get writable(): boolean {
    return !this.sndBuf.full && this.sndBuf.unsent < this.unsentLimit();
  }

  /** Everything written was acknowledged (or dropped). */
  get flushed(): boolean {
    return this.sndBuf.length === 0;
  }

  /**
   * Whether write() can take a packet now; if not, the outbox says drain once it can. The room
   * also shrinks without a write (a loss report lowers the pacing rate, hence the unsent limit):
   * a writer that finds it full must still be woken.
   */
  canWrite(): boolean {
    const ok = this.writable;
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** Unsent packets we queue before pushing back on the writer: about 20 ms at the pacing rate, at least 64. */
  private unsentLimit(): number {
    return Math.max(64, Math.ceil((this.pacer.rate * 0.02) / (this.ctx.cfg.payloadSize + PACKET_OVERHEAD)));
  }

  /**
   * Queues one packet (live: one message, payload <= payloadSize) and sends what pacing allows
   * now. Returns false when the writer should wait for the outbox's drain.
   */
  write(payload: Buffer, nowUs: number, position: number, sendNow = true): boolean {
    if (this.sndBuf.full) {
      this.needDrain = true;
      return false;
    }
    this.sndBuf.push({
      seq: this.sndBuf.endSeq,
      msgNo: this.nextMsgNo,
      position,
      timestamp: this.ctx.timestamp(nowUs),
      submittedUs: nowUs,
      payload,
      lastSentUs: -1,
      rexmits: 0,
    });
    if (position === Position.SOLO || position === Position.LAST) this.nextMsgNo = msgNoInc(this.nextMsgNo);
    this.cc.onInput(payload.length + PACKET_OVERHEAD, nowUs);
    this.pacer.rate = this.cc.rate();
    if (sendNow) this.sendPending(nowUs);
    return this.canWrite();
  }

  private view(): CcView {
    return { srttUs: this.ctx.rtt.srtt, recvRate: this.peerPktRecvRate, bandwidth: this.peerLinkCapacity, flowWindow: this.flowWindow };
  }

  // ------------------------------------------------------------------ the peer's feedback

  /**
   * An ACK. Checked by its offset from the oldest unacknowledged packet: ahead of what we sent is
   * an attack or a bug (libsrt breaks the connection); behind it, a stale ACK that changes nothing.
   * A full ACK is answered with ACKACK first, as libsrt does before any check.
   */
  onAck(ack: AckInfo, ackNo: number, nowUs: number): void {
    const full = ack.rtt !== undefined;
    if (full) this.ctx.sendControl(ControlType.ACKACK, ackNo, undefined, nowUs);
    const off = seqOffset(this.sndBuf.firstSeq, ack.lastAckSeq);
    if (off > this.sndBuf.inFlight) {
      this.ctx.counters.add(Ctr.pktRecvInvalid);
      return this.ctx.breakConnection('the peer acknowledged packets never sent');
    }
    if (off < 0) return;
    if (off > 0) {
      this.sndBuf.dropBefore(ack.lastAckSeq);
      this.rexmit.removeUpTo(seqDec(ack.lastAckSeq));
    }
    this.lastRspAckUs = nowUs;
    this.rexmitCount = 1;
    if (full) {
      const rtt = this.ctx.rtt;
      // A unidirectional sender has no ACKACK of its own to measure: it takes the receiver's values.
      if (!rtt.measured && ack.rtt! > 0) rtt.adopt(ack.rtt!, ack.rttVar ?? ack.rtt! / 2);
      if (ack.availBuf !== undefined) this.flowWindow = clamp(ack.availBuf, 2, MAX_WINDOW);
      if (ack.linkCapacity) this.peerLinkCapacity = Math.min(ack.linkCapacity, MAX_PEER_RATE);
      if (ack.pktRecvRate) this.peerPktRecvRate = Math.min(ack.pktRecvRate, MAX_PEER_RATE);
    }
    this.cc.onAck(ack.lastAckSeq, nowUs, this.view());
    this.pacer.rate = this.cc.rate();
    this.maybeDrain();
  }

  /**
   * A loss report. Every range is checked by its distance back from the last sequence number
   * sent, a known point from which nothing can wrap: a range that names numbers we never sent
   * breaks the connection, as libsrt does. Valid ranges are clipped to the send buffer, so the
   * work is bounded by the packets held, whatever span the peer claimed.
   */
  onNak(ranges: readonly SeqRange[], nowUs: number): void {
    const lastSent = seqDec(this.sndBuf.nextToSend);
    for (const [a, b] of ranges) {
      const backA = (lastSent - a) & SEQ_MAX;
      const backB = (lastSent - b) & SEQ_MAX;
      if (backA >= this.sndBuf.passedSpan || backB > backA) {
        this.ctx.counters.add(Ctr.pktRecvInvalid);
        return this.ctx.breakConnection('the peer reported the loss of packets never sent');
      }
    }
    // Offsets from the oldest packet held: [0, inFlight) is in the buffer, below 0 is gone.
    const inFlight = this.sndBuf.inFlight;
    const first = this.sndBuf.firstSeq;
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
        this.ctx.counters.add(Ctr.pktSndLoss, this.rexmit.insert(seqInc(first, from), seqInc(first, offB)));
        floor = offB + 1;
      }
    }
    // What is no longer buffered cannot be resent: one DROPREQ tells the receiver to stop asking.
    if (dropFrom <= dropTo) {
      this.ctx.sendControl(ControlType.DROPREQ, 0, encodeDropReq(seqInc(first, dropFrom), seqInc(first, dropTo)), nowUs);
    }
    if (ranges.length > 0) {
      this.cc.onLoss(ranges[0][0], lost, lastSent, this.view());
      this.pacer.rate = this.cc.rate();
    }
  }

  // ------------------------------------------------------------------ timers

  /** Runs the sender's timers: too-late drop, retransmission timeout, then paced sending. */
  tick(nowUs: number): void {
    this.dropTooLate(nowUs);
    this.checkRexmitTimer(nowUs);
    this.sendPending(nowUs);
  }

  /** The sender's next deadline (µs). */
  deadline(nowUs: number): number {
    let t = this.rexmitDeadline() + 1;
    let sendable = (this.fec?.pending ?? 0) > 0; // FEC packets due even once everything is acknowledged
    if (this.sndBuf.length > 0) {
      const oldest = this.sndBuf.oldest()!;
      // Dropped once older than the threshold (dropTooLate): 1 µs after it.
      if (this.ctx.cfg.tlpktDrop) t = Math.min(t, oldest.submittedUs + this.sndDropThresholdUs() + 1);
      sendable ||= !this.rexmit.isEmpty || (this.sndBuf.unsent > 0 && this.sndBuf.inFlight < this.window());
    }
    if (sendable) t = Math.min(t, nowUs + Math.max(200, this.pacer.waitUs(this.ctx.cfg.payloadSize + PACKET_OVERHEAD)));
    return t;
  }

  /** Retransmission timeout: SRTT + 4·RTTVar + 20 ms per expiration, plus 10 ms (libsrt checkRexmitTimer). */
  private rexmitDeadline(): number {
    if (!this.cc.timerRexmit && this.ctx.cfg.peerNakReport !== false) return Infinity; // live: the receiver re-NAKs
    if (this.sndBuf.inFlight === 0) return Infinity;
    const rtt = this.ctx.rtt;
    const rttSyn = rtt.srtt + 4 * rtt.rttVar + 2 * ACK_INTERVAL_US;
    return this.lastRspAckUs + this.rexmitCount * rttSyn + ACK_INTERVAL_US;
  }

  /**
   * Without periodic NAKs a lost NAK (or a lost tail) would never be repaired: when nothing was
   * acknowledged for a timeout, resend everything in flight (file mode only when no NAKed packet
   * is still waiting: LATEREXMIT).
   */
  private checkRexmitTimer(nowUs: number): void {
    if (nowUs <= this.rexmitDeadline()) return;
    if (!this.cc.timerRexmit || this.rexmit.isEmpty) this.rexmit.insert(this.sndBuf.firstSeq, seqDec(this.sndBuf.nextToSend));
    this.rexmitCount++;
    this.cc.onTimeout(this.view());
    this.pacer.rate = this.cc.rate();
  }

  /** libsrt sndDropTooLate: at least 1 s (an I-frame's worth), plus 20 ms of reaction time; SRTO_SNDDROPDELAY -1 is never. */
  private sndDropThresholdUs(): number {
    const extra = this.ctx.cfg.sndDropDelay ?? 0;
    if (extra < 0) return Infinity;
    return (Math.max(this.ctx.cfg.sndLatency + extra, 1000) + 20) * 1000;
  }

  /** Sender too-late drop: packets older than the peer could still play. */
  private dropTooLate(nowUs: number): void {
    if (!this.ctx.cfg.tlpktDrop || (this.ctx.cfg.sndDropDelay ?? 0) < 0) return;
    const limit = nowUs - this.sndDropThresholdUs();
    let e = this.sndBuf.oldest();
    let n = 0;
    while (e && e.submittedUs < limit) {
      n++;
      this.ctx.counters.add(Ctr.byteSndDrop, e.payload.length);
      e = this.sndBuf.get(seqInc(e.seq));
    }
    if (n === 0) return;
    const next = seqInc(this.sndBuf.firstSeq, n);
    this.sndBuf.dropBefore(next);
    this.rexmit.removeUpTo(seqDec(next));
    this.ctx.counters.add(Ctr.pktSndDrop, n);
    this.maybeDrain();
  }

  /**
   * Sends what a batch of write(..., sendNow = false) queued, as pacing allows: up to `written`
   * new packets (if more than the usual burst), in one pass instead of one pass per packet.
   */
  sendWritten(nowUs: number, written: number): void {
    this.sendPending(nowUs, Math.max(0, written - MAX_SEND_BURST));
  }

  /**
   * Sends retransmissions first, then new packets, within the window and the pacing budget: at
   * most MAX_SEND_BURST packets, plus `extraNew` new ones for a batch the writer just queued.
   */
  private sendPending(nowUs: number, extraNew = 0): void {
    this.pacer.refill(nowUs);
    const rtt = this.ctx.rtt;
    // SRTO_RETRANSMITALGO 1 (libsrt's default) holds back repeats, only when the peer re-NAKs periodically.
    const rexmitHoldUs = this.ctx.cfg.retransmitAlgo !== 0 && this.ctx.cfg.peerNakReport !== false ? rtt.srtt - 4 * rtt.rttVar : -Infinity;
    let budget = MAX_SEND_BURST;
    while (!this.rexmit.isEmpty) {
      if (budget === 0) return;
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
      budget--;
      this.ctx.counters.add(Ctr.pktRetrans);
      this.ctx.counters.add(Ctr.byteRetrans, e.payload.length);
      this.transmit(e, true, nowUs);
    }
    budget += extraNew;
    const window = this.window();
    const fec = this.fec;
    while (budget > 0) {
      // A FEC packet a new packet completed goes before the next new packet (libsrt packData).
      if (fec !== undefined && fec.pending > 0) {
        if (!this.pacer.tryTake(fec.fecPayloadSize + PACKET_OVERHEAD)) break;
        budget--;
        this.sendFec(nowUs);
        continue;
      }
      if (this.sndBuf.unsent === 0 || this.sndBuf.inFlight >= window) break;
      budget--;
      const e = this.sndBuf.get(this.sndBuf.nextToSend)!;
      // The second packet of a probe pair goes out right behind the first (libsrt packData).
      if (!this.probePending && !this.pacer.tryTake(e.payload.length + PACKET_OVERHEAD)) break;
      this.probePending = (e.seq & 0xf) === 0;
      this.sndBuf.takeUnsent();
      this.ctx.counters.add(Ctr.pktSentUnique);
      this.ctx.counters.add(Ctr.byteSentUnique, e.payload.length);
      this.transmit(e, false, nowUs);
    }
    this.maybeDrain();
  }

  /** Packets that may be in flight: the flow window, within the congestion window. */
  window(): number {
    return this.cc.window(this.flowWindow);
  }

  /** The crypto control while we send encrypted (a KM exchange that gave no key leaves data clear). */
  private sendCrypto() {
    return this.ctx.cfg.crypto?.sendsEncrypted ? this.ctx.cfg.crypto : undefined;
  }

  /** A data packet's header (never in order, as libsrt's live sender), counted as sent. */
  private header(seq: number, position: number, msgNo: number, timestamp: number, retransmitted: boolean, keyFlags: number, payloadBytes: number): Buffer {
    const header = Buffer.allocUnsafe(HEADER_SIZE);
    writeDataHeader(header, 0, { seq, position, inOrder: false, keyFlags, retransmitted, msgNo, timestamp, destId: this.ctx.cfg.peerSocketId });
    this.ctx.counters.add(Ctr.pktSent);
    this.ctx.counters.add(Ctr.byteSent, payloadBytes);
    return header;
  }

  private transmit(e: SendEntry, retransmitted: boolean, nowUs: number): void {
    const crypto = this.sendCrypto();
    const keyFlags = crypto ? crypto.txKeyFlags : 0;
    const header = this.header(e.seq, e.position, e.msgNo, e.timestamp, retransmitted, keyFlags, e.payload.length);
    e.lastSentUs = nowUs;
    // Encrypted per transmission, as libsrt: the key may have switched since the first one.
    const wire = crypto ? crypto.encrypt(e.seq, e.payload, header) : e.payload;
    // The filter takes each packet once, as first sent (libsrt feedSource).
    if (!retransmitted && this.fec !== undefined) this.fec.feed(e.seq, e.timestamp, keyFlags, wire);
    this.ctx.sendData([header, wire], nowUs);
  }

  /**
   * Sends the oldest FEC packet due: a data packet with message number 0, the sequence number of
   * its group's last packet and the current key flags (libsrt PacketFilter::packControlPacket).
   */
  private sendFec(nowUs: number): void {
    const f = this.fec!.shift()!;
    const crypto = this.sendCrypto();
    const header = this.header(f.seq, Position.SOLO, 0, f.timestamp, false, crypto ? crypto.txKeyFlags : 0, f.payload.length);
    this.ctx.counters.add(Ctr.pktSndFilterExtra);
    this.ctx.sendData([header, f.payload], nowUs);
  }

  private maybeDrain(): void {
    if (this.needDrain && this.writable) {
      this.needDrain = false;
      this.ctx.out.drain = true;
    }
  }

  /** The sender's part of the statistics. */
  stats(s: Record<string, number>, nowUs: number): void {
    const pkt = this.ctx.cfg.payloadSize + PACKET_OVERHEAD;
    s.pktFlowWindow = this.flowWindow;
    s.pktCongestionWindow = this.window();
    s.pktFlightSize = this.sndBuf.inFlight;
    s.pktSndBuf = this.sndBuf.length;
    s.byteSndBuf = this.sndBuf.bytes;
    const oldest = this.sndBuf.oldest();
    s.msSndBuf = oldest ? Math.round((nowUs - oldest.submittedUs) / 1000) : 0;
    s.byteAvailSndBuf = (this.sndBuf.capacity - this.sndBuf.length) * pkt;
    s.mbpsMaxBW = (this.pacer.rate * 8) / 1e6;
    s.mbpsBandwidth = (this.peerLinkCapacity * pkt * 8) / 1e6;
    s.usPktSndPeriod = (pkt * 1e6) / this.pacer.rate;
  }
}
