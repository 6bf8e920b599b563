import { expect } from 'chai';
import { FileCC } from '../../src/protocol/file-cc';
import { BW_INFINITE, LiveCC } from '../../src/protocol/live-cc';
import { ArrivalRateEstimator } from '../../src/protocol/rate-estimator';

describe('ArrivalRateEstimator (libsrt CPktTimeWindow)', () => {
  it('packet and byte rate from 16 arrival intervals, median-filtered', () => {
    const e = new ArrivalRateEstimator();
    expect(e.packetRate()).to.equal(0); // not enough samples yet
    for (let i = 0; i < 40; i++) e.onPacket(100 + i, 1316, i * 1000); // 1000 pkt/s
    expect(e.packetRate()).to.equal(1000);
    expect(e.byteRate()).to.equal(1_316_000);
  });

  it('ignores outliers beyond 8x the median (a pause in the stream)', () => {
    const e = new ArrivalRateEstimator();
    let t = 0;
    for (let i = 0; i < 16; i++) {
      t += i === 8 ? 500_000 : 1000;
      e.onPacket(i + 1, 1316, t);
    }
    expect(e.packetRate()).to.equal(1000);
  });

  it('link capacity from probe pairs (seq % 16 == 0 and the next one)', () => {
    const e = new ArrivalRateEstimator();
    let t = 0;
    for (let seq = 0; seq < 16 * 20; seq++) {
      // Paced at 1 ms, but each probe pair arrives 100 µs apart: capacity 10,000 pkt/s.
      t += (seq & 0xf) === 1 ? 100 : 1000;
      e.onPacket(seq, 1316, t);
    }
    expect(e.linkCapacity()).to.equal(10_000);
    expect(e.packetRate()).to.be.within(900, 1100);
  });

  it('a probe pair broken by a loss is not a sample', () => {
    const e = new ArrivalRateEstimator();
    for (let k = 0; k < 20; k++) {
      e.onPacket(k * 16, 1316, k * 10_000);
      e.onPacket(k * 16 + 2, 1316, k * 10_000 + 50); // seq +1 lost
    }
    expect(e.linkCapacity()).to.equal(0);
  });
});

describe('LiveCC rate (libsrt LiveCC / updateCC)', () => {
  it('maxBw > 0 is the rate; -1 is 1 Gbit/s', () => {
    expect(new LiveCC({ maxBw: 1_000_000, inputBw: 0, minInputBw: 0, overheadBw: 25 }).rate()).to.equal(1_000_000);
    expect(new LiveCC({ maxBw: -1, inputBw: 0, minInputBw: 0, overheadBw: 25 }).rate()).to.equal(BW_INFINITE);
  });

  it('maxBw = 0 with inputBw: inputBw × (1 + overhead)', () => {
    expect(new LiveCC({ maxBw: 0, inputBw: 1_000_000, minInputBw: 0, overheadBw: 25 }).rate()).to.equal(1_250_000);
  });

  it('maxBw = 0 without inputBw: the measured input rate × (1 + overhead), floored by minInputBw', () => {
    const cc = new LiveCC({ maxBw: 0, inputBw: 0, minInputBw: 0, overheadBw: 25 });
    expect(cc.rate()).to.equal(BW_INFINITE); // nothing measured yet
    for (let t = 0; t <= 500_000; t += 1000) cc.onInput(1000, t); // 1 MB/s for the first 500 ms window
    expect(cc.measuredInput).to.be.within(995_000, 1_005_000);
    expect(cc.rate()).to.be.within(1_243_000, 1_257_000);
    const floored = new LiveCC({ maxBw: 0, inputBw: 0, minInputBw: 4_000_000, overheadBw: 25 });
    for (let t = 0; t <= 500_000; t += 1000) floored.onInput(1000, t);
    expect(floored.rate()).to.equal(5_000_000);
  });

  it('setBandwidth on a connected socket: the rate follows, the measured input is kept', () => {
    const cc = new LiveCC({ maxBw: 0, inputBw: 0, minInputBw: 0, overheadBw: 25 });
    for (let t = 0; t <= 500_000; t += 1000) cc.onInput(1000, t);
    cc.setBandwidth({ maxBw: 300_000, inputBw: 0, minInputBw: 0, overheadBw: 25 });
    expect(cc.rate()).to.equal(300_000);
    cc.setBandwidth({ maxBw: 0, inputBw: 0, minInputBw: 0, overheadBw: 50 });
    expect(cc.rate()).to.be.within(1_492_000, 1_508_000); // the same measurement, the new overhead
  });
});

describe('FileCC maxBw', () => {
  it('caps the rate when positive, set at creation or later', () => {
    const cc = new FileCC(0, 0, 1500, 1_000_000);
    expect(cc.rate()).to.equal(1_000_000); // period 1 µs: 1.5 GB/s uncapped
    cc.setBandwidth({ maxBw: -1, inputBw: 0, minInputBw: 0, overheadBw: 25 });
    expect(cc.rate()).to.equal(1_500_000_000);
  });
});
