/**
 * Encrypted streams against srt-live-transmit (libsrt 1.5.1), both roles and both data directions that
 * srt-live-transmit allows (an SRT input is only read, an SRT output only written):
 *   srt-stream caller → slt listener (slt writes to stdout)     20 MB, slt pbkeylen=32, ours 0 (adopts 32)
 *   slt caller → srt-stream listener (slt reads stdin)          20 MB, slt pbkeylen=24, ours 0 (adopts 24)
 *   slt listener → srt-stream caller                             4 MB, slt pbkeylen=16, ours 0 (adopts 16)
 *   srt-stream listener → slt caller                             4 MB, ours pbKeyLen 32, slt 0 (adopts 32)
 * all with kmrefreshrate=2000&kmpreannounce=500 on both sides, so that keys rotate several times
 * (20 MB ≈ 15,200 packets ≈ 7 switches; 4 MB ≈ 1.5 switches... 3,000 packets: at least one) while the paced
 * stream arrives byte-exact. The caller's adoption of the listener's advertised key length (induction
 * Type = pbkeylen/8) and the responder's adoption of the KMREQ's key length are checked through the key
 * length our socket reports (util.inspect of its crypto state: "keyLen: N").
 * Pacing: 30 Mbit/s for 20 MB (≈ 5.5 s each), 20 Mbit/s for 4 MB.
 */
import { expect } from 'chai';
import { inspect } from 'node:util';
import type { SrtSocket } from '../../src/index';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, freeUdpPort,
  pacedWrite, randomBytes, requireTool, spawnPeer, waitForSrtListener,
} from '../support/interop';
import { connectTo, connectToSlt, sltCallerToServer, startServer, statsText } from '../support/interop-srt';

const PASS = 'interop-encryption-passphrase';
const KM_SLT = 'kmrefreshrate=2000&kmpreannounce=500';
const KM_OURS = { kmRefreshRate: 2000, kmPreAnnounce: 500 };
const MB20 = 1316 * 15200; // 20,003,200 bytes: whole 1316-byte stdin blocks for srt-live-transmit

function keyLenOf(sock: SrtSocket): number {
  const m = /keyLen: (\d+)/.exec(inspect(sock, { depth: 4 }));
  return m ? Number(m[1]) : -1;
}

function secured(sock: SrtSocket): void {
  expect(sock.encrypted, 'socket.encrypted').to.equal(true);
  expect(sock.kmState).to.deep.equal({ send: 'SRT_KM_S_SECURED', receive: 'SRT_KM_S_SECURED' });
}

describe('interop: encryption against srt-live-transmit', function () {
  this.timeout(60000);
  afterEach(function () { return cleanupPeers(this); });

  it('srt-stream caller → srt-live-transmit listener: 20 MB byte-exact, AES-256 advertised by the listener (pbkeylen=32), keys rotating', async function () {
    requireTool(this, 'srt-live-transmit');
    let keyLen = -1;
    const sock = await connectToSlt({
      bytes: MB20, bitrate: 30e6, seed: 'enc-up-20mb', timeoutMs: 30000,
      srt: { passphrase: PASS, ...KM_OURS },
      sltQuery: `passphrase=${PASS}&pbkeylen=32&${KM_SLT}`,
      onConnected: (s) => { secured(s); keyLen = keyLenOf(s); },
    });
    expect(keyLen, 'our caller (pbKeyLen 0) adopts the listener’s advertised 32').to.equal(32);
    const st = sock.getStats();
    expect(st.pktSent, statsText(sock)).to.be.at.least(15200);
  });

  it('srt-live-transmit caller → srt-stream listener: 20 MB byte-exact, AES-192 chosen by the caller (pbkeylen=24), keys rotating', async function () {
    requireTool(this, 'srt-live-transmit');
    let keyLen = -1;
    const sock = await sltCallerToServer({
      streamId: 'enc', chunk: 1316, bytes: MB20, seed: 'enc-down-20mb', bitrate: 30e6, timeoutMs: 30000,
      server: { passphrase: PASS, ...KM_OURS },
      sltQuery: `passphrase=${PASS}&pbkeylen=24&${KM_SLT}`,
      onConnected: (s) => { secured(s); keyLen = keyLenOf(s); },
    });
    expect(keyLen, 'our listener takes the KMREQ key length').to.equal(24);
    expect(sock.getStats().pktRcvUndecrypt ?? 0, statsText(sock)).to.equal(0);
  });

  it('srt-live-transmit listener → srt-stream caller: 4 MB byte-exact, AES-128 advertised by the listener (pbkeylen=16), keys rotating', async function () {
    requireTool(this, 'srt-live-transmit');
    const port = await freeUdpPort();
    const data = randomBytes(1316 * 3040, 'enc-slt-listener-sends');
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con',
      `srt://:${port}?passphrase=${PASS}&pbkeylen=16&${KM_SLT}`], { name: 'slt-listener-sender' });
    await waitForSrtListener(port, { peer: slt });
    const sock = await connectTo({ host: '127.0.0.1', port, passphrase: PASS, ...KM_OURS, latency: 200 }, 10000, () => slt.diag());
    secured(sock);
    expect(keyLenOf(sock), 'our caller (pbKeyLen 0) adopts the listener’s advertised 16').to.equal(16);
    const got = new ByteCollector(sock);
    await slt.waitForStderr(SLT_TARGET_CONNECTED, 10000);
    await pacedWrite(slt.proc.stdin!, data, { bitrate: 20e6, chunkSize: 1316 });
    await got.waitForBytes(data.length, 20000, () => `${statsText(sock)} undecrypt=${sock.getStats().pktRcvUndecrypt}\n${slt.diag()}`);
    expect(got.buffer().equals(data), `${describeMismatch(got.buffer(), data)}\n${statsText(sock)}\n${slt.diag()}`).to.equal(true);
    expect(sock.getStats().pktRcvUndecrypt ?? 0).to.equal(0);
    await slt.kill('SIGINT');
  });

  it('srt-stream listener → srt-live-transmit caller: 4 MB byte-exact, AES-256 (our pbKeyLen 32 advertised, the caller adopts it), keys rotating', async function () {
    requireTool(this, 'srt-live-transmit');
    const port = await freeUdpPort();
    const srv = await startServer({ passphrase: PASS, pbKeyLen: 32, ...KM_OURS, latency: 200 }, port);
    const data = randomBytes(1316 * 3040, 'enc-our-listener-sends');
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://127.0.0.1:${port}?passphrase=${PASS}&${KM_SLT}`, 'file://con'], { name: 'slt-caller-receiver' });
    const out = new ByteCollector(slt.proc.stdout!);
    const sock = await srv.nextConnection(10000, () => slt.diag());
    secured(sock);
    expect(keyLenOf(sock), 'srt-live-transmit (pbkeylen unset) used our advertised 32 in its KMREQ').to.equal(32);
    await delay(200); // srt-live-transmit's SRT input must be set up before data arrives
    await pacedWrite(sock, data, { bitrate: 20e6, chunkSize: 1316, end: false });
    await out.waitForBytes(data.length - SLT_STDOUT_SLACK, 20000, () => `${statsText(sock)}\n${slt.diag()}`);
    await delay(500);
    sock.end();
    try { await slt.waitExit(10000); } catch { await slt.kill('SIGINT'); }
    await out.done;
    expect(out.buffer().equals(data), `${describeMismatch(out.buffer(), data)}\n${statsText(sock)}\n${slt.diag()}`).to.equal(true);
  });
});
