import { expect } from 'chai';
import fc from 'fast-check';
import { LossList } from '../../src/protocol/loss-list';
import { SEQ_MAX, seqInc, seqOffset } from '../../src/protocol/sequence';

/** The obvious model: a Set of numbers kept within `capacity` of the window start. */
function modelRanges(set: Set<number>, base: number): [number, number][] {
  const offs = [...set].map((s) => seqOffset(base, s)).sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const o of offs) {
    const last = out[out.length - 1];
    if (last && seqOffset(base, last[1]) === o - 1) last[1] = seqInc(base, o);
    else out.push([seqInc(base, o), seqInc(base, o)]);
  }
  return out;
}

describe('LossList (bitmap window)', () => {
  it('rounds the capacity up to a power of two, at least 32', () => {
    expect(new LossList(1).capacity).to.equal(32);
    expect(new LossList(8192).capacity).to.equal(8192);
    expect(new LossList(8193).capacity).to.equal(16384);
  });

  it('inserts, looks up and removes across the 2^31 wrap', () => {
    const l = new LossList(64);
    expect(l.insert(SEQ_MAX - 2, 3)).to.equal(7);
    expect(l.size).to.equal(7);
    expect(l.has(SEQ_MAX)).to.equal(true);
    expect(l.has(0)).to.equal(true);
    expect(l.has(4)).to.equal(false);
    expect(l.first()).to.equal(SEQ_MAX - 2);
    expect(l.remove(0)).to.equal(true);
    expect(l.remove(0)).to.equal(false);
    expect(l.toRanges()).to.deep.equal([[SEQ_MAX - 2, SEQ_MAX], [1, 3]]);
    expect(l.removeUpTo(1)).to.equal(4);
    expect(l.toRanges()).to.deep.equal([[2, 3]]);
  });

  it('counts only numbers not listed before', () => {
    const l = new LossList(128);
    expect(l.insert(10, 20)).to.equal(11);
    expect(l.insert(15, 30)).to.equal(10);
    expect(l.size).to.equal(21);
  });

  it('clips a range wider than the window instead of walking it', () => {
    const l = new LossList(8192);
    expect(l.insert(1000, seqInc(1000, 1 << 29))).to.equal(8192);
    expect(l.toRanges()).to.deep.equal([[1000, 1000 + 8191]]);
    expect(l.removeRange(0, seqInc(1000, 1 << 29))).to.equal(8192);
    expect(l.isEmpty).to.equal(true);
  });

  it('slides its window back for an earlier number while the listed ones still fit', () => {
    const l = new LossList(32);
    l.insert(100, 100);
    expect(l.insert(80, 80)).to.equal(1);
    expect(l.toRanges()).to.deep.equal([[80, 80], [100, 100]]);
    // 60 does not fit with 100 in a window of 32: it is clipped away.
    expect(l.insert(60, 60)).to.equal(0);
    expect(l.has(60)).to.equal(false);
  });

  it('follows the lowest listed number forward when a range lands past the window', () => {
    const l = new LossList(32);
    l.insert(0, 0);
    l.insert(20, 20);
    l.remove(0);
    expect(l.insert(45, 46)).to.equal(2);
    expect(l.toRanges()).to.deep.equal([[20, 20], [45, 46]]);
  });

  it('stops a loss report at maxWords (single: 1 word, range: 2)', () => {
    const l = new LossList(64);
    l.insert(1, 1);
    l.insert(3, 5);
    l.insert(7, 7);
    expect(l.toRanges(3)).to.deep.equal([[1, 1], [3, 5]]);
    expect(l.toRanges(2)).to.deep.equal([[1, 1]]);
  });

  it('rangesIn: the listed numbers within a span, clipped to it and to the window, across the wrap', () => {
    const l = new LossList(64);
    l.insert(SEQ_MAX - 3, 2);
    l.remove(SEQ_MAX);
    const out: [number, number][] = [];
    l.rangesIn(SEQ_MAX - 1, 1, out);
    expect(out).to.deep.equal([[SEQ_MAX - 1, SEQ_MAX - 1], [0, 1]]);
    out.length = 0;
    l.rangesIn(100, 200, out); // past everything listed
    l.rangesIn(SEQ_MAX - 500, SEQ_MAX - 400, out); // before the window
    expect(out).to.deep.equal([]);
  });

  it('behaves as a set of numbers within its window (property, against a model)', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('insert' as const), a: fc.integer({ min: 0, max: 200 }), n: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('remove' as const), a: fc.integer({ min: 0, max: 200 }), n: fc.constant(0) }),
      fc.record({ k: fc.constant('removeRange' as const), a: fc.integer({ min: 0, max: 200 }), n: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ k: fc.constant('removeUpTo' as const), a: fc.integer({ min: 0, max: 200 }), n: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEQ_MAX }), fc.array(op, { maxLength: 60 }), (base, ops) => {
        const cap = 256;
        const l = new LossList(cap);
        const model = new Set<number>();
        let floor = base; // removeUpTo: nothing before it may be listed again
        for (const o of ops) {
          const a = seqInc(base, o.a);
          const b = seqInc(a, o.n);
          if (o.k === 'insert') {
            if (seqOffset(floor, a) < 0) continue; // callers never insert before what they removed up to
            let added = 0;
            for (let s = a, i = 0; i <= o.n; s = seqInc(s), i++) if (!model.has(s)) (model.add(s), added++);
            expect(l.insert(a, b)).to.equal(added);
          } else if (o.k === 'remove') {
            expect(l.remove(a)).to.equal(model.delete(a));
          } else if (o.k === 'removeRange') {
            let removed = 0;
            for (let s = a, i = 0; i <= o.n; s = seqInc(s), i++) if (model.delete(s)) removed++;
            expect(l.removeRange(a, b)).to.equal(removed);
          } else {
            let removed = 0;
            for (const s of [...model]) if (seqOffset(s, a) >= 0 && model.delete(s)) removed++;
            expect(l.removeUpTo(a)).to.equal(removed);
            if (seqOffset(floor, a) >= 0) floor = seqInc(a);
          }
          expect(l.size).to.equal(model.size);
          expect(l.toRanges()).to.deep.equal(modelRanges(model, base));
          const first = modelRanges(model, base)[0]?.[0];
          expect(l.first()).to.equal(first);
          // rangesIn over the op's own span [a, b]: the model's numbers within it.
          const within = new Set([...model].filter((s) => seqOffset(a, s) >= 0 && seqOffset(s, b) >= 0));
          const got: [number, number][] = [];
          l.rangesIn(a, b, got);
          expect(got).to.deep.equal(modelRanges(within, base));
        }
      }),
      { seed: 0x5eed, numRuns: 300 },
    );
  });
});
