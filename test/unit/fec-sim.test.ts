/**
 * The fec filter inside two engines on a simulated link (test/support/sim-link.ts): what FEC
 * rebuilds, and how each arq level shares the work with retransmission (libsrt's rules):
 * - never: FEC alone; no NAK ever; what it cannot rebuild is dropped at play time;
 * - onreq: only what FEC gives up on is NAKed, once, then retransmitted;
 * - always: NAKs as without a filter, FEC fills what it can first.
 */
import { expect } from 'chai';
import type { ArqLevel, FecConfig } from '../../src/protocol/fec/fec-config';
import { ControlType, decodeLossList, Packet } from '../../src/protocol/packet';
import { seqOffset } from '../../src/protocol/sequence';
import { SimLink } from '../support/sim-link';

const ISN = 5000;
const N = 1000;

function fec(cols: number, rows: number, arq: ArqLevel, layout: 'even' | 'staircase' = 'staircase'): FecConfig {
  return { cols, rows: Math.abs(rows), colsOnly: rows < 0, layout, arq };
}

/** Runs N packets, one per ms, from a to b with the same filter on both, dropping the originals at `lost` offsets from the ISN. */
function run(cfg: FecConfig, lost: Set<number>): { sim: SimLink; naked: number[] } {
  const sim = new SimLink({
    clock: 'event',
    latencyMs: 200,
    isn: ISN,
    a: { fec: cfg },
    b: { fec: cfg },
    ab: { drop: (p: Packet) => p.kind === 'data' && p.msgNo !== 0 && !p.retransmitted && lost.has(seqOffset(ISN, p.seq)) },
    trace: true,
  });
  for (let i = 0; i < N; i++) {
    sim.run(sim.now + 1000);
    sim.write(i);
  }
  sim.run(sim.now + 1_000_000);
  const naked: number[] = [];
  for (const t of sim.trace) {
    if (t.dir !== 'ba' || t.pkt.kind !== 'control' || t.pkt.type !== ControlType.NAK) continue;
    for (const [a, b] of decodeLossList(t.pkt.body)!) for (let s = a; s !== b + 1; s++) naked.push(seqOffset(ISN, s));
  }
  return { sim, naked };
}

const delivered = (sim: SimLink) => sim.delivered.map((d) => d.id!);
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('FEC and ARQ on a simulated link', () => {
  it('arq never: single losses in every group rebuilt by FEC alone, no NAK, no retransmission', () => {
    // One loss every 13 packets: at most one per row of 10, and per column of 5 (staircase or even).
    const lost = new Set(all(N - 60).filter((i) => i % 13 === 5));
    for (const layout of ['staircase', 'even'] as const) {
      const { sim, naked } = run(fec(10, 5, 'never', layout), lost);
      expect(delivered(sim)).to.deep.equal(all(N));
      expect(naked).to.deep.equal([]);
      const b = sim.b.stats(sim.now);
      expect(b.pktRcvFilterSupplyTotal).to.equal(lost.size);
      expect(b.pktRcvFilterLossTotal).to.equal(0);
      expect(b.pktRcvRetransTotal).to.equal(0);
      expect(sim.a.stats(sim.now).pktRetransTotal).to.equal(0);
      // One row FEC per 10 packets, a column FEC per 5 (less the staircase's first partial groups).
      expect(sim.a.stats(sim.now).pktSndFilterExtraTotal).to.be.within(N / 10 + N / 5 - 10, N / 10 + N / 5);
      expect(b.pktRcvFilterExtraTotal).to.equal(sim.a.stats(sim.now).pktSndFilterExtraTotal);
    }
  });

  it('arq never: a burst no group can rebuild is lost, dropped at play time, never NAKed', () => {
    // 25 in a row: rows lose 10, columns of 5 rows lose more than one each.
    const burst = new Set(all(25).map((i) => 300 + i));
    const { sim, naked } = run(fec(10, 5, 'never'), burst);
    expect(naked).to.deep.equal([]);
    const got = new Set(delivered(sim));
    expect(got.size).to.be.at.least(N - burst.size);
    for (const i of all(N)) if (!burst.has(i)) expect(got.has(i), `packet ${i}`).to.equal(true);
    expect(sim.b.stats(sim.now).pktRcvDropTotal).to.equal(N - got.size);
  });

  it('arq onreq, rows only: single losses rebuilt without NAK; a burst beyond the row NAKed once and retransmitted', () => {
    const singles = [105, 217, 432];
    const burst = [600, 601, 602];
    const { sim, naked } = run(fec(10, 1, 'onreq'), new Set([...singles, ...burst]));
    expect(delivered(sim)).to.deep.equal(all(N));
    expect(naked).to.deep.equal(burst);
    const b = sim.b.stats(sim.now);
    // Retransmissions go through the filter too: once two of the burst are back, the row
    // rebuilds the third if its retransmission is not there yet (libsrt does the same).
    expect(b.pktRcvFilterSupplyTotal).to.be.within(singles.length, singles.length + 1);
    expect(b.pktRcvFilterLossTotal).to.equal(burst.length);
    expect(sim.a.stats(sim.now).pktRetransTotal).to.equal(burst.length);
  });

  it('arq onreq, rows and columns: what the columns mend is not NAKed; a 2x2 square they cannot is', () => {
    // Row burst 400..402: three columns, one loss each, rebuilt. Square 700/701/710/711 (even
    // layout: columns 0 and 1 over rows 70 and 71): two per row and two per column.
    const rowBurst = [400, 401, 402];
    const square = [700, 701, 710, 711];
    const { sim, naked } = run(fec(10, 5, 'onreq', 'even'), new Set([...rowBurst, ...square]));
    expect(delivered(sim)).to.deep.equal(all(N));
    expect([...naked].sort((x, y) => x - y)).to.deep.equal(square);
    // The row burst's three, and any of the square the first retransmissions make rebuildable.
    expect(sim.b.stats(sim.now).pktRcvFilterSupplyTotal).to.be.within(rowBurst.length, rowBurst.length + square.length);
  });

  it('arq always: a gap is NAKed when seen, as without a filter; nothing is lost', () => {
    // Even layout, none of them a column's last packet (whose column FEC, right behind it,
    // would rebuild it before the next data packet shows the gap).
    const lost = new Set([123, 456, 457, 458, 781]);
    const { sim, naked } = run(fec(10, 5, 'always', 'even'), lost);
    expect(delivered(sim)).to.deep.equal(all(N));
    for (const i of lost) expect(naked, `NAK of ${i}`).to.include(i);
  });

  it('columns only (rows:-5): no row FEC on the wire, single column losses rebuilt', () => {
    const lost = new Set([150, 151, 152, 153]);
    const { sim, naked } = run(fec(10, -5, 'never'), lost);
    expect(delivered(sim)).to.deep.equal(all(N));
    expect(naked).to.deep.equal([]);
    for (const t of sim.trace) {
      if (t.dir === 'ab' && t.pkt.kind === 'data' && t.pkt.msgNo === 0) expect(t.pkt.payload.readInt8(0)).to.be.at.least(0);
    }
  });
});
