/**
 * FileCC: file-mode congestion control as libsrt's (srtcore/congctl.cpp FileCC, itself UDT's
 * CUDTCC): slow start from a window of 16 packets, then a packet sending period adjusted every
 * 10 ms: increased towards the estimated link capacity while there is no loss, multiplied by 1.03
 * on loss (ignoring losses under 2 % of the packets in flight), with randomized repeat decreases.
 * Times in µs; rates in packets/s.
 */
import type { BandwidthOptions, CcView, CongestionControl } from './congestion';
import { seqCmp, seqDec, seqOffset } from './sequence';

const RC_INTERVAL_US = 10_000;
const MIN_INC = 0.01;
const DECREASE = 1.03;

export class FileCC implements CongestionControl {
  readonly timerRexmit = true;
  slowStart = true;
  /** Congestion window, packets. */
  cwnd = 16;
  /** Time between two packets, µs. */
  period = 1;
  private lastRcUs: number;
  private lastAck: number;
  private loss = false;
  private lastDecSeq: number;
  private lastDecPeriod = 1;
  private avgNakNum = 0;
  private nakCount = 0;
  private decCount = 0;
  private decRandom = 1;

  /**
   * `mss`: bytes of a packet on the wire (payload + headers), for the rate and the increase step;
   * `maxBw` (bytes/s) caps the rate when positive.
   */
  constructor(
    isn: number,
    nowUs: number,
    private readonly mss: number,
    private maxBw = -1,
    private readonly rand: () => number = Math.random,
  ) {
    this.lastRcUs = nowUs;
    this.lastAck = isn;
    this.lastDecSeq = seqDec(isn);
  }

  /** Bytes/s for the pacer: one packet per period, capped by maxBw. */
  rate(): number {
    const rate = (this.mss * 1e6) / this.period;
    return this.maxBw > 0 ? Math.min(rate, this.maxBw) : rate;
  }

  /** The congestion window bounds the packets in flight, within the peer's flow window (at least 2). */
  window(flowWindow: number): number {
    return Math.min(flowWindow, Math.max(2, Math.floor(this.cwnd)));
  }

  /** Only maxBw matters in file mode: the cap on the rate. */
  setBandwidth(bw: BandwidthOptions): void {
    this.maxBw = bw.maxBw;
  }

  /** File mode does not pace by the input rate. */
  onInput(): void {}

  onAck(ackSeq: number, nowUs: number, s: CcView): void {
    if (nowUs - this.lastRcUs < RC_INTERVAL_US) return;
    this.lastRcUs = nowUs;
    if (this.slowStart) {
      this.cwnd += Math.max(0, seqOffset(this.lastAck, ackSeq));
      this.lastAck = ackSeq;
      if (this.cwnd > s.flowWindow) {
        this.slowStart = false;
        this.period = s.recvRate > 0 ? 1e6 / s.recvRate : (s.srttUs + RC_INTERVAL_US) / this.cwnd;
      }
      return;
    }
    this.cwnd = (s.recvRate / 1e6) * (s.srttUs + RC_INTERVAL_US) + 16;
    if (this.loss) {
      this.loss = false;
      return;
    }
    let b = s.bandwidth - 1e6 / this.period;
    if (this.period > this.lastDecPeriod && s.bandwidth / 9 < b) b = s.bandwidth / 9;
    const inc = b <= 0 ? MIN_INC : Math.max((10 ** Math.ceil(Math.log10(b * this.mss * 8)) * 0.0000015) / this.mss, MIN_INC);
    this.period = (this.period * RC_INTERVAL_US) / (this.period * inc + RC_INTERVAL_US);
  }

  /**
   * A loss report: `firstLost` is its first sequence number, `lostCount` how many it lists,
   * `sndCurrSeq` the newest sequence number sent.
   */
  onLoss(firstLost: number, lostCount: number, sndCurrSeq: number, s: CcView): void {
    if (this.slowStart) {
      this.slowStart = false;
      if (s.recvRate > 0) {
        this.period = 1e6 / s.recvRate;
        return;
      }
      this.period = (s.srttUs + RC_INTERVAL_US) / this.cwnd;
    }
    this.loss = true;
    // libsrt does not slow down for losses under 2 % of the packets in flight.
    const inFlight = Math.floor(s.srttUs / this.period);
    if (inFlight > 0 && (lostCount * 1000) / inFlight < 20) return;
    if (seqCmp(firstLost, this.lastDecSeq) > 0) {
      this.lastDecPeriod = this.period;
      this.period = Math.ceil(this.period * DECREASE);
      this.avgNakNum = Math.ceil(this.avgNakNum * 0.97 + this.nakCount * 0.03);
      this.nakCount = 1;
      this.decCount = 1;
      this.lastDecSeq = sndCurrSeq;
      this.decRandom = this.avgNakNum > 1 ? 1 + Math.floor(this.rand() * this.avgNakNum) : 1;
    } else if (this.decCount++ < 5 && ++this.nakCount % this.decRandom === 0) {
      this.period = Math.ceil(this.period * DECREASE);
      this.lastDecSeq = sndCurrSeq;
    }
  }

  /** The retransmission timer expired: leave slow start. */
  onTimeout(s: CcView): void {
    if (!this.slowStart) return;
    this.slowStart = false;
    this.period = s.recvRate > 0 ? 1e6 / s.recvRate : (s.srttUs + RC_INTERVAL_US) / this.cwnd;
  }
}
