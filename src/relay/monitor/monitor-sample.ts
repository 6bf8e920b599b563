/**
 * What the monitor page receives each second on /events: the snapshot cut down to the figures it
 * charts, with each connection's counters picked for its role (a publisher's media comes in, a
 * player's goes out). Totals, not rates: the page turns the difference between two samples into a
 * rate, so a missed or late event skews nothing.
 */
import type { ConnectionRole, ConnectionSnapshot, RelaySnapshot } from '../snapshot';

export interface ConnectionSample {
  id: number;
  role: ConnectionRole;
  /** `address:port`, `[address]:port` for IPv6. */
  remote: string;
  user?: string;
  streamId: string;
  connectedAt: number;
  /** Media bytes moved: received from a publisher, sent to a player. */
  bytes: number;
  /** Packets found missing (publisher: receiver loss) or reported lost by the peer (player: sender loss). */
  lost: number;
  /** Retransmitted packets: received from a publisher, sent to a player. */
  retrans: number;
  /** Packets SRT dropped as too late (receiver drops for a publisher, sender drops for a player). */
  dropped: number;
  /** Player only: chunks dropped because its backlog in the relay was full. */
  backlogDropped: number;
  msRTT: number;
  /** The buffer the connection's latency is spent in: receive buffer of a publisher, send buffer of a player. */
  msBuf: number;
  pktFlowWindow: number;
}

export interface StreamSample {
  name: string;
  waitingForPublisher: boolean;
  createdAt: number;
  bytesIn: number;
  bytesOut: number;
  /** The publisher first (if any), then the players. */
  connections: ConnectionSample[];
}

export interface MonitorSample {
  time: number;
  startedAt: number;
  accepted: Record<ConnectionRole, number>;
  rejects: Record<string, number>;
  streams: StreamSample[];
}

/** `address:port`, with brackets around an IPv6 address so that the port stays readable. */
export function remoteOf(c: Pick<ConnectionSnapshot, 'remoteAddress' | 'remotePort'>): string {
  return c.remoteAddress.includes(':') ? `[${c.remoteAddress}]:${c.remotePort}` : `${c.remoteAddress}:${c.remotePort}`;
}

export function connectionSample(c: ConnectionSnapshot): ConnectionSample {
  const s = c.stats;
  const publisher = c.role === 'publisher';
  return {
    id: c.id,
    role: c.role,
    remote: remoteOf(c),
    user: c.user,
    streamId: c.streamId,
    connectedAt: c.connectedAt,
    bytes: publisher ? s.byteRecvTotal : s.byteSentTotal,
    lost: publisher ? s.pktRcvLossTotal : s.pktSndLossTotal,
    retrans: publisher ? s.pktRcvRetransTotal : s.pktRetransTotal,
    dropped: publisher ? s.pktRcvDropTotal : s.pktSndDropTotal,
    backlogDropped: c.droppedChunks,
    msRTT: s.msRTT,
    msBuf: publisher ? s.msRcvBuf : s.msSndBuf,
    pktFlowWindow: s.pktFlowWindow,
  };
}

export function monitorSample(snap: RelaySnapshot): MonitorSample {
  return {
    time: snap.time,
    startedAt: snap.startedAt,
    accepted: snap.accepted,
    rejects: snap.rejects,
    streams: snap.streams.map((st) => ({
      name: st.name,
      waitingForPublisher: st.waitingForPublisher,
      createdAt: st.createdAt,
      bytesIn: st.bytesIn,
      bytesOut: st.bytesOut,
      connections: [...(st.publisher ? [st.publisher] : []), ...st.players].map(connectionSample),
    })),
  };
}
