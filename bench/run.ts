/**
 * npm run bench: libsrt (srt-live-transmit 1.5.1), srt-stream and the Node floor on the same
 * loopback live workload, side by side, in one run, with ratios.
 *
 *   1. live-recv: paced 100 Mbit/s pipe -> sender -> receiver under test -> stdout
 *        srt-stream: createServer() in its own node process (bench/receiver-child.ts), fed by srt-live-transmit
 *        libsrt:     srt-live-transmit srt://:P file://con, fed by srt-live-transmit
 *        floor:      plain node:dgram, no protocol (bench/floor-receiver-child.ts), fed by the floor sender
 *   2. live-send: paced 100 Mbit/s pipe -> sender under test -> receiver
 *        srt-stream: connect() in its own node process reading the pipe (bench/sender-child.ts) -> srt-live-transmit
 *        libsrt:     srt-live-transmit -chunk 1316 file://con srt://127.0.0.1:P -> srt-live-transmit
 *        floor:      stdin -> 16-byte header + payload datagrams (bench/floor-sender-child.ts) -> floor receiver
 *      The floor is what Node itself costs to carry the same stream: the target is srt-stream's
 *      CPU per packet ÷ the floor's. BENCH_IMPLS=pair adds srt-stream against srt-stream.
 *   3. event-loop delay / GC of the srt-stream process during 1 and 2.
 *   4. loss (bench/loss.ts): 10 Mbit/s through the impairment relay, 5 % loss and 20 ms delay
 *      each way: retransmitted packets per lost packet and delivered fraction,
 *        srt-stream: sender-child -> relay -> receiver-child
 *        libsrt:     srt-live-transmit caller -> relay -> srt-live-transmit listener
 *   5. file (bench/file.ts): a file through srt-file-transmit and srt-stream in file mode.
 *   6. relay (bench/relay.ts): 1 publisher at 8 Mbit/s -> srt-relay (bin/srt-relay.js) -> 100 players,
 *      delivered per player, relay CPU, RSS and event-loop delay; gosrt's contrib/server the same way when built.
 *
 * CPU of the process under test: utime+stime from /proc/<pid>/stat over the measuring
 * window (generator start .. generator end + tail), all threads, same method for all.
 * Peak RSS: VmHWM from /proc/<pid>/status (whole life of the process, node's own
 * baseline included). Delivered: bytes that came out of the receiving application
 * (its stdout, counted by this process through a pipe) divided by bytes the generator wrote.
 *
 * Env: BENCH_SECONDS (8), BENCH_MBPS (100), BENCH_LATENCY (120), BENCH_ONLY (live|recv|send|loss|file|relay), BENCH_FILE_MB (100),
 *      BENCH_REPEAT (1: runs of the plan, interleaved; the table shows min-max and median),
 *      BENCH_IMPLS (srt-stream,libsrt,floor; pair adds srt-stream <-> srt-stream), BENCH_VARIANTS (label=dist/bench,...),
 *      BENCH_RECV_OUT (stdout; count), BENCH_LOSS_* (see bench/loss.ts), BENCH_RELAY_*, BENCH_GOSRT (see bench/relay.ts), BENCH_PERF (dir: perf record of each process
 *      under test), BENCH_NODE_ARGS (extra node flags for the srt-stream children, e.g. --cpu-prof), BENCH_KEEP (keep tmp files).
 * Results: printed table + dist/bench-results.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ELD_RESOLUTION_MS, WindowMetrics } from './child-metrics';
import { GeneratorResult, PacedGenerator } from './generator';
import { FileRow, printFileTable, runFileScenario } from './file';
import { LossRow, lossSummary, printLossTable, runLossScenarios } from './loss';
import { gosrtMissing, printRelayTable, RelayRow, relaySummary, runRelayScenarios } from './relay';
import {
  Child, countBytes, cpuTimeUs, delay, freeUdpPort, installExitGuards, nodeChild, spawnChild, statusKb, stopAll, stopChild, systemBusyUs,
  threadCpuUs, waitForSrtListener, waitForStderr, waitMsg,
} from './proc';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const MBPS = Number(process.env.BENCH_MBPS ?? 100);
const LATENCY = Number(process.env.BENCH_LATENCY ?? 120);
const ONLY = process.env.BENCH_ONLY ?? '';
const PKT = 1316;
const SETTLE_MS = 300; // after the connection is up, before measuring (handshake cost excluded)
const TAIL_MS = 500; // after the generator's last byte: TSBPD latency + pacing drain
const SLT = 'srt-live-transmit';
/** Runs of the whole plan, interleaved (A, B, C, A, B, C...); the table shows min-max and median. */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
/** Which implementations: any of srt-stream (all variants, srt-live-transmit peer), pair (all variants, srt-stream peer), libsrt, floor. */
const IMPLS = (process.env.BENCH_IMPLS ?? 'srt-stream,libsrt,floor').split(',');
/**
 * Receivers write what they deliver to stdout, counted here, as srt-live-transmit does (file://con);
 * BENCH_RECV_OUT=count makes the node receivers (srt-stream and floor) only count it. The children
 * read the same variable.
 */
const RECV_OUT = (process.env.BENCH_RECV_OUT ??= 'stdout');
/**
 * BENCH_VARIANTS="base=/tmp/dist-base/bench,new=dist/bench": several builds of srt-stream side by
 * side (each a compiled bench directory holding receiver-child.js and sender-child.js).
 */
const VARIANTS: [string, string][] = (process.env.BENCH_VARIANTS ?? '')
  .split(',').filter(Boolean).map((v) => { const [k, d] = v.split('='); return [k, path.resolve(d)] as [string, string]; });
if (VARIANTS.length === 0) VARIANTS.push(['srt-stream', __dirname]);
const SLT_CONNECTED = /SRT target connected/;

const root = path.resolve(__dirname, '..', '..');
const receiverJs = path.join(__dirname, 'receiver-child.js');
const senderJs = path.join(__dirname, 'sender-child.js');
const resultsFile = process.env.BENCH_RESULTS ?? path.join(root, 'dist', 'bench-results.json');
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'srt-bench-'));

interface Row {
  scenario: string;
  /** 'srt-stream' (or a BENCH_VARIANTS label), 'libsrt', or 'floor' (plain node:dgram). */
  impl: string;
  pid: number;
  wallMs: number;
  cpuUs: number;
  cpuPct: number;
  usPerPkt: number;
  rssPeakMB: number;
  /** VmRSS when the measuring window opened (connected, idle) and when it closed. */
  rssStartMB: number;
  rssEndMB: number;
  /** CPU ms per thread name in the window (/proc/<pid>/task). */
  threadCpuMs: Record<string, number>;
  sentBytes: number;
  deliveredBytes: number;
  delivered: number;
  generator: GeneratorResult;
  /** srt_bstats of the implementation under test (srt-stream) and/or of its srt-live-transmit peer. */
  stats?: Record<string, number>;
  peerStats?: Record<string, number>;
  child?: ChildReport;
  notes: string[];
  /** Busy CPU of the whole machine in the window, % of one CPU. */
  sysBusyPct: number;
}

interface ChildReport {
  type: 'report';
  metrics: WindowMetrics;
  bytes: number;
  bytesInWindow?: number;
  stats: Record<string, number>;
  mux?: Record<string, number>;
  pauses?: number;
  maxPauseMs?: number;
  sockError?: string;
  closedEarly?: boolean;
}

// ------------------------------------------------------------------ helpers



function sltStatsArgs(file: string): string[] {
  return ['-s', '500', '-f', '-pf', 'json', '-statsout', file];
}

/** Last complete stats record of a srt-live-transmit -pf json -statsout file, flattened. */
function readSltStats(file: string): Record<string, number> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const objs = text.split(/\n(?=\{)/).map((s) => s.trim().replace(/,\s*$/, '')).filter(Boolean);
  for (let i = objs.length - 1; i >= 0; i--) {
    try {
      const o = JSON.parse(objs[i]) as Record<string, unknown>;
      const flat: Record<string, number> = {};
      const walk = (v: unknown, prefix: string) => {
        if (typeof v === 'number') flat[prefix] = v;
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
      };
      walk(o, '');
      // srt-live-transmit's JSON names -> srt_bstats names (with -f the values are totals).
      const names: Record<string, string> = {
        'send.packets': 'pktSent', 'send.packetsUnique': 'pktSentUnique', 'send.packetsLost': 'pktSndLoss',
        'send.packetsDropped': 'pktSndDrop', 'send.packetsRetransmitted': 'pktRetrans',
        'recv.packets': 'pktRecv', 'recv.packetsUnique': 'pktRecvUnique', 'recv.packetsLost': 'pktRcvLoss',
        'recv.packetsDropped': 'pktRcvDrop', 'recv.packetsRetransmitted': 'pktRcvRetrans', 'recv.packetsBelated': 'pktRcvBelated',
      };
      for (const [k, n] of Object.entries(names)) if (k in flat) flat[`${n}Total`] = flat[k];
      if ('link.rtt' in flat) flat.msRTT = flat['link.rtt'];
      return flat;
    } catch {
      /* a record cut by the kill: try the one before */
    }
  }
  return undefined;
}

/** Generator window with CPU/RSS measured on `pid`. */
async function measured(pid: number, feed: NodeJS.WritableStream, onStart: () => void, onBeforeStop: () => void = () => {}) {
  const rssStart = statusKb(pid, 'VmRSS');
  const threads0 = threadCpuUs(pid);
  const sys0 = systemBusyUs();
  const cpu0 = cpuTimeUs(pid);
  const t0 = performance.now();
  // BENCH_PERF=<dir>: perf record (cpu-clock, call graphs) of the process under test over the window.
  const perfDir = process.env.BENCH_PERF;
  const perf = perfDir
    ? spawnChild('perf', 'perf', ['record', '-q', '-F', process.env.BENCH_PERF_FREQ ?? '1999', '-g', '-p', String(pid), '-o', path.join(perfDir, `perf-${pid}.data`)], { stdio: ['ignore', 'ignore', 'pipe'] })
    : undefined;
  onStart();
  const gen = await new PacedGenerator(feed as unknown as import('node:stream').Writable, MBPS * 1e6, PKT, 5).run(SECONDS * 1000);
  await delay(TAIL_MS);
  onBeforeStop();
  if (perf) {
    perf.proc.kill('SIGINT');
    await perf.exited;
  }
  const cpu1 = cpuTimeUs(pid);
  const sys1 = systemBusyUs();
  const threads1 = threadCpuUs(pid);
  const wallMs = performance.now() - t0;
  const threads: Record<string, number> = {};
  for (const [k, v] of Object.entries(threads1)) threads[k] = v - (threads0[k] ?? 0);
  const hwm = statusKb(pid, 'VmHWM');
  const rssEnd = statusKb(pid, 'VmRSS');
  const cpuUs = cpu1 - cpu0;
  return { gen, wallMs, cpuUs, hwm, rssStart, rssEnd, threads, sysBusyUs: sys1 - sys0 };
}

function makeRow(scenario: string, impl: string, pid: number, m: Awaited<ReturnType<typeof measured>>, deliveredBytes: number): Row {
  return {
    scenario,
    impl,
    pid,
    wallMs: m.wallMs,
    cpuUs: m.cpuUs,
    cpuPct: (m.cpuUs / (m.wallMs * 1000)) * 100,
    usPerPkt: m.cpuUs / m.gen.packets,
    rssPeakMB: m.hwm / 1048576,
    rssStartMB: m.rssStart / 1048576,
    rssEndMB: m.rssEnd / 1048576,
    threadCpuMs: Object.fromEntries(Object.entries(m.threads).filter(([, v]) => v > 0).map(([k, v]) => [k, v / 1000])),
    sentBytes: m.gen.bytes,
    deliveredBytes,
    delivered: deliveredBytes / m.gen.bytes,
    generator: m.gen,
    notes: [`machine busy ${f((m.sysBusyUs / (m.wallMs * 1000)) * 100, 0)}% of one CPU in the window (this process ${f(m.cpuUs / (m.wallMs * 10), 0)}%)`],
    sysBusyPct: (m.sysBusyUs / (m.wallMs * 1000)) * 100,
  };
}

function sltCaller(name: string, port: number, statsFile?: string): Child {
  return spawnChild(name, SLT, [
    '-a', 'no', '-chunk', String(PKT), ...(statsFile ? sltStatsArgs(statsFile) : []),
    'file://con', `srt://127.0.0.1:${port}?latency=${LATENCY}`,
  ], { stdio: ['pipe', 'ignore', 'pipe'] });
}

function sltListener(name: string, port: number, statsFile?: string): Child {
  return spawnChild(name, SLT, [
    '-a', 'no', ...(statsFile ? sltStatsArgs(statsFile) : []),
    `srt://:${port}?latency=${LATENCY}`, 'file://con',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitExit(c: Child, ms: number): Promise<boolean> {
  return Promise.race([c.exited.then(() => true), delay(ms).then(() => false)]);
}

// ------------------------------------------------------------------ scenarios

const RECV = `live-recv ${MBPS}Mb/s`;
const SEND = `live-send ${MBPS}Mb/s`;

async function recvSrtStream(label: string, dir: string): Promise<Row> {
  const port = await freeUdpPort();
  const statsFile = path.join(tmpDir, 'recv-srtstream-sender.json');
  const rx = nodeChild('srt-stream receiver', path.join(dir, 'receiver-child.js'), [port, LATENCY], 'ignore', RECV_OUT === 'stdout');
  const out = RECV_OUT === 'stdout' ? countBytes(rx.proc.stdout) : undefined;
  try {
    await waitMsg(rx, 'ready', 5000);
    const tx = sltCaller('srt-live-transmit sender', port, statsFile);
    await Promise.all([waitForStderr(tx, SLT_CONNECTED, 5000), waitMsg(rx, 'connected', 5000)]);
    await delay(SETTLE_MS);
    const m = await measured(rx.pid, tx.proc.stdin!, () => rx.proc.send({ cmd: 'start' }));
    const reportP = waitMsg<ChildReport>(rx, 'report', 5000);
    rx.proc.send({ cmd: 'stop' });
    const rep = await reportP;
    rx.proc.send({ cmd: 'quit' });
    await waitExit(rx, 2000);
    await stopChild(tx);
    await stopChild(rx);
    const row = makeRow(RECV, label, rx.pid, m, out ? out.bytes() : rep.bytes);
    row.child = rep;
    row.stats = rep.stats;
    row.peerStats = readSltStats(statsFile);
    if (rep.sockError) row.notes.push(`socket error: ${rep.sockError}`);
    if (rep.closedEarly) row.notes.push('socket closed before the end of the window');
    const cross = rep.metrics.cpuUserUs + rep.metrics.cpuSystemUs;
    row.notes.push(`child cpuUsage() in window ${(cross / 1000).toFixed(0)} ms vs /proc ${(m.cpuUs / 1000).toFixed(0)} ms`);
    return row;
  } finally {
    await stopAll();
  }
}

async function recvLibsrt(): Promise<Row> {
  const port = await freeUdpPort();
  const statsFile = path.join(tmpDir, 'recv-libsrt-sender.json');
  const rx = sltListener('srt-live-transmit receiver', port);
  const out = countBytes(rx.proc.stdout);
  try {
    await waitForSrtListener(port, 5000);
    const tx = sltCaller('srt-live-transmit sender', port, statsFile);
    await waitForStderr(tx, SLT_CONNECTED, 5000);
    await delay(SETTLE_MS);
    const m = await measured(rx.pid, tx.proc.stdin!, () => {});
    const before = out.bytes();
    // Sender goes: with -a no the receiver exits and flushes its (4 KiB block-buffered) stdout.
    await stopChild(tx);
    if (!(await waitExit(rx, 3000))) await stopChild(rx);
    await Promise.race([out.ended, delay(1000)]);
    const row = makeRow(RECV, 'libsrt', rx.pid, m, out.bytes());
    row.peerStats = readSltStats(statsFile);
    row.notes.push(`stdout bytes at window end ${before}, after exit ${out.bytes()}`);
    return row;
  } finally {
    await stopAll();
  }
}

async function sendSrtStream(label: string, dir: string): Promise<Row> {
  const port = await freeUdpPort();
  const statsFile = path.join(tmpDir, 'send-srtstream-receiver.json');
  const rx = sltListener('srt-live-transmit receiver', port, statsFile);
  const out = countBytes(rx.proc.stdout);
  try {
    await waitForSrtListener(port, 5000);
    const tx = nodeChild('srt-stream sender', path.join(dir, 'sender-child.js'), [port, LATENCY, PKT], 'pipe');
    await Promise.all([waitMsg(tx, 'connected', 5000), waitForStderr(rx, /Accepted SRT source connection|connected/i, 5000).catch(() => {})]);
    await delay(SETTLE_MS);
    const m = await measured(tx.pid, tx.proc.stdin!, () => tx.proc.send({ cmd: 'start' }));
    const reportP = waitMsg<ChildReport>(tx, 'report', 5000);
    tx.proc.send({ cmd: 'stop' });
    const rep = await reportP;
    tx.proc.send({ cmd: 'quit' });
    await waitExit(tx, 2000);
    if (!(await waitExit(rx, 3000))) await stopChild(rx);
    await Promise.race([out.ended, delay(1000)]);
    const row = makeRow(SEND, label, tx.pid, m, out.bytes());
    row.child = rep;
    row.stats = rep.stats;
    row.peerStats = readSltStats(statsFile);
    if (rep.sockError) row.notes.push(`socket error: ${rep.sockError}`);
    if (rep.pauses) row.notes.push(`write() returned false ${rep.pauses} times (stdin paused until 'drain'; longest wait ${f(rep.maxPauseMs ?? NaN, 1)} ms)`);
    const cross = rep.metrics.cpuUserUs + rep.metrics.cpuSystemUs;
    row.notes.push(`child cpuUsage() in window ${(cross / 1000).toFixed(0)} ms vs /proc ${(m.cpuUs / 1000).toFixed(0)} ms`);
    return row;
  } finally {
    await stopAll();
  }
}

async function sendLibsrt(): Promise<Row> {
  const port = await freeUdpPort();
  const statsFile = path.join(tmpDir, 'send-libsrt-receiver.json');
  const rx = sltListener('srt-live-transmit receiver', port, statsFile);
  const out = countBytes(rx.proc.stdout);
  try {
    await waitForSrtListener(port, 5000);
    const tx = sltCaller('srt-live-transmit sender (under test)', port);
    await waitForStderr(tx, SLT_CONNECTED, 5000);
    await delay(SETTLE_MS);
    const m = await measured(tx.pid, tx.proc.stdin!, () => {});
    await stopChild(tx);
    if (!(await waitExit(rx, 3000))) await stopChild(rx);
    await Promise.race([out.ended, delay(1000)]);
    const row = makeRow(SEND, 'libsrt', tx.pid, m, out.bytes());
    row.peerStats = readSltStats(statsFile);
    return row;
  } finally {
    await stopAll();
  }
}

/** One node child sending to another (each on epoll), one of the two measured; `impl` labels the row. */
async function nodeToNode(
  role: 'recv' | 'send', impl: string,
  rx: { name: string; script: string; args: (string | number)[]; waitConnected: boolean },
  tx: { name: string; script: string; args: (string | number)[] },
): Promise<Row> {
  const port = await freeUdpPort();
  const rxc = nodeChild(rx.name, rx.script, [port, ...rx.args], 'ignore', RECV_OUT === 'stdout');
  const out = RECV_OUT === 'stdout' ? countBytes(rxc.proc.stdout) : undefined;
  try {
    await waitMsg(rxc, 'ready', 5000);
    const txc = nodeChild(tx.name, tx.script, [port, ...tx.args], 'pipe');
    await Promise.all([waitMsg(txc, 'connected', 5000), rx.waitConnected ? waitMsg(rxc, 'connected', 5000) : undefined]);
    await delay(SETTLE_MS);
    const under = role === 'recv' ? rxc : txc;
    const m = await measured(under.pid, txc.proc.stdin!, () => under.proc.send({ cmd: 'start' }));
    const reportP = waitMsg<ChildReport>(under, 'report', 5000);
    under.proc.send({ cmd: 'stop' });
    const rep = await reportP;
    let delivered = rep.bytes;
    if (role === 'send') {
      const rr = waitMsg<ChildReport>(rxc, 'report', 5000);
      rxc.proc.send({ cmd: 'stop' });
      delivered = (await rr).bytes;
    } else if (out) delivered = out.bytes();
    // 'quit' lets the children exit by themselves (so --cpu-prof writes its profile).
    for (const c of [txc, rxc]) c.proc.send({ cmd: 'quit' });
    await Promise.all([waitExit(txc, 2000), waitExit(rxc, 2000)]);
    const row = makeRow(role === 'recv' ? RECV : SEND, impl, under.pid, m, delivered);
    row.child = rep;
    row.stats = rep.stats;
    return row;
  } finally {
    await stopAll();
  }
}

/**
 * The Node floor: plain node:dgram, no protocol (bench/floor-*-child.ts). Generator pipe ->
 * floor sender (stdin -> 16-byte header + payload datagrams) -> floor receiver. `role` says
 * which of the two is measured; the other is the peer, as srt-live-transmit is for srt-stream.
 */
function floorRun(role: 'recv' | 'send'): Promise<Row> {
  return nodeToNode(role, 'floor',
    { name: 'floor receiver', script: path.join(__dirname, 'floor-receiver-child.js'), args: [], waitConnected: false },
    { name: 'floor sender', script: path.join(__dirname, 'floor-sender-child.js'), args: [PKT] });
}

/**
 * srt-stream against srt-stream (impl "<label>/node-peer"): generator pipe -> sender-child ->
 * receiver-child, one of the two measured. The peer is a node process on epoll like the floor's
 * peer, where srt-live-transmit's blocking receive thread costs the sender a wake-up per datagram
 * in sendmsg, and its smoothly paced sender costs the receiver more epoll wake-ups.
 */
function pairRun(role: 'recv' | 'send', label: string, dir: string): Promise<Row> {
  return nodeToNode(role, `${label}/node-peer`,
    { name: 'srt-stream receiver', script: path.join(dir, 'receiver-child.js'), args: [LATENCY], waitConnected: true },
    { name: 'srt-stream sender', script: path.join(dir, 'sender-child.js'), args: [LATENCY, PKT] });
}

// ------------------------------------------------------------------ report

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function pick(s: Record<string, number> | undefined, ...keys: string[]): number {
  if (!s) return NaN;
  for (const k of keys) {
    if (typeof s[k] === 'number') return s[k];
    const hit = Object.keys(s).find((x) => x === k || x.endsWith(`.${k}`));
    if (hit) return s[hit];
  }
  return NaN;
}

function printTable(rows: Row[]): void {
  const out: string[] = [];
  out.push('');
  out.push(`${pad('scenario', 20)}${pad('impl', 12)}${lpad('cpu%', 7)}${lpad('us/pkt', 8)}${lpad('rssMB', 8)}${lpad('delivered', 11)}`);
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const med = (a: number[]) => { const b = [...a].sort((x, y) => x - y); return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
  for (const sc of scenarios) {
    const impls = [...new Set(rows.filter((r) => r.scenario === sc).map((r) => r.impl))];
    const floorRows = rows.filter((r) => r.scenario === sc && r.impl === 'floor');
    const floorMed = floorRows.length ? med(floorRows.map((r) => r.usPerPkt)) : NaN;
    for (const impl of impls) {
      const rs = rows.filter((r) => r.scenario === sc && r.impl === impl);
      const us = rs.map((r) => r.usPerPkt);
      const cpu = rs.map((r) => r.cpuPct);
      const rss = rs.map((r) => r.rssPeakMB);
      const del = Math.min(...rs.map((r) => r.delivered));
      const range = (a: number[], d = 1) => (a.length > 1 ? `${f(Math.min(...a), d)}-${f(Math.max(...a), d)} (med ${f(med(a), d)})` : f(a[0], d));
      out.push(`${pad(sc, 20)}${pad(impl, 12)}${lpad(f(med(cpu), 1), 7)}${lpad(f(med(us), 1), 8)}${lpad(f(med(rss), 1), 8)}${lpad(f(del, 4), 11)}` +
        `   us/pkt ${range(us)}  rssMB ${range(rss)}` + (Number.isFinite(floorMed) ? `  x floor ${f(med(us) / floorMed)}` : ''));
    }
  }
  out.push('');
  out.push('details (lost = NAK-reported at receiver, rexmit = retransmitted by sender, drop = too-late drops):');
  for (const r of rows) {
    const g = r.generator;
    let rcv: Record<string, number> | undefined;
    let snd: Record<string, number> | undefined;
    if (r.scenario === RECV) { rcv = r.impl !== 'libsrt' ? r.stats : undefined; snd = r.peerStats; }
    else { snd = r.impl !== 'libsrt' ? r.stats : undefined; rcv = r.peerStats; }
    const parts = [
      `${pad(r.scenario, 20)}${pad(r.impl, 12)}`,
      `pkts ${g.packets}`,
      `lost ${f(pick(rcv, 'pktRcvLossTotal', 'pktRcvLoss'), 0)}/${f(pick(snd, 'pktSndLossTotal', 'pktSndLoss'), 0)}(snd)`,
      `rexmit ${f(pick(snd, 'pktRetransTotal', 'pktRetrans'), 0)}`,
      `rcvDrop ${f(pick(rcv, 'pktRcvDropTotal', 'pktRcvDrop'), 0)}`,
      `sndDrop ${f(pick(snd, 'pktSndDropTotal', 'pktSndDrop'), 0)}`,
      `rtt ${f(pick(snd ?? rcv, 'msRTT'), 2)}ms`,
      `rss ${f(r.rssStartMB, 1)}->${f(r.rssEndMB, 1)} MB`,
      `gen: blocked ticks ${g.blockedTicks}, max tick gap ${f(g.maxTickGapMs, 1)} ms`,
    ];
    out.push('  ' + parts.join('  '));
    const th = Object.entries(r.threadCpuMs).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v, 0)}`).join(', ');
    out.push(`      cpu ms by thread: ${th}`);
    for (const n of r.notes) out.push(`      ${n}`);
  }
  const withLoop = rows.filter((r) => r.child);
  if (withLoop.length) {
    out.push('');
    out.push(`event loop delay (srt-stream process; monitorEventLoopDelay samples every ${ELD_RESOLUTION_MS} ms and records the interval, shown here minus that interval) and GC in the window:`);
    for (const r of withLoop) {
      const e = r.child!.metrics.eld;
      const gc = r.child!.metrics.gc;
      const x = (v: number) => f(Math.max(0, v - ELD_RESOLUTION_MS));
      out.push(`  ${pad(r.scenario, 20)}${pad(r.impl, 12)}loop delay p50 ${x(e.p50)} ms  p99 ${x(e.p99)} ms  max ${x(e.max)} ms` +
        `  | gc ${gc.count}x total ${f(gc.totalMs, 1)} ms max ${f(gc.maxMs, 2)} ms  | heap ${f(r.child!.metrics.heapUsedBytes / 1048576, 1)} MB`);
    }
  }
  console.log(out.join('\n'));
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  installExitGuards();
  for (const js of [receiverJs, senderJs, ...VARIANTS.flatMap(([, d]) => [path.join(d, 'receiver-child.js'), path.join(d, 'sender-child.js')])]) {
    if (!fs.existsSync(js)) throw new Error(`${js} missing: build first (npx tsc -p .)`);
  }
  console.log(`srt-stream bench: ${MBPS} Mbit/s of ${PKT}-byte packets for ${SECONDS} s per run, latency ${LATENCY} ms, ` +
    `${os.cpus().length} CPUs, node ${process.version}`);
  const once: [string, () => Promise<Row>][] = [];
  const want = (i: string) => IMPLS.includes(i);
  for (const [scen, sc] of [['recv', RECV], ['send', SEND]] as const) {
    if (ONLY !== '' && ONLY !== scen && ONLY !== 'live') continue;
    if (want('srt-stream')) {
      for (const [label, dir] of VARIANTS) once.push([`${sc} ${label}`, () => (scen === 'recv' ? recvSrtStream(label, dir) : sendSrtStream(label, dir))]);
    }
    if (want('pair')) {
      for (const [label, dir] of VARIANTS) once.push([`${sc} ${label}/node-peer`, () => pairRun(scen, label, dir)]);
    }
    if (want('libsrt')) once.push([`${sc} libsrt`, scen === 'recv' ? recvLibsrt : sendLibsrt]);
    if (want('floor')) once.push([`${sc} floor`, () => floorRun(scen)]);
  }
  const plan: [string, () => Promise<Row>][] = [];
  for (let i = 0; i < REPEAT; i++) plan.push(...once);
  const rows: Row[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  for (const [label, fn] of plan) {
    process.stdout.write(`  ${label} ... `);
    try {
      const r = await fn();
      rows.push(r);
      console.log(`cpu ${f(r.cpuPct, 1)}%  us/pkt ${f(r.usPerPkt, 2)}  rss ${f(r.rssPeakMB, 1)} MB  delivered ${f(r.delivered, 4)}  machine ${f(r.sysBusyPct, 0)}%`);
    } catch (e) {
      errors.push(`${label}: ${(e as Error).message}`);
      console.log(`FAILED: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  let lossRows: LossRow[] = [];
  if (ONLY === '' || ONLY === 'loss') {
    lossRows = await runLossScenarios(__dirname, tmpDir, (label) => process.stdout.write(`  ${label} ... `),
      (r) => console.log(lossSummary(r)),
      (label, e) => { errors.push(`${label}: ${e.message}`); console.log(`FAILED: ${e.message.split('\n')[0]}`); });
  }
  let fileRows: FileRow[] = [];
  if (ONLY === '' || ONLY === 'file') {
    try {
      fileRows = await runFileScenario(tmpDir, (r) => console.log(`  file ${r.impl}: ${r.mbps.toFixed(0)} Mbit/s`));
    } catch (e) {
      errors.push(`file: ${(e as Error).message}`);
    }
  }
  let relayRows: RelayRow[] = [];
  const relayNotes: string[] = [];
  if (ONLY === '' || ONLY === 'relay') {
    const missing = gosrtMissing();
    if (missing) relayNotes.push(missing);
    relayRows = await runRelayScenarios(__dirname, (label) => process.stdout.write(`  ${label} ... `),
      (r) => console.log(relaySummary(r)),
      (label, e) => { errors.push(`${label}: ${e.message}`); console.log(`FAILED: ${e.message.split('\n')[0]}`); });
  }
  if (rows.length) printTable(rows);
  printLossTable(lossRows);
  printFileTable(fileRows);
  printRelayTable(relayRows, relayNotes[0]);
  const result = {
    date: new Date().toISOString(),
    config: { seconds: SECONDS, mbps: MBPS, latencyMs: LATENCY, packetBytes: PKT, cpus: os.cpus().length, node: process.version },
    durationS: (performance.now() - t0) / 1000,
    rows,
    loss: lossRows,
    file: fileRows,
    relay: relayRows,
    relayNotes,
    errors,
  };
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, JSON.stringify(result, null, 2));
  console.log(`\nresults: ${path.relative(process.cwd(), resultsFile)}  (${f(result.durationS, 1)} s)`);
  if (errors.length) {
    console.error(errors.join('\n'));
    process.exitCode = 1;
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    if (!process.env.BENCH_KEEP) fs.rmSync(tmpDir, { recursive: true, force: true });
    else console.log(`kept ${tmpDir}`);
  });
