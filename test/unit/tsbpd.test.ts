import { expect } from 'chai';
import { DRIFT_SAMPLES, MAX_DRIFT_US, TsbpdClock } from '../../src/protocol/tsbpd';

describe('TsbpdClock', () => {
  it('play time = HS arrival − HS timestamp + timestamp + latency', () => {
    const c = new TsbpdClock(1_000_000, 300, 120_000);
    expect(c.playTime(c.unwrap(10_300))).to.equal(1_000_000 + 10_000 + 120_000);
  });

  it('unwraps timestamps across 2^32 µs, and late (reordered) ones from before the wrap', () => {
    const c = new TsbpdClock(0, 2 ** 32 - 1000, 0);
    expect(c.unwrap(2 ** 32 - 500)).to.equal(2 ** 32 - 500);
    expect(c.unwrap(200)).to.equal(2 ** 32 + 200); // wrapped
    expect(c.unwrap(2 ** 32 - 100)).to.equal(2 ** 32 - 100); // a reordered packet from before the wrap
    expect(c.unwrap(5000)).to.equal(2 ** 32 + 5000);
  });

  it('no drift correction for samples within ±5 ms on average', () => {
    const c = new TsbpdClock(0, 0, 0);
    for (let i = 0; i < DRIFT_SAMPLES; i++) c.addDriftSample(i * 1000, i * 1000 + (i % 2 ? 4000 : -4000), 20_000);
    expect(c.baseCorrections).to.equal(0);
    expect(Math.abs(c.driftUs)).to.be.below(MAX_DRIFT_US);
  });

  it('a sender clock that runs slow moves the base by 5 ms per 1000 samples, drift keeps the rest', () => {
    const c = new TsbpdClock(0, 0, 0);
    // Every sample arrives 8 ms later than its timestamp says.
    for (let i = 0; i < DRIFT_SAMPLES - 1; i++) c.addDriftSample(i * 1000, i * 1000 + 8000, 20_000);
    expect(c.baseCorrections).to.equal(0);
    c.addDriftSample(999_000, 999_000 + 8000, 20_000);
    expect(c.baseCorrections).to.equal(1);
    expect(c.baseUs).to.equal(MAX_DRIFT_US);
    expect(c.driftUs).to.be.closeTo(3000, 1e-6);
    expect(c.playTime(0)).to.be.closeTo(8000, 1e-6); // base + drift = the measured offset
  });

  it('half of an RTT increase is not taken for drift', () => {
    const c = new TsbpdClock(0, 0, 0);
    // RTT grows from 20 ms to 40 ms: one-way delay +10 ms, arrivals +10 ms later.
    c.addDriftSample(0, 0, 20_000);
    for (let i = 1; i < DRIFT_SAMPLES; i++) c.addDriftSample(i * 1000, i * 1000 + 10_000, 40_000);
    expect(c.baseCorrections).to.equal(0);
    expect(Math.abs(c.driftUs)).to.be.below(100);
  });
});
