/**
 * What the relay shows of itself at one moment: the monitor page, /api/streams and /metrics all read
 * this (relay.snapshot()), never the relay's internals.
 */
import type { SrtStats } from '../protocol/stats';

export type ConnectionRole = 'publisher' | 'player';

export interface ConnectionSnapshot {
  /** Stable for the connection's life, unique in the process. */
  id: number;
  role: ConnectionRole;
  /** The stream it publishes or plays. */
  stream: string;
  remoteAddress: string;
  remotePort: number;
  /** The `u=` user of its stream ID, if any. */
  user?: string;
  /** The stream ID as the caller sent it. */
  streamId: string;
  /** When it connected, ms since the epoch. */
  connectedAt: number;
  /** The connection's statistics: interval values since its connection (never cleared by the relay) and totals. */
  stats: SrtStats;
  /** Player only: chunks dropped because the player's backlog was full (a slow or stalled player). */
  droppedChunks: number;
  droppedBytes: number;
}

export interface StreamSnapshot {
  name: string;
  publisher?: ConnectionSnapshot;
  players: ConnectionSnapshot[];
  /** Bytes the stream's publishers have sent into the relay, in total. */
  bytesIn: number;
  /** Bytes written to its players, in total. */
  bytesOut: number;
  /** When the stream was created (first publisher or first waiting player), ms since the epoch. */
  createdAt: number;
  /** Between a publisher leaving and its grace period ending (players kept). */
  waitingForPublisher: boolean;
}

export interface RelaySnapshot {
  /** ms since the epoch. */
  time: number;
  startedAt: number;
  streams: StreamSnapshot[];
  /** Callers refused, by libsrt's reason name ('SRT_REJX_FORBIDDEN', 'SRT_REJ_BADSECRET'...). */
  rejects: Record<string, number>;
  /** Connections accepted since start, by role. */
  accepted: Record<ConnectionRole, number>;
}
