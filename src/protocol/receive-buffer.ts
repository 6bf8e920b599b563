import { DataPacket } from './packet';
import { seqInc, seqOffset } from './sequence';

/** Slots allocated at first; the ring doubles when a packet lands past it, up to the capacity. */
const INITIAL_SLOTS = 64;
/** An emptied ring larger than this is given back, so an idle connection holds little. */
const SHRINK_ABOVE = 1024;

/**
 * Receiver buffer: a ring of slots indexed by sequence offset from the next
 * sequence number to deliver (`head`). Holds packets until their play time.
 * Offsets up to `capacity` are accepted; memory follows the offsets in use.
 */
export class ReceiveBuffer {
  private slots: (DataPacket | undefined)[];
  /** Unwrapped timestamp of each stored packet, parallel to slots. */
  private timestamps: Float64Array;
  private headIdx = 0;
  /** Next sequence number to deliver. */
  head: number;
  /** Packets currently stored. */
  stored = 0;
  storedBytes = 0;

  constructor(readonly capacity: number, isn: number) {
    const n = Math.min(INITIAL_SLOTS, capacity);
    this.slots = new Array(n);
    this.timestamps = new Float64Array(n);
    this.head = isn;
  }

  /** Slots currently allocated (grows with use, for memory accounting). */
  get allocated(): number {
    return this.slots.length;
  }

  /** Offset of seq from head; negative means already delivered or dropped. */
  offsetOf(seq: number): number {
    return seqOffset(this.head, seq);
  }

  /** Stores a packet. Returns 'ok', 'dup' (already held), 'late' (before head) or 'full' (beyond capacity). */
  insert(pkt: DataPacket, unwrappedTs: number): 'ok' | 'dup' | 'late' | 'full' {
    const off = this.offsetOf(pkt.seq);
    if (off < 0) return 'late';
    if (off >= this.capacity) return 'full';
    while (off >= this.slots.length) this.grow();
    const i = (this.headIdx + off) % this.slots.length;
    if (this.slots[i]) return 'dup';
    this.slots[i] = pkt;
    this.timestamps[i] = unwrappedTs;
    this.stored++;
    this.storedBytes += pkt.payload.length;
    return 'ok';
  }

  at(offset: number): DataPacket | undefined {
    if (offset >= this.slots.length) return undefined;
    return this.slots[(this.headIdx + offset) % this.slots.length];
  }

  timestampOf(offset: number): number {
    return this.timestamps[(this.headIdx + offset) % this.slots.length];
  }

  peek(): DataPacket | undefined {
    return this.slots[this.headIdx];
  }

  /** Removes and returns the head slot's packet (possibly empty), advancing head. */
  shift(): DataPacket | undefined {
    const pkt = this.slots[this.headIdx];
    if (pkt) {
      this.slots[this.headIdx] = undefined;
      this.stored--;
      this.storedBytes -= pkt.payload.length;
    }
    this.headIdx = (this.headIdx + 1) % this.slots.length;
    this.head = seqInc(this.head);
    if (this.stored === 0 && this.slots.length > SHRINK_ABOVE) this.reallocate(Math.min(INITIAL_SLOTS, this.capacity));
    return pkt;
  }

  /** Offset of the first stored packet at or after `from`, below `limit`; -1 if none. */
  firstStoredFrom(from: number, limit: number): number {
    const end = Math.min(limit, this.slots.length);
    for (let off = from; off < end; off++) if (this.at(off)) return off;
    return -1;
  }

  get available(): number {
    return this.capacity - this.stored;
  }

  private grow(): void {
    this.reallocate(Math.min(this.slots.length * 2, this.capacity));
  }

  /** A new ring of `n` slots holding the same packets at the same offsets from head. */
  private reallocate(n: number): void {
    const slots: (DataPacket | undefined)[] = new Array(n);
    const timestamps = new Float64Array(n);
    const keep = Math.min(n, this.slots.length);
    for (let off = 0; off < keep; off++) {
      const i = (this.headIdx + off) % this.slots.length;
      slots[off] = this.slots[i];
      timestamps[off] = this.timestamps[i];
    }
    this.slots = slots;
    this.timestamps = timestamps;
    this.headIdx = 0;
  }
}
