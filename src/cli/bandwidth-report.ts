import type { SrtSocket } from '../index';
import { cppDouble } from './stats-formats/cpp-number';
import { payloadSize, type Direction } from './stats-printer';

/**
 * `-r N`: srt-live-transmit's bandwidth report. Each SRT endpoint counts its packets as -s does (slt
 * counts its reads from an SRT input and its writes to an SRT output) and, at packet N-1 and every N
 * after, prints its estimated link bandwidth (stats' mbpsBandwidth) on stderr:
 * `+++/+++SRT BANDWIDTH: 12.5`, or `{"bandwidth":12.5}` with -pf json.
 */

export function formatBandwidth(mbps: number, json: boolean): string {
  return json ? `{"bandwidth":${cppDouble(mbps)}}` : `+++/+++SRT BANDWIDTH: ${cppDouble(mbps)}`;
}

interface Source {
  dir: Direction;
  /** The connection reported on: with -a, the current one of a series (none between connections). */
  current: () => SrtSocket | undefined;
  /** slt's counter: starts at 1, a report when counter % N === N - 1. */
  counter: number;
}

export class BandwidthReport {
  private readonly sources: Source[] = [];

  constructor(
    private readonly every: number,
    private readonly write: (line: string) => void,
    private readonly json: boolean,
  ) {}

  add(dir: Direction, sock: SrtSocket | (() => SrtSocket | undefined)): void {
    this.sources.push({ dir, current: typeof sock === 'function' ? sock : () => sock, counter: 1 });
  }

  /** A chunk of `bytes` went through: one packet read from an SRT input, as many as it makes written to an SRT output. */
  onChunk(bytes: number): void {
    for (const src of this.sources) {
      const sock = src.current();
      if (!sock) continue; // between connections: nothing went through it
      const packets = src.dir === 'input' ? 1 : Math.ceil(bytes / payloadSize(sock));
      const first = src.counter;
      src.counter += packets;
      // One line when a report point (k % every == every - 1) is in [first, first + packets).
      const next = first + (((this.every - 1 - (first % this.every)) % this.every) + this.every) % this.every;
      if (next < first + packets) this.report(sock);
    }
  }

  private report(sock: SrtSocket): void {
    let mbps: number;
    try {
      mbps = sock.getStats().mbpsBandwidth ?? 0;
    } catch {
      return; // socket already gone
    }
    this.write(formatBandwidth(mbps, this.json));
  }
}
