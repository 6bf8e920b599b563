import type { DataPacket } from './packet';

/**
 * What one call into the engine (receive, write, tick...) produced: datagrams to send and events,
 * returned instead of called back, so nothing the engine does can re-enter it. The adapter
 * performs them after the call returns and clears the outbox (its arrays are reused: no
 * allocation per packet).
 */
export class Outbox {
  /** Datagrams to send, in order; an array is one datagram gathered from its parts. */
  readonly datagrams: (Buffer | Buffer[])[] = [];
  /** Packets whose payloads reached their play time, in order (payloads already decrypted). */
  readonly delivered: DataPacket[] = [];
  /**
   * How many packets the reader can take in this call (set by the adapter before calling in;
   * Infinity: no limit). Delivery stops there, as if the reader had said "enough".
   */
  deliveryRoom = Infinity;
  /** The send buffer has room again after write() returned false. */
  drain = false;
  /** The peer sent SHUTDOWN; everything received is in `delivered`. */
  peerClosed = false;
  /** The connection broke (peer idle, or a peer that broke the protocol): why. */
  broken?: string;

  get empty(): boolean {
    return this.datagrams.length === 0 && this.delivered.length === 0 && !this.drain && !this.peerClosed && this.broken === undefined;
  }

  /** Whether another packet may be delivered in this call. */
  get canDeliver(): boolean {
    return this.delivered.length < this.deliveryRoom;
  }

  clear(): void {
    this.datagrams.length = 0;
    this.delivered.length = 0;
    this.drain = false;
    this.peerClosed = false;
    this.broken = undefined;
  }
}
