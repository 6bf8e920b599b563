/**
 * Receiver-side speed estimates for the ACK fields (libsrt CPktTimeWindow):
 * - packet receive rate from the last 16 arrival intervals,
 * - link capacity from probe pairs: a packet whose seq is a multiple of 16 and
 *   the next one are sent back to back, so their arrival gap is the bottleneck's.
 * Both use libsrt's median filter: drop intervals beyond 8× or below 1/8 of the
 * median, and only trust the mean when more than half the window survives.
 */
const WINDOW = 16;

/** Sorting space for the median: one per process, so a rate costs no allocation. */
const scratch = new Float64Array(WINDOW);

function filteredRate(intervals: Float64Array, count: number): number {
  const n = Math.min(count, WINDOW);
  if (n < WINDOW / 2) return 0;
  // Insertion sort of at most 16 values: no array copy, no comparator calls.
  for (let i = 0; i < n; i++) {
    const v = intervals[i];
    let j = i - 1;
    while (j >= 0 && scratch[j] > v) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = v;
  }
  const median = scratch[n >> 1];
  const lo = median / 8;
  const hi = median * 8;
  let sum = 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const v = intervals[i];
    if (v > lo && v < hi) {
      sum += v;
      kept++;
    }
  }
  return kept > n / 2 && sum > 0 ? Math.round((kept * 1e6) / sum) : 0;
}

export class ArrivalRateEstimator {
  private readonly intervals = new Float64Array(WINDOW);
  private readonly sizes = new Float64Array(WINDOW);
  private intervalCount = 0;
  private readonly probes = new Float64Array(WINDOW);
  private probeCount = 0;
  private lastArrivalUs = -1;
  private probeStartUs = -1;
  private probeSeq = -1;

  /** A new (not retransmitted) data packet arrived. */
  onPacket(seq: number, bytes: number, nowUs: number): void {
    if (this.lastArrivalUs >= 0) {
      const i = this.intervalCount++ % WINDOW;
      this.intervals[i] = nowUs - this.lastArrivalUs;
      this.sizes[i] = bytes;
    }
    this.lastArrivalUs = nowUs;
    if ((seq & 0xf) === 0) {
      this.probeStartUs = nowUs;
      this.probeSeq = seq;
    } else if (this.probeStartUs >= 0 && seq === ((this.probeSeq + 1) & 0x7fffffff)) {
      this.probes[this.probeCount++ % WINDOW] = nowUs - this.probeStartUs;
      this.probeStartUs = -1;
    } else {
      this.probeStartUs = -1;
    }
  }

  /** Packets per second (0 until enough samples). */
  packetRate(): number {
    return filteredRate(this.intervals, this.intervalCount);
  }

  /** Bytes per second: packet rate times the mean packet size of the window. */
  byteRate(): number {
    const n = Math.min(this.intervalCount, WINDOW);
    if (n === 0) return 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += this.sizes[i];
    return Math.round((this.packetRate() * bytes) / n);
  }

  /** Estimated link capacity, packets per second (0 until enough probe pairs). */
  linkCapacity(): number {
    return filteredRate(this.probes, this.probeCount);
  }
}
