/**
 * srt-pipe CLI end to end: spawns `node bin/srt-pipe.js` (built dist/) and checks bytes and exit codes.
 * The first group needs no SRT; the last needs the real SrtSocket and skips while it is a stub.
 */
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { connect } from '../../src/index';
import {
  ByteCollector, cleanupPeers, delay, describeMismatch, freeTcpPort, freeUdpPort, onCleanup, pacedWrite, randomBytes,
  spawnPeer, SRT_PIPE, tempDir, waitForSrtListener, type PeerHandle,
} from '../support/interop';

function srtPipe(args: readonly string[], opts: { cwd?: string; stdout?: 'pipe' | 'ignore'; name?: string } = {}): PeerHandle {
  return spawnPeer(process.execPath, [...SRT_PIPE, ...args], {
    name: opts.name ?? 'srt-pipe',
    cwd: opts.cwd,
    stdio: ['pipe', opts.stdout ?? 'pipe', 'pipe'],
  });
}

async function exitCode(p: PeerHandle, timeoutMs = 10000): Promise<number | null> {
  const st = await p.waitExit(timeoutMs);
  return st.code;
}

describe('srt-pipe CLI', function () {
  this.timeout(30000);
  afterEach(function () { return cleanupPeers(this); });

  describe('usage', function () {
    const usageCases: Array<[string, string[], RegExp]> = [
      ['no arguments', [], /expected INPUT and OUTPUT/],
      ['one argument', ['-'], /expected INPUT and OUTPUT/],
      ['unknown option', ['--bogus', '-', '-'], /Unknown option '--bogus'/],
      ['unknown srt parameter (named)', ['srt://:9000?latency=100&latencyy=5', '-'], /unknown srt:\/\/ parameter: latencyy/],
      ['unsupported parameter', ['srt://:9000?groupconnect=1', '-'], /groupconnect: socket groups \(groupconnect\) is not supported yet in srt-stream/],
      ['bad packet filter', ['srt://:9000?packetfilter=fec,cols:1', '-'], /packetfilter=fec,cols:1: 'cols' must be > 1/],
      ['passphrase too short (not echoed)', ['srt://:9000?passphrase=shortpw', '-'], /passphrase must be 10 to 80 bytes long(?![\s\S]*shortpw)/],
      ['rendezvous without a peer host', ['srt://:9000?mode=rendezvous', '-'], /mode=rendezvous needs the peer's host/],
      ['bad port', ['-', 'srt://h:70000'], /bad port '70000'/],
      ['bad stats interval', ['-s', 'x', '-', '-'], /-s x/],
      ['unknown scheme', ['rtmp://h:1935/x', '-'], /unsupported scheme/],
    ];
    for (const [what, args, re] of usageCases) {
      it(`${what} -> exit 2 with a message on stderr`, async function () {
        const p = srtPipe(args);
        expect(await exitCode(p), p.diag()).to.equal(2);
        expect(p.stderrText()).to.match(re).and.match(/^srt-pipe: /).and.match(/--help/);
      });
    }

    it('-h prints usage on stdout, exit 0', async function () {
      const p = spawnPeer(process.execPath, [...SRT_PIPE, '-h'], { captureStdout: true });
      expect(await exitCode(p)).to.equal(0);
      expect(p.stdoutText()).to.match(/^Usage: srt-pipe \[options\] INPUT OUTPUT/);
      expect(p.stderrText()).to.equal('');
    });

    it('warns on an ffmpeg-looking latency (stderr) unless -q', async function () {
      const port = await freeTcpPort();
      const a = srtPipe(['srt://127.0.0.1:9?latency=61000', `tcp://127.0.0.1:${port}`]);
      await a.waitExit(10000);
      expect(a.stderrText()).to.match(/warning: latency=61000 is taken as milliseconds/);
      const b = srtPipe(['-q', 'srt://127.0.0.1:9?latency=61000', `tcp://127.0.0.1:${port}`]);
      await b.waitExit(10000);
      expect(b.stderrText()).to.not.match(/warning/);
    });

    it('never prints the passphrase of a bad URL, however its name is spelled', async function () {
      const dir = tempDir();
      const runs: Array<[string[], number]> = [
        [['srt://h:99999?Pass%70hrase=SECRET123456', '-'], 2],
        [['-', 'srt://h:9000&PASSPHRASE=SECRET123456'], 2],
        [['srt://h:9000?%70assphrase=SECRET123456&mss=1000&payloadsize=1316', '-'], 2],
        [['-', '-', 'srt://h:9000?pass%70hrase=SECRET123456'], 2],
        [['srt:/h:9000?Pass%70hrase=SECRET123456', 'out.bin'], 1], // a mistyped URI is a path: ENOENT
      ];
      for (const [args, code] of runs) {
        const p = srtPipe(args, { cwd: dir });
        expect(await exitCode(p), p.diag()).to.equal(code);
        expect(p.stderrText()).to.match(/^srt-pipe: .*=\*\*\*/);
        expect(p.stderrText()).to.not.include('SECRET123456');
      }
    });
  });

  describe('files and stdio', function () {
    it('file -> file:// copies byte-exact, exit 0', async function () {
      const dir = tempDir();
      const data = randomBytes(3_000_000, 'file');
      fs.writeFileSync(path.join(dir, 'in.bin'), data);
      const p = srtPipe(['in.bin', `file://${path.join(dir, 'out.bin')}`], { cwd: dir });
      expect(await exitCode(p), p.diag()).to.equal(0);
      const got = fs.readFileSync(path.join(dir, 'out.bin'));
      expect(got.equals(data), describeMismatch(got, data)).to.equal(true);
      expect(p.stderrText()).to.equal('');
    });

    it('stdin (-) -> stdout (file://con), exit 0 at EOF', async function () {
      const data = randomBytes(500_000, 'stdio');
      const p = srtPipe(['-', 'file://con']);
      const out = new ByteCollector(p.proc.stdout!);
      p.proc.stdin!.end(data);
      expect(await exitCode(p), p.diag()).to.equal(0);
      await out.done;
      expect(out.buffer().equals(data)).to.equal(true);
    });

    it('missing input file -> exit 1 with the error and its code', async function () {
      const dir = tempDir();
      const p = srtPipe(['nope.bin', 'out.bin'], { cwd: dir });
      expect(await exitCode(p)).to.equal(1);
      expect(p.stderrText()).to.match(/^srt-pipe: ENOENT.*nope\.bin.* \(ENOENT\)\n$/);
    });

    it('EPIPE on stdout (reader closes early, like `| head -c 100`) ends quietly with exit 0', async function () {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'big.bin'), randomBytes(20_000_000, 'big'));
      const p = srtPipe(['big.bin', '-'], { cwd: dir });
      const out = new ByteCollector(p.proc.stdout!);
      await out.waitForBytes(100, 10000, () => p.diag());
      p.proc.stdout!.destroy(); // the reader goes away
      expect(await exitCode(p), p.diag()).to.equal(0);
      expect(p.stderrText()).to.equal('');
    });
  });

  describe('tcp://', function () {
    it('tcp listener input -> file: first connection only, exit 0 when it ends', async function () {
      const dir = tempDir();
      const port = await freeTcpPort();
      const p = srtPipe(['-v', `tcp://127.0.0.1:${port}?mode=listener`, 'out.bin'], { cwd: dir });
      await p.waitForStderr(/listening on tcp:\/\/127\.0\.0\.1:\d+/, 10000);
      const data = randomBytes(2_000_000, 'tcp-in');
      const c = net.connect(port, '127.0.0.1');
      c.end(data);
      expect(await exitCode(p), p.diag()).to.equal(0);
      const got = fs.readFileSync(path.join(dir, 'out.bin'));
      expect(got.equals(data), describeMismatch(got, data)).to.equal(true);
      expect(p.stderrText()).to.match(/accepted 127\.0\.0\.1:\d+/).and.match(/2000000 bytes copied/);
    });

    it('tcp caller input (tcp://host:port) -> stdout', async function () {
      const data = randomBytes(1_000_000, 'tcp-caller');
      const server = net.createServer((s) => s.end(data));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      onCleanup(() => new Promise((r) => server.close(r)));
      const port = (server.address() as net.AddressInfo).port;
      const p = srtPipe([`tcp://127.0.0.1:${port}`, '-']);
      const out = new ByteCollector(p.proc.stdout!);
      expect(await exitCode(p), p.diag()).to.equal(0);
      await out.done;
      expect(out.buffer().equals(data)).to.equal(true);
    });

    it('file -> tcp caller output, the receiver sees EOF', async function () {
      const dir = tempDir();
      const data = randomBytes(2_000_000, 'tcp-out');
      fs.writeFileSync(path.join(dir, 'in.bin'), data);
      let collector!: ByteCollector;
      const server = net.createServer((s) => { collector = new ByteCollector(s); });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      onCleanup(() => new Promise((r) => server.close(r)));
      const port = (server.address() as net.AddressInfo).port;
      const p = srtPipe(['in.bin', `tcp://127.0.0.1:${port}`], { cwd: dir });
      expect(await exitCode(p), p.diag()).to.equal(0);
      await collector.done;
      expect(collector.buffer().equals(data), describeMismatch(collector.buffer(), data)).to.equal(true);
    });

    it('stdin -> tcp listener output waits for the connection before reading input', async function () {
      const port = await freeTcpPort();
      const p = srtPipe(['-v', '-', `tcp://:${port}`]);
      await p.waitForStderr(/listening on tcp:/, 10000);
      const data = randomBytes(300_000, 'tcp-listen-out');
      p.proc.stdin!.end(data); // buffered in the pipe until srt-pipe reads it
      await delay(200);
      expect(p.exitStatus, 'must still wait for a receiver').to.equal(null);
      const c = net.connect(port, '127.0.0.1');
      const got = new ByteCollector(c);
      await got.done;
      expect(got.buffer().equals(data)).to.equal(true);
      expect(await exitCode(p), p.diag()).to.equal(0);
    });

    it('connection refused -> exit 1 with "srt-pipe: <message> (<code>)"', async function () {
      const port = await freeTcpPort();
      const p = srtPipe(['-', `tcp://127.0.0.1:${port}`]);
      expect(await exitCode(p)).to.equal(1);
      expect(p.stderrText()).to.match(/^srt-pipe: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n$/);
    });

    it('SIGTERM while waiting for a connection -> exit 0', async function () {
      const port = await freeTcpPort();
      const p = srtPipe(['-v', `tcp://:${port}`, '-']);
      await p.waitForStderr(/listening on tcp:/, 10000);
      p.proc.kill('SIGTERM');
      expect(await exitCode(p, 5000), p.diag()).to.equal(0);
    });
  });

  describe('udp://', function () {
    it('udp input -> file: every datagram is written; SIGINT closes cleanly with exit 0', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const p = srtPipe(['-v', `udp://127.0.0.1:${port}?rcvbuf=1000000`, 'out.bin'], { cwd: dir });
      await p.waitForStderr(/receiving on udp:\/\/127\.0\.0\.1:\d+/, 10000);
      const data = randomBytes(1316 * 300, 'udp-in');
      const s = dgram.createSocket('udp4');
      onCleanup(() => s.close());
      for (let off = 0; off < data.length; off += 1316) {
        await new Promise<void>((r) => s.send(data.subarray(off, off + 1316), port, '127.0.0.1', () => r()));
        if ((off / 1316) % 10 === 9) await delay(5); // ~2.6 MB/s: stay well below the loopback socket buffer
      }
      const out = path.join(dir, 'out.bin');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (!fs.existsSync(out) || fs.statSync(out).size < data.length)) await delay(20);
      p.proc.kill('SIGINT');
      expect(await exitCode(p, 5000), p.diag()).to.equal(0);
      const got = fs.readFileSync(out);
      expect(got.equals(data), describeMismatch(got, data)).to.equal(true);
    });

    it('file -> udp output: datagrams of at most 1316 bytes, in order; exit 0 at EOF', async function () {
      const dir = tempDir();
      const data = randomBytes(1316 * 100 + 500, 'udp-out');
      fs.writeFileSync(path.join(dir, 'in.bin'), data);
      // srt-pipe sends a file at full speed: give the receiving socket room for all of it.
      const rx = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
      onCleanup(() => rx.close());
      const got: Buffer[] = [];
      rx.on('message', (m) => got.push(m));
      await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
      const p = srtPipe(['in.bin', `udp://localhost:${rx.address().port}`], { cwd: dir });
      expect(await exitCode(p), p.diag()).to.equal(0);
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && got.reduce((n, b) => n + b.length, 0) < data.length) await delay(20);
      expect(Math.max(...got.map((b) => b.length))).to.equal(1316);
      const all = Buffer.concat(got);
      expect(all.equals(data), describeMismatch(all, data)).to.equal(true);
    });
  });

  describe('srt:// end to end (needs SrtSocket)', function () {
    before(function () {
      // Skip while src/net is still the stub (connect throws 'not implemented').
      try {
        const s = connect({ host: '127.0.0.1', port: 9, connectTimeout: 100 });
        s.on('error', () => { /* nobody on port 9 */ });
        s.destroy();
      } catch (err) {
        if (/not implemented/.test((err as Error).message)) this.skip();
        throw err;
      }
    });

    it('srt-pipe caller (file) -> srt-pipe listener (file): byte-exact, both exit 0', async function () {
      const dir = tempDir();
      const data = randomBytes(1316 * 400, 'srt-e2e');
      fs.writeFileSync(path.join(dir, 'in.ts'), data);
      const port = await freeUdpPort();
      const rx = srtPipe(['-v', `srt://:${port}`, 'out.ts'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', 'in.ts', `srt://127.0.0.1:${port}?streamid=#!::r=live/cam,m=publish`], { cwd: dir, name: 'srt-pipe-tx' });
      expect(await exitCode(tx, 20000), tx.diag()).to.equal(0);
      expect(await exitCode(rx, 20000), rx.diag()).to.equal(0);
      const got = fs.readFileSync(path.join(dir, 'out.ts'));
      expect(got.equals(data), describeMismatch(got, data)).to.equal(true);
      expect(rx.stderrText()).to.match(/accepted 127\.0\.0\.1:\d+ streamid="#!::r=live\/cam,m=publish"/);
      expect(tx.stderrText()).to.match(/connected to srt:\/\/127\.0\.0\.1:\d+/);
    });

    it('srt listener output waits for its caller; caller input -> stdout', async function () {
      const data = randomBytes(1316 * 200, 'srt-listen-out');
      const port = await freeUdpPort();
      const tx = srtPipe(['-', `srt://:${port}?latency=200ms`], { name: 'srt-pipe-tx' });
      tx.proc.stdin!.end(data);
      await waitForSrtListener(port, { peer: tx });
      const rx = srtPipe([`srt://127.0.0.1:${port}?latency=200`, '-'], { name: 'srt-pipe-rx' });
      const out = new ByteCollector(rx.proc.stdout!);
      expect(await exitCode(tx, 20000), tx.diag()).to.equal(0);
      expect(await exitCode(rx, 20000), rx.diag()).to.equal(0);
      await out.done;
      expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);
    });

    it('-s 10 -pf json -statsout writes srt-live-transmit\'s JSON lines, one per 10 packets read', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const rx = srtPipe(['-s', '10', '-pf', 'json', '-statsout', 'stats.jsonl', `srt://:${port}`, 'out.ts'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      const data = randomBytes(1316 * 50, 'stats');
      tx.proc.stdin!.write(data);
      await delay(600);
      tx.proc.stdin!.end();
      expect(await exitCode(tx, 20000), tx.diag()).to.equal(0);
      expect(await exitCode(rx, 20000), rx.diag()).to.equal(0);
      const lines = fs.readFileSync(path.join(dir, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      // 50 or 51 packets (a stdin read boundary can cut one more): reports after packets 9, 19, 29, 39
      // and 49 (one fewer if live mode dropped one late).
      expect(lines.length).to.be.within(4, 5);
      expect(Object.keys(lines[0])).to.deep.equal(['sid', 'timepoint', 'time', 'window', 'link', 'send', 'recv']);
      // Interval counters: the reports add up to the stream, not to a multiple of it.
      expect(lines.reduce((n, l) => n + l.recv.packetsUnique, 0)).to.be.within(40, 51);
    });

    it('SIGINT on the sender ends the SRT output gracefully: the receiver gets every byte copied, both exit 0', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const rx = srtPipe([`srt://:${port}`, 'out.ts'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      await tx.waitForStderr(/connected to/, 10000);
      const data = randomBytes(4_000_000, 'sigint');
      const abort = new AbortController();
      const writing = pacedWrite(tx.proc.stdin!, data, { bitrate: 8e6, end: false, signal: abort.signal }).catch(() => {});
      await delay(800);
      tx.proc.kill('SIGINT');
      expect(await exitCode(tx, 10000), tx.diag()).to.equal(0);
      abort.abort();
      await writing;
      expect(await exitCode(rx, 10000), rx.diag()).to.equal(0);
      const copied = Number(/(\d+) bytes copied/.exec(tx.stderrText())?.[1]);
      const got = fs.readFileSync(path.join(dir, 'out.ts'));
      expect(copied).to.be.greaterThan(100_000);
      expect(got.length, tx.diag()).to.equal(copied);
      expect(got.equals(data.subarray(0, copied)), describeMismatch(got, data.subarray(0, copied))).to.equal(true);
    });

    it('the receiver leaving (SIGINT on a listener) ends the sender with exit 0', async function () {
      const port = await freeUdpPort();
      const rx = srtPipe([`srt://:${port}`, '-'], { name: 'srt-pipe-rx', stdout: 'ignore' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      await tx.waitForStderr(/connected to/, 10000);
      const abort = new AbortController();
      const writing = pacedWrite(tx.proc.stdin!, randomBytes(4_000_000, 'leave'), { bitrate: 8e6, end: false, signal: abort.signal }).catch(() => {});
      await delay(500);
      rx.proc.kill('SIGINT');
      expect(await exitCode(rx, 10000), rx.diag()).to.equal(0);
      expect(await exitCode(tx, 10000), tx.diag()).to.equal(0);
      abort.abort();
      await writing;
      expect(tx.stderrText()).to.match(/closed by the peer/);
    });

    it('file mode: the receiver leaving before the end of the input ends the sender with exit 1 (incomplete transfer)', async function () {
      const port = await freeUdpPort();
      const rx = srtPipe([`srt://:${port}?transtype=file`, '-'], { name: 'srt-pipe-rx', stdout: 'ignore' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}?transtype=file&maxbw=1000000`], { name: 'srt-pipe-tx' });
      await tx.waitForStderr(/connected to/, 10000);
      const abort = new AbortController();
      const writing = pacedWrite(tx.proc.stdin!, randomBytes(4_000_000, 'leave-file'), { bitrate: 8e6, end: false, signal: abort.signal }).catch(() => {});
      await delay(500);
      rx.proc.kill('SIGINT');
      expect(await exitCode(rx, 10000), rx.diag()).to.equal(0);
      expect(await exitCode(tx, 10000), tx.diag()).to.equal(1);
      abort.abort();
      await writing;
      expect(tx.stderrText()).to.match(/closed by the peer before the whole input was sent/);
    });

    it('IPv6: srt://[::1]:port listener <- caller', async function () {
      const dir = tempDir();
      const data = randomBytes(1316 * 100, 'v6');
      fs.writeFileSync(path.join(dir, 'in.ts'), data);
      const port = await freeUdpPort();
      const rx = srtPipe(['-v', `srt://[::1]:${port}?mode=listener`, 'out.ts'], { cwd: dir, name: 'srt-pipe-rx' });
      await rx.waitForStderr(/listening on srt:\/\/\[::1\]:\d+/, 10000);
      const tx = srtPipe(['in.ts', `srt://[::1]:${port}`], { cwd: dir, name: 'srt-pipe-tx' });
      expect(await exitCode(tx, 20000), tx.diag()).to.equal(0);
      expect(await exitCode(rx, 20000), rx.diag()).to.equal(0);
      expect(fs.readFileSync(path.join(dir, 'out.ts')).equals(data)).to.equal(true);
    });

    it('SIGTERM while an SRT listener waits for its caller -> exit 0 at once', async function () {
      const port = await freeUdpPort();
      const p = srtPipe(['-v', `srt://:${port}`, '-']);
      await p.waitForStderr(/listening on srt:/, 10000);
      p.proc.kill('SIGTERM');
      expect(await exitCode(p, 2000), p.diag()).to.equal(0);
    });

    it('caller with nobody listening -> exit 1 with the error code', async function () {
      const port = await freeUdpPort();
      const p = srtPipe(['-', `srt://127.0.0.1:${port}?conntimeo=500`]);
      expect(await exitCode(p, 10000), p.diag()).to.equal(1);
      expect(p.stderrText()).to.match(/^srt-pipe: .*\((ETIMEDOUT|ECONNREFUSED)[^)]*\)\n$/);
    });
  });
});
