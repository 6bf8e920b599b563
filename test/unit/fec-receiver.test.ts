/**
 * FecReceiver, the receiving half of the fec filter: fed libsrt's own packets (the captures of
 * srt-live-transmit with packetfilter=fec,cols:4,rows:2) and streams made by our FecSender, it
 * must rebuild single losses exactly, repair rows and columns from each other, report under
 * arq onreq only what it could not rebuild, and stay bounded whatever the wire says.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { loadCapture } from '../support/fixtures';
import { DataPacket, decodePacket } from '../../src/protocol/packet';
import { FEC_HEADER_SIZE, isFecPacket } from '../../src/protocol/fec/fec-packet';
import { FecReceiver } from '../../src/protocol/fec/fec-receiver';
import { FecSender } from '../../src/protocol/fec/fec-sender';
import type { ArqLevel, FecConfig } from '../../src/protocol/fec/fec-config';
import type { FecLayoutKind } from '../../src/protocol/fec/fec-layout';
import { seqInc } from '../../src/protocol/sequence';

interface WirePacket {
  fec: boolean;
  seq: number;
  timestamp: number;
  keyFlags: number;
  payload: Buffer;
}

const CLIP = 64;

/** n data packets from isn (payloads of varied length, key flags, timestamps) and their FEC packets, in wire order. */
function stream(cfg: FecConfig, isn: number, n: number): WirePacket[] {
  const sender = new FecSender(cfg, CLIP);
  const out: WirePacket[] = [];
  for (let i = 0; i < n; i++) {
    const seq = seqInc(isn, i);
    const payload = Buffer.alloc(8 + ((i * 7) % (CLIP - 8)), i & 0xff);
    payload.writeUInt32BE(seq, 0);
    const p = { fec: false, seq, timestamp: (1000 + i * 333) >>> 0, keyFlags: i % 3 === 0 ? 2 : 1, payload };
    out.push(p);
    sender.feed(p.seq, p.timestamp, p.keyFlags, p.payload);
    for (let f = sender.shift(); f; f = sender.shift()) out.push({ fec: true, keyFlags: 0, ...f });
  }
  return out;
}

function feed(rcv: FecReceiver, pkts: WirePacket[]): void {
  for (const p of pkts) {
    if (p.fec) expect(rcv.onFec(p.seq, p.timestamp, p.payload)).to.equal(true);
    else rcv.onData(p.seq, p.timestamp, p.keyFlags, p.payload);
  }
}

const cfgOf = (cols: number, rows: number, layout: FecLayoutKind = 'staircase', arq: ArqLevel = 'never'): FecConfig =>
  ({ cols, rows: Math.abs(rows), colsOnly: rows < 0, layout, arq });

function expectRebuilt(rcv: FecReceiver, lost: WirePacket[]): void {
  const bySeq = new Map(rcv.rebuilt.map((r) => [r.seqNo, r]));
  for (const p of lost) {
    const r = bySeq.get(p.seq);
    expect(r, `%${p.seq} rebuilt`).to.not.equal(undefined);
    expect(r!.payload.equals(p.payload), `%${p.seq} payload`).to.equal(true);
    expect(r!.timestamp).to.equal(p.timestamp);
    expect(r!.keyFlags).to.equal(p.keyFlags);
  }
}

for (const layout of ['staircase', 'even'] as const) describe(`FecReceiver on libsrt's packets (cols:4, rows:2, ${layout})`, () => {
  const wire = loadCapture(layout === 'even' ? 'fec-even' : 'fec-staircase')
    .map((d) => decodePacket(d.bytes))
    .filter((p): p is DataPacket => p !== null && p.kind === 'data' && !p.retransmitted);
  const isn = wire[0].seq;
  const clip = wire.find((p) => isFecPacket(p.msgNo))!.payload.length - FEC_HEADER_SIZE;

  it('rebuilds any one lost data packet byte for byte, with its timestamp', () => {
    const data = wire.filter((p) => !isFecPacket(p.msgNo));
    let rebuilt = 0;
    // The capture ends inside a matrix: packets of its last incomplete groups cannot come back.
    for (const lost of data.slice(0, data.length - 8)) {
      const rcv = new FecReceiver(cfgOf(4, 2, layout), isn, clip);
      for (const p of wire) {
        if (p === lost) continue;
        if (isFecPacket(p.msgNo)) expect(rcv.onFec(p.seq, p.timestamp, p.payload)).to.equal(true);
        else rcv.onData(p.seq, p.timestamp, p.keyFlags, p.payload);
      }
      const r = rcv.rebuilt.find((x) => x.seqNo === lost.seq);
      expect(r, `%${lost.seq}`).to.not.equal(undefined);
      expect(r!.payload.equals(lost.payload)).to.equal(true);
      expect(r!.timestamp).to.equal(lost.timestamp);
      rebuilt++;
    }
    expect(rebuilt).to.be.greaterThan(25);
  });
});

describe('FecReceiver', () => {
  it('repairs two losses in one row through their columns, and two in one column through their rows', () => {
    for (const layout of ['staircase', 'even'] as const) {
      const cfg = cfgOf(5, 4, layout);
      const pkts = stream(cfg, 1000, 200);
      const data = pkts.filter((p) => !p.fec);
      // Row 10 (packets 50..54): two lost; column 2 of the matrix at 120: rows 0 and 1 lost.
      const lost = [data[51], data[53], data[122], data[127]];
      const rcv = new FecReceiver(cfg, 1000, CLIP);
      feed(rcv, pkts.filter((p) => !lost.includes(p)));
      expectRebuilt(rcv, lost);
    }
  });

  it('chains: a loss only a rebuilt packet makes recoverable comes back too', () => {
    const cfg = cfgOf(4, 4, 'even');
    const pkts = stream(cfg, 7, 160);
    const data = pkts.filter((p) => !p.fec);
    // A 2x2 square in one matrix (rows 4 and 5, columns 1 and 2) plus a third loss in row 4:
    // no row and no column alone has a single loss until the column of the third is rebuilt.
    const lost = [data[17], data[18], data[21], data[22], data[19]];
    const rcv = new FecReceiver(cfg, 7, CLIP);
    feed(rcv, pkts.filter((p) => !lost.includes(p)));
    // Column 3 (19, 23, 27, 31) rebuilds 19; then row 4 (16..19) still lacks 17 and 18: the
    // columns of 17 and 18 each lack two (17/21, 18/22) and rows 5 lacks two (21, 22).
    // Nothing more is possible: only 19 comes back.
    expect(rcv.rebuilt.map((r) => r.seqNo)).to.deep.equal([data[19].seq]);
    const rcv2 = new FecReceiver(cfg, 7, CLIP);
    const lost2 = [data[17], data[18], data[22]];
    feed(rcv2, pkts.filter((p) => !lost2.includes(p)));
    // Column 1 (17, 21, 25, 29) rebuilds 17; row 4 then lacks only 18: rebuilt; column 2 then
    // lacks only 22: rebuilt.
    expectRebuilt(rcv2, lost2);
  });

  it('columns only (rows:-4): no row FEC, single losses per column rebuilt', () => {
    const cfg = cfgOf(5, -4);
    const pkts = stream(cfg, 0, 300);
    expect(pkts.filter((p) => p.fec).every((p) => p.payload.readInt8(0) >= 0)).to.equal(true);
    const data = pkts.filter((p) => !p.fec);
    const lost = [data[100], data[101], data[102]]; // a burst across three columns
    const rcv = new FecReceiver(cfg, 0, CLIP);
    feed(rcv, pkts.filter((p) => !lost.includes(p)));
    expectRebuilt(rcv, lost);
  });

  it('property: with at most one loss per row, everything lost is rebuilt (any ISN, around the wrap too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<FecLayoutKind>('staircase', 'even'),
        fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.constant(0x7fffff00)),
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 30 }),
        (cols, rows, layout, isn, picks) => {
          const cfg = cfgOf(cols, rows, layout);
          const n = cols * 30;
          const pkts = stream(cfg, isn, n);
          const data = pkts.filter((p) => !p.fec);
          // One loss in each picked row (rows of the first 30 - 1: the last row's FEC must follow).
          const lost = picks.map((col, row) => data[row * cols + (col % cols)]).slice(0, 29);
          const rcv = new FecReceiver(cfg, isn, CLIP);
          feed(rcv, pkts.filter((p) => !lost.includes(p)));
          expectRebuilt(rcv, lost);
        },
      ),
      { numRuns: 150 },
    );
  });

  describe('arq onreq: what is reported irrecoverable', () => {
    it('rows only: a single loss is rebuilt and not reported; a burst of three in a row is reported once, a third of a row later', () => {
      const cfg = cfgOf(9, 1, 'staircase', 'onreq');
      const pkts = stream(cfg, 500, 90);
      const data = pkts.filter((p) => !p.fec);
      const lost = [data[12], data[30], data[31], data[32]];
      const rcv = new FecReceiver(cfg, 500, CLIP);
      const seen: number[] = [];
      for (const p of pkts.filter((x) => !lost.includes(x))) {
        feed(rcv, [p]);
        if (rcv.irrecoverable.length > 0) {
          seen.push(p.seq);
          expect(rcv.irrecoverable).to.deep.equal([[530, 532]]);
          rcv.irrecoverable.length = 0;
        }
      }
      expectRebuilt(rcv, [data[12]]);
      // Row 27..35 ends at 535: decided 2 + 9/3 = 5 packets later.
      expect(seen).to.deep.equal([540]);
    });

    it('rows and columns: the column decides; a burst the rows cannot mend but the columns can is not reported', () => {
      const cfg = cfgOf(5, 4, 'even', 'onreq');
      const pkts = stream(cfg, 0, 200);
      const data = pkts.filter((p) => !p.fec);
      const burst = [data[41], data[42], data[43]]; // one row, three columns: the columns rebuild them
      const rcv = new FecReceiver(cfg, 0, CLIP);
      feed(rcv, pkts.filter((p) => !burst.includes(p)));
      expectRebuilt(rcv, burst);
      expect(rcv.irrecoverable).to.deep.equal([]);
      // Two in one column and two in one row (a square): nothing rebuilds them; each is reported.
      const square = [data[81], data[82], data[86], data[87]];
      const rcv2 = new FecReceiver(cfg, 0, CLIP);
      feed(rcv2, pkts.filter((p) => !square.includes(p)));
      expect(rcv2.rebuilt).to.deep.equal([]);
      expect(rcv2.irrecoverable.flat().sort()).to.deep.equal([81, 81, 82, 82, 86, 86, 87, 87]);
    });

    it('arq never and always report nothing', () => {
      for (const arq of ['never', 'always'] as const) {
        const cfg = cfgOf(5, 1, 'staircase', arq);
        const pkts = stream(cfg, 0, 100);
        const rcv = new FecReceiver(cfg, 0, CLIP);
        feed(rcv, pkts.filter((p) => p.fec || p.seq < 20 || p.seq > 30));
        expect(rcv.irrecoverable).to.deep.equal([]);
      }
    });
  });

  describe('hostile input', () => {
    it('refuses a FEC packet that is short, longer than the clip, or names no group end', () => {
      const rcv = new FecReceiver(cfgOf(4, 3), 0, CLIP);
      expect(rcv.onFec(3, 0, Buffer.alloc(3))).to.equal(false);
      expect(rcv.onFec(3, 0, Buffer.alloc(4 + CLIP + 1, 0xff))).to.equal(false);
      const row = Buffer.alloc(4 + CLIP);
      row[0] = 0xff;
      expect(rcv.onFec(2, 0, row)).to.equal(false); // row FEC not at a row's last packet
      expect(rcv.onFec(3, 0, row)).to.equal(true);
      const col = Buffer.alloc(4 + CLIP);
      col[0] = 9; // no column 9
      expect(rcv.onFec(11, 0, col)).to.equal(false);
      col[0] = 1; // column 1 does not end at 11 (column 3 does in the even layout; staircase differs)
      expect(rcv.onFec(11, 0, col)).to.equal(false);
      const rowsOnly = new FecReceiver(cfgOf(4, 1), 0, CLIP);
      col[0] = 0;
      expect(rowsOnly.onFec(3, 0, col)).to.equal(false);
    });

    it('keeps its state bounded by its window whatever sequence numbers arrive', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              fec: fc.boolean(),
              seq: fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 400 })),
              index: fc.integer({ min: -1, max: 12 }),
              len: fc.integer({ min: 0, max: 80 }),
            }),
            { maxLength: 300 },
          ),
          (pkts) => {
            const cfg = cfgOf(10, 5, 'staircase', 'onreq');
            const rcv = new FecReceiver(cfg, 0, CLIP);
            for (const p of pkts) {
              const payload = Buffer.alloc(p.len, 0x5a);
              if (p.fec && p.len > 0) payload[0] = p.index & 0xff;
              if (p.fec) rcv.onFec(p.seq, 0, payload);
              else rcv.onData(p.seq, 0, 0, payload);
              // Rows of the window plus one, columns of two matrices plus one series.
              expect(rcv.groupsHeld).to.be.at.most(rcv.window / 10 + 1 + (rcv.window / 50 + 2) * 10);
              expect(rcv.irrecoverable.length).to.be.at.most(rcv.window);
              rcv.irrecoverable.length = 0;
              rcv.rebuilt.length = 0;
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
