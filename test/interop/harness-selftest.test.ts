/**
 * Self-test of the interop harness against libsrt itself (no srt-stream code involved): proves the
 * harness and the srt-live-transmit / ffmpeg command lines used by the real interop tests work.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, ffprobeDuration, floorTo, freeTcpPort, freeUdpPort, pacedWrite, randomBytes, readSltStats, requireTool, sha256, spawnPeer, tempDir, waitForSrtListener, makeTestTs, ffmpegListener,
} from '../support/interop';

describe('interop harness self-test', function () {
  afterEach(function () { return cleanupPeers(this); });

  describe('helpers', function () {
    it('randomBytes is deterministic per seed', function () {
      const a = randomBytes(100000, 7);
      expect(a.length).to.equal(100000);
      expect(sha256(a)).to.equal(sha256(randomBytes(100000, 7)));
      expect(sha256(a)).to.not.equal(sha256(randomBytes(100000, 8)));
      expect(randomBytes(10, 7).equals(a.subarray(0, 10))).to.equal(true);
    });

    it('freeUdpPort / freeTcpPort return usable ports', async function () {
      const u = await freeUdpPort();
      const t = await freeTcpPort();
      expect(u).to.be.within(1, 65535);
      expect(t).to.be.within(1, 65535);
    });

    it('pacedWrite honours the bit rate and ends the stream', async function () {
      this.timeout(5000);
      const sink = new PassThrough();
      const c = new ByteCollector(sink);
      const data = randomBytes(250000, 1);
      const t0 = Date.now();
      await pacedWrite(sink, data, { bitrate: 10e6, chunkSize: 1316 }); // 0.2 s
      const ms = Date.now() - t0;
      await c.done;
      expect(c.buffer().equals(data)).to.equal(true);
      expect(ms).to.be.within(150, 1500);
    });

    it('waitForSrtListener times out when nobody listens', async function () {
      const port = await freeUdpPort();
      const t0 = Date.now();
      let err: Error | undefined;
      try { await waitForSrtListener(port, { timeoutMs: 300 }); } catch (e) { err = e as Error; }
      expect(err?.message).to.match(/no SRT listener answered/);
      expect(Date.now() - t0).to.be.below(2000);
    });
  });

  describe('srt-live-transmit <-> srt-live-transmit', function () {
    it('stdin -> SRT listener -> SRT caller -> stdout: 2 MB byte-exact', async function () {
      this.timeout(60000);
      requireTool(this, 'srt-live-transmit');
      const port = await freeUdpPort();
      const data = randomBytes(floorTo(2 * 1024 * 1024, 1456), 'selftest-1');

      const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, 'file://con', `srt://:${port}`], { name: 'slt-tx-listener' });
      await waitForSrtListener(port, { peer: tx });
      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://127.0.0.1:${port}`, 'file://con'], { name: 'slt-rx-caller' });
      const out = new ByteCollector(rx.proc.stdout!);
      // Input read before the SRT output is connected is dropped: wait for the connection first.
      // (The receiving side prints "SRT source connected" only once data flows: don't wait for that.)
      await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);

      await pacedWrite(tx.proc.stdin!, data, { bitrate: 20e6, chunkSize: 1456 }) // ends stdin: see SLT_FEED_NOTE;
      // stdout is block-buffered; the last few KiB appear when the receiver exits.
      await out.waitForBytes(data.length - SLT_STDOUT_SLACK, 20000, () => rx.diag() + '\n' + tx.diag());
      await delay(500);
      await rx.kill('SIGINT');
      await out.done;
      const got = out.buffer();
      expect(got.equals(data), `${describeMismatch(got, data)}\n${rx.diag()}\n${tx.diag()}`).to.equal(true);
      // The listener exits by itself (-a no) once its caller disconnected.
      const st = await tx.waitExit(10000);
      expect(st.code, tx.diag()).to.equal(0);
    });

    it('stdin -> SRT caller (streamid, -chunk 1316, json stats) -> SRT listener -> stdout', async function () {
      this.timeout(60000);
      requireTool(this, 'srt-live-transmit');
      const port = await freeUdpPort();
      const dir = tempDir();
      const statsFile = path.join(dir, 'stats.json');
      const data = randomBytes(1316 * 800, 'selftest-2');

      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, 'file://con'], { name: 'slt-rx-listener' });
      const out = new ByteCollector(rx.proc.stdout!);
      await waitForSrtListener(port, { peer: rx });
      const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', '-s', '100', '-f', '-pf', 'json', '-statsout', statsFile,
        'file://con', `srt://127.0.0.1:${port}?latency=200&streamid=#!::r=live/cam7,m=publish`], { name: 'slt-tx-caller' });
      await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);

      await pacedWrite(tx.proc.stdin!, data, { bitrate: 20e6, chunkSize: 1316 });
      await out.waitForBytes(data.length - SLT_STDOUT_SLACK, 20000, () => rx.diag() + '\n' + tx.diag());
      await delay(500);
      await tx.kill('SIGINT');            // the caller disconnects ...
      const st = await rx.waitExit(10000); // ... so the listener (-a no) exits and flushes stdout
      expect(st.code, rx.diag()).to.equal(0);
      await out.done;
      expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);

      const stats = readSltStats(statsFile);
      expect(stats.length, 'stats lines').to.be.greaterThan(0);
      const last = stats[stats.length - 1];
      expect(last.send.packetsUnique).to.be.at.least(700);
      // libsrt counts 44 header bytes per packet in its byte counters
      expect((last.send.bytesUnique - 44 * last.send.packetsUnique) / last.send.packetsUnique).to.equal(1316);
    });
  });

  describe('ffmpeg <-> srt-live-transmit (checks the ffmpeg command lines)', function () {
    it('ffmpeg caller (testsrc 4 s) -> srt-live-transmit listener -> stdout -> ffprobe', async function () {
      this.timeout(60000);
      requireTool(this, 'srt-live-transmit', 'ffmpeg', 'ffprobe');
      const port = await freeUdpPort();
      const dir = tempDir();
      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, 'file://con'], { name: 'slt-rx-listener' });
      const out = new ByteCollector(rx.proc.stdout!);
      await waitForSrtListener(port, { peer: rx });
      const ff = spawnPeer('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '4',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', `srt://127.0.0.1:${port}?pkt_size=1316&streamid=ffcam&latency=200000`],
      { name: 'ffmpeg-caller', stdio: ['ignore', 'pipe', 'pipe'] });
      const fst = await ff.waitExit(30000);
      expect(fst.code, ff.diag()).to.equal(0);
      // ffmpeg's SHUTDOWN makes the listener exit (-a no); libsrt drops what was still waiting in its
      // TSBPD buffer, so the tail (~latency) is lost: measured 3.68 s of 4.
      const st = await rx.waitExit(10000);
      expect(st.code, rx.diag()).to.equal(0);
      await out.done;
      const file = path.join(dir, 'out.ts');
      fs.writeFileSync(file, out.buffer());
      expect(out.length % 188).to.equal(0);
      const d = await ffprobeDuration(file);
      expect(d).to.be.within(3.0, 4.5);
    });

    it('ffmpeg -re src.ts | srt-live-transmit caller -> ffmpeg listener -> out.ts -> ffprobe', async function () {
      this.timeout(60000);
      requireTool(this, 'srt-live-transmit', 'ffmpeg', 'ffprobe');
      const dir = tempDir();
      const src = path.join(dir, 'src.ts');
      const dst = path.join(dir, 'out.ts');
      await makeTestTs(src, 4);
      const port = await freeUdpPort();
      const ffl = await ffmpegListener(port, dst);

      const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', `srt://127.0.0.1:${port}`],
        { name: 'slt-tx-caller' });
      // srt-live-transmit drops input read before its SRT output is connected: start the feeder after.
      await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);
      const feeder = spawnPeer('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-i', src, '-c', 'copy', '-f', 'mpegts', '-'],
        { name: 'ffmpeg-feeder', stdio: ['ignore', 'pipe', 'pipe'] });
      feeder.proc.stdout!.pipe(tx.proc.stdin!);
      expect((await feeder.waitExit(20000)).code, feeder.diag()).to.equal(0);
      await delay(1000);
      await tx.kill('SIGINT'); // srt-live-transmit does not exit at stdin EOF
      const st = await ffl.waitExit(15000); // prints "Input/output error" at disconnect but exits 0
      expect(st.code, ffl.diag()).to.equal(0);
      const d = await ffprobeDuration(dst);
      expect(d).to.be.within(3.5, 4.5);
    });
  });
});
