import type { ConnectionConfig } from './connection';
import type { Outbox } from './outbox';
import type { RttEstimator } from './rtt';
import type { Counters } from './stats';

/**
 * What the sender and the receiver share of their connection: its settings, counters and RTT,
 * the outbox their effects go to, and the few acts that belong to the connection as a whole.
 */
export interface EngineContext {
  readonly cfg: ConnectionConfig;
  readonly counters: Counters;
  readonly rtt: RttEstimator;
  readonly out: Outbox;
  /** Queues a control packet to the peer now. */
  sendControl(type: number, typeInfo: number, body: Buffer | undefined, nowUs: number, subtype?: number): void;
  /** Queues a data datagram (its parts) to the peer now. */
  sendData(parts: Buffer[], nowUs: number): void;
  /** Our 32-bit timestamp for a packet sent now. */
  timestamp(nowUs: number): number;
  /** The peer broke the protocol: the connection dies (and says why). */
  breakConnection(message: string): void;
}
