import type { SeqRange } from './packet';
import { seqCmp } from './sequence';

/** Stored packets in a row without a reordered one that lower the tolerance by one. */
const ORDERED_RUN = 50;
/** Reordered packets in a row that came early without raising the tolerance, that lower it by one. */
const EARLY_RUN = 10;
/** A reordered packet "came early" when more than this many packets of its gap's wait were left. */
const EARLY_WAIT_LEFT = 2;

/**
 * The receiver's reorder tolerance (libsrt's SRTO_LOSSMAXTTL, its "belated loss report"). On a link
 * that reorders, a gap in the sequence numbers is often a packet that is only late, and NAKing it
 * at once costs a retransmission for nothing. With a tolerance of T, a new gap waits until T more
 * packets have been stored, and is NAKed then for what of it is still missing.
 *
 * The tolerance adapts between 0 and the maximum (lossMaxTtl), by libsrt's rules (srtcore/core.cpp:
 * processData, unlose; srtcore/list.cpp: CRcvFreshLoss), here in short:
 *  - It starts at the maximum: libsrt's setsockopt sets the current tolerance along with the
 *    maximum, and an accepted socket inherits it (the API doc says it starts at 0; the code and
 *    srt-live-transmit 1.5.1, whose pktReorderDistance turns negative as it decays, say otherwise).
 *  - An original (not retransmitted) packet that fills a gap arrived reordered; its distance is how
 *    far the highest number received is ahead of it. A distance above the tolerance raises the
 *    tolerance to it, up to the maximum.
 *  - Every 50 stored packets in a row without a reordered one lower it by one.
 *  - Every 10 reordered packets that did not raise it and came early (more than 2 packets of their
 *    gap's wait left) lower it by one; one that raises it starts that count again.
 * A gap found while the tolerance is 0 is NAKed at once, as without the option. The periodic NAK
 * still names every gap, waiting ones included (libsrt's checkNAKTimer sends the whole loss list):
 * it is what reports a gap when no further packets come to count its wait down.
 *
 * Where this differs from libsrt, on purpose: waits keep counting down while the tolerance is 0
 * (libsrt leaves them to the periodic NAK then); only a packet that fills a gap counts as reordered
 * (libsrt also counts a late duplicate of an original); pktReorderDistance, lowered with the
 * tolerance as libsrt does, stops at 0 (libsrt's goes negative).
 *
 * Bounded by what the receiver holds: at most `maxWaiting` gaps wait (the receive buffer's packets);
 * a gap beyond that is NAKed at once. Each stored packet ends waits in O(1) amortized.
 */
export class ReorderTolerance {
  /** Current tolerance, packets (libsrt's pktReorderTolerance). */
  tolerance: number;
  /** Largest reorder distance seen, lowered with the tolerance (libsrt's pktReorderDistance). */
  distance = 0;
  private orderedRun = 0;
  private earlyRun = 0;
  /** Packets stored so far: the clock that waits count in. */
  private stored = 0;
  /** Waiting gaps, oldest (and lowest) first, from index `head`: first, last, and `stored` at which the wait ends. */
  private readonly first: number[] = [];
  private readonly last: number[] = [];
  private readonly due: number[] = [];
  private head = 0;

  constructor(public max: number, private readonly maxWaiting: number) {
    this.tolerance = max;
  }

  /** lossMaxTtl changed on a connected socket: as libsrt's setsockopt, the tolerance restarts at the new maximum. */
  setMax(max: number): void {
    this.max = max;
    this.tolerance = max;
  }

  /** Gaps waiting. */
  get waiting(): number {
    return this.first.length - this.head;
  }

  /** A gap [first, last] was just found: true if it waits (the caller does not NAK it now). */
  deferGap(first: number, last: number): boolean {
    if (this.tolerance === 0 || this.waiting >= this.maxWaiting) return false;
    this.first.push(first);
    this.last.push(last);
    this.due.push(this.stored + this.tolerance);
    return true;
  }

  /** A packet filled a gap, `distance` numbers behind the highest received; retransmissions tell nothing of the link. */
  onGapFilled(seq: number, distance: number, retransmitted: boolean): void {
    if (retransmitted) return;
    if (distance > this.distance) this.distance = distance;
    this.orderedRun = 0;
    if (distance > this.tolerance) {
      // Raised, or held at the maximum: either way this packet does not count as early.
      this.tolerance = Math.min(distance, this.max);
      this.earlyRun = 0;
      return;
    }
    if (this.waitLeft(seq) > EARLY_WAIT_LEFT && ++this.earlyRun >= EARLY_RUN) {
      this.earlyRun = 0;
      this.lower();
    }
  }

  /**
   * A packet was stored (not a duplicate): pushes onto `ended` the gaps whose wait is over (the
   * caller NAKs what of them is still missing), then counts this packet. Waits end oldest first, as
   * libsrt reviews its list from the front.
   */
  onStored(reordered: boolean, ended: SeqRange[]): void {
    while (this.head < this.first.length && this.due[this.head] <= this.stored) {
      ended.push([this.first[this.head], this.last[this.head]]);
      this.head++;
    }
    this.compact();
    this.stored++;
    if (!reordered && ++this.orderedRun >= ORDERED_RUN) {
      this.orderedRun = 0;
      this.lower();
    }
  }

  private lower(): void {
    if (this.tolerance === 0) return;
    this.tolerance--;
    if (this.distance > 0) this.distance--;
  }

  /** Packets left of the wait of the gap holding `seq` (0 if none waits). Gaps are disjoint and ascending: binary search. */
  private waitLeft(seq: number): number {
    let lo = this.head;
    let hi = this.first.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (seqCmp(seq, this.first[mid]) < 0) hi = mid - 1;
      else if (seqCmp(seq, this.last[mid]) > 0) lo = mid + 1;
      else return this.due[mid] - this.stored;
    }
    return 0;
  }

  /** Drops the ended entries from the arrays once they are most of them. */
  private compact(): void {
    if (this.head === 0) return;
    if (this.head === this.first.length) {
      this.first.length = this.last.length = this.due.length = this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.first.length) {
      this.first.splice(0, this.head);
      this.last.splice(0, this.head);
      this.due.splice(0, this.head);
      this.head = 0;
    }
  }
}
