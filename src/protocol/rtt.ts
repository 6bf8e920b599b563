/**
 * Smoothed RTT and RTT variance, as libsrt (core.cpp processCtrlAckAck, utilities.h avg_iir):
 * first sample sets srtt = rtt, rttvar = rtt / 2; then srtt = 7/8 srtt + 1/8 rtt and
 * rttvar = 3/4 rttvar + 1/4 |rtt - srtt|. Initial values 100 ms / 50 ms. Microseconds.
 */
export class RttEstimator {
  srtt = 100_000;
  rttVar = 50_000;
  /** True once a sample was measured locally (from ACKACK) or taken from the peer. */
  sampled = false;

  addSample(rttUs: number): void {
    if (!(rttUs >= 0)) return;
    if (!this.sampled) {
      this.srtt = rttUs;
      this.rttVar = rttUs / 2;
      this.sampled = true;
      return;
    }
    this.rttVar = (this.rttVar * 3 + Math.abs(rttUs - this.srtt)) / 4;
    this.srtt = (this.srtt * 7 + rttUs) / 8;
  }

  /** Adopts the values the peer measured (what a unidirectional libsrt sender does on ACK). */
  adopt(srttUs: number, rttVarUs: number): void {
    this.srtt = srttUs;
    this.rttVar = rttVarUs;
    this.sampled = true;
  }
}
