import { printValue, type StatsReport } from './slt-fields';

/** `-pf default`: srt-live-transmit 1.5's two-column text block, one per report (SrtStatsCols). */
export function formatText(r: StatsReport): string {
  const s = r.stats;
  // Right-aligned in `width` columns, as ostream's setw (never truncated).
  const i = (k: string, width = 11): string => printValue(s, k).padStart(width);
  const d = (k: string, width = 11): string => printValue(s, k, true).padStart(width);
  return `======= SRT STATS: sid=${r.sid}\n` +
    `PACKETS     SENT: ${i('pktSent')}  RECEIVED:   ${i('pktRecv')}\n` +
    `LOST PKT    SENT: ${i('pktSndLoss')}  RECEIVED:   ${i('pktRcvLoss')}\n` +
    `REXMIT      SENT: ${i('pktRetrans')}  RECEIVED:   ${i('pktRcvRetrans')}\n` +
    `DROP PKT    SENT: ${i('pktSndDrop')}  RECEIVED:   ${i('pktRcvDrop')}\n` +
    `FILTER EXTRA  TX: ${i('pktSndFilterExtra')}        RX:   ${i('pktRcvFilterExtra')}\n` +
    `FILTER RX  SUPPL: ${i('pktRcvFilterSupply')}  RX  LOSS:   ${i('pktRcvFilterLoss')}\n` +
    `RATE     SENDING: ${d('mbpsSendRate')}  RECEIVING:  ${d('mbpsRecvRate')}\n` +
    `BELATED RECEIVED: ${i('pktRcvBelated')}  AVG TIME:   ${d('pktRcvAvgBelatedTime')}\n` +
    `REORDER DISTANCE: ${i('pktReorderDistance')}\n` +
    `WINDOW      FLOW: ${i('pktFlowWindow')}  CONGESTION: ${i('pktCongestionWindow')}  FLIGHT: ${i('pktFlightSize')}\n` +
    `LINK         RTT: ${d('msRTT', 9)}ms  BANDWIDTH:  ${d('mbpsBandwidth', 7)}Mb/s \n` +
    `BUFFERLEFT:  SND: ${i('byteAvailSndBuf')}  RCV:        ${i('byteAvailRcvBuf')}\n`;
}
