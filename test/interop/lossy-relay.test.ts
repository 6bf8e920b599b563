/**
 * srt-stream <-> srt-live-transmit (libsrt 1.5.1) through the UDP impairment relay: 5 % random loss,
 * 20 ms +- 5 ms delay (the jitter reorders) each way, latency 200 ms, a paced 10 Mbit/s stream of
 * 6 s (kept shorter than the 10 s of test/integration/lossy-relay.test.ts for the suite's time budget).
 * Both data directions with srt-live-transmit in each role:
 *   our connect()  -> relay -> slt listener (stdout)
 *   slt caller     -> relay -> our SrtServer
 *   slt listener   -> relay -> our connect()            (slt sends: its SRT output is the listener)
 * Every byte must arrive, in order, and the counters must agree with what the relay dropped in the
 * data direction: sender pktRetrans >= dropped data packets, receiver pktRcvLoss >= dropped
 * originals, no receiver too-late drops. srt-live-transmit's counters come from its
 * `-s 100 -f -pf json -statsout` file: a record every 100 packets, so its last record can miss the
 * very last retransmissions (a few, against the hundreds the assertions leave as margin).
 *
 * The relay stops dropping once the sender has been fed its last byte: SRT live mode has no
 * tail-loss recovery (see the integration test's header), for libsrt as for us.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import { ImpairmentRelay, type Impairment, type RelayCounters } from '../../src/tools/impairment-relay';
import type { SrtSocket } from '../../src/index';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, floorTo,
  freeUdpPort, onCleanup, pacedWrite, randomBytes, readSltStats, requireTool, spawnPeer, tempDir, waitForSrtListener,
  type PeerHandle,
} from '../support/interop';
import { connectTo, startServer, statsText } from '../support/interop-srt';

const IMPAIRMENT: Impairment = { loss: 0.05, delayMs: 20, jitterMs: 5 };
const LATENCY = 200;
const BITRATE = 10e6;
const SECONDS = 6;
const CHUNK = 1316;
const BYTES = floorTo((BITRATE / 8) * SECONDS, CHUNK);

async function startRelay(targetPort: number, seed: number): Promise<{ relay: ImpairmentRelay; port: number }> {
  const relay = new ImpairmentRelay({ target: { host: '127.0.0.1', port: targetPort }, forward: IMPAIRMENT, backward: IMPAIRMENT, seed });
  const port = await relay.listen();
  onCleanup(() => relay.close());
  return { relay, port };
}

function sltStatsArgs(file: string): string[] {
  return ['-s', '100', '-f', '-pf', 'json', '-statsout', file];
}

/** Last srt-live-transmit stats record, as srt_bstats-like totals. */
function sltTotals(file: string): Record<string, number> {
  const recs = readSltStats(file);
  const r = recs[recs.length - 1];
  if (!r) return {};
  return {
    pktRetransTotal: r.send?.packetsRetransmitted, pktSndLossTotal: r.send?.packetsLost, pktSentTotal: r.send?.packets,
    pktSndDropTotal: r.send?.packetsDropped, pktRcvLossTotal: r.recv?.packetsLost, pktRcvDropTotal: r.recv?.packetsDropped,
    pktRecvTotal: r.recv?.packets, pktRcvRetransTotal: r.recv?.packetsRetransmitted, pktRcvBelatedTotal: r.recv?.packetsBelated,
    msRTT: r.link?.rtt,
  };
}

function fmt(s: Record<string, number>): string {
  return Object.entries(s).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(2) : v}`).join(' ');
}

/** Prints and checks the counters of one run against the relay's data-direction counters. */
function checkCounters(label: string, c: RelayCounters, snd: Record<string, number>, rcv: Record<string, number>, diag: () => string): void {
  const lostOriginals = c.droppedData - c.droppedRexmit;
  console.log(`      ${label}: relay dropped ${c.droppedData} data packets (${lostOriginals} originals, ${c.droppedRexmit} ` +
    `retransmissions) of ${c.seenData}, reordered ${c.reordered}; sender pktRetrans ${snd.pktRetransTotal}; receiver ` +
    `pktRcvLoss ${rcv.pktRcvLossTotal}, pktRcvDrop ${rcv.pktRcvDropTotal}; retransmissions per lost packet ` +
    `${(snd.pktRetransTotal / c.droppedData).toFixed(2)}`);
  const d = () => `relay ${JSON.stringify(c)}\nsender ${fmt(snd)}\nreceiver ${fmt(rcv)}\n${diag()}`;
  expect(c.droppedData, `the relay must have dropped ~5 % of the data packets\n${d()}`).to.be.greaterThan(0.03 * c.seenData);
  expect(snd.pktRetransTotal, `sender pktRetrans >= relay-dropped data packets\n${d()}`).to.be.at.least(c.droppedData);
  expect(rcv.pktRcvLossTotal, `receiver pktRcvLoss >= relay-dropped original data packets\n${d()}`).to.be.at.least(lostOriginals);
  expect(rcv.pktRcvDropTotal, `receiver pktRcvDrop (too-late drops)\n${d()}`).to.equal(0);
}

describe('interop: srt-live-transmit through a lossy, reordering relay (5 % loss, 20 +- 5 ms each way, latency 200)', function () {
  // Random loss at 5 % both ways (control packets too) with a 200 ms latency at a ~40 ms RTT:
  // once in a while one packet is lost in every repair round and misses its play time, for
  // libsrt as well. The assertions stay byte-exact; a run fails only if the retry fails too.
  this.retries(1);
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it(`connect() -> relay -> slt listener: ${SECONDS} s at 10 Mbit/s byte-exact on its stdout`, async function () {
    this.timeout(40000);
    const port = await freeUdpPort();
    const statsFile = path.join(tempDir(), 'slt-listener.json');
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, ...sltStatsArgs(statsFile), `srt://:${port}?latency=${LATENCY}`, 'file://con'],
      { name: 'slt-listener' });
    const out = new ByteCollector(slt.proc.stdout!);
    await waitForSrtListener(port, { peer: slt });
    const { relay, port: relayPort } = await startRelay(port, 3003);

    const sock = await connectTo({ host: '127.0.0.1', port: relayPort, latency: LATENCY, payloadSize: CHUNK, streamId: 'lossy' }, 10000, () => slt.diag());
    const data = randomBytes(BYTES, 'lossy-slt-listener');
    const diag = () => `ours ${statsText(sock)}\n${slt.diag()}`;
    await pacedWrite(sock, data, { bitrate: BITRATE, chunkSize: CHUNK, end: false });
    relay.forward.set({ loss: 0 });
    await out.waitForBytes(data.length - SLT_STDOUT_SLACK, LATENCY + 8000, diag);
    await delay(LATENCY + 500);
    const snd = sock.getStats();

    sock.end(); // SHUTDOWN: srt-live-transmit -a no exits and flushes its stdout
    let exitedOnShutdown = true;
    try { await slt.waitExit(10000); } catch { exitedOnShutdown = false; await slt.kill('SIGINT'); }
    await out.done;
    const got = out.buffer();
    expect(got.equals(data), `${describeMismatch(got, data)}\n${diag()}`).to.equal(true);
    expect(exitedOnShutdown, `srt-live-transmit did not exit on our SHUTDOWN through the relay\n${slt.diag()}`).to.equal(true);
    checkCounters('ours -> slt', relay.forward.counters, snd, sltTotals(statsFile), diag);
  });

  it(`slt caller -> relay -> SrtServer: ${SECONDS} s at 10 Mbit/s byte-exact`, async function () {
    this.timeout(40000);
    const port = await freeUdpPort();
    const srv = await startServer({ latency: LATENCY }, port);
    const { relay, port: relayPort } = await startRelay(port, 4004);
    const statsFile = path.join(tempDir(), 'slt-caller.json');
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', String(CHUNK), ...sltStatsArgs(statsFile),
      'file://con', `srt://127.0.0.1:${relayPort}?latency=${LATENCY}&streamid=lossy`], { name: 'slt-caller' });
    const sock = await srv.nextConnection(10000, () => slt.diag());
    await sltFeedsUs(slt, sock, relay.forward, statsFile, 'lossy-slt-caller', 'slt -> ours (SrtServer)');
  });

  it(`slt listener (sending) -> relay -> connect(): ${SECONDS} s at 10 Mbit/s byte-exact`, async function () {
    this.timeout(40000);
    const port = await freeUdpPort();
    const statsFile = path.join(tempDir(), 'slt-listener-sender.json');
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', String(CHUNK), ...sltStatsArgs(statsFile),
      'file://con', `srt://:${port}?latency=${LATENCY}`], { name: 'slt-listener-sender' });
    await waitForSrtListener(port, { peer: slt });
    const { relay, port: relayPort } = await startRelay(port, 5005);
    const sock = await connectTo({ host: '127.0.0.1', port: relayPort, latency: LATENCY }, 10000, () => slt.diag());
    // Data flows from the listener to the caller: the relay's backward direction.
    await sltFeedsUs(slt, sock, relay.backward, statsFile, 'lossy-slt-listener-sender', 'slt -> ours (connect)');
  });
});

/** srt-live-transmit reads `data` from its stdin pipe and sends it to `sock` through the relay. */
async function sltFeedsUs(slt: PeerHandle, sock: SrtSocket, dataDir: ImpairmentRelay['forward'], statsFile: string, seed: string, label: string): Promise<void> {
  const got = new ByteCollector(sock);
  // Input read before its SRT output is connected is dropped.
  await slt.waitForStderr(SLT_TARGET_CONNECTED, 10000);
  const data = randomBytes(BYTES, seed);
  const diag = () => `ours ${statsText(sock)}\nrelay ${JSON.stringify(dataDir.counters)}\n${slt.diag()}`;
  await pacedWrite(slt.proc.stdin!, data, { bitrate: BITRATE, chunkSize: CHUNK }); // ends stdin (SLT_FEED_NOTE)
  dataDir.set({ loss: 0 });
  await got.waitForBytes(data.length, LATENCY + 8000, diag);
  await delay(200);
  expect(got.buffer().equals(data), `${describeMismatch(got.buffer(), data)}\n${diag()}`).to.equal(true);
  await slt.kill('SIGINT');
  checkCounters(label, dataDir.counters, sltTotals(statsFile), sock.getStats(), diag);
}
