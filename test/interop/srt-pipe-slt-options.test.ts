/**
 * srt-pipe as a drop-in for srt-live-transmit: the same command-line options, refusals logged with
 * the reason libsrt gives on the wire (both ways), and -c chunks that a libsrt receiver takes.
 */
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cleanupPeers, freeUdpPort, onCleanup, randomBytes, requireTool, SLT_BASE_ARGS, SLT_SOURCE_CONNECTED, spawnPeer, SRT_PIPE, srtPipeBin,
  tempDir, waitFor, waitForSrtListener, type PeerHandle,
} from '../support/interop';

function srtPipe(args: readonly string[], opts: { cwd?: string; name?: string } = {}): PeerHandle {
  return spawnPeer(process.execPath, [...SRT_PIPE, ...args], { name: opts.name ?? 'srt-pipe', cwd: opts.cwd, stdio: ['pipe', 'ignore', 'pipe'] });
}

describe('interop: srt-pipe takes srt-live-transmit options and logs refusals with its reasons', function () {
  this.timeout(30000);
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('one command line for both: -t -tm -c -r -buffering -st -a -ll -lfa (each exits 0 at its timer)', async function () {
    const opts = ['-t', '1', '-tm', '0', '-c', '1316', '-r', '0', '-buffering', '10', '-st', 'no', '-a', 'no', '-ll', 'warning', '-lfa', 'conn'];
    for (const [cmd, pre] of [['srt-live-transmit', []], [process.execPath, [srtPipeBin]]] as const) {
      const port = await freeUdpPort();
      const sink = await freeUdpPort(); // srt-live-transmit takes ports from 1024 only
      const p = spawnPeer(cmd, [...pre, ...opts, `srt://:${port}`, `udp://127.0.0.1:${sink}`], { name: path.basename(pre[0] ?? cmd) });
      expect((await p.waitExit(10000)).code, p.diag()).to.equal(0);
    }
  });

  it('srt-live-transmit caller with the wrong passphrase -> srt-pipe listener logs "1010 - wrong passphrase"', async function () {
    const port = await freeUdpPort();
    const rx = srtPipe([`srt://:${port}?passphrase=listener-pass`, '-'], { name: 'srt-pipe-rx' });
    await waitForSrtListener(port, { peer: rx });
    const tx = spawnPeer('srt-live-transmit', ['-a', 'no', 'file://con', `srt://127.0.0.1:${port}?passphrase=another-pass&streamid=cam7`],
      { name: 'slt-tx-caller' });
    // libsrt's caller reads our refusal as the wrong passphrase (its warning-level line).
    await tx.waitForStderr(/REJECT.*Incorrect passphrase/, 10000);
    await rx.waitForStderr(new RegExp(
      `/srt-pipe!W:SRT\\.cn: srt://:${port}: rejected caller 127\\.0\\.0\\.1:\\d+ streamid="cam7": 1010 - wrong passphrase \\(SRT_REJ_BADSECRET\\)`), 5000);
    expect(rx.exitStatus, 'the listener goes on waiting').to.equal(null);
    await rx.kill('SIGINT');
    expect(rx.stderrText()).to.not.include('listener-pass').and.not.include('another-pass');
  });

  it('srt-pipe caller refused by a srt-live-transmit listener logs the reason the listener sent, exit 1', async function () {
    const port = await freeUdpPort();
    // Default log level (warning): libsrt's own line names the code it sends.
    const sink = await freeUdpPort();
    const rx = spawnPeer('srt-live-transmit', ['-a', 'no', `srt://:${port}?passphrase=listener-pass`, `udp://127.0.0.1:${sink}`], { name: 'slt-rx' });
    await waitForSrtListener(port, { peer: rx });
    const cases: Array<[string, RegExp, RegExp]> = [
      ['?passphrase=another-pass', /1010 - wrong passphrase \(SRT_REJ_BADSECRET\)/, /rsp\(REJECT\): 1010/],
      ['', /1011 - passphrase on one side only \(SRT_REJ_UNSECURE\)/, /rsp\(REJECT\): 1011/],
    ];
    for (const [query, ours, theirs] of cases) {
      const tx = srtPipe(['-', `srt://127.0.0.1:${port}${query}`], { name: `srt-pipe-tx${query}` });
      tx.proc.stdin!.end();
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(1);
      expect(tx.stderrText()).to.match(new RegExp(`/srt-pipe!W:SRT\\.cn: srt://127\\.0\\.0\\.1:${port}: connection rejected: ${ours.source}`));
      await rx.waitForStderr(theirs, 5000);
    }
    // A plain listener still takes the right caller afterwards: srt-live-transmit exits on the disconnect (-a no).
    const ok = srtPipe(['-', `srt://127.0.0.1:${port}?passphrase=listener-pass`], { name: 'srt-pipe-ok' });
    ok.proc.stdin!.end(randomBytes(1316 * 10, 'ok'));
    await rx.waitForStderr(SLT_SOURCE_CONNECTED, 10000);
    expect((await ok.waitExit(10000)).code, ok.diag()).to.equal(0);
  });

  it('-c 1456: srt-pipe sends 1456-byte packets, as srt-live-transmit does by default, and libsrt takes them', async function () {
    const dir = tempDir();
    const data = randomBytes(1456 * 300, 'c1456');
    fs.writeFileSync(path.join(dir, 'in.bin'), data);
    const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    onCleanup(() => udp.close());
    const got: Buffer[] = [];
    udp.on('message', (m) => got.push(m));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const port = await freeUdpPort();
    // srt-live-transmit writes each SRT packet it reads as one datagram.
    const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, `udp://127.0.0.1:${udp.address().port}`], { name: 'slt-rx' });
    await waitForSrtListener(port, { peer: rx });
    const tx = srtPipe(['-c', '1456', 'in.bin', `srt://127.0.0.1:${port}`], { cwd: dir, name: 'srt-pipe-tx' });
    expect((await tx.waitExit(20000)).code, tx.diag()).to.equal(0);
    await waitFor(() => got.reduce((n, b) => n + b.length, 0) >= data.length, 10000, { message: () => rx.diag() });
    expect([...new Set(got.map((b) => b.length))]).to.deep.equal([1456]);
    expect(Buffer.concat(got).equals(data)).to.equal(true);
  });
});
