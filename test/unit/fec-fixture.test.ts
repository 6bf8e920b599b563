/**
 * Against stock libsrt 1.5.1: srt-live-transmit with packetfilter=fec,cols:4,rows:2,
 * captured on lo (test/fixtures/libsrt-1.5.1/fec-*.jsonl, data packets and FEC packets only):
 * fec-staircase (libsrt's default layout, 188-byte payloads and clip, first 120 sequence
 * numbers) and fec-even (payloads of 60..188 bytes read from UDP, so the length XOR is
 * exercised, 1452-byte clip, first 40 sequence numbers). Our group XOR of the captured data packets must give
 * each captured FEC packet byte for byte, and rebuilding any removed packet its exact bytes.
 */
import { expect } from 'chai';
import { loadCapture } from '../support/fixtures';
import { DataPacket, decodePacket } from '../../src/protocol/packet';
import { decodeFecPayload, FEC_HEADER_SIZE, FEC_ROW_INDEX, isFecPacket } from '../../src/protocol/fec/fec-packet';
import { FecClipSource, FecGroupClip } from '../../src/protocol/fec/fec-group';

const addPacket = (g: FecGroupClip, p: FecClipSource) => g.addData(p.payload, p.timestamp, p.keyFlags);
import { columnGroupOf, FecLayout, groupMembers, rowGroupOf } from '../../src/protocol/fec/fec-layout';

const CASES = [
  { capture: 'fec-staircase', layout: 'staircase' as const, minData: 100, minFec: 80 },
  { capture: 'fec-even', layout: 'even' as const, minData: 35, minFec: 25 },
];

for (const { capture, layout: kind, minData, minFec } of CASES) describe(`FEC against a libsrt capture (cols:4, rows:2, ${kind})`, () => {
  const packets = loadCapture(capture)
    .map((d) => decodePacket(d.bytes))
    .filter((p): p is DataPacket => p !== null && p.kind === 'data');
  const data = new Map<number, DataPacket>();
  for (const p of packets) if (!isFecPacket(p.msgNo) && !data.has(p.seq)) data.set(p.seq, p);
  const fecs = packets.filter((p) => isFecPacket(p.msgNo));
  const layout: FecLayout = { isn: packets[0].seq, cols: 4, rows: 2, layout: kind };

  function groupOf(fec: DataPacket): number[] {
    const index = decodeFecPayload(fec.payload)!.index;
    const g = index === FEC_ROW_INDEX ? rowGroupOf(layout, fec.seq) : columnGroupOf(layout, fec.seq)!;
    // libsrt sends a FEC packet with the sequence number of its group's last packet
    expect(g.last, `FEC %${fec.seq}`).to.equal(fec.seq);
    expect(g.index).to.equal(index);
    return groupMembers(layout, g);
  }

  it('holds data, row FEC and column FEC packets of every column', () => {
    expect(data.size).to.be.greaterThan(minData);
    const indexes = new Set(fecs.map((f) => decodeFecPayload(f.payload)!.index));
    expect([...indexes].sort()).to.deep.equal([-1, 0, 1, 2, 3]);
  });

  it('gives every captured FEC packet byte for byte from the captured data packets of its group', () => {
    let checked = 0;
    for (const fec of fecs) {
      const members = groupOf(fec);
      const clip = new FecGroupClip(fec.payload.length - FEC_HEADER_SIZE);
      for (const s of members) expect(addPacket(clip, data.get(s)!)).to.equal(true);
      const index = decodeFecPayload(fec.payload)!.index;
      expect(clip.toFecPacketPayload(index).equals(fec.payload), `FEC %${fec.seq}`).to.equal(true);
      expect(clip.timestampClip).to.equal(fec.timestamp);
      checked++;
    }
    expect(checked).to.be.greaterThan(minFec);
  });

  it('rebuilds each removed data packet of each group to its exact payload, timestamp and key flags', () => {
    for (const fec of fecs) {
      const members = groupOf(fec);
      for (const missing of members) {
        const clip = new FecGroupClip(fec.payload.length - FEC_HEADER_SIZE);
        for (const s of members) if (s !== missing) addPacket(clip, data.get(s)!);
        clip.addFec(fec.timestamp, decodeFecPayload(fec.payload)!);
        const want = data.get(missing)!;
        const got = clip.rebuild(missing)!;
        expect(got.seqNo).to.equal(missing);
        expect(got.payload.equals(want.payload), `rebuilt %${missing}`).to.equal(true);
        expect(got.timestamp).to.equal(want.timestamp);
        expect(got.keyFlags).to.equal(want.keyFlags);
      }
    }
  });
});
