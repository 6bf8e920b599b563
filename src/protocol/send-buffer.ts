import { seqInc, seqOffset } from './sequence';

/** One packet the sender keeps until it is acknowledged or too late. */
export interface SendEntry {
  seq: number;
  msgNo: number;
  position: number;
  /** Origin timestamp (µs since our socket start), kept on retransmission. */
  timestamp: number;
  /** Local clock time of submission, µs (for sender drop). */
  submittedUs: number;
  payload: Buffer;
  /** Local clock time of the last (re)transmission, µs; -1 before the first. */
  lastSentUs: number;
  rexmits: number;
}

/**
 * Sender buffer: entries contiguous by sequence number from `firstSeq` (oldest
 * unacknowledged) to the newest submitted. `nextToSend` splits sent from unsent.
 */
export class SendBuffer {
  private ring: (SendEntry | undefined)[];
  private headIdx = 0;
  length = 0;
  bytes = 0;
  /** Sequence number of the oldest entry (or of the next entry when empty). */
  firstSeq: number;
  /** Sequence number of the next entry never sent yet. */
  nextToSend: number;

  constructor(readonly capacity: number, isn: number) {
    this.ring = new Array(capacity);
    this.firstSeq = isn;
    this.nextToSend = isn;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Sequence number the next pushed entry gets. */
  get endSeq(): number {
    return seqInc(this.firstSeq, this.length);
  }

  get unsent(): number {
    return seqOffset(this.nextToSend, this.endSeq);
  }

  get inFlight(): number {
    return seqOffset(this.firstSeq, this.nextToSend);
  }

  push(e: SendEntry): void {
    this.ring[(this.headIdx + this.length) % this.capacity] = e;
    this.length++;
    this.bytes += e.payload.length;
  }

  get(seq: number): SendEntry | undefined {
    const off = seqOffset(this.firstSeq, seq);
    if (off < 0 || off >= this.length) return undefined;
    return this.ring[(this.headIdx + off) % this.capacity];
  }

  oldest(): SendEntry | undefined {
    return this.length > 0 ? this.ring[this.headIdx] : undefined;
  }

  /** Takes the next unsent entry and marks it sent. */
  takeUnsent(): SendEntry | undefined {
    const e = this.get(this.nextToSend);
    if (e) this.nextToSend = seqInc(this.nextToSend);
    return e;
  }

  /** Drops entries before `seq` (acknowledged or too late); returns how many. */
  dropBefore(seq: number): number {
    let n = 0;
    while (this.length > 0 && seqOffset(this.firstSeq, seq) > 0) {
      const e = this.ring[this.headIdx]!;
      this.ring[this.headIdx] = undefined;
      this.bytes -= e.payload.length;
      this.headIdx = (this.headIdx + 1) % this.capacity;
      this.length--;
      this.firstSeq = seqInc(this.firstSeq);
      n++;
    }
    if (seqOffset(this.nextToSend, this.firstSeq) > 0) this.nextToSend = this.firstSeq;
    return n;
  }
}
