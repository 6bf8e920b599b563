import { expect } from 'chai';
import { SimLink } from '../support/sim-link';

function payload(i: number): Buffer {
  const b = Buffer.alloc(1316, i & 0xff);
  b.writeUInt32BE(i, 0);
  return b;
}

describe('SrtConnection (simulated link, virtual clock)', () => {
  it('delivers every packet in order at timestamp + latency on a clean link', () => {
    const sim = new SimLink({ latencyMs: 120, oneWayDelayUs: 1000 });
    const sentAt: number[] = [];
    for (let i = 0; i < 500; i++) {
      sim.run(sim.now + 2000);
      sentAt.push(sim.now);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 500_000);
    expect(sim.delivered.length).to.equal(500);
    sim.delivered.forEach((d, i) => {
      expect(d.payload.readUInt32BE(0)).to.equal(i);
      // play time = base + ts + latency; delivery happens on the next 0.5 ms step
      expect(d.at - sentAt[i]).to.be.within(121_000, 121_000 + 500);
    });
    expect(sim.a.stats(sim.now).pktRetrans).to.equal(0);
    expect(sim.b.stats(sim.now).pktRcvLoss).to.equal(0);
  });

  it('recovers 10% random loss with NAK and retransmission when latency >> RTT', () => {
    const sim = new SimLink({ latencyMs: 200, oneWayDelayUs: 5000, loss: 0.1, seed: 7 });
    for (let i = 0; i < 1000; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 1_000_000);
    expect(sim.dropped).to.be.greaterThan(50);
    expect(sim.delivered.map((d) => d.payload.readUInt32BE(0))).to.deep.equal([...Array(1000).keys()]);
    const rs = sim.b.stats(sim.now);
    expect(rs.pktRcvDrop).to.equal(0);
    expect(rs.pktRcvLoss).to.be.greaterThan(0);
    expect(sim.a.stats(sim.now).pktRetrans).to.be.at.least(sim.dropped - 5);
  });

  it('drops too-late packets when latency is too small and the stream continues', () => {
    const sim = new SimLink({ latencyMs: 5, oneWayDelayUs: 20_000, loss: 0.1, seed: 3 });
    for (let i = 0; i < 500; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 1_000_000);
    const ids = sim.delivered.map((d) => d.payload.readUInt32BE(0));
    const rs = sim.b.stats(sim.now);
    expect(rs.pktRcvDrop).to.be.greaterThan(0);
    expect(ids.length + rs.pktRcvDrop).to.equal(500);
    expect(ids).to.deep.equal([...ids].sort((x, y) => x - y));
    expect(ids[ids.length - 1]).to.equal(499);
  });

  it('measures RTT from ACK/ACKACK', () => {
    const sim = new SimLink({ oneWayDelayUs: 10_000 });
    for (let i = 0; i < 300; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 200_000);
    expect(sim.b.rtt.srtt).to.be.within(19_000, 22_000);
    expect(sim.a.rtt.srtt).to.be.within(19_000, 22_000);
  });

  it('crosses the 32-bit timestamp wrap without stalling', () => {
    const sim = new SimLink({ latencyMs: 120 });
    // Jump both clocks to just before 2^32 µs of connection time.
    const skip = 2 ** 32 - 2_000_000;
    (sim.a.cfg as { startUs: number }).startUs -= skip;
    sim.b.tsbpd.baseUs -= skip;
    (sim.b.tsbpd as unknown as { tsRef: number }).tsRef = skip;
    for (let i = 0; i < 4000; i++) {
      sim.run(sim.now + 1000);
      sim.a.write(payload(i), sim.now);
    }
    sim.run(sim.now + 500_000);
    expect(sim.delivered.length).to.equal(4000);
  });

  it('flushes received data and reports the close on SHUTDOWN', () => {
    const sim = new SimLink({ latencyMs: 1000 });
    for (let i = 0; i < 10; i++) sim.a.write(payload(i), sim.now);
    sim.run(sim.now + 10_000);
    expect(sim.delivered.length).to.equal(0);
    sim.a.shutdown(sim.now);
    sim.run(sim.now + 10_000);
    expect(sim.delivered.length).to.equal(10);
    expect(sim.closedB).to.equal(true);
  });
});
