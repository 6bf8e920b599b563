import { LOG_FAS, LogLevel, parseLogFas, parseLogLevel, type LogLevelValue } from './log';
import { redactUri } from './redact';
import { UsageError } from './usage-error';

/**
 * srt-live-transmit's run options other than stats (timer, chunk size, reports, logging,
 * reconnection), with its names, value syntax, units and defaults (apps/srt-live-transmit.cpp, 1.5).
 */

export interface RunOptions {
  /** -t: exit after this many seconds; 0 = never. */
  timeoutS: number;
  /** -tm: 0 = counted from the start; 1 = cancelled once an SRT connection is up. */
  timeoutMode: 0 | 1;
  /** -a: reconnect when a connection ends (srt-live-transmit's default: yes). */
  autoReconnect: boolean;
  /** -c: cut the input into chunks of at most this many bytes; undefined = as read. */
  chunkSize?: number;
  /** -r: print the SRT link bandwidth every this many packets; 0 = never. */
  bwReportEvery: number;
  /** -st: pass the source's packet time to the SRT output (accepted; not done, see USAGE). */
  srcTime: boolean;
  /**
   * -buffering: chunks held between input and output. srt-live-transmit reads up to this many packets
   * (default 10) before writing them; srt-pipe keeps the 16 its pipe was measured with by default.
   */
  buffering: number;
  logLevel: LogLevelValue;
  /** -lfa: areas turned on; undefined = all. */
  logFas?: Set<string>;
  logFile?: string;
}

export const RUN_DEFAULTS: Readonly<RunOptions> = {
  timeoutS: 0,
  timeoutMode: 0,
  autoReconnect: true,
  bwReportEvery: 0,
  srcTime: false,
  buffering: 16,
  logLevel: LogLevel.warning,
};

/** srt-live-transmit spellings → canonical long option (merged into args.ts's table). */
export const RUN_ALIASES: Readonly<Record<string, string>> = {
  t: 'timeout', to: 'timeout', timeout: 'timeout',
  tm: 'timeout-mode', 'timeout-mode': 'timeout-mode',
  a: 'auto', auto: 'auto', autoreconnect: 'auto',
  c: 'chunk', chunk: 'chunk',
  r: 'report', report: 'report', bwreport: 'report', 'bandwidth-report': 'report', 'bitrate-report': 'report',
  st: 'srctime', srctime: 'srctime', sourcetime: 'srctime',
  buffering: 'buffering',
  ll: 'loglevel', loglevel: 'loglevel',
  lfa: 'logfa', logfa: 'logfa',
  logfile: 'logfile',
};

/** parseArgs definitions: every one takes a value, as in srt-live-transmit (`-a no`, `-st:yes`). */
export const RUN_PARSE_OPTIONS = {
  timeout: { type: 'string' },
  'timeout-mode': { type: 'string' },
  auto: { type: 'string' },
  chunk: { type: 'string' },
  report: { type: 'string' },
  srctime: { type: 'string' },
  buffering: { type: 'string' },
  loglevel: { type: 'string' },
  logfa: { type: 'string' },
  logfile: { type: 'string' },
} as const;

export type RunValues = { [K in keyof typeof RUN_PARSE_OPTIONS]?: string };

/** Largest -c: a chunk is held in memory whole. */
const MAX_CHUNK = 16 << 20;

function int(flag: string, value: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} ${redactUri(value)}: expected ${what}`);
  }
  return Number(value);
}

/** srt-live-transmit's yes/no values. */
function bool(flag: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['yes', 'on', 'true', '1'].includes(v)) return true;
  if (['no', 'off', 'false', '0'].includes(v)) return false;
  throw new UsageError(`${flag} ${redactUri(value)}: expected yes or no`);
}

export function parseRunOptions(v: RunValues): RunOptions {
  const o: RunOptions = { ...RUN_DEFAULTS };
  if (v.timeout !== undefined) o.timeoutS = int('-t', v.timeout, 0, 0x7fffffff, 'a number of seconds');
  if (v['timeout-mode'] !== undefined) o.timeoutMode = int('-tm', v['timeout-mode'], 0, 1, '0 (from the start) or 1 (cancelled on connection)') as 0 | 1;
  if (v.auto !== undefined) o.autoReconnect = bool('-a', v.auto);
  if (v.chunk !== undefined) o.chunkSize = int('-c', v.chunk, 1, MAX_CHUNK, `a chunk size in bytes (1..${MAX_CHUNK})`);
  if (v.report !== undefined) o.bwReportEvery = int('-r', v.report, 0, 0x7fffffff, 'a number of packets');
  if (v.srctime !== undefined) o.srcTime = bool('-st', v.srctime);
  if (v.buffering !== undefined) o.buffering = int('-buffering', v.buffering, 1, 65536, 'a positive number of packets');
  if (v.loglevel !== undefined) {
    const level = parseLogLevel(v.loglevel);
    if (level === undefined) throw new UsageError(`-ll ${redactUri(v.loglevel)}: expected fatal, error, warning, note, info or debug`);
    o.logLevel = level;
  }
  if (v.logfa !== undefined) {
    const { fas, unknown } = parseLogFas(v.logfa);
    if (unknown.length) {
      throw new UsageError(`-lfa: unknown functional area${unknown.length > 1 ? 's' : ''} ${unknown.map(redactUri).join(', ')} (known: all, ${LOG_FAS.join(', ')})`);
    }
    o.logFas = fas;
  }
  if (v.logfile !== undefined) {
    if (v.logfile === '') throw new UsageError('-logfile: expected a file name');
    o.logFile = v.logfile;
  }
  return o;
}
