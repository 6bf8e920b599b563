/**
 * Reorder tolerance (lossMaxTtl, libsrt's SRTO_LOSSMAXTTL).
 * First one receiving engine on a virtual clock, fed data packets by hand in the order a reordering
 * link would deliver them. The clock only moves where a test says so, so the periodic NAK (due
 * max(20 ms, (SRTT + 4·RTTVar) / 2) after the first gap) never fires unless a test waits for it.
 * Then two engines on a simulated reordering link (test/support/sim-link.ts), each seeded link run
 * with and without the option: the counts are compared, never timings.
 */
import { expect } from 'chai';
import { ControlType, decodeLossList, encodeDropReq, SeqRange } from '../../src/protocol/packet';
import { ReorderTolerance } from '../../src/protocol/reorder-tolerance';
import { resolveOptions } from '../../src/net/options';
import { LONE_ISN, LoneEngine } from '../support/lone-engine';
import { Impairment, SimLink } from '../support/sim-link';

/** Sequence number of the i-th packet of the stream. */
const S = (i: number): number => LONE_ISN + i;

function receiver(lossMaxTtl?: number, over: { rcvBufPackets?: number; rcvLatency?: number } = {}): LoneEngine {
  return new LoneEngine({ lossMaxTtl, ...over });
}

/** Feeds packets by index, originals unless `rexmit`. */
function feed(e: LoneEngine, idx: number[], rexmit = false): void {
  for (const i of idx) e.data(S(i), { retransmitted: rexmit, timestamp: 1000 + i * 1000 });
}

/** The loss lists of the NAKs sent so far, as packet indexes. */
function naks(e: LoneEngine): SeqRange[][] {
  return e.sentControls(ControlType.NAK).map((p) => decodeLossList(p.body)!.map(([a, b]) => [a - LONE_ISN, b - LONE_ISN] as SeqRange));
}

function stats(e: LoneEngine): Record<string, number> {
  return e.engine.stats(e.now);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);

describe('reorder tolerance (lossMaxTtl) in the receiver', () => {
  it('lossMaxTtl 0 (the default): a gap is NAKed by the packet that reveals it, a late original cannot undo it', () => {
    for (const e of [receiver(), receiver(0)]) {
      feed(e, [0, 1, 3]);
      expect(naks(e)).to.deep.equal([[[2, 2]]]);
      feed(e, [4, 2]);
      expect(naks(e)).to.have.length(1);
      const s = stats(e);
      expect(s.pktReorderTolerance).to.equal(0);
      // The distance is measured whatever the tolerance (libsrt does too): 4 was the highest when 2 came.
      expect(s.pktReorderDistance).to.equal(2);
      expect(s.pktRcvLoss).to.equal(1);
    }
  });

  it('a packet late by no more than the tolerance fills its gap before any NAK', () => {
    const e = receiver(5);
    expect(stats(e).pktReorderTolerance, 'starts at the maximum, as libsrt').to.equal(5);
    feed(e, [0, 1, 3, 4, 5, 2, 6, 7, 8, 9, 10, 11, 12]);
    expect(naks(e)).to.deep.equal([]);
    const s = stats(e);
    expect(s.pktReorderDistance).to.equal(3);
    expect(s.pktReorderTolerance).to.equal(5);
    expect(s.pktRcvLossRanges).to.equal(0);
    // Counted lost when the gap showed, as libsrt counts it: the statistic does not wait.
    expect(s.pktRcvLoss).to.equal(1);
  });

  it('a lost packet is NAKed once `tolerance` more packets are stored after the one that revealed it, then recovered', () => {
    const e = receiver(3);
    feed(e, [0, 1, 3]); // 2 missing: waits for 3 more packets
    feed(e, [4, 5]);
    expect(naks(e)).to.deep.equal([]);
    feed(e, [6]);
    expect(naks(e)).to.deep.equal([[[2, 2]]]);
    feed(e, [7, 8, 9]);
    expect(naks(e), 'the wait ended: no second NAK from it').to.have.length(1);
    feed(e, [2], true);
    e.advance(200_000); // past every play time (latency 120 ms)
    expect(e.delivered.map((p) => p.length)).to.have.length(10);
    const s = stats(e);
    expect(s.pktRcvRetrans).to.equal(1);
    expect(s.pktRcvLossRanges).to.equal(0);
    expect(s.pktRcvDrop).to.equal(0);
    expect(s.pktReorderTolerance, 'a retransmission says nothing of reordering').to.equal(3);
  });

  it('the NAK at the end of a wait names only what is still missing of the gap', () => {
    const e = receiver(4);
    feed(e, [0, 5]); // gap 1..4
    feed(e, [3]); // reordered, within the tolerance
    feed(e, [6, 7]);
    expect(naks(e)).to.deep.equal([]);
    feed(e, [8]);
    expect(naks(e)).to.deep.equal([[[1, 2], [4, 4]]]);
  });

  it('each gap waits for its own `tolerance` packets; gaps filled meanwhile are never NAKed', () => {
    const e = receiver(20);
    feed(e, [0, 2, 4]); // gap 1 revealed by 2, gap 3 by 4
    feed(e, range(5, 22));
    expect(naks(e)).to.deep.equal([]);
    feed(e, [23]); // the 20th packet after 2
    expect(naks(e)).to.deep.equal([[[1, 1]]]);
    feed(e, [24]); // the 20th after 4
    expect(naks(e)).to.deep.equal([[[1, 1]], [[3, 3]]]);
    const f = receiver(3);
    feed(f, [0, 2, 4]);
    feed(f, [1, 3]);
    feed(f, range(5, 12));
    expect(naks(f)).to.deep.equal([]);
  });

  it('adaptive: decays by one per 50 packets in order down to 0, then a reordered packet raises it to its distance', () => {
    const e = receiver(10);
    feed(e, range(0, 499));
    expect(stats(e).pktReorderTolerance).to.equal(0);
    // At 0 a gap is NAKed at once, as without the option...
    feed(e, [500, 501, 504]);
    expect(naks(e)).to.deep.equal([[[502, 503]]]);
    // ...and the late originals show the link reorders: distance 504 - 502 = 2.
    feed(e, [502, 503]);
    let s = stats(e);
    expect(s.pktReorderTolerance).to.equal(2);
    expect(s.pktReorderDistance).to.equal(2);
    // Now a packet late by 2 costs no NAK.
    feed(e, [505, 508, 506, 507, 509, 510, 511]);
    expect(naks(e)).to.have.length(1);
    // A larger distance raises it further, up to the maximum only.
    feed(e, [512, 530]);
    feed(e, range(513, 529));
    s = stats(e);
    expect(s.pktReorderDistance).to.equal(17);
    expect(s.pktReorderTolerance).to.equal(10);
  });

  it('adaptive: 10 reordered packets that came early (more than 2 packets of wait left) lower it by one', () => {
    const e = receiver(10);
    let i = 0;
    for (let k = 0; k < 9; k++, i += 3) feed(e, [i, i + 2, i + 1]);
    expect(stats(e).pktReorderTolerance).to.equal(10);
    feed(e, [i, i + 2, i + 1]);
    expect(stats(e).pktReorderTolerance).to.equal(9);
    expect(naks(e)).to.deep.equal([]);
  });

  it('the periodic NAK still names a waiting gap: it reports a gap when no later packets come to end the wait', () => {
    const e = receiver(100, { rcvLatency: 1000 }); // no too-late drop of the gap meanwhile
    feed(e, [0, 1, 3]);
    e.advance(1000);
    expect(naks(e)).to.deep.equal([]);
    // Default SRTT 100 ms, RTTVar 50 ms: the period is (100 + 4 × 50) / 2 = 150 ms from the gap.
    e.advance(150_000);
    expect(naks(e)).to.deep.equal([[[2, 2]]]);
  });

  it('a duplicate of an original is not reordering; a retransmission filling a gap does not raise the tolerance', () => {
    const e = receiver(10);
    feed(e, range(0, 499)); // tolerance decayed to 0
    feed(e, [500, 498, 497]);
    let s = stats(e);
    expect(s.pktReorderDistance).to.equal(0);
    expect(s.pktReorderTolerance).to.equal(0);
    expect(s.pktRcvBelated).to.equal(2);
    feed(e, [503]);
    feed(e, [501, 502], true);
    s = stats(e);
    expect(s.pktReorderTolerance).to.equal(0);
    expect(s.pktRcvRetrans).to.equal(2);
  });

  it('a DROPREQ or too-late drop of a waiting gap leaves nothing to NAK when its wait ends', () => {
    const e = receiver(3);
    feed(e, [0, 1, 3]);
    e.control(ControlType.DROPREQ, encodeDropReq(S(2), S(2)));
    feed(e, [4, 5, 6, 7]);
    expect(naks(e)).to.deep.equal([]);
    expect(stats(e).pktRcvLossRanges).to.equal(0);
  });

  it('hostile peer: at most a receive buffer of gaps wait, further gaps are NAKed at once', () => {
    const t = new ReorderTolerance(1_000_000, 32);
    for (let k = 0; k < 32; k++) expect(t.deferGap(2 * k, 2 * k)).to.equal(true);
    expect(t.deferGap(64, 64)).to.equal(false);
    expect(t.waiting).to.equal(32);
    // Through the engine: a 32-packet buffer, every other packet missing, a huge tolerance.
    const e = receiver(1_000_000, { rcvBufPackets: 32 });
    feed(e, range(0, 15).map((k) => 2 * k + 1));
    expect(naks(e)).to.deep.equal([]);
    expect(e.broken).to.equal(undefined);
  });

  it('options: lossMaxTtl defaults to 0 and must be a non-negative integer', () => {
    expect(resolveOptions({}).lossMaxTtl).to.equal(0);
    expect(resolveOptions({ lossMaxTtl: 25 }).lossMaxTtl).to.equal(25);
    for (const bad of [-1, 1.5, NaN, 2 ** 31]) expect(() => resolveOptions({ lossMaxTtl: bad }), String(bad)).to.throw(RangeError, /lossMaxTtl/);
  });
});

describe('reorder tolerance on a simulated reordering link (virtual clock; the same seeded link with and without)', function () {
  this.timeout(20_000);
  const N = 3000;
  const TAIL = 30;

  function log(line: string): void {
    process.stdout.write(`        · ${line}\n`);
  }

  /** What one run did; `heldBack`: originals the link held back (its `reorder` option; jitter reorders uncounted). */
  interface Run { ids: number[]; naks: number; rexmits: number; spurious: number; lostOriginals: number; heldBack: number; tolerance: number; distance: number }

  /** N packets of 1316 bytes, one per ms (~10 Mbit/s), A→B through `ab`; B's lossMaxTtl as given. */
  function run(lossMaxTtl: number, ab: Impairment, seed: number): Run {
    const sim = new SimLink({ clock: 'event', latencyMs: 300, oneWayDelayUs: 10_000, seed, ab: { ...ab }, b: { lossMaxTtl }, trace: true });
    const write = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        sim.run(sim.now + 1000);
        sim.write(i);
      }
    };
    write(0, N - TAIL);
    // The last packets go through clean: a lost tail packet is never NAKed (no later packet shows the gap).
    sim.impair('ab', { loss: 0, reorder: 0 });
    write(N - TAIL, TAIL);
    sim.run(sim.now + 1_000_000);
    const through = new Set<number>();
    let spurious = 0;
    for (const t of sim.trace) {
      if (t.dir !== 'ab' || t.type !== 'DATA') continue;
      if (t.retransmitted && through.has(t.seq!)) spurious++;
      if (t.arrivals.length) through.add(t.seq!);
    }
    const bs = sim.b.stats(sim.now);
    return {
      ids: sim.delivered.map((d) => d.id!),
      naks: bs.pktSentNAKTotal,
      rexmits: sim.a.stats(sim.now).pktRetransTotal,
      spurious,
      lostOriginals: sim.counters('ab').droppedOriginal,
      heldBack: sim.counters('ab').reordered,
      tolerance: bs.pktReorderTolerance,
      distance: bs.pktReorderDistance,
    };
  }

  const cases: { name: string; ab: Impairment; seed: number }[] = [
    { name: '8 % of the packets held back 3 ms (about 3 packets), no loss', ab: { reorder: 0.08, reorderDelayUs: 3000 }, seed: 41 },
    { name: '5 % held back 5 ms, 1 % loss', ab: { reorder: 0.05, reorderDelayUs: 5000, loss: 0.01 }, seed: 42 },
    { name: 'netem-style jitter 10±3 ms (each packet its own delay), 1 % loss', ab: { jitterUs: 3000, jitterReorders: true, loss: 0.01 }, seed: 43 },
  ];
  for (const c of cases) {
    it(`${c.name}: fewer NAKs and retransmissions with lossMaxTtl 10 than with 0, every packet delivered either way`, () => {
      const off = run(0, c.ab, c.seed);
      const on = run(10, c.ab, c.seed);
      for (const r of [off, on]) {
        expect(r.ids).to.deep.equal(range(0, N - 1));
        expect(r.distance, 'the link reordered').to.be.greaterThan(0);
        expect(r.rexmits, 'every lost original was resent').to.be.at.least(r.lostOriginals);
      }
      expect(on.naks).to.be.lessThan(off.naks);
      expect(on.rexmits).to.be.lessThan(off.rexmits);
      expect(on.spurious).to.be.lessThan(off.spurious);
      expect(off.tolerance).to.equal(0);
      for (const [k, r] of [['lossMaxTtl 0 ', off], ['lossMaxTtl 10', on]] as const) {
        log(`${k}: NAKs ${r.naks}, retransmissions ${r.rexmits} (${r.spurious} spurious) for ${r.lostOriginals} lost and ` +
          `${r.heldBack} held-back originals; pktReorderDistance ${r.distance}, pktReorderTolerance ${r.tolerance}`);
      }
    });
  }
});
