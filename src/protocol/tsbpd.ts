/**
 * Timestamp-based packet delivery (SRT-PROTOCOL.md §2.9; libsrt tsbpd_time.cpp):
 *   play time = base + unwrapped timestamp + latency + drift
 * The base is the local arrival time of the handshake that carried HSREQ/HSRSP
 * minus that packet's timestamp. Timestamps are 32-bit µs and wrap every ~71.6
 * minutes; they are unwrapped against the newest one seen. The drift tracer
 * averages 1000 samples of (arrival − expected arrival) taken from ACKACK and
 * KEEPALIVE packets; when the mean passes ±5 ms, the base moves by 5 ms in that
 * direction and the drift keeps the rest (libsrt DriftTracer::update).
 */
import { tsUnwrap } from './sequence';

export const DRIFT_SAMPLES = 1000;
export const MAX_DRIFT_US = 5000;

export class TsbpdClock {
  /** Local time (µs) at which the peer's (unwrapped) timestamp 0 happened. */
  baseUs: number;
  /** Newest unwrapped peer timestamp: the unwrap reference. */
  private tsRef: number;
  /** Current drift (µs): the last mean, less what moved into the base. */
  driftUs = 0;
  private driftSum = 0;
  private driftCount = 0;
  /** RTT of the first drift sample: later samples are corrected by half the RTT change. */
  private firstRttUs = -1;
  /** How many times the base was moved by the tracer (for stats and tests). */
  baseCorrections = 0;

  constructor(hsArrivalUs: number, hsTimestamp: number, readonly latencyUs: number) {
    this.baseUs = hsArrivalUs - hsTimestamp;
    this.tsRef = hsTimestamp;
  }

  /** Unwraps a 32-bit timestamp against the newest seen and advances the reference. */
  unwrap(ts: number): number {
    const v = tsUnwrap(ts, this.tsRef);
    if (v > this.tsRef) this.tsRef = v;
    return v;
  }

  /** Local play time of a packet with this unwrapped timestamp. */
  playTime(unwrappedTs: number): number {
    return this.baseUs + unwrappedTs + this.latencyUs + this.driftUs;
  }

  /**
   * A control packet with timestamp `ts` arrived at `arrivalUs`; `rttUs` is the
   * RTT sample it gave (ACKACK) or the current smoothed RTT (KEEPALIVE).
   */
  addDriftSample(ts: number, arrivalUs: number, rttUs: number): void {
    if (this.firstRttUs < 0) this.firstRttUs = rttUs;
    const expected = this.baseUs + this.unwrap(ts);
    // A longer RTT than at the start means later arrivals that are not clock drift.
    const sample = arrivalUs - expected - (rttUs - this.firstRttUs) / 2;
    this.driftSum += sample;
    if (++this.driftCount < DRIFT_SAMPLES) return;
    const mean = this.driftSum / this.driftCount;
    this.driftSum = 0;
    this.driftCount = 0;
    this.driftUs = mean;
    if (Math.abs(mean) > MAX_DRIFT_US) {
      const overdrift = mean < 0 ? -MAX_DRIFT_US : MAX_DRIFT_US;
      this.baseUs += overdrift;
      this.driftUs = mean - overdrift;
      this.baseCorrections++;
    }
  }
}
