import { expect } from 'chai';
import { MAX_RTT_US } from '../../src/protocol/rtt';
import { ControlType, encodeAck, encodeDropReq, encodeLossList, Position } from '../../src/protocol/packet';
import { MessageAssembler } from '../../src/protocol/message-assembler';
import { seqDec, seqInc } from '../../src/protocol/sequence';
import { LONE_ISN, LoneEngine } from '../support/lone-engine';

/** A NAK body as libsrt codes it (one word for a single loss, first|MSB + last for a range). */
function nak(...ranges: [number, number][]): Buffer {
  return encodeLossList(ranges);
}

function fullAck(lastAckSeq: number, fields: { rtt?: number; rttVar?: number; availBuf?: number } = {}): Buffer {
  return encodeAck({ lastAckSeq, rtt: fields.rtt ?? 10_000, rttVar: fields.rttVar ?? 5_000, availBuf: fields.availBuf ?? 8192, pktRecvRate: 0, linkCapacity: 0, recvRate: 0 });
}

describe('hostile peer: work per control packet is bounded by what the engine holds', () => {
  it('a NAK whose range ends just over 2^30 past the last sent sequence (seqCmp wraps) breaks the connection at once', () => {
    const e = new LoneEngine();
    e.write(100);
    const lastSent = LONE_ISN + 99;
    const last = seqInc(lastSent, (1 << 30) + 5);
    const first = seqDec(last, 1 << 29);
    e.clearSent();
    e.control(ControlType.NAK, nak([first, last]));
    expect(e.broken).to.match(/never sent/);
    expect(e.engine.closed).to.equal(true);
    expect(e.sentSeqs()).to.have.length(0);
    expect(e.engine.stats(e.now).pktRecvInvalid).to.equal(1);
  });

  it('a loss report ahead of the last sent sequence, or reversed, breaks it too (libsrt: out-of-band LOSSREPORT)', () => {
    for (const r of [[LONE_ISN + 100, LONE_ISN + 100], [LONE_ISN + 50, LONE_ISN + 10], [LONE_ISN - 5, LONE_ISN + 3]] as [number, number][]) {
      const e = new LoneEngine();
      e.write(100);
      e.control(ControlType.NAK, nak(r));
      expect(e.broken, `range ${r}`).to.match(/never sent/);
    }
  });

  it('a valid NAK spanning the whole history is clipped to the send buffer; what predates it costs one DROPREQ', () => {
    const e = new LoneEngine();
    e.write(3000);
    e.control(ControlType.ACK, fullAck(LONE_ISN + 2000));
    e.clearSent();
    // 300 ranges, all before the buffer but for the last one, which covers the whole buffer.
    const ranges: [number, number][] = [];
    for (let i = 0; i < 299; i++) ranges.push([LONE_ISN + i * 5, LONE_ISN + i * 5 + 1]);
    ranges.push([LONE_ISN + 1995, LONE_ISN + 2999]);
    e.control(ControlType.NAK, nak(...ranges));
    for (let i = 0; i < 40; i++) e.advance(1000); // paced, at most a burst per tick
    expect(e.broken).to.equal(undefined);
    const drops = e.sentControls(ControlType.DROPREQ);
    expect(drops).to.have.length(1);
    expect([drops[0].body.readUInt32BE(0), drops[0].body.readUInt32BE(4)]).to.deep.equal([LONE_ISN, LONE_ISN + 1999]);
    const resent = e.sentSeqs();
    expect(resent).to.have.length(1000);
    expect(resent[0]).to.equal(LONE_ISN + 2000);
    expect(e.engine.stats(e.now).pktSndLoss).to.equal(1000);
  });

  it('overlapping and repeated ranges cost no more than the buffer they cover', () => {
    const e = new LoneEngine();
    e.write(8000);
    e.clearSent();
    const ranges: [number, number][] = [];
    for (let i = 0; i < 180; i++) ranges.push([LONE_ISN, LONE_ISN + 7999]);
    e.control(ControlType.NAK, nak(...ranges));
    expect(e.engine.stats(e.now).pktSndLoss).to.equal(8000);
  });

  it('a DROPREQ spanning 2^29 sequence numbers skips at most the receive window, and the stream goes on', () => {
    const e = new LoneEngine({ rcvBufPackets: 1024 });
    const peerIsn = LONE_ISN;
    e.data(peerIsn);
    e.data(peerIsn + 1);
    e.control(ControlType.DROPREQ, encodeDropReq(peerIsn + 2, seqInc(peerIsn + 2, 1 << 29)));
    expect(e.broken).to.equal(undefined);
    const s = e.engine.stats(e.now);
    expect(s.pktRcvDrop).to.equal(0); // nothing missing at the head yet: the range starts past it
    e.advance(200_000);
    expect(e.delivered).to.have.length(2);
    // The receiver moved on past the dropped window (libsrt moves its current sequence too): the
    // next packet after it is no gap, and nothing inside it is reported lost.
    e.data(peerIsn + 1024, { timestamp: 2000 });
    const after = e.engine.stats(e.now);
    expect(after.pktRcvLoss).to.equal(0);
    expect(after.pktRecvUnique).to.equal(3);
  });

  it('a DROPREQ over a hole at the head skips the hole (bounded) and delivers what follows', () => {
    const e = new LoneEngine({ rcvBufPackets: 256 });
    e.data(LONE_ISN);
    e.data(LONE_ISN + 10);
    e.control(ControlType.DROPREQ, encodeDropReq(LONE_ISN + 1, seqInc(LONE_ISN, 1 << 29)));
    e.advance(200_000);
    expect(e.delivered).to.have.length(2);
    expect(e.engine.stats(e.now).pktRcvDrop).to.equal(9);
  });

  it('an ACK beyond the last sent sequence breaks the connection (libsrt: ESECFAIL); a stale one changes nothing', () => {
    const e = new LoneEngine();
    e.write(100);
    e.control(ControlType.ACK, fullAck(LONE_ISN + 50));
    expect(e.engine.stats(e.now).pktSndBuf).to.equal(50);
    e.control(ControlType.ACK, fullAck(LONE_ISN + 10)); // stale
    expect(e.engine.stats(e.now).pktSndBuf).to.equal(50);
    expect(e.broken).to.equal(undefined);
    e.control(ControlType.ACK, fullAck(LONE_ISN + 101));
    expect(e.broken).to.match(/never sent/);
  });

  it('an ACK carrying RTT 0xFFFFFFFF cannot stretch the timers: RTT clamped, a silent peer dropped at peerIdleTimeout', () => {
    const e = new LoneEngine({ peerIdleTimeoutMs: 5000 });
    e.write(10);
    e.control(ControlType.ACK, fullAck(LONE_ISN + 10, { rtt: 0xffffffff, rttVar: 0xffffffff, availBuf: 0xffffffff }));
    expect(e.engine.rtt.srtt).to.equal(MAX_RTT_US);
    expect(e.engine.rtt.rttVar).to.equal(MAX_RTT_US);
    expect(e.engine.stats(e.now).pktFlowWindow).to.be.at.most(0x40000000);
    const silentFrom = e.now;
    while (!e.broken && e.now - silentFrom < 60_000_000) e.advance(100_000);
    expect(e.broken).to.match(/idle/);
    expect(e.now - silentFrom).to.be.within(5_000_000, 5_100_000);
  });
});

describe('hostile peer: message reassembly is bounded by the receive buffer', () => {
  const pkt = (position: number, msgNo = 7) => ({ kind: 'data' as const, seq: 0, position, inOrder: false, keyFlags: 0, retransmitted: false, msgNo, timestamp: 0, destId: 1, payload: Buffer.alloc(0) });

  it('one FIRST then endless MIDDLE packets: at most maxPackets held, the rest dropped and counted', () => {
    const m = new MessageAssembler(100);
    const part = Buffer.alloc(1316);
    expect(m.add(part, pkt(Position.FIRST))).to.equal(undefined);
    for (let i = 0; i < 30_000; i++) expect(m.add(part, pkt(Position.MIDDLE))).to.equal(undefined);
    expect(m.add(part, pkt(Position.LAST))).to.equal(undefined);
    expect(m.oversizeDropped).to.equal(30_002);
    // The next message is whole again.
    expect(m.add(Buffer.from('a'), pkt(Position.FIRST, 8))).to.equal(undefined);
    expect(m.add(Buffer.from('b'), pkt(Position.LAST, 8))?.toString()).to.equal('ab');
  });

  it('a message of exactly maxPackets is delivered; a message whose start was lost is dropped', () => {
    const m = new MessageAssembler(3);
    m.add(Buffer.from('a'), pkt(Position.FIRST));
    m.add(Buffer.from('b'), pkt(Position.MIDDLE));
    expect(m.add(Buffer.from('c'), pkt(Position.LAST))?.toString()).to.equal('abc');
    expect(m.add(Buffer.from('x'), pkt(Position.MIDDLE, 9))).to.equal(undefined);
    expect(m.add(Buffer.from('y'), pkt(Position.LAST, 9))).to.equal(undefined);
    expect(m.oversizeDropped).to.equal(0);
  });
});

describe('hostile peer: an idle connection holds little memory', () => {
  it('buffers grow with use: 2,000 fresh engines take well under 50 kB each', () => {
    const before = process.memoryUsage().heapUsed;
    const keep: LoneEngine[] = [];
    for (let i = 0; i < 2000; i++) keep.push(new LoneEngine());
    const perEngine = (process.memoryUsage().heapUsed - before) / keep.length;
    expect(perEngine).to.be.below(50_000);
    expect(keep).to.have.length(2000);
  });
});
