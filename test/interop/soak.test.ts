/**
 * A loss-free loopback stream runs for 40 s or more without a stall, both directions at once, against
 * srt-live-transmit: connect() -> slt listener, and slt caller -> SrtServer. Catches what short
 * tests cannot: timer drift, ACK/flow-window starvation, keepalive/idle mistakes, slow leaks.
 * SOAK_SECONDS overrides the duration (default 40, which keeps the whole suite under 10 minutes on 2
 * cores; SOAK_SECONDS=600 for a long one).
 */
import { expect } from 'chai';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cleanupPeers, requireTool } from '../support/interop';
import { connectToSlt, sltCallerToServer } from '../support/interop-srt';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 40);
const BITRATE = 6e6;

describe(`interop soak: ${SECONDS} s at 6 Mbit/s each way with srt-live-transmit`, function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('both directions at once arrive byte-exact, with a healthy event loop', async function () {
    this.timeout((SECONDS + 60) * 1000);
    const bytes = 1316 * Math.floor((BITRATE / 8) * SECONDS / 1316);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const rss0 = process.memoryUsage().rss;
    await Promise.all([
      connectToSlt({ bytes, bitrate: BITRATE, seed: 'soak-out', latency: 120, timeoutMs: (SECONDS + 30) * 1000 }),
      sltCallerToServer({ streamId: 'soak', chunk: 1316, bytes, seed: 'soak-in', bitrate: BITRATE, timeoutMs: (SECONDS + 30) * 1000 }),
    ]);
    loop.disable();
    const p99 = loop.percentile(99) / 1e6;
    const max = loop.max / 1e6;
    const rssMb = (process.memoryUsage().rss - rss0) / 1e6;
    console.log(`      soak: ${(bytes / 1e6).toFixed(0)} MB each way; event loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; RSS +${rssMb.toFixed(0)} MB (test buffers included)`);
    expect(p99, 'event-loop delay p99 (ms)').to.be.below(50);
  });
});
