/**
 * The writer is woken whenever it found the send buffer full, even when no write() said so: the
 * room (unsent packets allowed, about 20 ms at the pacing rate) also shrinks when a loss report
 * lowers the rate. A file-mode srt-pipe once waited forever for a drain nobody had asked for.
 */
import { expect } from 'chai';
import { ControlType, encodeAck, encodeLossList } from '../../src/protocol/packet';
import { seqInc } from '../../src/protocol/sequence';
import { LONE_ISN, LoneEngine } from '../support/lone-engine';

const FILE = { fileMode: true, tsbpd: false, tlpktDrop: false, nakReport: false, peerNakReport: false, rcvLatency: 0, sndLatency: 0, flowWindow: 16 };

describe('Sender: drain after the room shrank without a write', () => {
  it('a loss report lowers the rate below what is queued; canWrite() false; drain once the queue shrinks', () => {
    const e = new LoneEngine(FILE);
    // Slow start sends without pacing: every write is taken, 16 in flight, the rest queued.
    for (let i = 0; i < 1000; i++) expect(e.engine.write(Buffer.alloc(1316, i & 0xff), e.now)).to.equal(true);
    // A full ACK reports 1000 packets/s received; a loss report then ends slow start at that rate
    // (1.4 MB/s): 20 ms of it is less than the 984 packets queued.
    e.control(ControlType.ACK, encodeAck({ lastAckSeq: LONE_ISN, rtt: 1000, rttVar: 500, availBuf: 8192, pktRecvRate: 1000, linkCapacity: 0, recvRate: 1_400_000 }), 1);
    e.control(ControlType.NAK, encodeLossList([[LONE_ISN, LONE_ISN]]));
    expect(e.engine.writable).to.equal(false);
    expect(e.engine.canWrite()).to.equal(false);
    expect(e.drains).to.equal(0);
    // The peer acknowledges whatever was sent, every millisecond, until the queue has room.
    let acked = LONE_ISN;
    for (let ms = 0; ms < 3000 && e.drains === 0; ms++) {
      e.advance(1000);
      const sent = e.sentSeqs();
      if (sent.length) acked = seqInc(Math.max(...sent), 1);
      e.control(ControlType.ACK, encodeAck({ lastAckSeq: acked }));
    }
    expect(e.drains).to.equal(1);
    expect(e.engine.writable).to.equal(true);
  });
});
