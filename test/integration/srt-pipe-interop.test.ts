/**
 * srt-pipe against libsrt's own tools: srt-live-transmit and ffmpeg (skipped when not installed,
 * unless SRT_INTEROP_REQUIRED). Proves srt-live-transmit/ffmpeg URLs work unchanged with srt-pipe.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, ffprobeDuration, floorTo, freeUdpPort, pacedWrite, randomBytes, requireTool, spawnPeer, SRT_PIPE, tempDir, waitForSrtListener, type PeerHandle, makeTestTs, ffmpegListener,
} from '../support/interop';

function srtPipe(args: readonly string[], opts: { cwd?: string; name?: string } = {}): PeerHandle {
  return spawnPeer(process.execPath, [...SRT_PIPE, ...args], { name: opts.name ?? 'srt-pipe', cwd: opts.cwd });
}

describe('srt-pipe interop with libsrt tools', function () {
  this.timeout(60000);
  afterEach(function () { return cleanupPeers(this); });

  it('srt-live-transmit caller (raw # streamid) -> srt-pipe listener -> stdout; exits 0 when the caller leaves', async function () {
    requireTool(this, 'srt-live-transmit');
    const port = await freeUdpPort();
    const data = randomBytes(floorTo(1_000_000, 1456), 'slt-to-pipe');
    const rx = srtPipe(['-v', `srt://:${port}?latency=200`, '-'], { name: 'srt-pipe-rx' });
    const out = new ByteCollector(rx.proc.stdout!);
    await waitForSrtListener(port, { peer: rx });
    const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, 'file://con', `srt://127.0.0.1:${port}?streamid=#!::r=live/cam7,m=publish`],
      { name: 'slt-tx-caller' });
    await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);
    await pacedWrite(tx.proc.stdin!, data, { bitrate: 20e6, chunkSize: 1456 });
    await out.waitForBytes(data.length, 20000, () => rx.diag() + '\n' + tx.diag());
    await tx.kill('SIGINT'); // srt-live-transmit does not exit at stdin EOF
    expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
    await out.done;
    expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);
    expect(rx.stderrText()).to.match(/streamid="#!::r=live\/cam7,m=publish"/);
  });

  it('srt-pipe caller (stdin) -> srt-live-transmit listener -> stdout; srt-pipe exits 0 at EOF', async function () {
    requireTool(this, 'srt-live-transmit');
    const port = await freeUdpPort();
    const data = randomBytes(1316 * 600, 'pipe-to-slt');
    const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, 'file://con'], { name: 'slt-rx-listener' });
    const out = new ByteCollector(rx.proc.stdout!);
    await waitForSrtListener(port, { peer: rx });
    const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}?latency=200ms&streamid=%23!%3A%3Ar%3Dlive%2Fx`], { name: 'srt-pipe-tx' });
    await tx.waitForStderr(/connected to/, 10000);
    await pacedWrite(tx.proc.stdin!, data, { bitrate: 20e6, chunkSize: 1316 });
    expect((await tx.waitExit(15000)).code, tx.diag()).to.equal(0);
    // srt-pipe's SHUTDOWN makes the listener (-a no) exit, flushing its block-buffered stdout.
    expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
    await out.done;
    expect(out.length).to.be.at.least(data.length - SLT_STDOUT_SLACK);
    expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);
  });

  it('ffmpeg caller (latency in µs, pkt_size) -> srt-pipe listener (latency in ms) -> out.ts -> ffprobe', async function () {
    requireTool(this, 'ffmpeg', 'ffprobe');
    const dir = tempDir();
    const port = await freeUdpPort();
    const rx = srtPipe(['-v', `srt://:${port}?latency=200`, 'out.ts'], { cwd: dir, name: 'srt-pipe-rx' });
    await waitForSrtListener(port, { peer: rx });
    const ff = spawnPeer('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', `srt://127.0.0.1:${port}?pkt_size=1316&streamid=ffcam&latency=200000`],
    { name: 'ffmpeg-caller', stdio: ['ignore', 'pipe', 'pipe'] });
    expect((await ff.waitExit(30000)).code, ff.diag()).to.equal(0);
    expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
    expect(rx.stderrText()).to.match(/streamid="ffcam"/);
    const file = path.join(dir, 'out.ts');
    expect(fs.statSync(file).size % 188).to.equal(0);
    expect(await ffprobeDuration(file)).to.be.within(2.0, 3.5);
  });

  it('srt-pipe caller -> ffmpeg listener: -re TS through srt-pipe plays back whole', async function () {
    requireTool(this, 'ffmpeg', 'ffprobe');
    const dir = tempDir();
    const src = path.join(dir, 'src.ts');
    const dst = path.join(dir, 'out.ts');
    await makeTestTs(src, 3);
    const port = await freeUdpPort();
    const ffl = await ffmpegListener(port, dst);
    const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}?latency=200`], { name: 'srt-pipe-tx' });
    await tx.waitForStderr(/connected to/, 10000);
    const feeder = spawnPeer('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-i', src, '-c', 'copy', '-f', 'mpegts', '-'],
      { name: 'ffmpeg-feeder', stdio: ['ignore', 'pipe', 'pipe'] });
    feeder.proc.stdout!.pipe(tx.proc.stdin!);
    expect((await feeder.waitExit(20000)).code, feeder.diag()).to.equal(0);
    expect((await tx.waitExit(15000)).code, tx.diag()).to.equal(0); // srt-pipe does exit at EOF
    expect((await ffl.waitExit(15000)).code, ffl.diag()).to.equal(0);
    await delay(10);
    expect(await ffprobeDuration(dst)).to.be.within(2.5, 3.5);
  });
});
