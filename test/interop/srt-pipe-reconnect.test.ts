/**
 * srt-pipe's -a (on by default, as srt-live-transmit's) against srt-live-transmit: a listener takes
 * the next caller into the same output when the first leaves (an OBS user restarting its stream), and
 * a caller dials again when its listener restarts, the output going on.
 */
import { expect } from 'chai';
import {
  ByteCollector, cleanupPeers, freeUdpPort, pacedWrite, randomBytes, requireTool, SLT_BASE_ARGS, SLT_TARGET_CONNECTED, spawnPeer, srtPipeBin,
  waitForSrtListener, type PeerHandle,
} from '../support/interop';

/** srt-pipe with its defaults (-a yes), stdout collected. */
function srtPipe(args: readonly string[], name: string): { p: PeerHandle; out: ByteCollector } {
  const p = spawnPeer(process.execPath, [srtPipeBin, ...args], { name });
  return { p, out: new ByteCollector(p.proc.stdout!) };
}

describe('interop: srt-pipe -a (auto-reconnect, the default) with srt-live-transmit', function () {
  this.timeout(40000);
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('listener: a second srt-live-transmit caller continues the same output after the first leaves', async () => {
    const port = await freeUdpPort();
    const { p: rx, out } = srtPipe(['-ll', 'note', `srt://:${port}?latency=120`, '-'], 'srt-pipe-listener');
    await waitForSrtListener(port, { peer: rx });
    // Whole 1456-byte chunks: srt-live-transmit sends what it reads from stdin in chunks of 1456.
    const first = randomBytes(1456 * 200, 'reconnect-first');
    const second = randomBytes(1456 * 200, 'reconnect-second');
    for (const [i, data] of [first, second].entries()) {
      const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, 'file://con', `srt://127.0.0.1:${port}?latency=120`], { name: `slt-caller-${i + 1}` });
      await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);
      await pacedWrite(tx.proc.stdin!, data, { bitrate: 4e6, chunkSize: 1456 });
      const want = i === 0 ? first.length : first.length + second.length;
      await out.waitForBytes(want, 15000, () => `${rx.diag()}\n${tx.diag()}`);
      await tx.kill('SIGINT'); // srt-live-transmit does not exit at stdin EOF; SIGINT closes its connection
    }
    // Both callers' bytes in order, and the listener still there for a third.
    expect(out.buffer().equals(Buffer.concat([first, second])), rx.diag()).to.equal(true);
    expect(rx.exitStatus, rx.diag()).to.equal(null);
    await rx.waitForStderr(/accepted .*\n[\s\S]*disconnected: closed by the peer[\s\S]*accepted /, 5000);
    expect((await rx.kill('SIGINT')).code, rx.diag()).to.equal(0);
  });

  it('caller: the srt-live-transmit listener restarts on the same port; srt-pipe dials again and the output goes on', async () => {
    const port = await freeUdpPort();
    const listen = (name: string) => {
      const p = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}?latency=120`, 'file://con'], { name });
      return { p, out: new ByteCollector(p.proc.stdout!) };
    };
    const l1 = listen('slt-listener-1');
    await waitForSrtListener(port, { peer: l1.p });
    const tx = spawnPeer(process.execPath, [srtPipeBin, '-ll', 'note', '-', `srt://127.0.0.1:${port}?latency=120&peeridletimeo=1000`], { name: 'srt-pipe-caller' });
    const data = randomBytes(1316 * 2000, 'reconnect-caller');
    const ac = new AbortController();
    const writing = pacedWrite(tx.proc.stdin!, data, { bitrate: 2e6, signal: ac.signal }).catch(() => undefined);
    await l1.out.waitForBytes(1316 * 100, 15000, () => `${tx.diag()}\n${l1.p.diag()}`);
    await l1.p.kill('SIGKILL');
    const before = l1.out.buffer();
    const l2 = listen('slt-listener-2');
    await tx.waitForStderr(/connecting again/, 10000);
    await l2.out.waitForBytes(1316 * 100, 20000, () => `${tx.diag()}\n${l2.p.diag()}`);
    ac.abort();
    await writing;
    // The first listener got a prefix of the stream, the second a later contiguous run of it.
    expect(data.subarray(0, before.length).equals(before)).to.equal(true);
    const after = l2.out.buffer().subarray(0, 1316 * 100);
    expect(data.indexOf(after), 'the second listener got a run of the same stream').to.be.greaterThan(before.length - 1);
    expect(tx.exitStatus, tx.diag()).to.equal(null);
  });

  it('-a no: the listener exits 0 when its caller leaves, as before', async () => {
    const port = await freeUdpPort();
    const { p: rx, out } = srtPipe(['-a', 'no', `srt://:${port}`, '-'], 'srt-pipe-listener');
    await waitForSrtListener(port, { peer: rx });
    const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, 'file://con', `srt://127.0.0.1:${port}`], { name: 'slt-caller' });
    await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);
    const data = randomBytes(1456 * 50, 'a-no');
    await pacedWrite(tx.proc.stdin!, data, { bitrate: 4e6, chunkSize: 1456 });
    await out.waitForBytes(data.length, 15000, () => `${rx.diag()}\n${tx.diag()}`);
    await tx.kill('SIGINT');
    expect((await rx.waitExit(15000)).code, rx.diag()).to.equal(0);
    expect(out.buffer().equals(data)).to.equal(true);
  });
});
