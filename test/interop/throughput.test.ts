/**
 * 20 MB of random bytes paced at 20 Mbit/s (≈8.4 s) through srt-live-transmit, each direction,
 * byte-exact (sha256 compared inside the helpers via Buffer.equals + describeMismatch).
 */
import { cleanupPeers, requireTool } from '../support/interop';
import { connectToSlt, sltCallerToServer } from '../support/interop-srt';

const MB20_1316 = 1316 * 15936; // 20 971 776 bytes: whole -chunk 1316 blocks (srt-live-transmit drops a partial tail)

describe('interop: 20 MB at 20 Mbit/s through srt-live-transmit', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('connect() -> srt-live-transmit listener -> stdout', async function () {
    this.timeout(60000);
    await connectToSlt({ bytes: MB20_1316, bitrate: 20e6, seed: 'throughput-out', latency: 120, timeoutMs: 30000 });
  });

  it('srt-live-transmit caller (stdin, -chunk 1316) -> SrtServer', async function () {
    this.timeout(60000);
    await sltCallerToServer({ streamId: 'throughput', chunk: 1316, bytes: MB20_1316, seed: 'throughput-in', bitrate: 20e6, timeoutMs: 30000 });
  });
});
