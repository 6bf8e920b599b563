import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoopDelayReport } from '../../src/cli/loop-delay-report';

const LINE = /^eld p50 \d+\.\d\d p99 \d+\.\d\d max \d+\.\d\d ms \(\d+ samples\)$/;

describe('srt-relay: SRT_RELAY_ELD event-loop delay report', () => {
  const saved = process.env.SRT_RELAY_ELD;
  afterEach(() => {
    if (saved === undefined) delete process.env.SRT_RELAY_ELD;
    else process.env.SRT_RELAY_ELD = saved;
  });

  it('without SRT_RELAY_ELD: nothing measured, no SIGUSR2 handler', () => {
    delete process.env.SRT_RELAY_ELD;
    const before = process.listenerCount('SIGUSR2');
    expect(startLoopDelayReport(() => undefined)).to.equal(undefined);
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
  });

  it('with it: a line per SIGUSR2, each covering the time since the last, and one at stop, which removes the handler', async () => {
    process.env.SRT_RELAY_ELD = '1';
    const lines: string[] = [];
    const before = process.listenerCount('SIGUSR2');
    const stop = startLoopDelayReport((l) => lines.push(l))!;
    await sleep(30);
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2'); // at once: the histogram was just reset, no samples
    stop();
    expect(lines).to.have.length(3);
    for (const l of lines) expect(l).to.match(LINE);
    expect(lines[1]).to.match(/\(0 samples\)$/);
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
  });
});
