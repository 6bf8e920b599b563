/**
 * File mode on the simulated link: FileCC, in-order delivery without TSBPD, no too-late drop, no
 * periodic NAK. Recovery must then come from the first NAK or, when that is lost, from the
 * sender's retransmission timer (LATEREXMIT).
 */
import { expect } from 'chai';
import { ConnectionConfig } from '../../src/protocol/connection';
import { ControlType } from '../../src/protocol/packet';
import { SimLink } from '../support/sim-link';

const FILE: Partial<ConnectionConfig> = {
  fileMode: true, tsbpd: false, tlpktDrop: false, nakReport: false, peerNakReport: false, rcvLatency: 0, sndLatency: 0, payloadSize: 1456,
};

function run(sim: SimLink, n: number): void {
  for (let i = 0; i < n; i++) while (!sim.write(i, 1456)) sim.run(sim.now + 1000);
  sim.run(sim.now + 60_000_000); // FileCC under heavy random loss is slow (as UDT's AIMD): give it virtual time
}

describe('file mode (simulated link, virtual clock)', () => {
  it('10 % loss both ways with every control type lossy: all delivered once, in order, nothing dropped', () => {
    const sim = new SimLink({ clock: 'event', seed: 11, a: FILE, b: FILE, ab: { delayUs: 5000, loss: 0.1 }, ba: { delayUs: 5000, loss: 0.1 } });
    run(sim, 3000);
    expect(sim.delivered.map((d) => d.id)).to.deep.equal([...Array(3000).keys()]);
    const rs = sim.b.stats(sim.now);
    expect(rs.pktRcvDrop).to.equal(0);
    expect(sim.a.stats(sim.now).pktSndDrop).to.equal(0);
    expect(sim.a.flushed).to.equal(true);
  });

  it('delivers in order at once, not at timestamp + latency', () => {
    const sim = new SimLink({ clock: 'event', a: FILE, b: FILE, ab: { delayUs: 2000 }, ba: { delayUs: 2000 } });
    sim.write(1, 1000);
    sim.run(sim.now + 5000);
    expect(sim.delivered).to.have.length(1);
    expect(sim.delivered[0].at - sim.delivered[0].submittedUs!).to.be.at.most(2500);
  });

  it('every NAK lost: the retransmission timer still repairs the losses (LATEREXMIT)', () => {
    const dropNak = (p: { kind: string; type?: number }) => p.kind === 'control' && p.type === ControlType.NAK;
    const sim = new SimLink({ clock: 'event', seed: 3, a: FILE, b: FILE, ab: { delayUs: 3000, loss: 0.05 }, ba: { delayUs: 3000, drop: dropNak as never } });
    run(sim, 1000);
    expect(sim.delivered.map((d) => d.id)).to.deep.equal([...Array(1000).keys()]);
    expect(sim.a.stats(sim.now).pktRetrans).to.be.greaterThan(0);
  });

  it('a lost last packet is resent (no later packet reveals the gap)', () => {
    let dropped = false;
    const dropLast = (p: { kind: string; seq?: number; retransmitted?: boolean }) => {
      if (dropped || p.kind !== 'data' || p.retransmitted || p.seq !== 1000 + 99) return false;
      return (dropped = true);
    };
    const sim = new SimLink({ clock: 'event', a: FILE, b: FILE, ab: { delayUs: 3000, drop: dropLast as never }, ba: { delayUs: 3000 } });
    run(sim, 100);
    expect(dropped).to.equal(true);
    expect(sim.delivered.map((d) => d.id)).to.deep.equal([...Array(100).keys()]);
  });
});
