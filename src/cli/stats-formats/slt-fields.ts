import { cppDouble, cppInteger } from './cpp-number';

/**
 * The fields srt-live-transmit 1.5 prints in its JSON and CSV stats, in its order (libsrt's
 * apps/statswriter.cpp table): the JSON group, the JSON key, and the srt_bstats name, which is
 * also the CSV column and the key in SrtSocket.getStats().
 */

export type StatsValues = Record<string, number>;

/** JSON groups; 'general' fields sit at the top level of the object. */
export type FieldGroup = 'general' | 'window' | 'link' | 'send' | 'recv';

export interface SltField {
  group: FieldGroup;
  /** Key inside the JSON group. */
  key: string;
  /** srt_bstats name: getStats() key, and the CSV column unless `column` says otherwise. */
  bstats: string;
  /** A double in CBytePerfMon (printed as %g), else an integer. */
  double?: true;
  column?: string;
}

const f = (group: FieldGroup, key: string, bstats: string, double?: true): SltField => ({ group, key, bstats, double });

export const SLT_FIELDS: readonly SltField[] = [
  { ...f('general', 'time', 'msTimeStamp'), column: 'Time' },
  f('window', 'flow', 'pktFlowWindow'),
  f('window', 'congestion', 'pktCongestionWindow'),
  f('window', 'flight', 'pktFlightSize'),
  f('link', 'rtt', 'msRTT', true),
  f('link', 'bandwidth', 'mbpsBandwidth', true),
  f('link', 'maxBandwidth', 'mbpsMaxBW', true),
  f('send', 'packets', 'pktSent'),
  f('send', 'packetsUnique', 'pktSentUnique'),
  f('send', 'packetsLost', 'pktSndLoss'),
  f('send', 'packetsDropped', 'pktSndDrop'),
  f('send', 'packetsRetransmitted', 'pktRetrans'),
  f('send', 'packetsFilterExtra', 'pktSndFilterExtra'),
  f('send', 'bytes', 'byteSent'),
  f('send', 'bytesUnique', 'byteSentUnique'),
  f('send', 'bytesDropped', 'byteSndDrop'),
  f('send', 'byteAvailBuf', 'byteAvailSndBuf'),
  f('send', 'msBuf', 'msSndBuf'),
  f('send', 'mbitRate', 'mbpsSendRate', true),
  f('send', 'sendPeriod', 'usPktSndPeriod', true),
  f('recv', 'packets', 'pktRecv'),
  f('recv', 'packetsUnique', 'pktRecvUnique'),
  f('recv', 'packetsLost', 'pktRcvLoss'),
  f('recv', 'packetsDropped', 'pktRcvDrop'),
  f('recv', 'packetsRetransmitted', 'pktRcvRetrans'),
  f('recv', 'packetsBelated', 'pktRcvBelated'),
  f('recv', 'packetsFilterExtra', 'pktRcvFilterExtra'),
  f('recv', 'packetsFilterSupply', 'pktRcvFilterSupply'),
  f('recv', 'packetsFilterLoss', 'pktRcvFilterLoss'),
  f('recv', 'bytes', 'byteRecv'),
  f('recv', 'bytesUnique', 'byteRecvUnique'),
  f('recv', 'bytesLost', 'byteRcvLoss'),
  f('recv', 'bytesDropped', 'byteRcvDrop'),
  f('recv', 'byteAvailBuf', 'byteAvailRcvBuf'),
  f('recv', 'msBuf', 'msRcvBuf'),
  f('recv', 'mbitRate', 'mbpsRecvRate', true),
  f('recv', 'msTsbPdDelay', 'msRcvTsbPdDelay'),
];

/** The value of `bstats` as srt-live-transmit prints it; a field srt-stream lacks is 0. */
export function printValue(s: StatsValues, bstats: string, double?: boolean): string {
  const v = typeof s[bstats] === 'number' ? s[bstats] : 0;
  return double ? cppDouble(v) : cppInteger(v);
}

/** One report: the local SRT socket ID, the wall-clock timepoint, and getStats() values. */
export interface StatsReport {
  sid: number;
  timepoint: string;
  stats: StatsValues;
}
