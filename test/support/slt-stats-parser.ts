/**
 * What a script that reads srt-live-transmit's stats would do: parse `-pf json`, `-pf csv` and
 * `-pf default` output. The interop tests run this same code over srt-live-transmit's output
 * and over srt-pipe's, so any difference a script would trip on shows up as a test failure.
 */

export type JsonReport = Record<string, unknown>;

/** `-pf json`: one object per line; other lines (there should be none) are skipped. */
export function parseJsonStats(text: string): JsonReport[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JsonReport);
}

/** The leaf key paths of a report, in order: ["sid", "timepoint", "time", "window.flow", ...]. */
export function keyPaths(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    (v !== null && typeof v === 'object' ? keyPaths(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

export interface CsvStats {
  header: string[];
  rows: string[][];
}

/** `-pf csv`: the header line, then rows of as many fields (none of slt's fields is quoted). */
export function parseCsvStats(text: string): CsvStats {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const [header = [], ...rows] = lines.map((l) => l.split(','));
  return { header, rows };
}

/**
 * `-pf default`: a block per report, keyed by label: "PACKETS SENT", "PACKETS SENT/RECEIVED",
 * "LINK RTT" ... (a label after the first on a line is prefixed by the first). Units stay on values.
 */
export function parseTextStats(text: string): Array<Record<string, string>> {
  const blocks: Array<Record<string, string>> = [];
  for (const line of text.split('\n')) {
    const head = /^======= SRT STATS: sid=(\d+)$/.exec(line);
    if (head) { blocks.push({ sid: head[1] }); continue; }
    const block = blocks[blocks.length - 1];
    if (!block) continue;
    let first: string | undefined;
    for (const [, label, value] of line.matchAll(/([A-Z][A-Z ]*[A-Z]):\s+(?=[-\d])(\S+)/g)) {
      const name = label.replace(/\s+/g, ' ');
      block[first === undefined ? name : `${first}/${name}`] = value;
      first ??= name;
    }
  }
  return blocks;
}

/** Numbers as JSON.parse reads them: every value of a report that is not a number, by key path. */
export function nonNumbers(r: JsonReport): string[] {
  return keyPaths(r).filter((p) => p !== 'timepoint' && typeof p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], r) !== 'number');
}

/** slt's timepoint: local time, microseconds and a numeric UTC offset. */
export const TIMEPOINT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$/;
