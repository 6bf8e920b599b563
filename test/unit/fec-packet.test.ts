/** FEC packet payload codec and group XOR / rebuild (libsrt fec.cpp PackControl, ClipData, RcvRebuild). */
import { expect } from 'chai';
import { decodeFecPayload, encodeFecPayload, FEC_ROW_INDEX } from '../../src/protocol/fec/fec-packet';
import { FecClipSource, FecGroupClip } from '../../src/protocol/fec/fec-group';

const addPacket = (g: FecGroupClip, p: FecClipSource) => g.addData(p.payload, p.timestamp, p.keyFlags);

describe('FEC packet payload', () => {
  it('round-trips a row and a column payload', () => {
    for (const index of [FEC_ROW_INDEX, 0, 3]) {
      const p = { index, flagClip: 2, lengthClip: 0x1234, payloadClip: Buffer.from([1, 2, 3]) };
      const bytes = encodeFecPayload(p);
      expect(bytes.subarray(0, 4)).to.deep.equal(Buffer.from([index & 0xff, 2, 0x12, 0x34]));
      expect(decodeFecPayload(bytes)).to.deep.equal(p);
    }
  });
  it('returns null, never throws, for payloads shorter than the 4-byte header', () => {
    for (let n = 0; n < 4; n++) expect(decodeFecPayload(Buffer.alloc(n))).to.equal(null);
    expect(decodeFecPayload(Buffer.alloc(4))?.payloadClip.length).to.equal(0);
  });
});

describe('FEC group XOR', () => {
  const pkts = [
    { payload: Buffer.from([1, 2, 3, 4]), timestamp: 1000, keyFlags: 1 },
    { payload: Buffer.from([9, 9]), timestamp: 0xfffffff0, keyFlags: 1 },
    { payload: Buffer.from([]), timestamp: 7, keyFlags: 0 },
    { payload: Buffer.from([5, 6, 7, 8, 9, 10]), timestamp: 123456, keyFlags: 2 },
  ];
  it('rebuilds any one missing packet, cutting the zero padding by the XOR of lengths', () => {
    const sender = new FecGroupClip(8);
    for (const p of pkts) expect(addPacket(sender, p)).to.equal(true);
    const fec = decodeFecPayload(sender.toFecPacketPayload(FEC_ROW_INDEX))!;
    for (let missing = 0; missing < pkts.length; missing++) {
      const rcv = new FecGroupClip(8);
      pkts.forEach((p, i) => i !== missing && addPacket(rcv, p));
      rcv.addFec(sender.timestampClip, fec);
      expect(rcv.rebuild(100 + missing)).to.deep.equal({ seqNo: 100 + missing, ...pkts[missing] });
    }
  });
  it('refuses a payload longer than the clip and a rebuilt length beyond it', () => {
    const g = new FecGroupClip(2);
    expect(g.addData(Buffer.alloc(3), 0, 0)).to.equal(false);
    expect(g.count).to.equal(0);
    g.addFec(0, { index: -1, flagClip: 0, lengthClip: 500, payloadClip: Buffer.alloc(2) });
    expect(g.rebuild(1)).to.equal(null);
  });
});
