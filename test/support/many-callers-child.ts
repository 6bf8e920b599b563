/**
 * Child process for the many-callers test: opens N callers to 127.0.0.1:PORT, each streaming a
 * deterministic byte stream (seeded by its index) at RATE bit/s for SECONDS, then ends them and
 * prints one JSON line: { sent: { [streamId]: { bytes, sha256 } }, errors: [...] }.
 * Usage: node many-callers-child.js PORT N RATE SECONDS
 */
import { createHash } from 'node:crypto';
import { connect, SrtSocket } from '../../src/index';
import { prng } from '../../src/tools/prng';

const [port, n, rate, seconds] = process.argv.slice(2).map(Number);
const TICK_MS = 20;
const perTick = Math.round((rate / 8) * (TICK_MS / 1000));

interface Caller { sock: SrtSocket; id: string; hash: ReturnType<typeof createHash>; bytes: number; rand: () => number; done: boolean }
const callers: Caller[] = [];
const errors: string[] = [];

function chunk(c: Caller): Buffer {
  const b = Buffer.allocUnsafe(perTick);
  for (let i = 0; i < b.length; i++) b[i] = (c.rand() * 256) | 0;
  return b;
}

async function main(): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = `#!::r=room${i % 10}/cam${i},m=publish`;
    const sock = connect({ host: '127.0.0.1', port, streamId: id, latency: 200, connectTimeout: 10000 });
    const c: Caller = { sock, id, hash: createHash('sha256'), bytes: 0, rand: prng(1000 + i), done: false };
    sock.on('error', (e) => errors.push(`${id}: ${e.message}`));
    callers.push(c);
  }
  await Promise.all(callers.map((c) => new Promise<void>((r) => { c.sock.once('connect', () => r()); c.sock.once('close', () => r()); })));
  const t0 = Date.now();
  const timer = setInterval(() => {
    for (const c of callers) {
      if (c.sock.destroyed) continue;
      const b = chunk(c);
      c.hash.update(b);
      c.bytes += b.length;
      c.sock.write(b);
    }
    if (Date.now() - t0 >= seconds * 1000) {
      clearInterval(timer);
      // 'close' comes for every socket, ended or failed; a hard deadline covers the rest.
      let left = callers.length;
      const closed = () => { if (--left === 0) finish(); };
      for (const c of callers) {
        c.sock.once('close', closed);
        c.sock.end();
      }
      setTimeout(finish, 15_000).unref();
    }
  }, TICK_MS);
}

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  const sent: Record<string, { bytes: number; sha256: string }> = {};
  for (const c of callers) sent[c.id] = { bytes: c.bytes, sha256: c.hash.digest('hex') };
  process.stdout.write(JSON.stringify({ sent, errors }) + '\n');
  setTimeout(() => process.exit(0), 200);
}

void main();
