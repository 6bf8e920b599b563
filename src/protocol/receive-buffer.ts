import { DataPacket } from './packet';
import { seqInc, seqOffset } from './sequence';

/**
 * Receiver buffer: a ring of slots indexed by sequence offset from the next
 * sequence number to deliver (`head`). Holds packets until their play time.
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
    this.slots = new Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.head = isn;
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
    const i = (this.headIdx + off) % this.capacity;
    if (this.slots[i]) return 'dup';
    this.slots[i] = pkt;
    this.timestamps[i] = unwrappedTs;
    this.stored++;
    this.storedBytes += pkt.payload.length;
    return 'ok';
  }

  at(offset: number): DataPacket | undefined {
    return this.slots[(this.headIdx + offset) % this.capacity];
  }

  timestampOf(offset: number): number {
    return this.timestamps[(this.headIdx + offset) % this.capacity];
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
    this.headIdx = (this.headIdx + 1) % this.capacity;
    this.head = seqInc(this.head);
    return pkt;
  }

  /** Offset of the first stored packet at or after `from`, below `limit`; -1 if none. */
  firstStoredFrom(from: number, limit: number): number {
    for (let off = from; off < limit; off++) if (this.at(off)) return off;
    return -1;
  }

  get available(): number {
    return this.capacity - this.stored;
  }
}
