import { expect } from 'chai';
import { COUNTERS, Counters, Ctr } from '../../src/protocol/stats';
import { SimLink } from '../support/sim-link';

function payload(i: number): Buffer {
  const b = Buffer.alloc(1316, i & 0xff);
  b.writeUInt32BE(i, 0);
  return b;
}

describe('Counters', () => {
  it('each Ctr index names the counter at that place in COUNTERS', () => {
    const byName: Record<string, number> = {
      pktSent: Ctr.pktSent,
      pktRecv: Ctr.pktRecv,
      pktSndLoss: Ctr.pktSndLoss,
      pktRcvLoss: Ctr.pktRcvLoss,
      pktRetrans: Ctr.pktRetrans,
      pktRcvRetrans: Ctr.pktRcvRetrans,
      pktSndDrop: Ctr.pktSndDrop,
      pktRcvDrop: Ctr.pktRcvDrop,
      pktRcvUndecrypt: Ctr.pktRcvUndecrypt,
      pktRcvBelated: Ctr.pktRcvBelated,
      pktSentACK: Ctr.pktSentACK,
      pktRecvACK: Ctr.pktRecvACK,
      pktSentNAK: Ctr.pktSentNAK,
      pktRecvNAK: Ctr.pktRecvNAK,
      pktSentUnique: Ctr.pktSentUnique,
      pktRecvUnique: Ctr.pktRecvUnique,
      byteSent: Ctr.byteSent,
      byteRecv: Ctr.byteRecv,
      byteRetrans: Ctr.byteRetrans,
      byteSndDrop: Ctr.byteSndDrop,
      byteRcvDrop: Ctr.byteRcvDrop,
      byteRcvLoss: Ctr.byteRcvLoss,
      byteSentUnique: Ctr.byteSentUnique,
      byteRecvUnique: Ctr.byteRecvUnique,
      byteRcvUndecrypt: Ctr.byteRcvUndecrypt,
      pktRecvInvalid: Ctr.pktRecvInvalid,
      pktRcvNoRoom: Ctr.pktRcvNoRoom,
      pktRcvMsgOversize: Ctr.pktRcvMsgOversize,
      pktSndFilterExtra: Ctr.pktSndFilterExtra,
      pktRcvFilterExtra: Ctr.pktRcvFilterExtra,
      pktRcvFilterSupply: Ctr.pktRcvFilterSupply,
      pktRcvFilterLoss: Ctr.pktRcvFilterLoss,
    };
    expect(Object.keys(byName)).to.deep.equal([...COUNTERS]);
    COUNTERS.forEach((name, i) => expect(byName[name], name).to.equal(i));
  });

  it('snapshot gives interval values and totals; clear starts a new interval', () => {
    const c = new Counters();
    c.add(Ctr.pktSent, 3);
    c.add(Ctr.byteSent, 100);
    expect(c.snapshot(true)).to.include({ pktSent: 3, pktSentTotal: 3, byteSent: 100 });
    c.add(Ctr.pktSent);
    expect(c.snapshot(false)).to.include({ pktSent: 1, pktSentTotal: 4, byteSent: 0, byteSentTotal: 100 });
  });
});

describe("statistics in libsrt's units (srt_bstats)", () => {
  it('byte counters include 44 bytes of headers per packet; lost and dropped bytes are estimated at the average payload', () => {
    const sim = new SimLink({ latencyMs: 20, oneWayDelayUs: 20_000, loss: 0.1, seed: 5 });
    for (let i = 0; i < 1000; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 1_000_000);
    const a = sim.a.stats(sim.now);
    const b = sim.b.stats(sim.now);
    expect(a.byteSentTotal).to.equal(a.pktSentTotal * (1316 + 44));
    expect(a.byteSentUniqueTotal).to.equal(1000 * (1316 + 44));
    expect(a.byteRetransTotal).to.equal(a.pktRetransTotal * (1316 + 44));
    expect(b.byteRecvTotal).to.equal(b.pktRecvTotal * (1316 + 44));
    expect(b.pktRcvLossTotal).to.be.greaterThan(0);
    expect(b.byteRcvLossTotal).to.equal(b.pktRcvLossTotal * (1316 + 44));
    expect(b.pktRcvDropTotal).to.be.greaterThan(0); // 20 ms latency cannot cover a 40 ms round trip
    expect(b.byteRcvDropTotal).to.equal(b.pktRcvDropTotal * (1316 + 44));
    expect(b.byteMSS).to.equal(1500);
  });

  it('mbpsSendRate and mbpsRecvRate are the interval bytes over the interval time, as libsrt', () => {
    const sim = new SimLink({ latencyMs: 120, oneWayDelayUs: 1000 });
    // 1,000 packets/s of 1,316 bytes: (1316 + 44) * 8 * 1000 = 10.88 Mbit/s on the wire.
    sim.a.stats(sim.now, true);
    sim.b.stats(sim.now, true);
    for (let i = 0; i < 2000; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    const a = sim.a.stats(sim.now, true);
    const b = sim.b.stats(sim.now, true);
    expect(a.mbpsSendRate).to.be.within(10.8, 10.9);
    expect(b.mbpsRecvRate).to.be.within(10.7, 10.9);
    // A new interval starts at the clear.
    sim.run(sim.now + 1_000_000);
    expect(sim.a.stats(sim.now).mbpsSendRate).to.equal(0);
  });

  it('mbpsBandwidth: the sender reports the capacity its peer measured, a pure receiver its own estimate (as libsrt)', () => {
    const sim = new SimLink({ latencyMs: 120, oneWayDelayUs: 1000 });
    expect(sim.b.stats(sim.now).mbpsBandwidth).to.equal(0); // no probe pairs yet
    for (let i = 0; i < 500; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 100_000);
    expect(sim.a.stats(sim.now).mbpsBandwidth).to.be.greaterThan(0);
    expect(sim.b.stats(sim.now).mbpsBandwidth).to.be.greaterThan(0);
  });
});
