/**
 * srt-pipe's stats as a drop-in for srt-live-transmit 1.5.1's: the same command line on both, the
 * same stream into both, and ONE parser (test/support/slt-stats-parser.ts, what a script would do)
 * over both outputs. Two chains run side by side, fed the same 1,000 UDP datagrams of 1316 bytes:
 *   feed -> udp://:U  [sender: udp -> srt://:P listener, stats]  -> [receiver: srt://127.0.0.1:P -> udp sink, stats]
 * once with srt-live-transmit in both roles, once with srt-pipe in both roles. The sender's stats
 * count packets written to its SRT output, the receiver's packets read from its SRT input.
 * Checked: where the stats go (stdout, or -statsout), the JSON key paths, CSV header and text labels
 * (identical), the number of reports for the packets each side handled (slt: one per N), and that
 * interval counters add up to the stream (not cumulative) unless -f.
 */
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_TARGET_CONNECTED, cleanupPeers, delay, freeUdpPort, onCleanup,
  requireTool, spawnPeer, SRT_PIPE, tempDir, waitFor, waitForSrtListener, type PeerHandle,
} from '../support/interop';
import { keyPaths, parseCsvStats, parseJsonStats, parseTextStats, TIMEPOINT, type JsonReport } from '../support/slt-stats-parser';

const PACKETS = 1000;
const EVERY = 100;
const DATAGRAM = 1316;

type Impl = 'slt' | 'srt-pipe';

interface Side {
  peer: PeerHandle;
  stdout: ByteCollector;
  /** -statsout file, when given. */
  file?: string;
}

interface Chain {
  impl: Impl;
  udpPort: number;
  sender: Side;
  receiver: Side;
  /** Datagrams the receiver's UDP output delivered. */
  delivered: () => number;
}

function spawnImpl(impl: Impl, name: string, args: string[]): PeerHandle {
  return impl === 'slt'
    ? spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, ...args], { name })
    : spawnPeer(process.execPath, [...SRT_PIPE, '-v', ...args], { name });
}

async function udpSink(): Promise<{ port: number; count: () => number }> {
  const sock = dgram.createSocket('udp4');
  let n = 0;
  sock.on('message', () => { n++; });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  onCleanup(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  return { port: sock.address().port, count: () => n };
}

/** Starts one chain with `stats` options on both sides; `file` names -statsout files in `dir`. */
async function startChain(impl: Impl, stats: string[], dir?: string): Promise<Chain> {
  const [udpPort, srtPort, sink] = await Promise.all([freeUdpPort(), freeUdpPort(), udpSink()]);
  const statsOut = (role: string) => (dir ? path.join(dir, `${impl}-${role}.stats`) : undefined);
  const args = (role: string) => { const f = statsOut(role); return f ? [...stats, '-statsout', f] : stats; };
  const senderPeer = spawnImpl(impl, `${impl}-sender`, [...args('sender'), `udp://:${udpPort}`, `srt://:${srtPort}`]);
  const sender: Side = { peer: senderPeer, stdout: new ByteCollector(senderPeer.proc.stdout!), file: statsOut('sender') };
  await waitForSrtListener(srtPort, { peer: senderPeer });
  const receiverPeer = spawnImpl(impl, `${impl}-receiver`, [...args('receiver'), `srt://127.0.0.1:${srtPort}`, `udp://127.0.0.1:${sink.port}`]);
  const receiver: Side = { peer: receiverPeer, stdout: new ByteCollector(receiverPeer.proc.stdout!), file: statsOut('receiver') };
  // The sender accepted the receiver and (srt-pipe opens its UDP input after its SRT output) its input is bound.
  // (slt's "SRT source connected" only comes with the first data.)
  await senderPeer.waitForStderr(impl === 'slt' ? SLT_TARGET_CONNECTED : /receiving on udp:/, 10000);
  return { impl, udpPort, sender, receiver, delivered: sink.count };
}

/** The same datagrams to every chain: 10 every 10 ms (1,000 packets/s, about 10.5 Mbit/s). */
async function feed(chains: Chain[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  onCleanup(() => { try { sock.close(); } catch { /* closed */ } });
  const payload = Buffer.alloc(DATAGRAM, 0x47);
  for (let sent = 0; sent < PACKETS;) {
    for (let k = 0; k < 10 && sent < PACKETS; k++, sent++) {
      for (const c of chains) sock.send(payload, c.udpPort, '127.0.0.1');
    }
    await delay(10);
  }
}

/** Feeds both chains, waits for the receivers to deliver (what they will), stops everything. */
async function run(chains: Chain[]): Promise<void> {
  await feed(chains);
  const diag = () => chains.map((c) => `${c.impl}: ${c.delivered()} of ${PACKETS} delivered`).join(', ');
  // Live mode may drop a late packet on a busy machine: wait for all, or for the count to settle.
  let last = -1;
  await waitFor(async () => {
    const now = chains.reduce((n, c) => n + c.delivered(), 0);
    if (now === PACKETS * chains.length) return true;
    const settled = now === last;
    last = now;
    await delay(500);
    return settled && now > 0;
  }, 15000, { message: diag });
  for (const c of chains) {
    await c.sender.peer.kill('SIGTERM');
    await c.receiver.peer.kill('SIGTERM');
  }
}

function statsText(s: Side): string {
  return s.file ? (fs.existsSync(s.file) ? fs.readFileSync(s.file, 'utf8') : '') : s.stdout.buffer().toString('utf8');
}

function diagOf(chains: Chain[]): string {
  return chains.flatMap((c) => [c.sender, c.receiver]).map((s) => `${s.peer.diag()}\n--- stats:\n${statsText(s).slice(0, 3000)}`).join('\n');
}

/** Reports srt-live-transmit writes for `packets` packets through one socket: at counters N-1, 2N-1, ... */
const expectedReports = (packets: number): number => Math.floor((packets + 1) / EVERY);

describe('interop: srt-pipe stats as srt-live-transmit\'s (-s N, -pf, -statsout, -f)', function () {
  this.timeout(60000);
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  async function bothChains(stats: string[], dir?: string): Promise<Record<Impl, Chain>> {
    const slt = await startChain('slt', stats, dir);
    const pipe = await startChain('srt-pipe', stats, dir);
    await run([slt, pipe]);
    return { slt, 'srt-pipe': pipe };
  }

  it(`-s ${EVERY} -pf json on stdout: identical key paths and nesting, a report per ${EVERY} packets on each SRT side, interval counters`, async function () {
    const chains = await bothChains(['-s', String(EVERY), '-pf', 'json']);
    const parsed: Record<string, JsonReport[]> = {};
    for (const c of Object.values(chains)) {
      for (const [role, side] of [['sender', c.sender], ['receiver', c.receiver]] as const) {
        const reports = parseJsonStats(statsText(side));
        parsed[`${c.impl} ${role}`] = reports;
        const ctx = `${c.impl} ${role}\n${diagOf(Object.values(chains))}`;
        // Whole stdout is JSON lines: nothing else mixed in.
        expect(statsText(side).split('\n').filter((l) => l && !l.startsWith('{')), ctx).to.deep.equal([]);
        expect(reports.length, ctx).to.be.at.least(expectedReports(PACKETS) - 2);
        expect(reports.length, ctx).to.be.at.most(expectedReports(PACKETS));
        for (const r of reports) expect(r.timepoint, ctx).to.match(TIMEPOINT);
        // Interval counters (cleared at each report): their sum is about the stream, not a multiple of it.
        const group = role === 'sender' ? 'send' : 'recv';
        const unique = reports.reduce((n, r) => n + ((r[group] as Record<string, number>).packetsUnique), 0);
        expect(unique, ctx).to.be.within(PACKETS * 0.8, PACKETS);
      }
    }
    const sltKeys = keyPaths(parsed['slt sender'][0]);
    expect(sltKeys).to.include.members(['sid', 'timepoint', 'time', 'window.flow', 'link.rtt', 'send.packets', 'recv.msTsbPdDelay']);
    for (const [who, reports] of Object.entries(parsed)) {
      for (const r of reports) expect(keyPaths(r), who).to.deep.equal(sltKeys);
    }
    // Comparable counts for the same stream.
    for (const role of ['sender', 'receiver']) {
      expect(Math.abs(parsed[`srt-pipe ${role}`].length - parsed[`slt ${role}`].length), role).to.be.at.most(1);
    }
  });

  it(`-s ${EVERY} -pf csv -statsout FILE: identical header, every row as wide as it`, async function () {
    const dir = tempDir();
    const chains = await bothChains(['-s', String(EVERY), '-pf', 'csv'], dir);
    const diag = () => diagOf(Object.values(chains));
    const tables = Object.values(chains).flatMap((c) => [c.sender, c.receiver].map((s) => ({ who: s.peer.name, s, csv: parseCsvStats(statsText(s)) })));
    const sltHeader = tables[0].csv.header;
    expect(sltHeader.slice(0, 4), diag()).to.deep.equal(['Timepoint', 'Time', 'SocketID', 'Time']);
    for (const { who, s, csv } of tables) {
      expect(s.stdout.length, `${who}: nothing on stdout with -statsout`).to.equal(0);
      expect(csv.header, who).to.deep.equal(sltHeader);
      expect(csv.rows.length, `${who}\n${diag()}`).to.be.within(expectedReports(PACKETS) - 2, expectedReports(PACKETS));
      for (const row of csv.rows) {
        expect(row, who).to.have.length(sltHeader.length);
        expect(row[0], who).to.match(TIMEPOINT);
        for (const v of row.slice(1)) expect(Number.isFinite(Number(v)), `${who}: ${v}`).to.equal(true);
      }
    }
  });

  it(`-s ${EVERY} -pf default -f: identical text labels; -f counters grow from report to report`, async function () {
    const chains = await bothChains(['-s', String(EVERY), '-pf', 'default', '-f']);
    const diag = () => diagOf(Object.values(chains));
    const blocks = Object.values(chains).map((c) => ({ who: c.impl, blocks: parseTextStats(statsText(c.sender)) }));
    const sltLabels = Object.keys(blocks[0].blocks[0] ?? {});
    expect(sltLabels, diag()).to.include.members(['sid', 'PACKETS SENT', 'LINK RTT', 'WINDOW FLOW/FLIGHT']);
    for (const { who, blocks: bs } of blocks) {
      expect(bs.length, `${who}\n${diag()}`).to.be.within(expectedReports(PACKETS) - 2, expectedReports(PACKETS));
      for (const b of bs) expect(Object.keys(b), who).to.deep.equal(sltLabels);
      const sent = bs.map((b) => Number(b['PACKETS SENT']));
      expect(sent, `${who}: -f totals never go down`).to.deep.equal([...sent].sort((a, b) => a - b));
      expect(sent[sent.length - 1], who).to.be.greaterThan(PACKETS * 0.8);
    }
  });
});
