/**
 * LiveCC's sending rate (libsrt congctl.cpp LiveCC, core.cpp updateCC):
 *   maxBw > 0   → maxBw
 *   maxBw = -1  → BW_INFINITE (1 Gbit/s)
 *   maxBw = 0   → inputBw × (1 + overheadBw %), or, with inputBw = 0, the
 *                 measured input rate (at least minInputBw) × (1 + overheadBw %)
 * All in bytes per second. The pacer counts payload + 44 header bytes per packet.
 */
import type { BandwidthOptions, CongestionControl } from './congestion';

export const BW_INFINITE = 125_000_000;
/** libsrt measures the input rate over 1 s windows (the first one 500 ms). */
const FIRST_WINDOW_US = 500_000;
const WINDOW_US = 1_000_000;

export type LiveCcOptions = BandwidthOptions;

export class LiveCC implements CongestionControl {
  readonly timerRexmit = false;
  private windowStartUs = -1;
  private windowBytes = 0;
  private windowLenUs = FIRST_WINDOW_US;
  /** Last measured input rate, bytes/s (0 before the first window closes). */
  measuredInput = 0;

  constructor(private o: LiveCcOptions) {}

  setBandwidth(bw: BandwidthOptions): void {
    this.o = { ...bw };
  }

  /** The application submitted `bytes` (payload + header overhead) at nowUs. */
  onInput(bytes: number, nowUs: number): void {
    if (this.windowStartUs < 0) this.windowStartUs = nowUs;
    this.windowBytes += bytes;
    const elapsed = nowUs - this.windowStartUs;
    if (elapsed >= this.windowLenUs) {
      this.measuredInput = Math.round((this.windowBytes * 1e6) / elapsed);
      this.windowBytes = 0;
      this.windowStartUs = nowUs;
      this.windowLenUs = WINDOW_US;
    }
  }

  /** Live mode has no congestion window: the peer's flow window is the only limit. */
  window(flowWindow: number): number {
    return flowWindow;
  }

  /** Live mode does not react to ACKs, losses or timeouts: the rate is the configured or measured one. */
  onAck(): void {}
  onLoss(): void {}
  onTimeout(): void {}

  /** The rate to pace at now, bytes/s. */
  rate(): number {
    const o = this.o;
    if (o.maxBw > 0) return o.maxBw;
    if (o.maxBw < 0) return BW_INFINITE;
    const overhead = 1 + o.overheadBw / 100;
    if (o.inputBw > 0) return o.inputBw * overhead;
    // libsrt's input-rate estimate starts at BW_INFINITE: no holding back before the first window.
    if (this.measuredInput === 0) return BW_INFINITE;
    return Math.max(this.measuredInput, o.minInputBw) * overhead;
  }
}
