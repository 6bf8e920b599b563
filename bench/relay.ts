/**
 * Bench relay scenario: one publisher, many players, through a relay in its own process:
 *
 *   paced generator (numbered packets) -> sender-child connect() streamid=publish:bench
 *     -> relay (srt-relay: the real bin/srt-relay.js; gosrt: its contrib/server, when built)
 *     -> N players streamid=read:bench (gosrt: /bench), connect()s spread over a few processes
 *        (bench/relay-players-child.ts), each checking every packet it gets
 *
 * Players connect before the stream starts, so each should get every packet. Measured:
 *  - delivered per player: distinct intact packets (number and every byte checked) / packets
 *    the generator wrote; min, median and max over the players;
 *  - relay CPU over the window (/proc/<pid>/stat, all threads) as % of one core and as µs per
 *    packet forwarded: CPU time / (packets in × players);
 *  - relay peak RSS (VmHWM, whole life);
 *  - relay event-loop delay (srt-relay's SRT_RELAY_ELD=1: a line on stderr per SIGUSR2, sent at
 *    the window's start and end; gosrt has no event loop);
 *  - the players' and the publisher's CPU, and the relay's run-queue wait: they share the
 *    machine with the relay, and a relay waiting for a CPU falls behind whatever its own cost.
 *
 * Player counts: 20 (at 8 Mbit/s, 160 Mbit/s out: a 2-core machine carries it, so the CPU figures
 * are the relay's cost) and 100 (the target, 800 Mbit/s out: on 2 cores shared with the players
 * the relay falls behind; the row shows how it fails).
 *
 * gosrt: BENCH_GOSRT=<binary of gosrt's contrib/server> (default dist/gosrt-server, which
 * bench/tools/build-gosrt.sh builds from a gosrt source tree); without it the scenario says why.
 *
 * Env: BENCH_RELAY_PLAYERS (20,100: player counts, a run each), BENCH_RELAY_MBPS (8), BENCH_RELAY_SECONDS (8),
 *      BENCH_RELAY_LATENCY (120), BENCH_RELAY_PROCS (2: player processes), BENCH_RELAY_IMPLS (srt-relay,gosrt),
 *      BENCH_GOSRT, BENCH_RELAY_LOG (file: the relays' stderr, srt-relay without -q, appended there).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ELD_RESOLUTION_MS, type WindowMetrics } from './child-metrics';
import { GeneratorResult, PacedGenerator } from './generator';
import type { PlayerReport } from './relay-players-child';
import {
  Child, cpuTimeUs, delay, freeUdpPort, nodeChild, runQueueWaitUs, spawnChild, statusKb, stopAll, stopChild, systemBusyUs, waitForSrtListener, waitMsg,
} from './proc';

/** Player counts, one run of each relay per count. */
const PLAYER_COUNTS = (process.env.BENCH_RELAY_PLAYERS ?? '20,100').split(',').map(Number).filter((n) => n > 0);
const MBPS = Number(process.env.BENCH_RELAY_MBPS ?? 8);
const SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 8);
const LATENCY = Number(process.env.BENCH_RELAY_LATENCY ?? 120);
const PROCS = Math.max(1, Number(process.env.BENCH_RELAY_PROCS ?? 2));
const IMPLS = (process.env.BENCH_RELAY_IMPLS ?? 'srt-relay,gosrt').split(',');
const PKT = 1316;
const SETTLE_MS = 300;
/** After the generator's last packet: the players' latency, then some. */
const TAIL_MS = LATENCY + 500;

const root = path.resolve(__dirname, '..', '..');
const RELAY_BIN = path.join(root, 'bin', 'srt-relay.js');
const GOSRT = process.env.BENCH_GOSRT ?? path.join(root, 'dist', 'gosrt-server');
/** BENCH_RELAY_LOG=<file>: the relay's log (srt-relay without -q), last 16 KiB, appended there. */
const RELAY_LOG = process.env.BENCH_RELAY_LOG;

const scenarioName = (players: number) => `relay ${MBPS}Mb/s x${players}`;

export type RelayImpl = 'srt-relay' | 'gosrt';

export interface RelayRow {
  scenario: string;
  impl: RelayImpl;
  players: number;
  playerProcs: number;
  generator: GeneratorResult;
  wallMs: number;
  /** Relay process CPU over the window. */
  cpuUs: number;
  cpuPct: number;
  /** cpuUs / (packets in × players): the relay's cost per packet forwarded, when all were (delivered 1). */
  usPerPktForwarded: number;
  /** cpuUs / packets the players got: the same when all were delivered, higher when not. */
  usPerPktDelivered: number;
  rssPeakMB: number;
  /** The relay's threads: time runnable but waiting for a CPU, summed, % of the window (a busy machine). */
  runQueueWaitPct: number;
  /** Delivered fraction per player (distinct intact packets / packets sent), sorted. */
  delivered: number[];
  deliveredMin: number;
  deliveredMedian: number;
  deliveredMax: number;
  /** Bytes each player got / bytes sent, lowest. */
  bytesFractionMin: number;
  /** Sums over the players. */
  damaged: number;
  duplicates: number;
  outOfOrder: number;
  closedEarly: number;
  /** The latest first packet and the earliest end (last number + 1) among the players: where misses are. */
  firstSeqMax: number;
  seqEndMin: number;
  rcvLoss: number;
  rcvDrop: number;
  /** srt-relay's event-loop delay in the window, ms beyond the sampling interval. */
  eld?: { p50: number; p99: number; max: number; samples: number };
  /** CPU % of one core of each player process and of the publisher, in the window. */
  playerProcsCpuPct: number[];
  publisherCpuPct: number;
  /** Players' own event-loop delay p99 (ms beyond the sampling interval), per process. */
  playerProcsEldP99: number[];
  sysBusyPct: number;
  notes: string[];
}

interface PlayersReport { type: 'report'; metrics: WindowMetrics; players: PlayerReport[] }

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const median = (a: number[]) => { const b = [...a].sort((x, y) => x - y); return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };

async function waitExit(c: Child, ms: number): Promise<boolean> {
  return Promise.race([c.exited.then(() => true), delay(ms).then(() => false)]);
}

const ELD_LINE = /eld p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+) ms \((\d+) samples\)/;

/** Sends SIGUSR2 to srt-relay and waits for the event-loop delay line it prints in answer. */
async function eldLine(c: Child, timeoutMs = 3000): Promise<RelayRow['eld']> {
  const before = c.stderr().length;
  c.proc.kill('SIGUSR2');
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    // stderr() keeps the last 16 KiB: srt-relay -q prints little, so `before` stays a valid cut.
    const m = ELD_LINE.exec(c.stderr().slice(before));
    if (m) return { p50: Number(m[1]), p99: Number(m[2]), max: Number(m[3]), samples: Number(m[4]) };
    await delay(20);
  }
  throw new Error(`srt-relay printed no event-loop delay line within ${timeoutMs} ms (SRT_RELAY_ELD)`);
}

function startRelay(impl: RelayImpl, port: number): Child {
  if (impl === 'gosrt') return spawnChild('gosrt server', GOSRT, ['-addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return spawnChild('srt-relay', process.execPath, [
    RELAY_BIN, ...(RELAY_LOG ? [] : ['-q']), '--srt-host', '127.0.0.1', '--srt-port', String(port), '--no-http', '--allow', '127.0.0.1', '--latency', String(LATENCY),
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SRT_RELAY_ELD: '1' } });
}

/** The stream IDs each relay understands (srt-relay takes gosrt's too; these are its own). */
function streamIds(impl: RelayImpl): { publish: string; play: string } {
  return impl === 'gosrt' ? { publish: 'publish:/bench', play: '/bench' } : { publish: 'publish:bench', play: 'read:bench' };
}

async function relayRun(impl: RelayImpl, dir: string, playerCount: number): Promise<RelayRow> {
  const port = await freeUdpPort();
  const relay = startRelay(impl, port);
  try {
    await waitForSrtListener(port, 5000);
    const ids = streamIds(impl);
    // The publisher first: gosrt refuses players of a stream nobody publishes.
    const pub = nodeChild('publisher', path.join(dir, 'sender-child.js'), [port, LATENCY, PKT, ids.publish], 'pipe');
    await waitMsg(pub, 'connected', 5000);
    const procs: Child[] = [];
    const nProcs = Math.min(PROCS, playerCount);
    for (let i = 0; i < nProcs; i++) {
      const n = Math.floor(playerCount / nProcs) + (i < playerCount % nProcs ? 1 : 0);
      procs.push(nodeChild(`players ${i + 1}`, path.join(dir, 'relay-players-child.js'), [port, n, ids.play, LATENCY, PKT], 'ignore'));
    }
    await Promise.all(procs.map((p) => waitMsg(p, 'connected', 30000)));
    await delay(SETTLE_MS);

    if (impl === 'srt-relay') await eldLine(relay); // starts the relay's window
    const sys0 = systemBusyUs();
    const cpu0 = cpuTimeUs(relay.pid);
    const wait0 = runQueueWaitUs(relay.pid);
    const others0 = [pub, ...procs].map((c) => cpuTimeUs(c.pid));
    const t0 = performance.now();
    for (const c of [pub, ...procs]) c.proc.send({ cmd: 'start' });
    const gen = await new PacedGenerator(pub.proc.stdin!, MBPS * 1e6, PKT, 5, true).run(SECONDS * 1000);
    await delay(TAIL_MS);
    const cpu1 = cpuTimeUs(relay.pid);
    const wait1 = runQueueWaitUs(relay.pid);
    const others1 = [pub, ...procs].map((c) => cpuTimeUs(c.pid));
    const sys1 = systemBusyUs();
    const wallMs = performance.now() - t0;
    const eld = impl === 'srt-relay' ? await eldLine(relay) : undefined;
    const hwm = statusKb(relay.pid, 'VmHWM');

    const reports = await Promise.all(procs.map((p) => {
      const r = waitMsg<PlayersReport>(p, 'report', 10000);
      p.proc.send({ cmd: 'stop' });
      return r;
    }));
    const pubRep = waitMsg<{ sockError?: string; stats: Record<string, number> }>(pub, 'report', 5000);
    pub.proc.send({ cmd: 'stop' });
    const pubReport = await pubRep;
    for (const c of [pub, ...procs]) c.proc.send({ cmd: 'quit' });
    await Promise.all([pub, ...procs].map((c) => waitExit(c, 2000)));

    const players = reports.flatMap((r) => r.players);
    const delivered = players.map((p) => p.distinct / gen.packets).sort((a, b) => a - b);
    const sum = (k: keyof PlayerReport) => players.reduce((a, p) => a + Number(p[k]), 0);
    const sumStat = (k: string) => players.reduce((a, p) => a + (p.stats[k] ?? 0), 0);
    const cpuUs = cpu1 - cpu0;
    const pct = (us: number) => (us / (wallMs * 1000)) * 100;
    const row: RelayRow = {
      scenario: scenarioName(playerCount),
      impl,
      players: players.length,
      playerProcs: procs.length,
      generator: gen,
      wallMs,
      cpuUs,
      cpuPct: pct(cpuUs),
      usPerPktForwarded: cpuUs / (gen.packets * playerCount),
      usPerPktDelivered: cpuUs / sum('distinct'),
      rssPeakMB: hwm / 1048576,
      runQueueWaitPct: pct(wait1 - wait0),
      delivered,
      deliveredMin: delivered[0] ?? 0,
      deliveredMedian: delivered.length ? median(delivered) : 0,
      deliveredMax: delivered[delivered.length - 1] ?? 0,
      bytesFractionMin: Math.min(...players.map((p) => p.bytes / gen.bytes)),
      damaged: sum('damaged'),
      duplicates: sum('duplicates'),
      outOfOrder: sum('outOfOrder'),
      closedEarly: players.filter((p) => p.closedEarly).length,
      firstSeqMax: Math.max(...players.map((p) => p.firstSeq)),
      seqEndMin: Math.min(...players.map((p) => p.seqEnd)),
      rcvLoss: sumStat('pktRcvLossTotal'),
      rcvDrop: sumStat('pktRcvDropTotal'),
      playerProcsCpuPct: procs.map((_, i) => pct(others1[i + 1] - others0[i + 1])),
      publisherCpuPct: pct(others1[0] - others0[0]),
      playerProcsEldP99: reports.map((r) => Math.max(0, r.metrics.eld.p99 - ELD_RESOLUTION_MS)),
      sysBusyPct: pct(sys1 - sys0),
      notes: [],
    };
    if (eld) row.eld = eld;
    if (players.length < playerCount) row.notes.push(`only ${players.length} of ${playerCount} players reported`);
    if (pubReport.sockError) row.notes.push(`publisher socket error: ${pubReport.sockError}`);
    const errors = [...new Set(players.map((p) => p.error).filter(Boolean))];
    if (errors.length) row.notes.push(`player errors: ${errors.join('; ')}`);
    const warnings = relay.stderr().split('\n').filter((l) => /stalled|disconnected|refused/.test(l));
    if (warnings.length) row.notes.push(`relay warnings (${warnings.length}): ${warnings[0]}`);
    await stopChild(relay);
    if (RELAY_LOG) fs.appendFileSync(RELAY_LOG, `==== ${impl}\n${relay.stderr()}\npublisher: ${JSON.stringify(pubReport.stats)}\n`);
    return row;
  } finally {
    await stopAll();
  }
}

/** Why gosrt is not in the comparison, or undefined when its binary is there. */
export function gosrtMissing(): string | undefined {
  if (!IMPLS.includes('gosrt')) return undefined;
  if (fs.existsSync(GOSRT)) return undefined;
  return `gosrt: not built here: no ${path.relative(root, GOSRT)} (bench/tools/build-gosrt.sh builds gosrt's contrib/server ` +
    'from a gosrt v0.9.0 source tree, offline, with Debian\'s Go 1.19; or set BENCH_GOSRT to the binary)';
}

/** Runs the relay scenario for srt-relay and, when built, gosrt, for each player count; `dir` holds the compiled bench children. */
export async function runRelayScenarios(dir: string, log: (label: string) => void, done: (r: RelayRow) => void,
  failed: (label: string, e: Error) => void): Promise<RelayRow[]> {
  const rows: RelayRow[] = [];
  const impls = IMPLS.filter((i): i is RelayImpl => i === 'srt-relay' || (i === 'gosrt' && !gosrtMissing()));
  for (const players of PLAYER_COUNTS) {
    for (const impl of impls) {
      const label = `${scenarioName(players)} ${impl}`;
      log(label);
      try {
        const r = await relayRun(impl, dir, players);
        rows.push(r);
        done(r);
      } catch (e) {
        failed(label, e as Error);
      }
    }
  }
  return rows;
}

export function relaySummary(r: RelayRow): string {
  return `delivered min ${f(r.deliveredMin, 4)} med ${f(r.deliveredMedian, 4)}  relay cpu ${f(r.cpuPct, 0)}%  ` +
    `${f(r.usPerPktForwarded, 2)} us/pkt fwd  rss ${f(r.rssPeakMB, 1)} MB` + (r.eld ? `  eld p99 ${f(r.eld.p99)} ms` : '') +
    `  machine ${f(r.sysBusyPct, 0)}%`;
}

export function printRelayTable(rows: RelayRow[], missing?: string): void {
  if (!rows.length && !missing) return;
  const out: string[] = [''];
  out.push(`relay scenario: 1 publisher at ${MBPS} Mbit/s -> relay process -> N players in ${PROCS} processes, ${SECONDS} s, latency ${LATENCY} ms`);
  out.push(`${'scenario'.padEnd(20)}${'impl'.padEnd(11)}${'delivered min/median/max'.padStart(24)}${'cpu%'.padStart(7)}${'us/pkt fwd'.padStart(12)}` +
    `${'rssMB'.padStart(8)}${'eld p99 ms'.padStart(12)}`);
  for (const r of rows) {
    out.push(`${r.scenario.padEnd(20)}${r.impl.padEnd(11)}${`${f(r.deliveredMin, 4)}/${f(r.deliveredMedian, 4)}/${f(r.deliveredMax, 4)}`.padStart(24)}` +
      `${f(r.cpuPct, 1).padStart(7)}${f(r.usPerPktForwarded, 2).padStart(12)}${f(r.rssPeakMB, 1).padStart(8)}${(r.eld ? f(r.eld.p99) : 'n/a').padStart(12)}`);
    out.push(`      packets in ${r.generator.packets} (numbered 0..${r.generator.packets - 1}); players: damaged ${r.damaged}, duplicates ${r.duplicates}, ` +
      `out of order ${r.outOfOrder}, closed early ${r.closedEarly}, rcvLoss ${r.rcvLoss}, rcvDrop ${r.rcvDrop}; latest first packet #${r.firstSeqMax}, ` +
      `earliest end #${r.seqEndMin}; lowest bytes fraction ${f(r.bytesFractionMin, 4)}; ${f(r.usPerPktDelivered, 2)} us per packet delivered`);
    out.push(`      cpu % of a core: player processes ${r.playerProcsCpuPct.map((x) => f(x, 0)).join(', ')}, publisher ${f(r.publisherCpuPct, 0)}; ` +
      `machine ${f(r.sysBusyPct, 0)}% of one CPU; relay's threads waited for a CPU ${f(r.runQueueWaitPct, 0)}% of the window; ` +
      `players' loop delay p99 ${r.playerProcsEldP99.map((x) => f(x, 1)).join(', ')} ms` +
      (r.eld ? `; relay eld p50 ${f(r.eld.p50)} max ${f(r.eld.max)} ms` : ''));
    for (const n of r.notes) out.push(`      ${n}`);
  }
  if (missing) out.push(missing);
  console.log(out.join('\n'));
}
