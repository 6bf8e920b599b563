import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCliArgs, USAGE, type CliOptions } from './args';
import { BandwidthReport } from './bandwidth-report';
import { Chunker, fitPayloadToChunk } from './chunker';
import { describeTotals, watchDisconnect } from './connection-watch';
import { resolveEndpoint, type EndpointSpec } from './endpoint-spec';
import { openInput, openOutput, UdpSource, type Opened, type OpenContext } from './endpoints';
import { ExitTimer } from './exit-timer';
import { Logger, LogLevel, LOGGING_HELP } from './log';
import { StatsPrinter } from './stats-printer';
import { UsageError } from './usage-error';
import { Valve } from './valve';

/** `srt-pipe [options] INPUT OUTPUT`: see USAGE in args.ts. Sets process.exitCode (0 ok, 1 runtime, 2 usage). */

/** After the pipe is done, give sockets this long to close by themselves before forcing the exit. */
const EXIT_GRACE_MS = 2000;

const say = (msg: string): void => { process.stderr.write(`srt-pipe: ${msg}\n`); };

interface ErrorLike { message?: string; code?: string; reason?: string | number }

/** `message (code, reason)` as the brief / srt-live-transmit users expect. */
export function describeError(err: unknown): string {
  const e = (err ?? {}) as ErrorLike;
  const extra = [e.code, e.reason].filter((x) => x !== undefined && x !== '').join(', ');
  return `${e.message ?? String(err)}${extra ? ` (${extra})` : ''}`;
}

export function main(argv: string[]): void {
  let opts: CliOptions;
  let inSpec: EndpointSpec;
  let outSpec: EndpointSpec;
  try {
    opts = parseCliArgs(argv);
    if (opts.help) { process.stdout.write(opts.helpTopic === 'logging' ? LOGGING_HELP : USAGE); return; }
    if (opts.version) { process.stdout.write(`srt-pipe ${readVersion()}\n`); return; }
    inSpec = resolveEndpoint(opts.input, 'input');
    outSpec = resolveEndpoint(opts.output, 'output');
    if (opts.chunkSize !== undefined && outSpec.kind === 'srt') fitPayloadToChunk(outSpec, opts.chunkSize);
  } catch (err) {
    if (err instanceof UsageError) {
      say(err.message);
      process.stderr.write(`Try 'srt-pipe --help' for more information.\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  if (!opts.quiet) {
    for (const spec of [inSpec, outSpec]) if ('notes' in spec) for (const n of spec.notes) say(n);
    if (opts.srcTime) say('note: -st: source time is not passed on; each packet is stamped when srt-pipe sends it');
  }
  run(opts, inSpec, outSpec).then(
    (code) => exit(code),
    (err) => { say(`internal error: ${(err as Error)?.stack ?? String(err)}`); exit(1); },
  );
}

function exit(code: number): void {
  process.exitCode = code;
  // Normally the event loop empties now; a socket that will not close must not hang the shell.
  void sleep(EXIT_GRACE_MS, undefined, { ref: false }).then(() => process.exit(code));
}

function readVersion(): string {
  try {
    // dist/src/cli/srt-pipe.js -> package.json
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

const isLocal = (s: EndpointSpec): boolean => s.kind === 'file' || s.kind === 'stdio';
/** Inputs read as a byte stream (no datagram boundaries to keep): -c reads them in whole chunks. */
const isByteStream = (s: EndpointSpec): boolean => isLocal(s) || s.kind === 'tcp';

/** The -ll log, to -logfile FILE or stderr; rejects if FILE cannot be opened. */
async function openLog(opts: CliOptions): Promise<{ logger: Logger; file?: fs.WriteStream }> {
  if (opts.logFile === undefined) return { logger: new Logger((l) => process.stderr.write(l + '\n'), opts.logLevel, opts.logFas) };
  const file = fs.createWriteStream(opts.logFile);
  await once(file, 'open');
  // A failing log file (disk full) is said once; it must not end the copy. Lines after the end are dropped.
  file.on('error', (err) => say(`-logfile: ${describeError(err)}`));
  const write = (l: string) => { if (!file.writableEnded && !file.destroyed) file.write(l + '\n'); };
  return { logger: new Logger(write, opts.logLevel, opts.logFas), file };
}

async function run(opts: CliOptions, inSpec: EndpointSpec, outSpec: EndpointSpec): Promise<number> {
  const verbose = opts.verbose && !opts.quiet;
  let log: Awaited<ReturnType<typeof openLog>>;
  try {
    log = await openLog(opts);
  } catch (err) {
    say(`-logfile: ${describeError(err)}`);
    return 1;
  }
  const logger = log.logger;
  const abort = new AbortController();
  const ctx: OpenContext = { log: verbose ? say : () => {}, signal: abort.signal, logger, autoReconnect: opts.autoReconnect };
  let interrupted = false;
  let stopPipe: (() => void) | undefined;
  const interrupt = (why: string) => {
    interrupted = true;
    ctx.log(`${why}: closing`);
    abort.abort();
    stopPipe?.();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // second ^C: give up on a clean close
    interrupt(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = new ExitTimer(opts.timeoutS, opts.timeoutMode, () => { if (!interrupted) interrupt('timeout'); }, (m) => {
    ctx.log(m);
    logger.note('general', m);
  });
  timer.start();
  /** An SRT endpoint is open: -tm 1 stops counting; its end is logged with the reason. */
  const watch = (o: Opened, spec: EndpointSpec, dir: 'source' | 'target') => {
    if (!o.srt) return;
    timer.connected();
    if (!o.series) return watchDisconnect(o.srt, dir, spec.label, logger, () => timer.disconnected());
    // -a: every connection of the series is told as it ends; the next one restarts -tm 1's count.
    o.series.on('disconnect', (err?: Error) => {
      if (err) logger.warn('conn', `${spec.label}: SRT ${dir} disconnected: ${err.message}`);
      else logger.note('conn', `${spec.label}: SRT ${dir} disconnected: closed by the peer`);
      timer.disconnected();
    });
    o.series.on('connect', () => timer.connected());
  };

  let input: Opened | undefined;
  let output: Opened | undefined;
  let statsFile: fs.WriteStream | undefined;
  const stats = opts.statsEvery !== undefined ? new StatsPrinter(statsWriter(), opts.statsFormat, opts.statsEvery, opts.fullStats) : undefined;

  // As srt-live-transmit: stats on stdout unless -statsout; on stderr when the data goes to stdout
  // (where slt refuses to run).
  function statsWriter(): (text: string) => void {
    const tty = outSpec.kind === 'stdio' ? process.stderr : process.stdout;
    return (text) => { (statsFile ?? tty).write(text); };
  }

  const cleanup = () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    timer.cancel();
    if (logger.enabled(LogLevel.debug, 'sockmgmt')) {
      for (const [o, spec] of [[input, inSpec], [output, outSpec]] as const) {
        const totals = o?.srt && describeTotals(o.srt);
        if (totals) logger.debug('sockmgmt', `${spec.label}: ${totals}`);
      }
    }
    stats?.stop();
    input?.release();
    output?.release();
    statsFile?.end();
    log.file?.end();
  };

  try {
    if (opts.statsOut !== undefined) {
      statsFile = fs.createWriteStream(opts.statsOut);
      await once(statsFile, 'open');
    }
    // Local inputs first (fail fast on a missing file); otherwise the output first, so that an SRT/TCP
    // listener output has its receiver before any input is read (as srt-live-transmit).
    if (isLocal(inSpec)) input = await openInput(inSpec, ctx);
    output = await openOutput(outSpec, ctx);
    watch(output, outSpec, 'target');
    if (!input) {
      input = await openInput(inSpec, ctx);
      watch(input, inSpec, 'source');
    }
  } catch (err) {
    destroyQuietly(input);
    destroyQuietly(output);
    cleanup();
    if (interrupted) return 0;
    say(describeError(err));
    return 1;
  }

  const inp = input;
  const out = output;
  const valve = new Valve(opts.buffering);
  if (stats) {
    if (input.srt) stats.add('input', () => inp.srt);
    if (output.srt) stats.add('output', () => out.srt);
  }
  // -r: srt-live-transmit's bandwidth line (stderr), per SRT side, counted as -s counts.
  const bandwidth = opts.bwReportEvery > 0
    ? new BandwidthReport(opts.bwReportEvery, (l) => { process.stderr.write(l + '\n'); }, opts.statsFormat === 'json')
    : undefined;
  if (bandwidth) {
    if (input.srt) bandwidth.add('input', () => inp.srt);
    if (output.srt) bandwidth.add('output', () => out.srt);
  }
  if (stats || bandwidth) {
    valve.onChunk = (n) => {
      stats?.onChunk(n);
      bandwidth?.onChunk(n);
    };
  }
  const chunker = opts.chunkSize !== undefined ? new Chunker(opts.chunkSize, isByteStream(inSpec)) : undefined;
  stopPipe = () => {
    // Let the output end gracefully, then drop the input (which may never end by itself).
    valve.stop();
    finished(out.stream as Writable, { readable: false }, () => inp.stream.destroy());
  };
  if (interrupted) stopPipe();

  // An input's own EPIPE must not pass for the receiver leaving; the output's error, which
  // pipeline() also destroys the input with, is not the input's own.
  let inputError: unknown;
  let outputError: unknown;
  inp.stream.once('error', (e) => { inputError = e; });
  out.stream.once('error', (e) => { outputError ??= e; });
  const stages = [inp.stream as Readable, ...(chunker ? [chunker] : []), valve, out.stream as Writable];
  const err = await pipeline(stages).then(() => undefined, (e: NodeJS.ErrnoException) => e);
  const inputFailed = inputError !== undefined && inputError !== outputError;
  cleanup();
  ctx.log(`${valve.bytes} bytes copied`);
  if (inp.stream instanceof UdpSource && inp.stream.dropped > 0 && !opts.quiet) {
    say(`warning: ${inp.stream.dropped} UDP datagrams dropped (the output was too slow)`);
  }
  if (!err) return 0;
  if (interrupted) return 0;
  if (err.code === 'EPIPE' && outSpec.kind === 'stdio') return 0; // `srt-pipe ... - | head`: reader left
  // The receiver went away (its SHUTDOWN, or EPIPE writing after it): like srt-live-transmit, not a failure.
  if (out.peerClosed.value || (err.code === 'EPIPE' && outSpec.kind !== 'stdio' && !inputFailed)) {
    // A file transfer the receiver left before its end is incomplete: a failure, unlike a live stream.
    if (outSpec.kind === 'srt' && outSpec.options.transType === 'file') {
      say(`${outSpec.label}: closed by the peer before the whole input was sent`);
      return 1;
    }
    if (!opts.quiet) say(`${outSpec.label}: closed by the peer`);
    return 0;
  }
  say(describeError(err));
  return 1;
}

function destroyQuietly(o: Opened | undefined): void {
  if (!o) return;
  const s = o.stream;
  if (s === process.stdout || s === process.stdin) return;
  s.on('error', () => {});
  s.destroy();
  o.release();
}
