import { shownParam } from './redact';
import { UsageError } from './usage-error';

/** Parsers for query-parameter values; `name` is only for error messages (shown through shownParam). */

export function parseIntParam(name: string, value: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`${shownParam(name, value)}: expected an integer`);
  const n = Number(value.trim());
  if (n < min || n > max) throw new UsageError(`${shownParam(name, value)}: must be between ${min} and ${max}`);
  return n;
}

const TRUE = new Set(['1', 'true', 'on', 'yes']);
const FALSE = new Set(['0', 'false', 'off', 'no']);

export function parseBoolParam(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new UsageError(`${shownParam(name, value)}: expected 0/1, true/false, on/off or yes/no`);
}

const UNIT_TO_MS: Record<string, number> = { us: 0.001, 'µs': 0.001, ms: 1, s: 1000 };

export interface Duration {
  ms: number;
  /** True when the value had no unit suffix (so the default unit was assumed). */
  plain: boolean;
}

/** `200` (default unit), `200ms`, `200000us`, `2s`, `1.5s` → milliseconds (rounded). */
export function parseDurationParam(name: string, value: string, defaultUnit: 'ms' | 's'): Duration {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*$/i.exec(value);
  if (!m) throw new UsageError(`${shownParam(name, value)}: expected a duration such as 200, 200ms, 200000us or 2s`);
  const unit = (m[2] ?? defaultUnit).toLowerCase();
  return { ms: Math.round(Number(m[1]) * UNIT_TO_MS[unit]), plain: m[2] === undefined };
}

/**
 * An SRT version as srt-live-transmit takes it (`0x010300`, or its decimal value) or dotted
 * (`1.3.0`) → major<<16 | minor<<8 | patch. A leading zero is refused: srt-live-transmit would
 * read `010300` as octal, which is never what was meant.
 */
export function parseVersionParam(name: string, value: string): number {
  const v = value.trim();
  const dotted = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/.exec(v);
  let n = NaN;
  if (dotted) {
    const [maj, min, patch] = dotted.slice(1).map((x) => Number(x ?? 0));
    if (maj <= 255 && min <= 255 && patch <= 255) n = (maj << 16) | (min << 8) | patch;
  } else if (/^0x[0-9a-f]{1,6}$/i.test(v) || /^(0|[1-9]\d{0,7})$/.test(v)) {
    n = Number(v);
  }
  if (!(n <= 0xffffff)) throw new UsageError(`${shownParam(name, value)}: expected a version such as 0x010300 or 1.3.0`);
  return n;
}

/** An IP header byte (iptos): decimal or 0x hex, as srt-live-transmit reads it (DSCP values are usually hex). */
export function parseByteParam(name: string, value: string): number {
  const v = value.trim();
  return /^0x[0-9a-f]{1,2}$/i.test(v) ? Number(v) : parseIntParam(name, value, 0, 255);
}
