import { SeqRange } from './packet';
import { seqInc, seqOffset } from './sequence';

/**
 * A set of sequence numbers inside a sliding window of `capacity` consecutive numbers: the
 * receiver's missing packets, the sender's packets to retransmit. One bit per number in a ring
 * indexed by `seq & (capacity - 1)`; the capacity is a power of two, which divides 2^31, so the
 * index survives the sequence wrap and the window slides without moving anything.
 *
 * Costs are bounded by the window, never by a range a peer claims: one number is O(1), a range
 * one word operation per 32 numbers, first() amortized O(1). Numbers outside the window are
 * clipped away (the caller clips to what its buffer holds first; this is the last line).
 */
export class LossList {
  readonly capacity: number;
  private readonly bits: Uint32Array;
  private readonly mask: number;
  /** Window start: every listed number is in [lo, lo + capacity). */
  private lo = 0;
  /** Offset from lo of the highest listed number (an upper bound; -1 when empty). */
  private top = -1;
  /** No number is listed below this offset from lo (where first() starts looking). */
  private low = 0;
  private count = 0;

  constructor(capacity: number) {
    let c = 32;
    while (c < capacity) c *= 2;
    this.capacity = c;
    this.mask = c - 1;
    this.bits = new Uint32Array(c >>> 5);
  }

  get size(): number {
    return this.count;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Adds [first, last]; returns how many numbers were not listed before. */
  insert(first: number, last: number): number {
    if (seqOffset(first, last) < 0) return 0;
    if (this.count === 0) this.reset(first);
    let a = seqOffset(this.lo, first);
    if (a < 0) {
      // Before the window: slide it back as far as what is listed allows.
      const shift = Math.min(-a, this.mask - this.top);
      this.slide(-shift);
      a += shift;
    }
    let b = seqOffset(this.lo, last);
    if (b > this.mask) {
      // Past the window: slide it forward to the lowest listed number (or the range's start).
      const f = this.firstOffset();
      this.slide(Math.min(f < 0 ? a : f, Math.max(a, 0)));
      a = seqOffset(this.lo, first);
      b = Math.min(seqOffset(this.lo, last), this.mask);
    }
    if (a < 0) a = 0;
    if (b < a) return 0;
    const added = this.apply(a, b, true);
    this.count += added;
    if (b > this.top) this.top = b;
    if (a < this.low) this.low = a;
    return added;
  }

  has(seq: number): boolean {
    const off = seqOffset(this.lo, seq);
    if (off < 0 || off > this.top) return false;
    const i = (this.lo + off) & this.mask;
    return (this.bits[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Removes one number; returns whether it was listed. */
  remove(seq: number): boolean {
    const off = seqOffset(this.lo, seq);
    if (off < 0 || off > this.top) return false;
    const i = (this.lo + off) & this.mask;
    const bit = 1 << (i & 31);
    if ((this.bits[i >>> 5] & bit) === 0) return false;
    this.bits[i >>> 5] &= ~bit;
    if (--this.count === 0) this.top = -1;
    return true;
  }

  /** Removes [first, last] (clipped to the window); returns how many were listed. */
  removeRange(first: number, last: number): number {
    if (this.count === 0) return 0;
    const a = Math.max(0, seqOffset(this.lo, first));
    const b = Math.min(this.top, seqOffset(this.lo, last));
    if (b < a) return 0;
    const removed = this.apply(a, b, false);
    this.count -= removed;
    if (this.count === 0) this.top = -1;
    return removed;
  }

  /** Removes every number up to and including `last` and starts the window after it; returns how many. */
  removeUpTo(last: number): number {
    const off = seqOffset(this.lo, last);
    if (off < 0) return 0;
    let removed = 0;
    if (this.count > 0) {
      removed = this.apply(0, Math.min(off, this.top), false);
      this.count -= removed;
    }
    if (this.count === 0) this.reset(seqInc(last));
    else this.slide(off + 1);
    return removed;
  }

  /** The lowest listed number. */
  first(): number | undefined {
    const f = this.firstOffset();
    return f < 0 ? undefined : seqInc(this.lo, f);
  }

  /**
   * The listed numbers as ascending ranges, as many as fit in a loss report of `maxWords`
   * words (a single number takes one word, a range two).
   */
  toRanges(maxWords = Infinity): SeqRange[] {
    const out: SeqRange[] = [];
    this.collect(this.firstOffset(), this.top, maxWords, out);
    return out;
  }

  /** Appends to `out` the listed numbers within [first, last] (clipped to the window) as ascending ranges. */
  rangesIn(first: number, last: number, out: SeqRange[]): void {
    if (this.count === 0) return;
    const a = Math.max(0, seqOffset(this.lo, first));
    const b = Math.min(this.top, seqOffset(this.lo, last));
    if (b >= a) this.collect(this.scan(a, b, true), b, Infinity, out);
  }

  // ------------------------------------------------------------------ internals

  /** Appends the listed ranges from offset `pos` (a listed one, or -1) to offset `to`, within `maxWords` report words. */
  private collect(pos: number, to: number, maxWords: number, out: SeqRange[]): void {
    let words = 0;
    while (pos >= 0 && pos <= to) {
      const clear = this.scan(pos, to, false);
      const end = clear < 0 ? to : clear - 1;
      words += end === pos ? 1 : 2;
      if (words > maxWords) break;
      out.push([seqInc(this.lo, pos), seqInc(this.lo, end)]);
      if (clear < 0) break;
      pos = this.scan(clear, to, true);
    }
  }

  private reset(lo: number): void {
    this.lo = lo;
    this.top = -1;
    this.low = 0;
  }

  /** Moves the window start by `delta` (negative: back); listed numbers keep their ring bits. */
  private slide(delta: number): void {
    if (delta === 0) return;
    this.lo = seqInc(this.lo, delta);
    this.top -= delta;
    this.low = Math.max(0, this.low - delta);
  }

  private firstOffset(): number {
    if (this.count === 0) return -1;
    const f = this.scan(this.low, this.top, true);
    if (f >= 0) this.low = f;
    return f;
  }

  /** First offset in [from, to] whose bit equals `value`; -1 if none. */
  private scan(from: number, to: number, value: boolean): number {
    if (to < from) return -1;
    const start = (this.lo + from) & this.mask;
    const len = to - from;
    if (start + len <= this.mask) {
      const r = this.scanRing(start, start + len, value);
      return r < 0 ? -1 : from + r - start;
    }
    const r = this.scanRing(start, this.mask, value);
    if (r >= 0) return from + r - start;
    const r2 = this.scanRing(0, start + len - this.capacity, value);
    return r2 < 0 ? -1 : from + this.capacity - start + r2;
  }

  /** First ring index in [s, e] (s <= e, no wrap) whose bit equals `value`; -1 if none. */
  private scanRing(s: number, e: number, value: boolean): number {
    let w = s >>> 5;
    const last = e >>> 5;
    let word = (value ? this.bits[w] : ~this.bits[w]) & (-1 << (s & 31));
    for (;;) {
      if (w === last) word &= -1 >>> (31 - (e & 31));
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word);
      if (w === last) return -1;
      w++;
      word = value ? this.bits[w] : ~this.bits[w];
    }
  }

  /** Sets or clears offsets [a, b] (0 <= a <= b <= mask); returns how many bits changed. */
  private apply(a: number, b: number, set: boolean): number {
    const start = (this.lo + a) & this.mask;
    const end = start + (b - a);
    if (end <= this.mask) return this.applyRing(start, end, set);
    return this.applyRing(start, this.mask, set) + this.applyRing(0, end - this.capacity, set);
  }

  private applyRing(s: number, e: number, set: boolean): number {
    let changed = 0;
    const first = s >>> 5;
    const last = e >>> 5;
    for (let w = first; w <= last; w++) {
      let m = -1;
      if (w === first) m &= -1 << (s & 31);
      if (w === last) m &= -1 >>> (31 - (e & 31));
      const old = this.bits[w];
      if (set) {
        changed += popcount(~old & m);
        this.bits[w] = old | m;
      } else {
        changed += popcount(old & m);
        this.bits[w] = old & ~m;
      }
    }
    return changed;
  }
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
