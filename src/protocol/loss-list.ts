import { SeqRange } from './packet';
import { seqCmp, seqDec, seqInc, seqLen } from './sequence';

/**
 * The receiver's list of missing sequence numbers, as sorted disjoint inclusive
 * ranges. Losses are detected at the tail, so inserts are appends; removals
 * (a retransmission arrived, a range was dropped) split or trim ranges.
 */
export class LossList {
  private ranges: SeqRange[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Appends [first, last]; merges with the tail range when adjacent. */
  append(first: number, last: number): void {
    const tail = this.ranges[this.ranges.length - 1];
    if (tail && seqCmp(first, tail[1]) <= 0) {
      // Overlapping insert (should not happen for tail losses): handle generally.
      for (let s = first; seqCmp(s, last) <= 0; s = seqInc(s)) this.insertOne(s);
      return;
    }
    if (tail && seqInc(tail[1]) === first) tail[1] = last;
    else this.ranges.push([first, last]);
    this.count += seqLen(first, last);
  }

  private insertOne(seq: number): void {
    if (this.has(seq)) return;
    let i = 0;
    while (i < this.ranges.length && seqCmp(this.ranges[i][1], seq) < 0) i++;
    this.ranges.splice(i, 0, [seq, seq]);
    this.count++;
  }

  has(seq: number): boolean {
    for (const [a, b] of this.ranges) {
      if (seqCmp(seq, a) < 0) return false;
      if (seqCmp(seq, b) <= 0) return true;
    }
    return false;
  }

  /** Removes one sequence number; returns whether it was listed. */
  remove(seq: number): boolean {
    for (let i = 0; i < this.ranges.length; i++) {
      const r = this.ranges[i];
      if (seqCmp(seq, r[0]) < 0) return false;
      if (seqCmp(seq, r[1]) > 0) continue;
      this.count--;
      if (r[0] === r[1]) this.ranges.splice(i, 1);
      else if (seq === r[0]) r[0] = seqInc(seq);
      else if (seq === r[1]) r[1] = seqDec(seq);
      else this.ranges.splice(i + 1, 0, [seqInc(seq), r[1]]), (r[1] = seqDec(seq));
      return true;
    }
    return false;
  }

  /** Removes every sequence number up to and including `last`; returns how many. */
  removeUpTo(last: number): number {
    let removed = 0;
    while (this.ranges.length > 0) {
      const r = this.ranges[0];
      if (seqCmp(r[0], last) > 0) break;
      if (seqCmp(r[1], last) <= 0) {
        removed += seqLen(r[0], r[1]);
        this.ranges.shift();
      } else {
        removed += seqLen(r[0], last);
        r[0] = seqInc(last);
        break;
      }
    }
    this.count -= removed;
    return removed;
  }

  /** Removes an inclusive range (DROPREQ). */
  removeRange(first: number, last: number): number {
    let removed = 0;
    for (let s = first, n = 0; seqCmp(s, last) <= 0 && n < 1 << 20; s = seqInc(s), n++) {
      if (this.remove(s)) removed++;
      if (this.isEmpty) break;
    }
    return removed;
  }

  first(): number | undefined {
    return this.ranges[0]?.[0];
  }

  toRanges(): readonly SeqRange[] {
    return this.ranges;
  }
}
