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
  /** Packet filter (FEC): FEC packets sent and received, packets it rebuilt, packets it declared lost. */
  'pktSndFilterExtra', 'pktRcvFilterExtra', 'pktRcvFilterSupply', 'pktRcvFilterLoss',
] as const;

export type CounterName = (typeof COUNTERS)[number];

/** Values measured when the statistics are read (buffers, windows, rates), not accumulated. */
export const GAUGES = [
  'msTimeStamp', 'msRTT', 'msRcvTsbPdDelay', 'msSndTsbPdDelay', 'byteMSS', 'mbpsRecvRate', 'mbpsSendRate',
  // sender
  'pktFlowWindow', 'pktCongestionWindow', 'pktFlightSize', 'pktSndBuf', 'byteSndBuf', 'msSndBuf',
  'byteAvailSndBuf', 'mbpsMaxBW', 'mbpsBandwidth', 'usPktSndPeriod',
  // receiver
  'pktRcvBuf', 'byteRcvBuf', 'msRcvBuf', 'byteAvailRcvBuf', 'pktRcvDriftCorrections', 'usRcvDrift', 'pktRcvLossRanges',
  'pktReorderDistance', 'pktReorderTolerance',
] as const;

export type GaugeName = (typeof GAUGES)[number];

/**
 * What SrtSocket.getStats() returns: each counter for the interval and its `...Total`, and the
 * gauges. A closed set of names, so that a typo (`msRTTT`) does not compile.
 */
export type SrtStats = { [K in CounterName | `${CounterName}Total` | GaugeName]: number };

/** Every name of SrtStats, in a stable order (counters, their totals, gauges). */
export const STATS_NAMES: readonly (keyof SrtStats)[] = [...COUNTERS, ...COUNTERS.map((c) => `${c}Total` as const), ...GAUGES];

/** Statistics of a socket that never connected: every value 0. */
export function emptyStats(): SrtStats {
  const s = {} as SrtStats;
  for (const k of STATS_NAMES) s[k] = 0;
  return s;
}

/**
 * Index of each counter (COUNTERS order), a const enum inlined at every use: hot paths add with
 * an indexed store into a Float64Array instead of a string-keyed property update.
 */
export const enum Ctr {
  pktSent = 0,
  pktRecv = 1,
  pktSndLoss = 2,
  pktRcvLoss = 3,
  pktRetrans = 4,
  pktRcvRetrans = 5,
  pktSndDrop = 6,
  pktRcvDrop = 7,
  pktRcvUndecrypt = 8,
  pktRcvBelated = 9,
  pktSentACK = 10,
  pktRecvACK = 11,
  pktSentNAK = 12,
  pktRecvNAK = 13,
  pktSentUnique = 14,
  pktRecvUnique = 15,
  byteSent = 16,
  byteRecv = 17,
  byteRetrans = 18,
  byteSndDrop = 19,
  byteRcvDrop = 20,
  byteRcvLoss = 21,
  byteSentUnique = 22,
  byteRecvUnique = 23,
  byteRcvUndecrypt = 24,
  pktRecvInvalid = 25,
  pktRcvNoRoom = 26,
  pktRcvMsgOversize = 27,
  pktSndFilterExtra = 28,
  pktRcvFilterExtra = 29,
  pktRcvFilterSupply = 30,
  pktRcvFilterLoss = 31,
}

export class Counters {
  /** Totals, indexed by Ctr. */
  readonly v = new Float64Array(COUNTERS.length);
  private base = new Float64Array(COUNTERS.length);

  add(c: Ctr, n = 1): void {
    this.v[c] += n;
  }

  get(c: Ctr): number {
    return this.v[c];
  }

  /** Interval values since the last clear, and totals with the `Total` suffix. */
  snapshot(clear: boolean): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < COUNTERS.length; i++) {
      const c = COUNTERS[i];
      out[c] = this.v[i] - this.base[i];
      out[`${c}Total`] = this.v[i];
    }
    if (clear) this.base = this.v.slice();
    return out;
  }
}
