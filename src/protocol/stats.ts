/**
 * Connection counters with libsrt's srt_bstats names (docs/API/statistics.md).
 * Totals accumulate for the life of the connection; interval values are the
 * difference since the last getStats({ clear: true }).
 */
export const COUNTERS = [
  'pktSent', 'pktRecv', 'pktSndLoss', 'pktRcvLoss', 'pktRetrans', 'pktRcvRetrans',
  'pktSndDrop', 'pktRcvDrop', 'pktRcvUndecrypt', 'pktRcvBelated', 'pktSentACK', 'pktRecvACK',
  'pktSentNAK', 'pktRecvNAK', 'pktSentUnique', 'pktRecvUnique',
  'byteSent', 'byteRecv', 'byteRetrans', 'byteSndDrop', 'byteRcvDrop', 'byteRcvLoss',
  'byteSentUnique', 'byteRecvUnique', 'byteRcvUndecrypt',
  /** Datagrams this connection dropped as malformed or unexpected (not in libsrt's stats). */
  'pktRecvInvalid',
  /** Packets refused because the receive buffer was full (not in libsrt's stats). */
  'pktRcvNoRoom',
  /** Message API: packets of messages dropped for outgrowing the receive buffer (not in libsrt's stats). */
  'pktRcvMsgOversize',
] as const;

export type CounterName = (typeof COUNTERS)[number];

export class Counters {
  readonly total: Record<CounterName, number>;
  private base: Record<CounterName, number>;

  constructor() {
    this.total = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
    this.base = { ...this.total };
  }

  add(name: CounterName, n = 1): void {
    this.total[name] += n;
  }

  /** Interval values since the last clear, and totals with the `Total` suffix. */
  snapshot(clear: boolean): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of COUNTERS) {
      out[c] = this.total[c] - this.base[c];
      out[`${c}Total`] = this.total[c];
    }
    if (clear) this.base = { ...this.total };
    return out;
  }
}
