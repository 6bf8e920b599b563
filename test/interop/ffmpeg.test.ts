/**
 * ffmpeg (libsrt inside) <-> srt-pipe CLI and SrtServer, MPEG-TS in real time, checked with ffprobe.
 * ffmpeg's srt:// latency is in microseconds (latency=200000 = 200 ms).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ByteCollector, cleanupPeers, ffprobeDuration, freeUdpPort, repoRoot, requireTool, spawnPeer, SRT_PIPE, tempDir, waitForSrtListener, makeTestTs, ffmpegListener,
} from '../support/interop';
import { startServer, statsText, waitForEndOrClose } from '../support/interop-srt';

const FF = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
const TESTSRC_4S = ['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts'];

describe('interop: ffmpeg', function () {
  before(function () { requireTool(this, 'ffmpeg', 'ffprobe'); });
  afterEach(function () { return cleanupPeers(this); });

  it('ffmpeg caller -> srt-pipe listener (srt://:P) -> out.ts: ffprobe reads ≈4 s', async function () {
    this.timeout(60000);
    const dir = tempDir();
    const out = path.join(dir, 'out.ts');
    const port = await freeUdpPort();
    const pipe = spawnPeer(process.execPath, [...SRT_PIPE, `srt://:${port}`, out], { name: 'srt-pipe', cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], captureStdout: true });
    await waitForSrtListener(port, { peer: pipe });
    const ff = spawnPeer('ffmpeg', [...FF, ...TESTSRC_4S, `srt://127.0.0.1:${port}?pkt_size=1316&streamid=ffcam&latency=200000`],
      { name: 'ffmpeg-caller', stdio: ['ignore', 'pipe', 'pipe'] });
    const fst = await ff.waitExit(30000);
    expect(fst.code, `${ff.diag()}\n${pipe.diag()}`).to.equal(0);
    // ffmpeg closes the connection (SHUTDOWN) when done: srt-pipe must finish the file and exit.
    const st = await pipe.waitExit(15000);
    expect(st.code, pipe.diag()).to.equal(0);
    const size = fs.existsSync(out) ? fs.statSync(out).size : -1;
    expect(size, `out.ts size\n${pipe.diag()}`).to.be.greaterThan(0);
    expect(size % 188, 'out.ts is whole TS packets').to.equal(0);
    const d = await ffprobeDuration(out);
    expect(d, `duration of out.ts (${size} bytes)`).to.be.within(3.5, 4.5);
  });

  it('ffmpeg caller -> SrtServer: streamId is "ffcam", payload is MPEG-TS in 1316-byte packets', async function () {
    this.timeout(60000);
    const dir = tempDir();
    const port = await freeUdpPort();
    const srv = await startServer({ latency: 120 }, port);
    const ff = spawnPeer('ffmpeg', [...FF, ...TESTSRC_4S, `srt://127.0.0.1:${port}?pkt_size=1316&streamid=ffcam&latency=200000`],
      { name: 'ffmpeg-caller', stdio: ['ignore', 'pipe', 'pipe'] });
    const sock = await srv.nextConnection(15000, () => ff.diag());
    expect(sock.streamId).to.equal('ffcam');
    const got = new ByteCollector(sock);
    const fst = await ff.waitExit(30000);
    expect(fst.code, ff.diag()).to.equal(0);
    await waitForEndOrClose(sock, 10000, `after ffmpeg exited\n${statsText(sock)}`);
    const buf = got.buffer();
    expect(buf.length, statsText(sock)).to.be.greaterThan(50000);
    expect(buf.length % 188, 'whole TS packets').to.equal(0);
    for (let i = 0; i < buf.length; i += 188) {
      if (buf[i] !== 0x47) expect.fail(`no TS sync byte at offset ${i} of ${buf.length}`);
    }
    const file = path.join(dir, 'got.ts');
    fs.writeFileSync(file, buf);
    const d = await ffprobeDuration(file);
    expect(d, `duration of the received TS (${buf.length} bytes)`).to.be.within(3.5, 4.5);
  });

  it('ffmpeg -re src.ts | srt-pipe - srt://127.0.0.1:P -> ffmpeg listener -> out.ts: ffprobe reads ≈4 s', async function () {
    this.timeout(60000);
    const dir = tempDir();
    const src = path.join(dir, 'src.ts');
    const dst = path.join(dir, 'out.ts');
    await makeTestTs(src, 4);
    const port = await freeUdpPort();
    const ffl = await ffmpegListener(port, dst);

    // The shell pipeline `ffmpeg -re -i src.ts -c copy -f mpegts - | node bin/srt-pipe.js - srt://127.0.0.1:P`
    const pipe = spawnPeer(process.execPath, [...SRT_PIPE, '-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe', cwd: repoRoot, captureStdout: true });
    const feeder = spawnPeer('ffmpeg', [...FF, '-re', '-i', src, '-c', 'copy', '-f', 'mpegts', '-'], { name: 'ffmpeg-feeder', stdio: ['ignore', 'pipe', 'pipe'] });
    feeder.proc.stdout!.pipe(pipe.proc.stdin!);

    expect((await feeder.waitExit(20000)).code, feeder.diag()).to.equal(0);
    // stdin EOF: srt-pipe flushes, closes (SHUTDOWN) and exits; ffmpeg then finishes out.ts and exits 0
    // (it prints "Input/output error" for the closed connection).
    const st = await pipe.waitExit(15000);
    expect(st.code, `${pipe.diag()}\n${ffl.diag()}`).to.equal(0);
    const fst = await ffl.waitExit(15000);
    expect(fst.code, `${ffl.diag()}\n${pipe.diag()}`).to.equal(0);
    const d = await ffprobeDuration(dst);
    expect(d, `duration of ffmpeg's out.ts\n${ffl.diag()}`).to.be.within(3.5, 4.5);
  });
});
