import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished, pipeline, type Readable, type Writable } from 'node:stream';
import { parseCliArgs, USAGE, type CliOptions } from './args';
import { resolveEndpoint, type EndpointSpec } from './endpoint-spec';
import { openInput, openOutput, UdpSource, type Opened, type OpenContext } from './endpoints';
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
    if (opts.help) { process.stdout.write(USAGE); return; }
    if (opts.version) { process.stdout.write(`srt-pipe ${readVersion()}\n`); return; }
    inSpec = resolveEndpoint(opts.input, 'input');
    outSpec = resolveEndpoint(opts.output, 'output');
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
    for (const spec of [inSpec, outSpec]) if (spec.kind === 'srt') for (const n of spec.notes) say(n);
  }
  run(opts, inSpec, outSpec).then(
    (code) => exit(code),
    (err) => { say(`internal error: ${(err as Error)?.stack ?? String(err)}`); exit(1); },
  );
}

function exit(code: number): void {
  process.exitCode = code;
  // Normally the event loop empties now; a socket that will not close must not hang the shell.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
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

async function run(opts: CliOptions, inSpec: EndpointSpec, outSpec: EndpointSpec): Promise<number> {
  const verbose = opts.verbose && !opts.quiet;
  const abort = new AbortController();
  const ctx: OpenContext = { log: verbose ? say : () => {}, signal: abort.signal };
  let interrupted = false;
  let stopPipe: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // second ^C: give up on a clean close
    interrupted = true;
    ctx.log(`${sig}: closing`);
    abort.abort();
    stopPipe?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

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
    stats?.stop();
    input?.release();
    output?.release();
    statsFile?.end();
  };

  try {
    if (opts.statsOut !== undefined) {
      statsFile = fs.createWriteStream(opts.statsOut);
      await new Promise<void>((resolve, reject) => { statsFile!.once('open', () => resolve()); statsFile!.once('error', reject); });
    }
    // Local inputs first (fail fast on a missing file); otherwise the output first, so that an SRT/TCP
    // listener output has its receiver before any input is read (as srt-live-transmit).
    if (isLocal(inSpec)) input = await openInput(inSpec, ctx);
    output = await openOutput(outSpec, ctx);
    if (!input) input = await openInput(inSpec, ctx);
  } catch (err) {
    destroyQuietly(input);
    destroyQuietly(output);
    cleanup();
    if (interrupted) return 0;
    say(describeError(err));
    return 1;
  }

  const valve = new Valve();
  if (stats) {
    if (input.srt) stats.add('input', input.srt);
    if (output.srt) stats.add('output', output.srt);
    valve.onChunk = (n) => stats.onChunk(n);
  }
  const inp = input;
  const out = output;
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
  const err = await new Promise<NodeJS.ErrnoException | null | undefined>((resolve) => {
    pipeline(inp.stream as Readable, valve, out.stream as Writable, (e) => resolve(e));
  });
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
