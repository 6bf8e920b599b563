/**
 * Data both ways on one connection.
 *
 * srt-live-transmit (and ffmpeg) use each SRT socket in one direction only: an SRT *output* is polled
 * for state changes but never read, an SRT *input* is never written. A libsrt connection is still
 * bidirectional at the protocol level: libsrt receives, acknowledges and buffers what we send to its
 * output socket, and counts it in that socket's srt_bstats, which srt-live-transmit prints with
 * `-s N -f -pf json -statsout FILE` (its stats are those of the SRT output socket, printed as it sends).
 * So one connection carries: srt-live-transmit -> us, checked byte-exact; us -> srt-live-transmit,
 * checked through libsrt's own receive counters (packets and payload bytes, no loss left over).
 * Byte-exact data both ways on one connection is checked our-to-our.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, freeUdpPort,
  pacedWrite, randomBytes, readSltStats, requireTool, spawnPeer, tempDir,
} from '../support/interop';
import { connectTo, startServer, statsText } from '../support/interop-srt';

const SRT_HDR_OVERHEAD = 44; // libsrt byte counters include SRT (16) + UDP/IPv4 (28) headers

describe('interop: data both ways on one connection', function () {
  afterEach(function () { return cleanupPeers(this); });

  it('srt-live-transmit caller sends to SrtServer while the server sends back on the same socket (libsrt counts it)', async function () {
    this.timeout(45000);
    requireTool(this, 'srt-live-transmit');
    const port = await freeUdpPort();
    const dir = tempDir();
    const statsFile = path.join(dir, 'slt-stats.json');
    const srv = await startServer({ latency: 120 }, port);

    const up = randomBytes(1316 * 1600, 'bidi-up');      // slt -> us, ~2.1 MB at 4 Mbit/s ≈ 4.2 s
    const down = randomBytes(1316 * 200, 'bidi-down');   // us -> slt, 263 KB, sent in the first second
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', '-s', '50', '-f', '-pf', 'json', '-statsout', statsFile,
      'file://con', `srt://127.0.0.1:${port}?streamid=bidi`], { name: 'slt-caller' });
    const sock = await srv.nextConnection(10000, () => slt.diag());
    const got = new ByteCollector(sock);
    await slt.waitForStderr(SLT_TARGET_CONNECTED, 10000);

    const upDone = pacedWrite(slt.proc.stdin!, up, { bitrate: 4e6, chunkSize: 1316 }) // end: see SLT_FEED_NOTE;
    await pacedWrite(sock, down, { bitrate: 4e6, chunkSize: 1316, end: false });
    await upDone;
    await got.waitForBytes(up.length, 20000, () => `${statsText(sock)}\n${slt.diag()}`);
    expect(got.buffer().equals(up), `${describeMismatch(got.buffer(), up)}\n${statsText(sock)}\n${slt.diag()}`).to.equal(true);
    await delay(200);
    await slt.kill('SIGINT');

    const stats = readSltStats(statsFile);
    expect(stats.length, `srt-live-transmit wrote no stats to ${statsFile}\n${slt.diag()}`).to.be.greaterThan(0);
    const last = stats[stats.length - 1];
    const recv = last.recv;
    const payload = recv.bytesUnique - SRT_HDR_OVERHEAD * recv.packetsUnique;
    const ctx = `srt-live-transmit's last stats line: ${JSON.stringify(last)}\nour ${statsText(sock)}`;
    expect(recv.packetsUnique, ctx).to.equal(down.length / 1316);
    expect(payload, ctx).to.equal(down.length);
    const ours = sock.getStats();
    expect(ours.pktSent, ctx).to.be.at.least(down.length / 1316);
    expect(ours.pktRecv, ctx).to.be.at.least(up.length / 1316);
  });

  it('our connect() <-> our SrtServer: 2 MB each way at once, byte-exact', async function () {
    this.timeout(45000);
    const port = await freeUdpPort();
    const srv = await startServer({ latency: 120 }, port);
    const client = await connectTo({ host: '127.0.0.1', port, latency: 120, streamId: 'bidi' });
    const server = await srv.nextConnection(5000);
    expect(server.streamId).to.equal('bidi');
    const a = randomBytes(2 * 1024 * 1024, 'bidi-a');
    const b = randomBytes(2 * 1024 * 1024 + 777, 'bidi-b');
    const atServer = new ByteCollector(server);
    const atClient = new ByteCollector(client);
    await Promise.all([
      pacedWrite(client, a, { bitrate: 20e6, chunkSize: 1316, end: false }),
      pacedWrite(server, b, { bitrate: 20e6, chunkSize: 1316, end: false }),
    ]);
    const diag = () => `client ${statsText(client)}\nserver ${statsText(server)}`;
    await Promise.all([atServer.waitForBytes(a.length, 20000, diag), atClient.waitForBytes(b.length, 20000, diag)]);
    expect(atServer.buffer().equals(a), describeMismatch(atServer.buffer(), a)).to.equal(true);
    expect(atClient.buffer().equals(b), describeMismatch(atClient.buffer(), b)).to.equal(true);
  });
});
