/** FEC group layout (libsrt fec.cpp ConfigureColumns / RcvGetColumnGroupIndex), property-tested. */
import { expect } from 'chai';
import fc from 'fast-check';
import { columnGroupOf, FecLayout, groupMembers, rowGroupOf } from '../../src/protocol/fec/fec-layout';
import { seqInc, SEQ_MAX } from '../../src/protocol/sequence';

const layoutArb = fc.record({
  isn: fc.integer({ min: 0, max: SEQ_MAX }),
  cols: fc.integer({ min: 1, max: 12 }),
  rows: fc.integer({ min: 1, max: 12 }),
  layout: fc.constantFrom('even' as const, 'staircase' as const),
});

describe('FEC layout', () => {
  it('staircase columns start at ISN + c + (c % rows) * cols; even ones at ISN + c', () => {
    const st: FecLayout = { isn: 100, cols: 4, rows: 2, layout: 'staircase' };
    expect([0, 1, 2, 3].map((c) => columnGroupOf(st, 100 + c + (c % 2) * 4)!.position)).to.deep.equal([0, 0, 0, 0]);
    expect(columnGroupOf(st, 101)!.series).to.equal(-1); // before column 1's first group: never sent
    const ev: FecLayout = { ...st, layout: 'even' };
    expect(columnGroupOf(ev, 105)).to.deep.include({ index: 1, series: 0, base: 101, position: 1, last: 105 });
  });
  it('has no column groups with rows 1', () => {
    expect(columnGroupOf({ isn: 0, cols: 5, rows: 1, layout: 'even' }, 3)).to.equal(null);
  });
  it('puts every packet in exactly one row group and, rows > 1, one column group (also across the wrap)', () => {
    fc.assert(
      fc.property(layoutArb, fc.integer({ min: -200, max: 400 }), (l, off) => {
        const seq = seqInc(l.isn, off);
        const row = rowGroupOf(l, seq);
        const rowMembers = groupMembers(l, row);
        expect(rowMembers.filter((s) => s === seq)).to.have.length(1);
        expect(rowMembers[row.position]).to.equal(seq);
        expect(rowMembers[l.cols - 1]).to.equal(row.last);
        for (const s of rowMembers) expect(rowGroupOf(l, s)).to.deep.equal({ ...row, position: rowMembers.indexOf(s) });
        const col = columnGroupOf(l, seq);
        if (l.rows <= 1) {
          expect(col).to.equal(null);
          return;
        }
        const colMembers = groupMembers(l, col!);
        expect(colMembers.filter((s) => s === seq)).to.have.length(1);
        expect(colMembers[col!.position]).to.equal(seq);
        expect(colMembers[l.rows - 1]).to.equal(col!.last);
        // every member names the same group: groups partition the sequence space
        for (const s of colMembers) expect(columnGroupOf(l, s)).to.deep.equal({ ...col!, position: colMembers.indexOf(s) });
      }),
      { seed: 1313, numRuns: 500 },
    );
  });
});
