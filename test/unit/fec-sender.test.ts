/**
 * Our fec sender against stock libsrt 1.5.1's (srt-live-transmit, packetfilter=fec,cols:4,rows:2,
 * captured on lo: test/fixtures/libsrt-1.5.1/fec-*.jsonl). Fed the captured data packets in
 * order, FecSender must produce the captured FEC packets byte for byte, in the same places of
 * the stream: the column's before the row's, each right after the packet that completed it.
 */
import { expect } from 'chai';
import { loadCapture } from '../support/fixtures';
import { DataPacket, decodePacket } from '../../src/protocol/packet';
import { FEC_HEADER_SIZE, isFecPacket } from '../../src/protocol/fec/fec-packet';
import { FecSender } from '../../src/protocol/fec/fec-sender';
import type { FecLayoutKind } from '../../src/protocol/fec/fec-layout';

const CASES: { capture: string; layout: FecLayoutKind }[] = [
  { capture: 'fec-staircase', layout: 'staircase' },
  { capture: 'fec-even', layout: 'even' },
];

/** "D<seq>" for a data packet, "F<seq>:<hex>" for a FEC packet (its timestamp and payload). */
function label(p: { fec: boolean; seq: number; timestamp: number; payload: Buffer }): string {
  return p.fec ? `F${p.seq}:${p.timestamp}:${p.payload.toString('hex')}` : `D${p.seq}`;
}

for (const { capture, layout } of CASES) describe(`FecSender against libsrt's sender (cols:4, rows:2, ${layout})`, () => {
  // The capture in wire order, retransmissions left out (the filter never sees them).
  const wire = loadCapture(capture)
    .map((d) => decodePacket(d.bytes))
    .filter((p): p is DataPacket => p !== null && p.kind === 'data' && !p.retransmitted);
  const fecPayload = wire.find((p) => isFecPacket(p.msgNo))!.payload.length;

  it('emits the captured FEC packets, byte for byte and in their places between the data packets', () => {
    const sender = new FecSender({ cols: 4, rows: 2, colsOnly: false, layout, arq: 'never' }, fecPayload - FEC_HEADER_SIZE);
    const ours: string[] = [];
    for (const p of wire) {
      if (isFecPacket(p.msgNo)) continue;
      ours.push(label({ fec: false, seq: p.seq, timestamp: p.timestamp, payload: p.payload }));
      sender.feed(p.seq, p.timestamp, p.keyFlags, p.payload);
      for (let f = sender.shift(); f; f = sender.shift()) ours.push(label({ fec: true, ...f }));
    }
    const theirs = wire.map((p) => label({ fec: isFecPacket(p.msgNo), seq: p.seq, timestamp: p.timestamp, payload: p.payload }));
    // The capture may end inside a group: compare what both have.
    const n = Math.min(ours.length, theirs.length);
    expect(n).to.be.greaterThan(30);
    expect(ours.slice(0, n)).to.deep.equal(theirs.slice(0, n));
  });

  it('columns only (rows:-2) sends the column FEC packets and no row FEC packet', () => {
    const sender = new FecSender({ cols: 4, rows: 2, colsOnly: true, layout, arq: 'never' }, fecPayload - FEC_HEADER_SIZE);
    const indexes: number[] = [];
    for (const p of wire) {
      if (isFecPacket(p.msgNo)) continue;
      sender.feed(p.seq, p.timestamp, p.keyFlags, p.payload);
      for (let f = sender.shift(); f; f = sender.shift()) indexes.push(f.payload.readInt8(0));
    }
    expect(indexes).to.not.include(-1);
    expect(new Set(indexes)).to.deep.equal(new Set([0, 1, 2, 3]));
  });
});

describe('FecSender bounds', () => {
  it('rows only (rows:1): one row FEC packet per cols packets, never a column', () => {
    const s = new FecSender({ cols: 5, rows: 1, colsOnly: false, layout: 'staircase', arq: 'onreq' }, 8);
    const out: number[] = [];
    for (let i = 0; i < 23; i++) {
      s.feed(100 + i, i, 0, Buffer.from([i]));
      for (let f = s.shift(); f; f = s.shift()) out.push(f.seq);
    }
    expect(out).to.deep.equal([104, 109, 114, 119]);
  });

  it('stays in phase over many matrices (the folded offset)', () => {
    const cols = 3;
    const rows = 4;
    const s = new FecSender({ cols, rows, colsOnly: false, layout: 'staircase', arq: 'onreq' }, 4);
    let fecs = 0;
    const n = 50 * cols * rows;
    for (let i = 0; i < n; i++) {
      s.feed(i, 0, 0, Buffer.from([1]));
      for (let f = s.shift(); f; f = s.shift()) fecs++;
    }
    // One row FEC per row; one column FEC per complete column group (the staircase's first
    // partial groups send none): at least 49 matrices' worth.
    expect(fecs).to.be.at.least(n / cols + 49 * cols);
    expect(fecs).to.be.at.most(n / cols + 50 * cols);
  });
});
