import type { SrtSocket } from '../index';
import type { Logger } from './log';

/**
 * What srt-pipe tells about an open SRT connection as it ends. srt-live-transmit prints "SRT source
 * disconnected" (or target); we say why: a broken connection (peer idle, protocol error) is a
 * warning with the reason, the peer's own close a note.
 */
export function watchDisconnect(
  sock: SrtSocket,
  dir: 'source' | 'target',
  label: string,
  logger: Logger,
  onDisconnect: () => void,
): void {
  let told = false;
  const tell = (level: 'warn' | 'note', why: string) => {
    if (told) return;
    told = true;
    logger[level]('conn', `${label}: SRT ${dir} disconnected: ${why}`);
    onDisconnect();
  };
  sock.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ECONNRESET') tell('warn', err.message);
  });
  sock.once('end', () => tell('note', 'closed by the peer'));
}

/** Totals of a connection for the debug log at exit. */
export function describeTotals(sock: SrtSocket): string | undefined {
  let s: Record<string, number>;
  try {
    s = sock.getStats();
  } catch {
    return undefined;
  }
  if (s.pktSentTotal === undefined) return undefined;
  return `sent ${s.pktSentTotal} pkts (retransmitted ${s.pktRetransTotal}, lost ${s.pktSndLossTotal}, dropped ${s.pktSndDropTotal}), ` +
    `received ${s.pktRecvTotal} pkts (lost ${s.pktRcvLossTotal}, dropped ${s.pktRcvDropTotal}), rtt ${(s.msRTT ?? 0).toFixed(1)} ms`;
}
