/**
 * File mode (transtype=file) against srt-file-transmit: 200 MB each way byte-exact, and 2 MB each
 * way through the impairment relay with 5 % loss. srt-file-transmit sends the file's base name as
 * its stream ID (set racily, see below); as a listener it writes the caller's stream to the target
 * path.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect, createServer, SrtSocket } from '../../src/index';
import { ImpairmentRelay } from '../../src/tools/impairment-relay';
import { cleanupPeers, freeUdpPort, onCleanup, randomBytes, requireTool, spawnPeer, tempDir, waitForSrtListener } from '../support/interop';

const BIG = 200 << 20;
// FileCC backs off hard under random loss (libsrt to libsrt does not even finish 4 MB through
// this relay in 37 s): keep the lossy transfer small.
const LOSSY = 2 << 20;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * srt-file-transmit as caller sends `file` to our file-mode server (optionally through a relay).
 * Done when every byte arrived: through a lossy relay the sender's single SHUTDOWN may be lost,
 * after which our socket rightly reports ECONNRESET at the idle timeout.
 */
async function sftToServer(file: string, viaRelay: boolean): Promise<{ got: string; bytes: number; streamId: string; mbps: number }> {
  const port = await freeUdpPort();
  const size = fs.statSync(file).size;
  const done = new Promise<{ got: string; bytes: number; streamId: string; mbps: number }>((resolve, reject) => {
    const server = createServer({ transType: 'file' }, (s: SrtSocket) => {
      const h = createHash('sha256');
      let bytes = 0;
      const t0 = Date.now();
      const finish = () => resolve({ got: h.digest('hex'), bytes, streamId: s.streamId, mbps: (bytes * 8) / ((Date.now() - t0) / 1000) / 1e6 });
      s.on('data', (d: Buffer) => {
        h.update(d);
        bytes += d.length;
        if (bytes === size) finish();
      });
      s.on('end', () => bytes !== size && finish());
      s.on('error', (e) => bytes !== size && reject(e));
    });
    onCleanup(() => new Promise((r) => server.close(() => r(undefined))));
    server.listen(port, '127.0.0.1');
  });
  let target = port;
  if (viaRelay) {
    const relay = new ImpairmentRelay({ target: { host: '127.0.0.1', port }, forward: { loss: 0.05 }, backward: { loss: 0.05 }, seed: 5 });
    target = await relay.listen();
    onCleanup(() => relay.close());
  }
  const sft = spawnPeer('srt-file-transmit', ['-loglevel', 'error', file, `srt://127.0.0.1:${target}`], { name: 'sft-sender' });
  const r = await done;
  if (viaRelay) await sft.kill('SIGTERM'); // it may be waiting for an ACK the relay dropped
  else await sft.waitExit(30000);
  return r;
}

/** Our file-mode caller sends `data` to a srt-file-transmit listener writing `out`. */
async function clientToSft(data: Buffer, out: string, viaRelay: boolean): Promise<number> {
  const port = await freeUdpPort();
  // srt-file-transmit decides whether its target is a directory with stat() and reads the
  // stat buffer even when stat() failed: on a path that does not exist yet it now and then
  // takes the file for a directory and writes nowhere. An existing empty file is read right.
  fs.writeFileSync(out, '');
  const sft = spawnPeer('srt-file-transmit', ['-loglevel', 'error', `srt://:${port}`, `file://${out}`], { name: 'sft-receiver' });
  await waitForSrtListener(port, { peer: sft });
  let target = port;
  if (viaRelay) {
    const relay = new ImpairmentRelay({ target: { host: '127.0.0.1', port }, forward: { loss: 0.05 }, backward: { loss: 0.05 }, seed: 6 });
    target = await relay.listen();
    onCleanup(() => relay.close());
  }
  const t0 = Date.now();
  const c = connect({ host: '127.0.0.1', port: target, transType: 'file', streamId: path.basename(out) });
  onCleanup(() => c.destroy());
  await new Promise<void>((resolve, reject) => {
    c.once('error', (e) => reject(new Error(`${e.message}\n${sft.diag()}`)));
    c.once('connect', () => c.end(data, () => resolve()));
  });
  const mbps = (data.length * 8) / ((Date.now() - t0) / 1000) / 1e6;
  if (viaRelay) {
    // Everything was acknowledged; our SHUTDOWN may have been dropped by the relay, leaving
    // srt-file-transmit to its idle timeout: stop it (it has written the file by now).
    try { await sft.waitExit(2000); } catch { await sft.kill('SIGTERM'); }
  } else {
    const st = await sft.waitExit(60000);
    expect(st.code, sft.diag()).to.equal(0);
  }
  // srt-file-transmit exits 0 even when it gave up without writing: say what it printed.
  const written = fs.statSync(out).size;
  if (written !== data.length) throw new Error(`srt-file-transmit wrote ${written} of ${data.length} bytes to ${out}\n${sft.diag()}`);
  return mbps;
}

describe('interop: file mode with srt-file-transmit', function () {
  before(function () { requireTool(this, 'srt-file-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('srt-file-transmit sends 200 MB to SrtServer({ transType: "file" }): byte-exact, stream ID = file name', async function () {
    this.timeout(120000);
    const dir = tempDir();
    const file = path.join(dir, 'big.bin');
    const data = randomBytes(BIG, 'file-in');
    fs.writeFileSync(file, data);
    const r = await sftToServer(file, false);
    expect(r.bytes).to.equal(BIG);
    expect(r.got).to.equal(sha(data));
    // srt-file-transmit sets its stream ID only after srt_connect() has started (non-blocking):
    // the conclusion carries it unless the induction answer beats that call, which a loaded
    // machine sees now and then. Either way the stream ID is the file name or nothing.
    expect(r.streamId).to.be.oneOf(['big.bin', '']);
    console.log(`      srt-file-transmit -> srt-stream: ${r.mbps.toFixed(0)} Mbit/s`);
  });

  it('connect({ transType: "file" }) sends 200 MB to a srt-file-transmit listener: byte-exact', async function () {
    this.timeout(120000);
    const dir = tempDir();
    const out = path.join(dir, 'out.bin');
    const data = randomBytes(BIG, 'file-out');
    const mbps = await clientToSft(data, out, false);
    expect(sha(fs.readFileSync(out))).to.equal(sha(data));
    console.log(`      srt-stream -> srt-file-transmit: ${mbps.toFixed(0)} Mbit/s (until end() completed: all acknowledged)`);
  });

  it('through the relay with 5 % loss each way, 2 MB each direction arrive byte-exact', async function () {
    this.timeout(120000);
    const dir = tempDir();
    const file = path.join(dir, 'lossy.bin');
    const data = randomBytes(LOSSY, 'file-lossy');
    fs.writeFileSync(file, data);
    const r = await sftToServer(file, true);
    expect(r.got).to.equal(sha(data));
    const out = path.join(dir, 'lossy-out.bin');
    const mbps = await clientToSft(data, out, true);
    expect(sha(fs.readFileSync(out))).to.equal(sha(data));
    console.log(`      5 % loss: srt-file-transmit -> srt-stream ${r.mbps.toFixed(0)} Mbit/s, srt-stream -> srt-file-transmit ${mbps.toFixed(0)} Mbit/s`);
  });
});
