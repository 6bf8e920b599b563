/**
 * srt-pipe's srt-live-transmit run options end to end (built dist/, `node bin/srt-pipe.js`): the -t
 * exit timer, -ll/-lfa/-logfile, -c chunks, -r reports, and the log lines for refused callers and
 * broken connections.
 */
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cleanupPeers, delay, describeMismatch, freeUdpPort, onCleanup, pacedWrite, randomBytes, spawnPeer, SRT_PIPE, tempDir,
  waitFor, waitForSrtListener, type PeerHandle,
} from '../support/interop';
import { startServer } from '../support/interop-srt';

function srtPipe(args: readonly string[], opts: { cwd?: string; name?: string; stdout?: 'pipe' | 'ignore' } = {}): PeerHandle {
  return spawnPeer(process.execPath, [...SRT_PIPE, ...args], {
    name: opts.name ?? 'srt-pipe',
    cwd: opts.cwd,
    stdio: ['pipe', opts.stdout ?? 'pipe', 'pipe'],
  });
}

/** A log line of ours: time, severity mark, area tag. */
const logLine = (mark: string, tag: string, text: string): RegExp =>
  new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{6}/srt-pipe${mark}:SRT\\.${tag}: ${text}`, 'm');

/** Binds a UDP receiver collecting datagrams; closed after the test. */
async function udpReceiver(): Promise<{ port: number; got: Buffer[] }> {
  const rx = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  onCleanup(() => rx.close());
  const got: Buffer[] = [];
  rx.on('message', (m) => got.push(m));
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
  return { port: rx.address().port, got };
}

describe('srt-pipe: srt-live-transmit run options and log', function () {
  this.timeout(30000);
  afterEach(function () { return cleanupPeers(this); });

  describe('-t / -tm (exit timer)', function () {
    it('-t 1: a listener nobody calls exits by itself with status 0', async function () {
      const port = await freeUdpPort();
      const p = srtPipe(['-v', '-t', '1', `srt://:${port}`, '-']);
      expect((await p.waitExit(10000)).code, p.diag()).to.equal(0);
      expect(p.stderrText()).to.match(/timeout: will exit after 1 s/).and.match(/timeout: 1 s passed, exiting/);
    });

    it('-t:1 while sending: the output is closed gracefully, the receiver gets what was sent, both exit 0', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const rx = srtPipe([`srt://:${port}`, 'out.bin'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', '-t:1', '-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      const data = randomBytes(1316 * 2000, 'timer');
      const abort = new AbortController();
      const writing = pacedWrite(tx.proc.stdin!, data, { bitrate: 4e6, end: false, signal: abort.signal }).catch(() => {});
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(0); // stdin never ends: only -t ends it
      abort.abort();
      await writing;
      expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
      const copied = Number(/(\d+) bytes copied/.exec(tx.stderrText())?.[1]);
      const got = fs.readFileSync(path.join(dir, 'out.bin'));
      expect(copied, tx.diag()).to.be.greaterThan(0);
      expect(got.equals(data.subarray(0, copied)), describeMismatch(got, data.subarray(0, copied))).to.equal(true);
    });

    it('-tm 1: the timer is cancelled once the SRT connection is up', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const rx = srtPipe(['-v', '-t', '1', '-tm', '1', `srt://:${port}`, 'out.bin'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      await rx.waitForStderr(/timeout: cancelled \(connected\)/, 10000);
      // Still running past its second: the sender's end (not the timer) ends it.
      const data = randomBytes(1316 * 600, 'tm1');
      await pacedWrite(tx.proc.stdin!, data, { bitrate: 2e6 });
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(0);
      expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
      expect(rx.stderrText()).to.not.match(/passed, exiting/);
      expect(fs.readFileSync(path.join(dir, 'out.bin')).equals(data)).to.equal(true);
    });
  });

  describe('-ll / -lfa / -logfile', function () {
    it('-ll debug is an option (not -l -l): socket options and counters are logged, the copy is unchanged', async function () {
      const dir = tempDir();
      const data = randomBytes(1316 * 100, 'll-debug');
      fs.writeFileSync(path.join(dir, 'in.bin'), data);
      const port = await freeUdpPort();
      const rx = srtPipe(['-ll', 'debug', `srt://:${port}`, 'out.bin'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-loglevel:debug', 'in.bin', `srt://127.0.0.1:${port}`], { cwd: dir, name: 'srt-pipe-tx' });
      expect((await tx.waitExit(20000)).code, tx.diag()).to.equal(0);
      expect((await rx.waitExit(20000)).code, rx.diag()).to.equal(0);
      expect(fs.readFileSync(path.join(dir, 'out.bin')).equals(data)).to.equal(true);
      expect(rx.stderrText()).to.match(logLine(' D', 'sm', `srt://:${port}: listening on srt://0\\.0\\.0\\.0:${port} \\(input\\); latency 120/0 ms, payloadsize 1316`));
      expect(rx.stderrText()).to.match(logLine('\\.N', 'cn', `srt://:${port}: accepted 127\\.0\\.0\\.1:\\d+ \\(input\\)`));
      expect(rx.stderrText()).to.match(logLine('\\.N', 'cn', `srt://:${port}: SRT source disconnected: closed by the peer`));
      expect(rx.stderrText()).to.match(logLine(' D', 'sm', `srt://:${port}: sent \\d+ pkts .*received \\d+ pkts`));
      expect(tx.stderrText()).to.match(logLine(' D', 'sm', `srt://127\\.0\\.0\\.1:${port}: caller \\(output\\) connecting`));
      expect(tx.stderrText()).to.match(logLine('\\.N', 'cn', `srt://127\\.0\\.0\\.1:${port}: connected \\(output\\)`));
    });

    it('-ll error hides the warnings, -lfa without conn hides connection lines, -logfile takes the lines off stderr', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const rx = srtPipe(['-ll', 'note', '-logfile', 'rx.log', `srt://:${port}?passphrase=right-secret`, '-'],
        { cwd: dir, name: 'srt-pipe-rx', stdout: 'ignore' });
      await waitForSrtListener(port, { peer: rx });
      const runs: Array<[string[], boolean]> = [[['-ll', 'error'], false], [['-lfa', 'sockmgmt'], false], [[], true]];
      for (const [opts, logged] of runs) {
        const tx = srtPipe([...opts, '-', `srt://127.0.0.1:${port}?passphrase=wrong-secret`], { name: `tx ${opts.join(' ')}` });
        tx.proc.stdin!.end();
        expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(1);
        expect(logLine('!W', 'cn', '.*connection rejected').test(tx.stderrText()), tx.diag()).to.equal(logged);
        expect(tx.stderrText()).to.match(/^srt-pipe: SRT connection rejected: SRT_REJ_BADSECRET/m); // the error exit says it anyway
      }
      await waitFor(() => /rejected caller/.test(fs.readFileSync(path.join(dir, 'rx.log'), 'utf8')), 5000);
      expect(rx.stderrText()).to.equal('');
      await rx.kill('SIGINT');
      const log = fs.readFileSync(path.join(dir, 'rx.log'), 'utf8');
      expect(log).to.match(logLine('!W', 'cn', `srt://:${port}: rejected caller 127\\.0\\.0\\.1:\\d+: 1010 - wrong passphrase \\(SRT_REJ_BADSECRET\\)`));
      expect(log).to.not.include('right-secret').and.not.include('wrong-secret');
    });

    it('an unopenable -logfile is a runtime error (exit 1) that names it', async function () {
      const p = srtPipe(['-logfile', '/nonexistent-dir/x.log', '-', '-']);
      p.proc.stdin!.end();
      expect((await p.waitExit(10000)).code, p.diag()).to.equal(1);
      expect(p.stderrText()).to.match(/^srt-pipe: -logfile: .*ENOENT/);
    });
  });

  describe('refused callers and broken connections', function () {
    it('a caller with the wrong passphrase: the listener logs it with the reason and goes on waiting; the caller logs the reason and exits 1', async function () {
      const dir = tempDir();
      const port = await freeUdpPort();
      const rx = srtPipe([`srt://:${port}?passphrase=right-secret&streamid=x`, 'out.bin'], { cwd: dir, name: 'srt-pipe-rx' });
      await waitForSrtListener(port, { peer: rx });
      const bad = srtPipe(['-', `srt://127.0.0.1:${port}?passphrase=wrong-secret&streamid=cam%2F1`], { name: 'srt-pipe-bad' });
      bad.proc.stdin!.end();
      expect((await bad.waitExit(10000)).code, bad.diag()).to.equal(1);
      expect(bad.stderrText()).to.match(logLine('!W', 'cn', `srt://127\\.0\\.0\\.1:${port}: connection rejected: 1010 - wrong passphrase \\(SRT_REJ_BADSECRET\\)`));
      await rx.waitForStderr(logLine('!W', 'cn', `srt://:${port}: rejected caller 127\\.0\\.0\\.1:\\d+ streamid="cam/1": 1010 - wrong passphrase \\(SRT_REJ_BADSECRET\\)`), 5000);
      // A caller without a passphrase: another reason.
      const plain = srtPipe(['-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-plain' });
      plain.proc.stdin!.end();
      expect((await plain.waitExit(10000)).code, plain.diag()).to.equal(1);
      await rx.waitForStderr(logLine('!W', 'cn', `srt://:${port}: rejected caller 127\\.0\\.0\\.1:\\d+: 1011 - passphrase on one side only \\(SRT_REJ_UNSECURE\\)`), 5000);
      // The listener still takes the right caller.
      const data = randomBytes(1316 * 50, 'after-refusals');
      const good = srtPipe(['-', `srt://127.0.0.1:${port}?passphrase=right-secret`], { name: 'srt-pipe-good' });
      good.proc.stdin!.end(data);
      expect((await good.waitExit(10000)).code, good.diag()).to.equal(0);
      expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
      expect(fs.readFileSync(path.join(dir, 'out.bin')).equals(data)).to.equal(true);
      for (const p of [rx, bad, plain]) expect(p.stderrText()).to.not.include('right-secret').and.not.include('wrong-secret');
    });

    it("a call refused by a server's access control: the code it chose is logged (2403 - forbidden), exit 1", async function () {
      const port = await freeUdpPort();
      await startServer({ onRequest: (req) => req.reject('SRT_REJX_FORBIDDEN') }, port);
      const tx = srtPipe(['-', `srt://127.0.0.1:${port}?streamid=#!::u=mallory`], { name: 'srt-pipe-tx' });
      tx.proc.stdin!.end();
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(1);
      expect(tx.stderrText()).to.match(logLine('!W', 'cn', `srt://127\\.0\\.0\\.1:${port}: connection rejected: 2403 - forbidden \\(SRT_REJX_FORBIDDEN\\)`));
    });

    it('a caller killed mid-stream: the listener logs the broken connection with the reason (peer idle) and exits 1', async function () {
      const port = await freeUdpPort();
      const rx = srtPipe([`srt://:${port}?peeridletimeo=1000`, '-'], { name: 'srt-pipe-rx', stdout: 'ignore' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      await tx.waitForStderr(/connected to/, 10000);
      tx.proc.stdin!.write(randomBytes(1316 * 10, 'killed'));
      await delay(200);
      await tx.kill('SIGKILL');
      expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(1);
      expect(rx.stderrText()).to.match(logLine('!W', 'cn', `srt://:${port}: SRT source disconnected: SRT connection broken: peer idle for more than 1000 ms`));
    });
  });

  describe('-c (chunk size) and -r (bandwidth report)', function () {
    it('-c 188: a file is sent in 188-byte SRT packets (seen as 188-byte datagrams after an SRT -> UDP hop)', async function () {
      const dir = tempDir();
      const data = randomBytes(188 * 700 + 100, 'chunk');
      fs.writeFileSync(path.join(dir, 'in.ts'), data);
      const udp = await udpReceiver();
      const port = await freeUdpPort();
      const relay = srtPipe([`srt://:${port}`, `udp://127.0.0.1:${udp.port}`], { name: 'srt-pipe-relay' });
      await waitForSrtListener(port, { peer: relay });
      const tx = srtPipe(['-c', '188', 'in.ts', `srt://127.0.0.1:${port}`], { cwd: dir, name: 'srt-pipe-tx' });
      expect((await tx.waitExit(20000)).code, tx.diag()).to.equal(0);
      expect((await relay.waitExit(20000)).code, relay.diag()).to.equal(0);
      await waitFor(() => udp.got.reduce((n, b) => n + b.length, 0) >= data.length, 5000);
      const sizes = udp.got.map((b) => b.length);
      expect(sizes.slice(0, -1).every((n) => n === 188), `sizes ${[...new Set(sizes)]}`).to.equal(true);
      expect(sizes.at(-1)).to.equal(100);
      expect(Buffer.concat(udp.got).equals(data)).to.equal(true);
    });

    it('-c 1000 on a UDP input: a longer datagram is split, shorter ones keep their boundaries', async function () {
      const dir = tempDir();
      const inPort = await freeUdpPort();
      const udp = await udpReceiver();
      const p = srtPipe(['-v', '-c', '1000', `udp://127.0.0.1:${inPort}`, `udp://127.0.0.1:${udp.port}`], { cwd: dir });
      await p.waitForStderr(/receiving on udp:/, 10000);
      const s = dgram.createSocket('udp4');
      onCleanup(() => s.close());
      for (const n of [1316, 500, 1000]) await new Promise<void>((r) => s.send(Buffer.alloc(n, n & 0xff), inPort, '127.0.0.1', () => r()));
      await waitFor(() => udp.got.length >= 4, 5000);
      await p.kill('SIGINT');
      expect(udp.got.map((b) => b.length)).to.deep.equal([1000, 316, 500, 1000]);
    });

    it("-r 50: srt-live-transmit's bandwidth lines on both ends", async function () {
      const port = await freeUdpPort();
      const rx = srtPipe(['-r', '50', `srt://:${port}`, '-'], { name: 'srt-pipe-rx', stdout: 'ignore' });
      await waitForSrtListener(port, { peer: rx });
      // -c 1316: 400 chunks of stdin are 400 packets.
      const tx = srtPipe(['-c', '1316', '-bandwidth-report:50', '-', `srt://127.0.0.1:${port}`], { name: 'srt-pipe-tx' });
      await pacedWrite(tx.proc.stdin!, randomBytes(1316 * 400, 'bw'), { bitrate: 8e6 });
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(0);
      expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
      const line = /^\+\+\+\/\+\+\+SRT BANDWIDTH: (\d+(\.\d+)?(e[+-]\d+)?)$/gm;
      const txLines = tx.stderrText().match(line) ?? [];
      const rxLines = rx.stderrText().match(line) ?? [];
      expect(txLines.length, tx.diag()).to.equal(8); // packets 49, 99, ... 399
      expect(rxLines.length, rx.diag()).to.equal(8);
      expect(rxLines.some((l) => Number(l.split(': ')[1]) > 0), rx.diag()).to.equal(true);
    });
  });
});
