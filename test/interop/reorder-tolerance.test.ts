/**
 * Reorder tolerance (lossMaxTtl / libsrt's SRTO_LOSSMAXTTL) against libsrt 1.5.1: srt-live-transmit
 * sends through an impairment relay (src/tools/impairment-relay.ts) that holds 8 % of the datagrams
 * back 5 ms (about 5 packets at 10 Mbit/s) and loses 1 % of the data packets, 10 ms each way; latency
 * 200 ms, 5 s at 10 Mbit/s of 1316-byte packets. Four receivers, one after the other, each behind a
 * relay with the same seed:
 *   our SrtServer, lossMaxTtl 0 and 20          byte-exact, and fewer NAKs and retransmissions with 20
 *   srt-live-transmit, lossmaxttl=0 and 20      libsrt's own figures; also shows it takes the parameter
 * Retransmissions and NAKed packets are counted by the relay (the R flag, the loss reports passed on):
 * the same measure for every receiver. A table after the four compares them, with each receiver's
 * pktReorderDistance (srt-live-transmit prints it in its default stats format as REORDER DISTANCE;
 * libsrt lowers it with each decay of the tolerance, so it may go negative where ours stops at 0).
 *
 * The relay's random draws follow the datagrams, retransmissions included, so the runs see the same
 * kind of link rather than the same packets. Losses stop with the sender's last byte: SRT live mode
 * has no tail-loss recovery (see test/interop/lossy-relay.test.ts).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImpairmentRelay, type Impairment, type RelayCounters } from '../../src/tools/impairment-relay';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_STDOUT_SLACK, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, floorTo,
  freeUdpPort, onCleanup, pacedWrite, randomBytes, requireTool, spawnPeer, tempDir, waitForSrtListener, type PeerHandle,
} from '../support/interop';
import { startServer, statsText } from '../support/interop-srt';

const DATA_LINK: Impairment = { delayMs: 10, reorder: 0.08, reorderMs: 5, loss: 0.01 };
const ACK_LINK: Impairment = { delayMs: 10 };
const SEED = 7070;
const LATENCY = 200;
const TTL = 20;
const BITRATE = 10e6;
const SECONDS = 5;
const CHUNK = 1316;
const BYTES = floorTo((BITRATE / 8) * SECONDS, CHUNK);

interface Run {
  label: string;
  exact: boolean;
  relay: RelayCounters;
  /** Sequence numbers named by the loss reports that reached the sender. */
  naked: number;
  reorderDistance?: number;
  reorderTolerance?: number;
}

const runs: Run[] = [];

async function startRelay(targetPort: number): Promise<{ relay: ImpairmentRelay; port: number }> {
  // Losses on data only: a lost NAK would be repeated by a libsrt receiver only after its first
  // 300 ms NAK period (see test/interop/loss-recovery.test.ts), past the latency.
  const relay = new ImpairmentRelay({ target: { host: '127.0.0.1', port: targetPort }, forward: DATA_LINK, backward: ACK_LINK, dataOnly: true, seed: SEED });
  const port = await relay.listen();
  onCleanup(() => relay.close());
  return { relay, port };
}

/** srt-live-transmit (caller) reads `data` from stdin at 10 Mbit/s and sends it through the relay; the link is clean after the last byte. */
async function sltSends(relayPort: number, relay: ImpairmentRelay, data: Buffer): Promise<PeerHandle> {
  const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', String(CHUNK), 'file://con',
    `srt://127.0.0.1:${relayPort}?latency=${LATENCY}`], { name: 'slt-tx' });
  await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);
  await pacedWrite(tx.proc.stdin!, data, { bitrate: BITRATE, chunkSize: CHUNK }); // ends stdin
  relay.forward.set({ loss: 0, reorder: 0 });
  return tx;
}

function record(label: string, got: Buffer, data: Buffer, relay: ImpairmentRelay, reorder: Partial<Run>): Run {
  const r: Run = { label, exact: got.equals(data), relay: { ...relay.forward.counters }, naked: relay.backward.counters.nakedSeqs, ...reorder };
  runs.push(r);
  const c = r.relay;
  console.log(`      ${label}: ${r.exact ? 'byte-exact' : 'NOT exact'}; relay held back ${c.reordered}, dropped ${c.droppedData} data packets ` +
    `(${c.droppedData - c.droppedRexmit} originals); NAKs named ${r.naked} packets; retransmissions ${c.seenRexmit}; ` +
    `reorder distance ${r.reorderDistance ?? '-'}, tolerance ${r.reorderTolerance ?? '-'}`);
  return r;
}

/** The last REORDER DISTANCE of srt-live-transmit's default (two-column) stats output. */
function sltReorderDistance(file: string): number | undefined {
  if (!fs.existsSync(file)) return undefined;
  const all = [...fs.readFileSync(file, 'utf8').matchAll(/REORDER DISTANCE:\s+(-?\d+)/g)];
  return all.length ? Number(all[all.length - 1][1]) : undefined;
}

describe(`interop: reorder tolerance, srt-live-transmit -> relay (8 % held back 5 ms, 1 % data loss, 10 ms each way) -> receiver; latency ${LATENCY}`, function () {
  this.timeout(40000);
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });
  after(function () {
    if (runs.length === 0) return;
    console.log(`      ${'receiver'.padEnd(32)}${'exact'.padStart(6)}${'held'.padStart(6)}${'lost'.padStart(6)}${'NAKed'.padStart(7)}` +
      `${'rexmits'.padStart(9)}${'distance'.padStart(10)}${'tolerance'.padStart(11)}`);
    for (const r of runs) {
      console.log(`      ${r.label.padEnd(32)}${String(r.exact).padStart(6)}${String(r.relay.reordered).padStart(6)}` +
        `${String(r.relay.droppedData).padStart(6)}${String(r.naked).padStart(7)}${String(r.relay.seenRexmit).padStart(9)}` +
        `${String(r.reorderDistance ?? '-').padStart(10)}${String(r.reorderTolerance ?? '-').padStart(11)}`);
    }
  });

  for (const ttl of [0, TTL]) {
    it(`SrtServer with lossMaxTtl ${ttl}: ${SECONDS} s at 10 Mbit/s byte-exact`, async function () {
      const port = await freeUdpPort();
      const srv = await startServer({ latency: LATENCY, lossMaxTtl: ttl }, port);
      const { relay, port: relayPort } = await startRelay(port);
      const data = randomBytes(BYTES, `reorder-${SEED}`);
      const accepted = srv.nextConnection(10000);
      const sending = sltSends(relayPort, relay, data);
      const sock = await accepted;
      const got = new ByteCollector(sock);
      const tx = await sending;
      const diag = () => `ours ${statsText(sock)}\nrelay ${JSON.stringify(relay.forward.counters)}\n${tx.diag()}`;
      await got.waitForBytes(data.length, LATENCY + 5000, diag).catch(() => { /* compared below */ });
      await delay(200);
      const s = sock.getStats();
      await tx.kill('SIGINT');
      const r = record(`SrtServer lossMaxTtl ${ttl}`, got.buffer(), data, relay, { reorderDistance: s.pktReorderDistance, reorderTolerance: s.pktReorderTolerance });
      expect(r.exact, `${describeMismatch(got.buffer(), data)}\n${diag()}`).to.equal(true);
      expect(s.pktRcvDrop, diag()).to.equal(0);
      expect(r.relay.seenRexmit, 'every lost original resent').to.be.at.least(r.relay.droppedData - r.relay.droppedRexmit);
      expect(s.pktReorderDistance, 'the link reordered').to.be.greaterThan(0);
      if (ttl === 0) {
        expect(s.pktReorderTolerance).to.equal(0);
      } else {
        expect(s.pktReorderTolerance).to.be.within(1, ttl);
        const off = runs.find((x) => x.label === 'SrtServer lossMaxTtl 0');
        if (off) {
          expect(r.naked, 'packets NAKed, against lossMaxTtl 0').to.be.lessThan(off.naked);
          expect(r.relay.seenRexmit, 'retransmissions, against lossMaxTtl 0').to.be.lessThan(off.relay.seenRexmit);
        }
      }
    });
  }

  for (const ttl of [0, TTL]) {
    it(`reference: srt-live-transmit with lossmaxttl=${ttl} (libsrt's own figures, logged)`, async function () {
      const port = await freeUdpPort();
      const statsFile = path.join(tempDir(), `slt-rx-${ttl}.txt`);
      // Default stats format: the only one with REORDER DISTANCE.
      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-s', '500', '-statsout', statsFile,
        `srt://:${port}?latency=${LATENCY}&lossmaxttl=${ttl}`, 'file://con'], { name: 'slt-rx' });
      const out = new ByteCollector(rx.proc.stdout!);
      await waitForSrtListener(port, { peer: rx });
      const { relay, port: relayPort } = await startRelay(port);
      const data = randomBytes(BYTES, `reorder-${SEED}`);
      const tx = await sltSends(relayPort, relay, data);
      await out.waitForBytes(data.length - SLT_STDOUT_SLACK, LATENCY + 5000).catch(() => { /* compared below */ });
      await delay(LATENCY + 300);
      await tx.kill('SIGINT'); // SHUTDOWN: the receiver (-a no) exits and flushes its stdout
      await rx.waitExit(5000).catch(() => rx.kill('SIGINT'));
      await out.done;
      const r = record(`srt-live-transmit lossmaxttl=${ttl}`, out.buffer(), data, relay, { reorderDistance: sltReorderDistance(statsFile) });
      if (ttl > 0) {
        const off = runs.find((x) => x.label === 'srt-live-transmit lossmaxttl=0');
        // It takes the parameter (it ignores unknown ones silently): its receiver asks for less.
        if (off) expect(r.relay.seenRexmit, 'libsrt retransmissions, against lossmaxttl=0').to.be.lessThan(off.relay.seenRexmit);
      }
    });
  }
});
