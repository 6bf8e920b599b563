/**
 * Smoothed RTT and RTT variance, as libsrt (core.cpp processCtrlAckAck, utilities.h avg_iir):
 * first sample sets srtt = rtt, rttvar = rtt / 2; then srtt = 7/8 srtt + 1/8 rtt and
 * rttvar = 3/4 rttvar + 1/4 |rtt - srtt|. Initial values 100 ms / 50 ms. Microseconds.
 */

/**
 * Upper bound of an RTT or RTT variance, µs. Timers scale with them (NAK period, retransmission
 * hold, key resend), so a value a peer sends, or a late ACKACK, must not stretch them without
 * limit; no real path takes 4 s (libsrt takes the peer's values as they come).
 */
export const MAX_RTT_US = 4_000_000;

function clampRtt(us: number): number {
  return us > MAX_RTT_US ? MAX_RTT_US : us;
}

export class RttEstimator {
  srtt = 100_000;
  rttVar = 50_000;
  /** True once a sample was measured locally (from ACKACK) or taken from the peer. */
  sampled = false;
  /** True once a sample was measured locally: the peer's values are no longer adopted. */
  measured = false;

  addSample(rttUs: number): void {
    if (!(rttUs >= 0)) return;
    rttUs = clampRtt(rttUs);
    this.measured = true;
    if (!this.sampled) {
      this.srtt = rttUs;
      this.rttVar = rttUs / 2;
      this.sampled = true;
      return;
    }
    this.rttVar = (this.rttVar * 3 + Math.abs(rttUs - this.srtt)) / 4;
    this.srtt = (this.srtt * 7 + rttUs) / 8;
  }

  /** Adopts the values the peer measured (what a unidirectional libsrt sender does on ACK), within bounds. */
  adopt(srttUs: number, rttVarUs: number): void {
    if (!(srttUs >= 0) || !(rttVarUs >= 0)) return;
    this.srtt = clampRtt(srttUs);
    this.rttVar = clampRtt(rttVarUs);
    this.sampled = true;
  }
}
