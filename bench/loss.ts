/**
 * Bench loss scenario: the same live stream through the UDP impairment relay
 * (src/tools/impairment-relay.ts, in this process) with 5 % random loss and 20 ms
 * delay each way, once per implementation, same relay seed:
 *
 *   srt-stream: sender-child connect() -> relay -> receiver-child createServer()
 *   libsrt:     srt-live-transmit caller (stdin) -> relay -> srt-live-transmit listener (stdout)
 *
 * Measured: retransmitted packets per lost packet (sender pktRetrans / data packets the
 * relay dropped in the data direction; originals and retransmissions both count as lost,
 * as each needs a retransmission), per lost original, and the delivered fraction (bytes
 * out of the receiving application / bytes the generator wrote). With loss but no
 * reordering, an ideal ARQ retransmits each lost packet once: the ratio is ~1; above
 * that are spurious retransmissions (periodic NAKs resent before the retransmission
 * arrived, etc.); below 1 would mean lost packets left unrepaired (delivered < 1).
 *
 * libsrt's sender counters come from srt-live-transmit's `-s 20 -f -pf json -statsout`
 * (a record every 20 packets); its last record can miss the retransmissions of the
 * last ~20 packets. The generator's last packets: SRT live has no tail-loss recovery,
 * so a loss among the final packet(s) is not repaired by either implementation.
 *
 * Env: BENCH_LOSS_SECONDS (8), BENCH_LOSS_MBPS (10), BENCH_LOSS_LATENCY (200), BENCH_LOSS_PCT (5),
 *      BENCH_LOSS_DELAY (20), BENCH_LOSS_JITTER (0, ms: reorders), BENCH_LOSS_BURST_EVERY (0: a 10-datagram
 *      burst every N datagrams), BENCH_LOSS_REORDER (0, % held back 5 ms), BENCH_LOSS_DUP (0, %).
 *      The loss-recovery test's pattern: BENCH_LOSS_DELAY=10 BENCH_LOSS_JITTER=3 BENCH_LOSS_BURST_EVERY=500
 *      BENCH_LOSS_REORDER=2 BENCH_LOSS_DUP=2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImpairmentRelay, type Impairment, type RelayCounters } from '../src/tools/impairment-relay';
import { GeneratorResult, PacedGenerator } from './generator';
import { Child, countBytes, delay, freeUdpPort, nodeChild, spawnChild, stopAll, stopChild, waitForSrtListener, waitForStderr, waitMsg } from './proc';

const SECONDS = Number(process.env.BENCH_LOSS_SECONDS ?? 8);
const MBPS = Number(process.env.BENCH_LOSS_MBPS ?? 10);
const LATENCY = Number(process.env.BENCH_LOSS_LATENCY ?? 200);
const LOSS_PCT = Number(process.env.BENCH_LOSS_PCT ?? 5);
const DELAY_MS = Number(process.env.BENCH_LOSS_DELAY ?? 20);
const JITTER_MS = Number(process.env.BENCH_LOSS_JITTER ?? 0);
const BURST_EVERY = Number(process.env.BENCH_LOSS_BURST_EVERY ?? 0);
const REORDER_PCT = Number(process.env.BENCH_LOSS_REORDER ?? 0);
const DUP_PCT = Number(process.env.BENCH_LOSS_DUP ?? 0);
const PKT = 1316;
const SETTLE_MS = 300;
/** After the generator's last packet: latency + a few RTTs of NAK/retransmission rounds. */
const TAIL_MS = LATENCY + 8 * DELAY_MS + 300;
const SEED = 777;
const SLT = 'srt-live-transmit';

const EXTRAS = [JITTER_MS ? `±${JITTER_MS}ms` : '', BURST_EVERY ? `burst10/${BURST_EVERY}` : '', REORDER_PCT ? `reorder ${REORDER_PCT}%` : '',
  DUP_PCT ? `dup ${DUP_PCT}%` : ''].filter(Boolean).join(' ');
export const LOSS_SCENARIO = `loss ${LOSS_PCT}% ${DELAY_MS}ms${EXTRAS ? ` ${EXTRAS}` : ''} ${MBPS}Mb/s`;

export interface LossRow {
  scenario: string;
  impl: 'srt-stream' | 'libsrt';
  generator: GeneratorResult;
  sentBytes: number;
  deliveredBytes: number;
  delivered: number;
  /** Relay counters in the data direction (sender -> receiver) and the other one. */
  relayData: RelayCounters;
  relayBack: RelayCounters;
  pktRetrans: number;
  pktRcvLoss: number;
  pktRcvDrop: number;
  pktSndDrop: number;
  rttMs: number;
  /** pktRetrans / relay-dropped data packets. */
  rexmitPerLoss: number;
  /** pktRetrans / relay-dropped original data packets. */
  rexmitPerLostOriginal: number;
  notes: string[];
}

interface ChildReport { type: 'report'; bytes: number; stats: Record<string, number>; sockError?: string; closedEarly?: boolean }

const IMPAIRMENT: Impairment = {
  loss: LOSS_PCT / 100, delayMs: DELAY_MS, jitterMs: JITTER_MS, burstEvery: BURST_EVERY, burstLength: 10,
  reorder: REORDER_PCT / 100, duplicate: DUP_PCT / 100,
};



async function waitExit(c: Child, ms: number): Promise<boolean> {
  return Promise.race([c.exited.then(() => true), delay(ms).then(() => false)]);
}

/** Totals of the last record of a srt-live-transmit `-f -pf json -statsout` file. */
function sltTotals(file: string): Record<string, number> {
  let lines: string[] = [];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{'));
  } catch {
    return {};
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const r = JSON.parse(lines[i].trim().replace(/,\s*$/, ''));
      return {
        pktRetransTotal: r.send?.packetsRetransmitted, pktSentTotal: r.send?.packets, pktSndDropTotal: r.send?.packetsDropped,
        pktRcvLossTotal: r.recv?.packetsLost, pktRcvDropTotal: r.recv?.packetsDropped, msRTT: r.link?.rtt,
      };
    } catch {
      /* a record cut by the kill */
    }
  }
  return {};
}

async function startRelay(targetPort: number): Promise<{ relay: ImpairmentRelay; port: number }> {
  const relay = new ImpairmentRelay({ target: { host: '127.0.0.1', port: targetPort }, forward: IMPAIRMENT, backward: IMPAIRMENT, seed: SEED });
  return { relay, port: await relay.listen() };
}

function makeRow(impl: LossRow['impl'], gen: GeneratorResult, deliveredBytes: number, relay: ImpairmentRelay,
  snd: Record<string, number>, rcv: Record<string, number>): LossRow {
  const c = { ...relay.forward.counters };
  const lostOriginals = c.droppedData - c.droppedRexmit;
  const n = (v: number | undefined) => (typeof v === 'number' ? v : NaN);
  return {
    scenario: LOSS_SCENARIO,
    impl,
    generator: gen,
    sentBytes: gen.bytes,
    deliveredBytes,
    delivered: deliveredBytes / gen.bytes,
    relayData: c,
    relayBack: { ...relay.backward.counters },
    pktRetrans: n(snd.pktRetransTotal),
    pktRcvLoss: n(rcv.pktRcvLossTotal),
    pktRcvDrop: n(rcv.pktRcvDropTotal),
    pktSndDrop: n(snd.pktSndDropTotal),
    rttMs: n(snd.msRTT ?? rcv.msRTT),
    rexmitPerLoss: n(snd.pktRetransTotal) / c.droppedData,
    rexmitPerLostOriginal: n(snd.pktRetransTotal) / lostOriginals,
    notes: [],
  };
}

async function lossSrtStream(dir: string): Promise<LossRow> {
  const receiverJs = path.join(dir, 'receiver-child.js');
  const senderJs = path.join(dir, 'sender-child.js');
  const port = await freeUdpPort();
  const rx = nodeChild('srt-stream receiver', receiverJs, [port, LATENCY], 'ignore');
  let relay: ImpairmentRelay | undefined;
  try {
    await waitMsg(rx, 'ready', 5000);
    const r = await startRelay(port);
    relay = r.relay;
    const tx = nodeChild('srt-stream sender', senderJs, [r.port, LATENCY, PKT], 'pipe');
    await Promise.all([waitMsg(tx, 'connected', 10000), waitMsg(rx, 'connected', 10000)]);
    await delay(SETTLE_MS);
    const gen = await new PacedGenerator(tx.proc.stdin!, MBPS * 1e6, PKT, 5).run(SECONDS * 1000);
    await delay(TAIL_MS);
    const txRep = waitMsg<ChildReport>(tx, 'report', 5000);
    const rxRep = waitMsg<ChildReport>(rx, 'report', 5000);
    tx.proc.send({ cmd: 'stop' });
    rx.proc.send({ cmd: 'stop' });
    const [snd, rcv] = await Promise.all([txRep, rxRep]);
    const row = makeRow('srt-stream', gen, rcv.bytes, relay, snd.stats, rcv.stats);
    for (const [who, rep] of [['sender', snd], ['receiver', rcv]] as const) {
      if (rep.sockError) row.notes.push(`${who} socket error: ${rep.sockError}`);
    }
    relay.forward.set({ loss: 0 });
    relay.backward.set({ loss: 0 });
    for (const c of [tx, rx]) c.proc.send({ cmd: 'quit' });
    await Promise.all([waitExit(tx, 2000), waitExit(rx, 2000)]);
    return row;
  } finally {
    relay?.close();
    await stopAll();
  }
}

async function lossLibsrt(tmpDir: string): Promise<LossRow> {
  const port = await freeUdpPort();
  const statsFile = path.join(tmpDir, 'loss-libsrt-sender.json');
  const rxStatsFile = path.join(tmpDir, 'loss-libsrt-receiver.json');
  const rx = spawnChild('srt-live-transmit receiver', SLT, [
    '-a', 'no', '-s', '100', '-f', '-pf', 'json', '-statsout', rxStatsFile, `srt://:${port}?latency=${LATENCY}`, 'file://con',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = countBytes(rx.proc.stdout);
  let relay: ImpairmentRelay | undefined;
  try {
    await waitForSrtListener(port, 5000);
    const r = await startRelay(port);
    relay = r.relay;
    const tx = spawnChild('srt-live-transmit sender', SLT, [
      '-a', 'no', '-chunk', String(PKT), '-s', '20', '-f', '-pf', 'json', '-statsout', statsFile,
      'file://con', `srt://127.0.0.1:${r.port}?latency=${LATENCY}`,
    ], { stdio: ['pipe', 'ignore', 'pipe'] });
    await waitForStderr(tx, /SRT target connected/, 10000);
    await delay(SETTLE_MS);
    const gen = await new PacedGenerator(tx.proc.stdin!, MBPS * 1e6, PKT, 5).run(SECONDS * 1000);
    await delay(TAIL_MS);
    const deliveredInWindow = out.bytes();
    // Clean link for the goodbye (SHUTDOWN), so the receiver exits and flushes its stdout.
    relay.forward.set({ loss: 0 });
    relay.backward.set({ loss: 0 });
    await stopChild(tx);
    if (!(await waitExit(rx, 3000))) await stopChild(rx);
    await Promise.race([out.ended, delay(1000)]);
    const row = makeRow('libsrt', gen, out.bytes(), relay, sltTotals(statsFile), sltTotals(rxStatsFile));
    row.notes.push(`receiver stdout bytes at window end ${deliveredInWindow} (block-buffered), after exit ${out.bytes()}`);
    return row;
  } finally {
    relay?.close();
    await stopAll();
  }
}

/** Runs both implementations; `dir` is where the compiled bench children live. */
export async function runLossScenarios(dir: string, tmpDir: string, log: (label: string) => void, done: (r: LossRow) => void,
  failed: (label: string, e: Error) => void): Promise<LossRow[]> {
  const rows: LossRow[] = [];
  const plan: [string, () => Promise<LossRow>][] = [
    [`${LOSS_SCENARIO} srt-stream`, () => lossSrtStream(dir)],
    [`${LOSS_SCENARIO} libsrt`, () => lossLibsrt(tmpDir)],
  ];
  for (const [label, fn] of plan) {
    log(label);
    try {
      const r = await fn();
      rows.push(r);
      done(r);
    } catch (e) {
      failed(label, e as Error);
    }
  }
  return rows;
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export function lossSummary(r: LossRow): string {
  return `rexmit/loss ${f(r.rexmitPerLoss)}  delivered ${f(r.delivered, 4)}`;
}

export function printLossTable(rows: LossRow[]): void {
  if (!rows.length) return;
  const out: string[] = [''];
  out.push(`loss scenario: ${MBPS} Mbit/s for ${SECONDS} s through the relay, ${LOSS_PCT} % loss and ${DELAY_MS} ms delay` +
    `${EXTRAS ? ` (${EXTRAS})` : ''} each way, latency ${LATENCY} ms`);
  out.push(`${'impl'.padEnd(12)}${'pkts'.padStart(7)}${'lost'.padStart(7)}${'(orig'.padStart(7)}${'rexmit)'.padStart(8)}` +
    `${'pktRetrans'.padStart(12)}${'rexmit/loss'.padStart(13)}${'rexmit/orig'.padStart(13)}${'rcvLoss'.padStart(9)}${'rcvDrop'.padStart(9)}` +
    `${'delivered'.padStart(11)}${'rtt ms'.padStart(8)}`);
  for (const r of rows) {
    const c = r.relayData;
    out.push(`${r.impl.padEnd(12)}${String(r.generator.packets).padStart(7)}${String(c.droppedData).padStart(7)}` +
      `${String(c.droppedData - c.droppedRexmit).padStart(7)}${String(c.droppedRexmit).padStart(8)}${f(r.pktRetrans, 0).padStart(12)}` +
      `${f(r.rexmitPerLoss).padStart(13)}${f(r.rexmitPerLostOriginal).padStart(13)}${f(r.pktRcvLoss, 0).padStart(9)}` +
      `${f(r.pktRcvDrop, 0).padStart(9)}${f(r.delivered, 4).padStart(11)}${f(r.rttMs, 1).padStart(8)}`);
    out.push(`      relay: data direction ${c.seenData} data packets seen (${c.seenRexmit} retransmissions), control dropped ` +
      `${c.droppedControl}; other direction dropped ${r.relayBack.dropped} of ${r.relayBack.dropped + r.relayBack.forwarded}`);
    for (const n of r.notes) out.push(`      ${n}`);
  }
  console.log(out.join('\n'));
}
