import type { SrtSocket } from '../index';

/** Periodic SRT statistics (`-s MS`, `-pf`, `-statsout`), one line per socket per interval. */

export type StatsFormat = 'default' | 'json' | 'csv';
export type StatsValues = Record<string, number | string>;
export type Direction = 'input' | 'output';

export function parseStatsFormat(s: string): StatsFormat | undefined {
  const v = s.toLowerCase();
  if (v === 'json' || v === 'csv') return v;
  if (v === 'default' || v === '2cols' || v === 'text') return 'default';
  return undefined;
}

const num = (s: StatsValues, k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0);
const fix = (n: number, d: number): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** The compact one-line text: what an operator watches (rate, RTT, loss, retransmits, drops). */
export function formatDefault(dir: Direction, label: string, s: StatsValues): string {
  const common = `rtt ${fix(num(s, 'msRTT'), 1)} ms`;
  if (dir === 'input') {
    return `stats ${label} recv ${fix(num(s, 'mbpsRecvRate'), 2)} Mbps, ${num(s, 'pktRecv')} pkts, ` +
      `lost ${num(s, 'pktRcvLoss')}, dropped ${num(s, 'pktRcvDrop')}, ${common}, buf ${num(s, 'msRcvBuf')} ms`;
  }
  return `stats ${label} send ${fix(num(s, 'mbpsSendRate'), 2)} Mbps, ${num(s, 'pktSent')} pkts, ` +
    `lost ${num(s, 'pktSndLoss')}, retrans ${num(s, 'pktRetrans')}, dropped ${num(s, 'pktSndDrop')}, ${common}, buf ${num(s, 'msSndBuf')} ms`;
}

export function formatJson(time: Date, dir: Direction, label: string, s: StatsValues): string {
  return JSON.stringify({ time: time.toISOString(), direction: dir, endpoint: label, ...s });
}

function csvField(v: unknown): string {
  const t = v === undefined ? '' : String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** CSV with a header line; the columns are fixed by the first sample so every row lines up. */
export class CsvFormatter {
  private columns: string[] | undefined;
  format(time: Date, dir: Direction, label: string, s: StatsValues): string[] {
    const lines: string[] = [];
    if (!this.columns) {
      this.columns = Object.keys(s);
      lines.push(['Time', 'Direction', 'Endpoint', ...this.columns].map(csvField).join(','));
    }
    lines.push([time.toISOString(), dir, label, ...this.columns.map((c) => s[c])].map(csvField).join(','));
    return lines;
  }
}

interface Source {
  dir: Direction;
  label: string;
  sock: SrtSocket;
}

export class StatsPrinter {
  private readonly sources: Source[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly csv = new CsvFormatter();

  constructor(
    private readonly write: (line: string) => void,
    private readonly format: StatsFormat,
    /** Interval counters (reset at each report) unless -f asks for totals. */
    private readonly clear: boolean,
  ) {}

  add(dir: Direction, label: string, sock: SrtSocket): void {
    this.sources.push({ dir, label, sock });
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.report(), intervalMs);
    this.timer.unref(); // stats never keep the process alive
  }

  report(): void {
    const now = new Date();
    for (const { dir, label, sock } of this.sources) {
      let s: StatsValues;
      try {
        s = sock.getStats({ clear: this.clear });
      } catch {
        continue; // socket already gone
      }
      if (this.format === 'json') this.write(formatJson(now, dir, label, s));
      else if (this.format === 'csv') for (const l of this.csv.format(now, dir, label, s)) this.write(l);
      else this.write(formatDefault(dir, label, s));
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
