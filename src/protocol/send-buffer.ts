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

const MAX_SPAN = 0x40000000;
/** Ring slots allocated at first; the ring doubles as it fills, up to the capacity. */
const INITIAL_SLOTS = 64;
/** An emptied ring larger than this is given back, so an idle connection holds little. */
const SHRINK_ABOVE = 1024;

/**
 * Sender buffer: entries contiguous by sequence number from `firstSeq` (oldest
 * unacknowledged) to the newest submitted. `nextToSend` splits sent from unsent.
 * At most `capacity` entries; memory follows what is held, not the capacity.
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
  /**
   * How many sequence numbers nextToSend has passed (sent, or dropped unsent), at most 2^30,
   * libsrt's comparison window: a loss report may name only these.
   */
  passedSpan = 0;

  constructor(readonly capacity: number, isn: number) {
    this.ring = new Array(Math.min(INITIAL_SLOTS, capacity));
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

  /** Slots currently allocated (grows with use, for memory accounting). */
  get allocated(): number {
    return this.ring.length;
  }

  push(e: SendEntry): void {
    if (this.length === this.ring.length) this.grow();
    this.ring[(this.headIdx + this.length) % this.ring.length] = e;
    this.length++;
    this.bytes += e.payload.length;
  }

  get(seq: number): SendEntry | undefined {
    const off = seqOffset(this.firstSeq, seq);
    if (off < 0 || off >= this.length) return undefined;
    return this.ring[(this.headIdx + off) % this.ring.length];
  }

  oldest(): SendEntry | undefined {
    return this.length > 0 ? this.ring[this.headIdx] : undefined;
  }

  /** Takes the next unsent entry and marks it sent. */
  takeUnsent(): SendEntry | undefined {
    const e = this.get(this.nextToSend);
    if (e) this.pass(1);
    return e;
  }

  /** Drops entries before `seq` (acknowledged or too late); returns how many. */
  dropBefore(seq: number): number {
    const n = Math.min(Math.max(seqOffset(this.firstSeq, seq), 0), this.length);
    const size = this.ring.length;
    for (let i = 0; i < n; i++) {
      this.bytes -= this.ring[this.headIdx]!.payload.length;
      this.ring[this.headIdx] = undefined;
      this.headIdx = (this.headIdx + 1) % size;
    }
    this.length -= n;
    this.firstSeq = seqInc(this.firstSeq, n);
    const unsentDropped = seqOffset(this.nextToSend, this.firstSeq);
    if (unsentDropped > 0) this.pass(unsentDropped);
    if (this.length === 0 && size > SHRINK_ABOVE) {
      this.ring = new Array(Math.min(INITIAL_SLOTS, this.capacity));
      this.headIdx = 0;
    }
    return n;
  }

  private pass(n: number): void {
    this.nextToSend = seqInc(this.nextToSend, n);
    this.passedSpan = Math.min(this.passedSpan + n, MAX_SPAN);
  }

  private grow(): void {
    const old = this.ring;
    const next: (SendEntry | undefined)[] = new Array(Math.min(old.length * 2, this.capacity));
    for (let i = 0; i < this.length; i++) next[i] = old[(this.headIdx + i) % old.length];
    this.ring = next;
    this.headIdx = 0;
  }
}
