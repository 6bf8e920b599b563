/**
 * npm run bench:report: turns the last `npm run bench` (dist/bench-results.json) into
 * bench/RESULTS.md and the chart bench/results.svg that the README shows.
 *
 *   node dist/bench/report.js [results.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Row { scenario: string; impl: string; usPerPkt: number; cpuPct: number; rssPeakMB: number; delivered: number }
interface LossRow { scenario: string; impl: string; delivered: number; pktRetrans: number; rexmitPerLoss: number; rexmitPerLostOriginal: number; rttMs: number }
interface FileRow { impl: string; megabytes: number; seconds: number; mbps: number; intact: boolean }
interface RelayRow {
  scenario: string; impl: string; players: number; deliveredMin: number; deliveredMedian: number; deliveredMax: number; cpuPct: number;
  usPerPktForwarded: number; rssPeakMB: number; eld?: { p99: number }; closedEarly: number; damaged: number; runQueueWaitPct: number;
  playerProcsCpuPct: number[];
}
interface Results {
  date: string;
  config: { seconds: number; mbps: number; latencyMs: number; packetBytes: number; cpus: number; node: string };
  rows: Row[];
  loss: LossRow[];
  file: FileRow[];
  relay?: RelayRow[];
  relayNotes?: string[];
  errors: string[];
}

const root = path.resolve(__dirname, '..', '..');
const input = process.argv[2] ?? path.join(root, 'dist', 'bench-results.json');
const res = JSON.parse(fs.readFileSync(input, 'utf8')) as Results;

const median = (a: number[]): number => {
  const b = [...a].sort((x, y) => x - y);
  return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** One line per scenario and implementation: medians over the repeats, range of µs/packet. */
interface Summary { scenario: string; impl: string; runs: number; us: number; usMin: number; usMax: number; cpuPct: number; rssMB: number; delivered: number }
function summarize(): Summary[] {
  const out: Summary[] = [];
  for (const sc of [...new Set(res.rows.map((r) => r.scenario))]) {
    for (const impl of [...new Set(res.rows.filter((r) => r.scenario === sc).map((r) => r.impl))]) {
      const rs = res.rows.filter((r) => r.scenario === sc && r.impl === impl);
      const us = rs.map((r) => r.usPerPkt);
      out.push({
        scenario: sc, impl, runs: rs.length, us: median(us), usMin: Math.min(...us), usMax: Math.max(...us),
        cpuPct: median(rs.map((r) => r.cpuPct)), rssMB: median(rs.map((r) => r.rssPeakMB)), delivered: Math.min(...rs.map((r) => r.delivered)),
      });
    }
  }
  return out;
}

const IMPL_ORDER = ['libsrt', 'floor', 'srt-stream'];
const COLORS: Record<string, string> = { libsrt: '#7a7a7a', floor: '#4c8bd6', 'srt-stream': '#e0782f' };
const TARGET = 1.25;

function markdown(sum: Summary[]): string {
  const c = res.config;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(`\`npm run bench\` on ${res.date.slice(0, 10)}: ${c.mbps} Mbit/s of ${c.packetBytes}-byte packets for ${c.seconds} s per run, ` +
    `latency ${c.latencyMs} ms, loopback, ${c.cpus} CPUs, node ${c.node}. Regenerate this page with \`npm run bench && npm run bench:report\`.`, '');
  out.push('CPU is the process under test (all its threads) over the measuring window; the **Node floor** is plain `node:dgram` ' +
    'carrying the same payloads with a 16-byte header and no protocol, reading stdin and writing stdout like the others. ' +
    `The target is srt-stream at most ${TARGET}× the floor per packet.`, '');
  out.push('![CPU per packet](results.svg)', '');
  out.push('| scenario | implementation | runs | µs per packet (median, range) | × floor | × libsrt | CPU % | peak RSS MB | delivered |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const s of sum) {
    const floor = sum.find((x) => x.scenario === s.scenario && x.impl === 'floor');
    const lib = sum.find((x) => x.scenario === s.scenario && x.impl === 'libsrt');
    out.push(`| ${s.scenario} | ${s.impl} | ${s.runs} | ${f(s.us)} (${f(s.usMin)}–${f(s.usMax)}) | ${floor ? f(s.us / floor.us, 2) : ''} | ` +
      `${lib ? f(s.us / lib.us, 2) : ''} | ${f(s.cpuPct)} | ${f(s.rssMB)} | ${f(s.delivered * 100, 2)} % |`);
  }
  if (res.loss.length) {
    out.push('', '## Loss recovery', '');
    out.push('| scenario | implementation | delivered | retransmissions | per lost packet | per lost original | RTT ms |');
    out.push('|---|---|---|---|---|---|---|');
    for (const l of res.loss) {
      out.push(`| ${l.scenario} | ${l.impl} | ${f(l.delivered * 100, 2)} % | ${l.pktRetrans} | ${f(l.rexmitPerLoss, 2)} | ${f(l.rexmitPerLostOriginal, 2)} | ${f(l.rttMs)} |`);
    }
  }
  if (res.file.length) {
    out.push('', '## File mode', '');
    out.push('| implementation | MB | seconds | Mbit/s | intact |');
    out.push('|---|---|---|---|---|');
    for (const r of res.file) out.push(`| ${r.impl} | ${f(r.megabytes, 0)} | ${f(r.seconds, 2)} | ${f(r.mbps, 0)} | ${r.intact ? 'yes' : 'NO'} |`);
  }
  const relay = res.relay ?? [];
  if (relay.length || res.relayNotes?.length) {
    out.push('', '## Relay: one publisher, many players', '');
    out.push('One publisher → the relay in its own process (`bin/srt-relay.js`; gosrt\'s `contrib/server` when built) → N players ' +
      'in 2 processes on the same machine, each checking every packet (number and content). CPU is the relay process over the window; ' +
      'µs per packet forwarded = CPU time / (packets in × players), meaningful when every packet was delivered. ' +
      '"Waited" is the relay\'s time runnable without a CPU (the players and the rest of the machine took it), summed over its threads: ' +
      'gosrt\'s many threads can pass 100 %. `BENCH_ONLY=relay npm run bench` runs this part alone; `BENCH_RELAY_PLAYERS` sets the player counts.', '');
    out.push('| scenario | relay | delivered per player (min / median / max) | CPU % | µs per packet forwarded | peak RSS MB | event-loop delay p99 ms | players closed early | waited for a CPU | player processes CPU % |');
    out.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of relay) {
      out.push(`| ${r.scenario} | ${r.impl} | ${f(r.deliveredMin * 100, 2)} / ${f(r.deliveredMedian * 100, 2)} / ${f(r.deliveredMax * 100, 2)} % | ` +
        `${f(r.cpuPct)} | ${f(r.usPerPktForwarded)} | ${f(r.rssPeakMB)} | ${r.eld ? f(r.eld.p99) : 'n/a'} | ${r.closedEarly} of ${r.players} | ` +
        `${f(r.runQueueWaitPct, 0)} % | ${r.playerProcsCpuPct.map((x) => f(x, 0)).join(', ')} |`);
    }
    for (const n of res.relayNotes ?? []) out.push('', n);
  }
  if (res.errors.length) out.push('', '## Errors', '', ...res.errors.map((e) => `- ${e.split('\n')[0]}`));
  return out.join('\n') + '\n';
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Grouped horizontal bars: µs per packet for each scenario, one bar per implementation, the target marked. */
function svg(sum: Summary[]): string {
  const scenarios = [...new Set(sum.map((s) => s.scenario))];
  const barH = 18;
  const gap = 4;
  const groupGap = 22;
  const left = 150;
  const width = 720;
  const plotW = width - left - 90;
  const max = Math.max(...sum.map((s) => s.usMax)) * 1.05;
  const x = (v: number): number => left + (v / max) * plotW;
  const parts: string[] = [];
  let y = 40;
  for (const sc of scenarios) {
    const rows = IMPL_ORDER.map((i) => sum.find((s) => s.scenario === sc && s.impl === i)).filter((s): s is Summary => !!s);
    const top = y;
    parts.push(`<text x="8" y="${y + (rows.length * (barH + gap)) / 2 + 4}" font-weight="bold">${esc(sc)}</text>`);
    for (const s of rows) {
      parts.push(`<rect x="${left}" y="${y}" width="${f(x(s.us) - left)}" height="${barH}" fill="${COLORS[s.impl] ?? '#999'}"/>`);
      if (s.runs > 1) parts.push(`<line x1="${f(x(s.usMin))}" x2="${f(x(s.usMax))}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#222" stroke-width="1.5"/>`);
      parts.push(`<text x="${f(x(s.usMax) + 6)}" y="${y + barH - 5}">${esc(s.impl)} ${f(s.us)}</text>`);
      y += barH + gap;
    }
    const floor = rows.find((s) => s.impl === 'floor');
    if (floor) {
      const tx = x(floor.us * TARGET);
      parts.push(`<line x1="${f(tx)}" x2="${f(tx)}" y1="${top - 3}" y2="${y - gap + 3}" stroke="#c00" stroke-dasharray="4 3"/>`);
    }
    y += groupGap;
  }
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="20" font-size="14" font-weight="bold">CPU µs per packet at ${res.config.mbps} Mbit/s, loopback (lower is better; dashes: ${TARGET}× floor)</text>
${parts.join('\n')}
</svg>
`;
}

const sum = summarize();
fs.writeFileSync(path.join(root, 'bench', 'RESULTS.md'), markdown(sum));
fs.writeFileSync(path.join(root, 'bench', 'results.svg'), svg(sum));
console.log(`wrote bench/RESULTS.md and bench/results.svg from ${path.relative(process.cwd(), input)}`);
