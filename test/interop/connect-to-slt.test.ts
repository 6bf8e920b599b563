/**
 * Our connect() caller -> `srt-live-transmit srt://:P file://con` listener; data checked on its stdout.
 */
import { expect } from 'chai';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, cleanupPeers, delay, describeMismatch, freeUdpPort,
  randomBytes, requireTool, spawnPeer, waitForSrtListener,
} from '../support/interop';
import { connectTo, connectToSlt, statsText } from '../support/interop-srt';

/** A srt-live-transmit listener writing to its stdout (collected), and our connected caller. */
async function callSltListener() {
  const port = await freeUdpPort();
  const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, 'file://con'], { name: 'slt-listener' });
  const out = new ByteCollector(slt.proc.stdout!);
  await waitForSrtListener(port, { peer: slt });
  const sock = await connectTo({ host: '127.0.0.1', port }, 10000, () => slt.diag());
  return { slt, out, sock };
}

describe('interop: connect() -> srt-live-transmit listener', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('delivers 2 MB byte-exact to its stdout (latency 200, streamId cam1, payloadSize 1316) and it exits on our SHUTDOWN', async function () {
    this.timeout(45000);
    await connectToSlt({ bytes: 2 * 1024 * 1024, bitrate: 20e6, seed: 'connect-slt-1', timeoutMs: 20000 });
  });

  it('handles odd write sizes (1 .. 3000 bytes) byte-exact', async function () {
    this.timeout(30000);
    const { slt, out, sock } = await callSltListener();
    const data = randomBytes(300000, 'odd-writes');
    let off = 0;
    let i = 0;
    while (off < data.length) {
      const n = Math.min(data.length - off, [1, 187, 188, 1315, 1316, 1317, 2632, 3000][i++ % 8]);
      if (!sock.write(data.subarray(off, off + n))) await new Promise((r) => sock.once('drain', r));
      off += n;
      if (i % 50 === 0) await delay(5);
    }
    await out.waitForBytes(data.length - SLT_STDOUT_SLACK, 20000, () => `${statsText(sock)}\n${slt.diag()}`);
    await delay(700);
    await slt.kill('SIGINT');
    await out.done;
    expect(out.buffer().equals(data), `${describeMismatch(out.buffer(), data)}\n${slt.diag()}`).to.equal(true);
  });

  it('maxBw changed on the live socket (srt_setsockflag after connect): paced at the new rate, byte-exact', async function () {
    this.timeout(30000);
    const { slt, out, sock } = await callSltListener();
    const data = randomBytes(1316 * 400, 'runtime-maxbw');
    const half = 1316 * 200;
    sock.write(data.subarray(0, half));
    await out.waitForBytes(half - SLT_STDOUT_SLACK, 10000, () => `${statsText(sock)}\n${slt.diag()}`);
    sock.setOptions({ maxBw: 250_000 }); // 2 Mbit/s
    expect(sock.getStats().mbpsMaxBW).to.equal(2);
    sock.write(data.subarray(half));
    await out.waitForBytes(data.length - SLT_STDOUT_SLACK, 20000, () => `${statsText(sock)}\n${slt.diag()}`);
    await delay(700);
    await slt.kill('SIGINT');
    await out.done;
    expect(out.buffer().equals(data), `${describeMismatch(out.buffer(), data)}\n${slt.diag()}`).to.equal(true);
  });
});
