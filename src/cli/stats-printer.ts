import type { SrtSocket } from '../index';
import { CsvFormat } from './stats-formats/csv';
import { formatJson } from './stats-formats/json';
import type { StatsReport } from './stats-formats/slt-fields';
import { formatText } from './stats-formats/text';
import { formatTimepoint, nowEpochUs } from './stats-formats/timepoint';

/**
 * SRT statistics as srt-live-transmit 1.5 prints them (`-s N`, `-pf`, `-statsout`, `-f`), so that
 * scripts reading slt's stats read ours unchanged: a report every N packets that an SRT socket
 * handles, counted per socket as slt counts its reads from an SRT input and its writes to an SRT
 * output; interval counters cleared at each report unless -f.
 */

export type StatsFormat = 'default' | 'json' | 'csv';
export type Direction = 'input' | 'output';

/** slt's -pf values; like slt 1.5.1, `FORMAT,extras` (e.g. json,pretty) ignores the extras. */
export function parseStatsFormat(s: string): StatsFormat | undefined {
  const v = s.split(',')[0].toLowerCase();
  return v === 'json' || v === 'csv' || v === 'default' ? v : undefined;
}

interface Source {
  dir: Direction;
  /** The connection reported on: with -a, the current one of a series (none between connections). */
  current: () => SrtSocket | undefined;
  /** slt's per-socket packet counter: starts at 1, a report when counter % N === N - 1. */
  counter: number;
}

export class StatsPrinter {
  private readonly sources: Source[] = [];
  private readonly csv = new CsvFormat();
  private stopped = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly format: StatsFormat,
    /** Report every this many packets. */
    private readonly everyPackets: number,
    /** -f: counters since the connection started (never cleared) instead of since the last report. */
    private readonly full: boolean,
  ) {}

  add(dir: Direction, sock: SrtSocket | (() => SrtSocket | undefined)): void {
    this.sources.push({ dir, current: typeof sock === 'function' ? sock : () => sock, counter: 1 });
  }

  /**
   * A chunk of `bytes` went from the input to the output: one message read from an SRT input,
   * and as many packets written to an SRT output as the socket cuts it into.
   */
  onChunk(bytes: number): void {
    if (this.stopped) return;
    const n = this.everyPackets;
    for (const src of this.sources) {
      const sock = src.current();
      if (!sock) continue; // between connections: nothing went through it
      const packets = src.dir === 'input' ? 1 : Math.ceil(bytes / payloadSize(sock));
      for (let k = 0; k < packets; k++, src.counter++) {
        if (src.counter % n === n - 1) this.report(sock);
      }
    }
  }

  private report(sock: SrtSocket): void {
    let stats: Record<string, number>;
    try {
      stats = sock.getStats({ clear: !this.full });
    } catch {
      return; // socket already gone
    }
    const r: StatsReport = { sid: sock.socketId, timepoint: formatTimepoint(nowEpochUs()), stats };
    this.write(this.format === 'json' ? formatJson(r) : this.format === 'csv' ? this.csv.format(r) : formatText(r));
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Bytes per packet of a byte-stream write (the negotiated size once connected). */
export function payloadSize(sock: SrtSocket): number {
  return Math.max(1, sock.engine?.cfg.payloadSize ?? sock.options.payloadSize);
}
