/**
 * npm run fuzz -- --seconds N [--seed S]: the property tests' generators for as long as asked
 * (outside CI). Fires random, mutated and hostile datagrams at every decoder, at established
 * engines and at the listener's handshake path; reports exceptions, the slowest datagram per
 * target (raw, which includes GC pauses and JIT warm-up, and the costliest of the slowest few
 * replayed on a state rebuilt from the same seed, which does not), and peak memory.
 * Exit status 1 if anything threw.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { decodeKm } from '../../src/protocol/km-message';
import { decodeHandshake, decodeHsString, decodeSrtHs } from '../../src/protocol/handshake-packet';
import { decodeAck, decodeDropReq, decodeLossList, decodePacket } from '../../src/protocol/packet';
import { parseStreamIdKeys } from '../../src/protocol/stream-id';
import { AIM_SEQ, ENGINE_SETUPS, listenerHandles } from '../support/hostile-targets';
import { anyDatagram, handshake, hostileBytes, hostilePacketCase, lyingHandshakeBody } from '../support/wire-arbitraries';
import { encodeHandshake } from '../../src/protocol/handshake-packet';
import { ControlType, encodeControl } from '../../src/protocol/packet';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, seed: { type: 'string', default: '1' } } });
const seconds = Number(values.seconds);
const baseSeed = Number(values.seed);
if (!(seconds > 0) || !Number.isInteger(baseSeed)) {
  console.error('usage: npm run fuzz -- [--seconds N] [--seed S]');
  process.exit(2);
}

/** One round: a batch of datagrams drawn from one seed, fed to a target. */
interface Target {
  name: string;
  /** Runs the round; calls `time` with each datagram's cost. */
  round(seed: number, time: (us: number, index: number, label: string, d: Buffer) => void): void;
}

function timeIt(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1000;
}

const decoders: Target = {
  name: 'decoders',
  round(seed, time) {
    fc.sample(anyDatagram(0, AIM_SEQ), { seed, numRuns: 500 }).forEach((d, i) => {
      const body = d.subarray(16);
      time(timeIt(() => {
        decodePacket(d);
        decodeHandshake(body);
        decodeKm(body);
        decodeAck(body);
        decodeLossList(body);
        decodeDropReq(body);
        decodeSrtHs(body);
        decodeHsString(body);
        parseStreamIdKeys(body.toString('latin1'));
      }), i, 'any', d);
    });
  },
};

const PACKETS_PER_ENGINE = 40;
const engineTargets: Target[] = Object.entries(ENGINE_SETUPS).map(([name, setup]) => ({
  name: `engine: ${name}`,
  round(seed, time) {
    const cases = fc.sample(hostilePacketCase(2, AIM_SEQ), { seed, numRuns: PACKETS_PER_ENGINE });
    const gaps = fc.sample(fc.integer({ min: 0, max: 50_000 }), { seed, numRuns: PACKETS_PER_ENGINE });
    const e = setup();
    cases.forEach((c, i) => {
      e.now += gaps[i];
      time(timeIt(() => e.datagram(c.bytes)), i, c.kind, c.bytes);
    });
  },
}));

const listener: Target = {
  name: 'listener handshake path',
  round(seed, time) {
    const asDatagram = (body: Buffer) => encodeControl(ControlType.HANDSHAKE, 0, 0, 0, body);
    const arb = fc.oneof(lyingHandshakeBody, hostileBytes(handshake.map(encodeHandshake))).map(asDatagram);
    fc.sample(arb, { seed, numRuns: 200 }).forEach((d, i) => time(timeIt(() => listenerHandles(d)), i, 'handshake', d));
  },
};

const targets = [decoders, ...engineTargets, listener];

interface Slowest { us: number; seed: number; index: number; label: string; hex: string }
/** The raw-slowest datagrams kept per target for replay. */
const KEEP = 8;
const stats = new Map(targets.map((t) => [t, { datagrams: 0, slowest: [] as Slowest[] }]));
const failures: string[] = [];
let peakRss = 0;
let peakHeap = 0;
let rounds = 0;

const deadline = Date.now() + seconds * 1000;
for (let seed = baseSeed; Date.now() < deadline; seed++) {
  const t = targets[rounds++ % targets.length];
  const s = stats.get(t)!;
  try {
    t.round(seed, (us, index, label, d) => {
      s.datagrams++;
      if (s.slowest.length === KEEP && us <= s.slowest[KEEP - 1].us) return;
      s.slowest.push({ us, seed, index, label, hex: d.subarray(0, 48).toString('hex') });
      s.slowest.sort((a, b) => b.us - a.us);
      if (s.slowest.length > KEEP) s.slowest.pop();
    });
  } catch (err) {
    failures.push(`${t.name}, seed ${seed}: ${(err as Error).stack ?? String(err)}`);
  }
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}

/** The slowest datagram again, on a state rebuilt from the same seed: the fastest of 5 replays. */
function replayed(t: Target, slow: Slowest): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) t.round(slow.seed, (us, index) => { if (index === slow.index) best = Math.min(best, us); });
  return best;
}

const total = [...stats.values()].reduce((n, s) => n + s.datagrams, 0);
console.log(`fuzz: ${seconds} s from seed ${baseSeed}: ${rounds} rounds, ${total.toLocaleString('en')} datagrams, ${failures.length} exceptions`);
console.log('target'.padEnd(42) + 'datagrams'.padStart(10) + '  slowest raw µs  replayed µs  costliest replayed: kind, first bytes');
for (const t of targets) {
  const s = stats.get(t)!;
  const raw = s.slowest[0];
  let worst: { us: number; slow?: Slowest } = { us: -1 };
  for (const slow of s.slowest) {
    const us = replayed(t, slow);
    if (us > worst.us) worst = { us, slow };
  }
  const w = worst.slow;
  console.log(
    t.name.padEnd(42) + String(s.datagrams).padStart(10) + (raw ? raw.us.toFixed(0) : '-').padStart(16) +
      (w ? worst.us.toFixed(0) : '-').padStart(13) + (w ? `  ${w.label} ${w.hex.slice(0, 40)}… (seed ${w.seed} #${w.index})` : ''),
  );
}
console.log(`peak RSS ${(peakRss / 1e6).toFixed(0)} MB, peak heap ${(peakHeap / 1e6).toFixed(0)} MB`);
for (const f of failures.slice(0, 5)) console.error(`\nEXCEPTION ${f}`);
process.exitCode = failures.length > 0 ? 1 : 0;
