/**
 * srt-pipe's log (`-ll`, `-lfa`, `-logfile`): srt-live-transmit's model, where the library's log
 * lines are filtered by level and functional area, apart from the tool's own messages (`-v`, `-q`).
 * Lines take libsrt's shape, `HH:MM:SS.uuuuuu/srt-pipe!W:SRT.cn: text`, so that what one greps
 * in srt-live-transmit's logs is found in ours.
 */

/** syslog severities, as libsrt numbers its levels (a line shows when its level <= the chosen one). */
export const LogLevel = { fatal: 2, error: 3, warning: 4, note: 5, info: 6, debug: 7 } as const;
export type LogLevelValue = number;

/** Every spelling srt-live-transmit takes for -ll (its own names and syslog's), to a level. */
const LEVEL_NAMES: Readonly<Record<string, number>> = {
  emerg: 0, panic: 0, alert: 1,
  crit: LogLevel.fatal, fatal: LogLevel.fatal,
  err: LogLevel.error, error: LogLevel.error,
  warn: LogLevel.warning, warning: LogLevel.warning,
  notice: LogLevel.note, note: LogLevel.note,
  info: LogLevel.info,
  debug: LogLevel.debug,
};

/** `-ll` value: a name (case-insensitive) or a number 2..7; undefined if neither. */
export function parseLogLevel(text: string): LogLevelValue | undefined {
  const v = text.trim().toLowerCase();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= LogLevel.fatal && n <= LogLevel.debug ? n : undefined;
  }
  return Object.hasOwn(LEVEL_NAMES, v) ? LEVEL_NAMES[v] : undefined;
}

/** libsrt's functional areas (`-lfa` names) in its order; srt-pipe logs under general, sockmgmt and conn. */
export const LOG_FAS = [
  'general', 'sockmgmt', 'conn', 'xtimer', 'tsbpd', 'rsrc', 'haicrypt', 'congest', 'pfilter', 'applog',
  'api-ctrl', 'que-ctrl', 'epoll-upd', 'api-recv', 'buf-recv', 'que-recv', 'chn-recv', 'grp-recv', 'api-send',
  'buf-send', 'que-send', 'chn-send', 'grp-send', 'internal', 'que-mgmt', 'chn-mgmt', 'grp-mgmt', 'epoll-api',
] as const;
export type LogFa = 'general' | 'sockmgmt' | 'conn';

/** The area's tag in a line, as libsrt's loggers name theirs. */
const FA_TAG: Readonly<Record<LogFa, string>> = { general: 'SRT.gg', sockmgmt: 'SRT.sm', conn: 'SRT.cn' };

/** libsrt's severity marks. */
const LEVEL_MARK: Readonly<Record<number, string>> = {
  [LogLevel.fatal]: '!!FATAL!!', [LogLevel.error]: '*E', [LogLevel.warning]: '!W', [LogLevel.note]: '.N', [LogLevel.debug]: ' D',
};

/**
 * `-lfa a,b,c`: the areas to turn on (plus general, which cannot be turned off); `all` is every
 * one. Names are case-insensitive, `_` may stand for `-`. Unknown names are returned, not thrown.
 */
export function parseLogFas(text: string): { fas: Set<string>; unknown: string[] } {
  const names = text.split(',').map((s) => s.trim().toLowerCase().replace(/_/g, '-')).filter((s) => s !== '');
  if (names.includes('all')) return { fas: new Set(LOG_FAS), unknown: [] };
  const known = new Set<string>(LOG_FAS);
  const fas = new Set<string>(['general']);
  const unknown: string[] = [];
  for (const n of names) {
    if (known.has(n)) fas.add(n);
    else unknown.push(n);
  }
  return { fas, unknown };
}

/** Local wall-clock time with microseconds, as libsrt stamps its lines (`14:30:47.742494`). */
export function logTime(epochMs: number): string {
  const totalUs = Math.round(epochMs * 1000);
  const d = new Date(Math.floor(totalUs / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(totalUs % 1_000_000).padStart(6, '0')}`;
}

export function formatLogLine(epochMs: number, level: number, fa: LogFa, text: string): string {
  return `${logTime(epochMs)}/srt-pipe${LEVEL_MARK[level] ?? ' D'}:${FA_TAG[fa]}: ${text}`;
}

export class Logger {
  constructor(
    private readonly write: (line: string) => void,
    /** Lines of this level and more severe are written. */
    readonly level: LogLevelValue = LogLevel.warning,
    /** Areas turned on; undefined = all (libsrt's default: all but haicrypt, which srt-pipe never logs under). */
    private readonly fas?: ReadonlySet<string>,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

  /** Whether a line would be written: test before building an expensive message. */
  enabled(level: number, fa: LogFa): boolean {
    return level <= this.level && (fa === 'general' || !this.fas || this.fas.has(fa));
  }

  log(level: number, fa: LogFa, text: string): void {
    if (this.enabled(level, fa)) this.write(formatLogLine(this.now(), level, fa, text));
  }

  fatal(fa: LogFa, text: string): void { this.log(LogLevel.fatal, fa, text); }
  error(fa: LogFa, text: string): void { this.log(LogLevel.error, fa, text); }
  warn(fa: LogFa, text: string): void { this.log(LogLevel.warning, fa, text); }
  note(fa: LogFa, text: string): void { this.log(LogLevel.note, fa, text); }
  debug(fa: LogFa, text: string): void { this.log(LogLevel.debug, fa, text); }
}

/** `-h logging`: the levels and areas. */
export const LOGGING_HELP = `Logging options (as srt-live-transmit's):
  -ll, -loglevel LEVEL   fatal, error, warning (default), note, info or debug; also syslog's
                         names (crit, err, warn, notice) or a number 2..7. Shows the lines of
                         LEVEL and every more severe one.
  -lfa, -logfa AREAS     comma-separated functional areas to show (general is always on);
                         'all' for every one. Default: all.
  -logfile FILE          log lines go to FILE instead of stderr.

srt-pipe logs under general, sockmgmt and conn:
  warning  a caller refused by our listener, or our call refused, with the reason;
           a connection broken (peer idle, protocol error), with the reason
  note     connections accepted, made and closed by the peer; the -t timer
  debug    listening / connecting with the socket options in effect; counters at exit

Functional areas (libsrt's names):
  ${LOG_FAS.join(' ')}
`;
