/**
 * Server process for the many-callers test: one SrtServer on 127.0.0.1:PORT accepting publishers
 * ("#!::r=ROOM,m=publish"), hashing what each stream delivers. Runs apart from the test runner so
 * that its event loop and heap are the server's alone (mocha's process carries every earlier
 * test's garbage). Prints "listening" once bound; answers each line "report" on stdin with one
 * JSON line: { streams: { [streamId]: { bytes, sha256, ended } }, rooms, loopDelayMs: { p50, p99, max } }.
 * Usage: node many-callers-server.js PORT LATENCY_MS
 */
import { createHash, Hash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createServer, SrtSocket } from '../../src/index';

const [port, latency] = process.argv.slice(2).map(Number);
const streams = new Map<string, { hash: Hash; bytes: number; ended: boolean }>();
const rooms = new Set<string>();
const loop = monitorEventLoopDelay({ resolution: 10 });

const server = createServer({
  latency,
  onRequest: (req) => (req.mode === 'publish' && req.resource ? req.accept() : req.reject('SRT_REJX_BAD_MODE')),
}, (sock: SrtSocket) => {
  // The "handler chosen by stream ID": one per room.
  rooms.add((sock.streamId.match(/r=([^/,]+)/) ?? [])[1] ?? '?');
  const entry = { hash: createHash('sha256'), bytes: 0, ended: false };
  streams.set(sock.streamId, entry);
  sock.on('data', (d: Buffer) => {
    entry.hash.update(d);
    entry.bytes += d.length;
  });
  sock.on('end', () => (entry.ended = true));
  sock.on('error', () => undefined);
});
server.on('error', (err) => {
  process.stderr.write(`server error: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  loop.enable();
  process.stdout.write('listening\n');
});

// The histogram records whole sampling intervals: subtract the 10 ms resolution to get the delay.
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - 10);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'report') return;
  const out: Record<string, { bytes: number; sha256: string; ended: boolean }> = {};
  for (const [id, s] of streams) out[id] = { bytes: s.bytes, sha256: s.hash.copy().digest('hex'), ended: s.ended };
  const loopDelayMs = { p50: delayMs(loop.percentile(50)), p99: delayMs(loop.percentile(99)), max: delayMs(loop.max) };
  process.stdout.write(JSON.stringify({ streams: out, rooms: rooms.size, loopDelayMs }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
