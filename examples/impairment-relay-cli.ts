/**
 * impairment-relay-cli: a UDP relay that impairs traffic between an SRT caller and an SRT listener
 * (or any UDP peers), for trying srt-stream, srt-live-transmit or ffmpeg over a bad network on one
 * machine. It wraps src/tools/impairment-relay.ts (ImpairmentRelay) and prints its counters every
 * second. The caller connects to the relay's --listen port; the relay forwards to --target and
 * sends the replies back, with one upstream UDP socket per caller address.
 *
 *   node dist/examples/impairment-relay-cli.js --listen 9000 --target 127.0.0.1:9001 \
 *        --loss 5 --delay 20 --jitter 5 --dup 1 --burst 0.1:20
 *
 * Options (every impairment applies to both directions unless --direction says otherwise):
 *   --listen [host:]port   where callers send (default host 127.0.0.1)           required
 *   --target host:port     where the relay forwards to (the listener)            required
 *   --loss P               random loss, percent of datagrams                     default 0
 *   --burst P:N            a loss starts a burst with probability P (0..1) and
 *                          then drops N datagrams in a row in all (e.g. 0.1:20)    default none
 *   --delay MS             one-way delay, ms                                     default 0
 *   --jitter MS            uniform jitter +-MS around the delay (reorders)        default 0
 *   --dup P                duplication, percent of datagrams                     default 0
 *   --direction D          both | forward (towards --target) | backward          default both
 *   --data-only            impair only SRT data packets; control passes clean
 *   --seed N               PRNG seed, for a reproducible run                     default 12345
 *   --interval MS          counter print period                                  default 1000
 *   --help
 *
 * Each line shows, per direction (fwd = caller -> target, bwd = target -> caller), the datagrams
 * sent on per second over the last period, then running totals: sent, dropped (SRT data, of
 * which retransmissions, and control), duplicated, reordered. Ctrl-C prints the totals and exits.
 *
 * Example, srt-live-transmit to srt-live-transmit over 5 % loss:
 *   srt-live-transmit srt://:9001 file://con > out.ts &
 *   node dist/examples/impairment-relay-cli.js --listen 9000 --target 127.0.0.1:9001 --loss 5 --delay 20
 *   srt-live-transmit file://con srt://127.0.0.1:9000 < in.ts
 */
import { parseArgs } from 'node:util';
import { ImpairmentRelay, type Impairment, type RelayCounters } from '../src/tools/impairment-relay';

const USAGE = 'usage: impairment-relay-cli --listen [host:]port --target host:port [--loss %] [--burst P:N] ' +
  '[--delay ms] [--jitter ms] [--dup %] [--direction both|forward|backward] [--data-only] [--seed N] [--interval ms]';

function fail(msg: string): never {
  console.error(`impairment-relay-cli: ${msg}\n${USAGE}`);
  process.exit(2);
}

function hostPort(s: string, what: string, defaultHost?: string): { host: string; port: number } {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(s);
  if (!m || (!m[1] && !defaultHost)) fail(`${what} must be ${defaultHost ? '[host:]port' : 'host:port'}, got '${s}'`);
  const port = Number(m[2]);
  if (port < 0 || port > 65535) fail(`${what}: bad port ${m[2]}`);
  return { host: m[1] || defaultHost!, port };
}

function num(v: string | undefined, what: string, min: number, max: number, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) fail(`${what} must be a number in [${min}, ${max}], got '${v}'`);
  return n;
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        listen: { type: 'string' },
        target: { type: 'string' },
        loss: { type: 'string' },
        burst: { type: 'string' },
        delay: { type: 'string' },
        jitter: { type: 'string' },
        dup: { type: 'string' },
        direction: { type: 'string' },
        'data-only': { type: 'boolean' },
        seed: { type: 'string' },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.listen) fail('--listen is required');
  if (!values.target) fail('--target is required');
  const imp: Impairment = {
    loss: num(values.loss, '--loss', 0, 100, 0) / 100,
    delayMs: num(values.delay, '--delay', 0, 60000, 0),
    jitterMs: num(values.jitter, '--jitter', 0, 60000, 0),
    duplicate: num(values.dup, '--dup', 0, 100, 0) / 100,
  };
  if (values.burst !== undefined) {
    const [p, n, ...rest] = values.burst.split(':');
    if (n === undefined || rest.length) fail(`--burst must be P:N (probability 0..1 : datagrams), got '${values.burst}'`);
    imp.burstProbability = num(p, '--burst probability', 0, 1, 0);
    imp.burstLength = num(n, '--burst length', 1, 1e6, 10);
    if (!Number.isInteger(imp.burstLength)) fail('--burst length must be an integer');
    if (!imp.loss && imp.burstProbability) console.error('impairment-relay-cli: note: --burst only acts on losses; with --loss 0 there are none');
  }
  const direction = values.direction ?? 'both';
  if (!['both', 'forward', 'backward'].includes(direction)) fail(`--direction must be both, forward or backward, got '${direction}'`);
  return {
    listen: hostPort(values.listen, '--listen', '127.0.0.1'),
    target: hostPort(values.target, '--target'),
    forward: direction === 'backward' ? {} : imp,
    backward: direction === 'forward' ? {} : imp,
    dataOnly: !!values['data-only'],
    seed: Math.trunc(num(values.seed, '--seed', 0, 2 ** 32 - 1, 12345)),
    intervalMs: num(values.interval, '--interval', 50, 3600_000, 1000),
    imp,
    direction,
  };
}

function describe(imp: Impairment): string {
  const parts = [`loss ${((imp.loss ?? 0) * 100).toFixed(2)} %`];
  if (imp.burstProbability) parts.push(`burst ${imp.burstProbability}:${imp.burstLength}`);
  parts.push(`delay ${imp.delayMs ?? 0} ms +- ${imp.jitterMs ?? 0} ms`, `dup ${((imp.duplicate ?? 0) * 100).toFixed(2)} %`);
  return parts.join(', ');
}

function line(name: string, c: RelayCounters, perSecond: number): string {
  return `${name} ${String(perSecond).padStart(6)}/s  sent ${String(c.forwarded).padStart(8)}  ` +
    `drop ${String(c.dropped).padStart(6)} (data ${c.droppedData}, rexmit ${c.droppedRexmit}, ctrl ${c.droppedControl})  ` +
    `dup ${c.duplicated}  reord ${c.reordered}`;
}

async function main(): Promise<void> {
  const o = parse();
  const relay = new ImpairmentRelay({ target: o.target, forward: o.forward, backward: o.backward, dataOnly: o.dataOnly, seed: o.seed });
  try {
    await relay.listen(o.listen.port, o.listen.host);
  } catch (e) {
    fail(`cannot listen on ${o.listen.host}:${o.listen.port}: ${(e as Error).message}`);
  }
  console.log(`impairment-relay-cli: ${o.listen.host}:${relay.port} -> ${o.target.host}:${o.target.port}; ` +
    `${o.direction === 'both' ? 'each way' : o.direction}: ${describe(o.imp)}${o.dataOnly ? ' (SRT data packets only)' : ''}; seed ${o.seed}`);
  let prevF = 0;
  let prevB = 0;
  const timer = setInterval(() => {
    const f = relay.forward.counters;
    const b = relay.backward.counters;
    const secs = o.intervalMs / 1000;
    console.log(`${line('fwd', f, Math.round((f.forwarded - prevF) / secs))} | ` +
      `${line('bwd', b, Math.round((b.forwarded - prevB) / secs))} | sessions ${relay.sessionCount}`);
    prevF = f.forwarded;
    prevB = b.forwarded;
  }, o.intervalMs);
  const stop = () => {
    clearInterval(timer);
    relay.close();
    console.log(`\ntotals: forward ${JSON.stringify(relay.forward.counters)}\n        backward ${JSON.stringify(relay.backward.counters)}`);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
