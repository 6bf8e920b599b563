/**
 * Bench child: srt-stream as the live sender. connect()s to 127.0.0.1:<port>, then
 * forwards its stdin (the paced generator's pipe) to the socket in whole packets
 * (multiples of the payload size, like srt-live-transmit -chunk 1316 reading the
 * same pipe), and reports CPU, memory, event-loop delay, GC and the socket's stats
 * for the window between the parent's 'start' and 'stop'.
 *
 *   node dist/bench/sender-child.js <port> <latencyMs> <payloadSize> [streamId]
 */
import { performance } from 'node:perf_hooks';
import { connect } from '../src/index';
import { exitWithParent, ParentMessage, send, WholePackets, WindowMeter } from './child-metrics';

const port = Number(process.argv[2]);
const latency = Number(process.argv[3] ?? 120);
const payloadSize = Number(process.argv[4] ?? 1316);
const streamId = process.argv[5];

const meter = new WindowMeter();
let written = 0;
let pauses = 0;
let maxPauseMs = 0;
let sockError: string | undefined;
const packets = new WholePackets(payloadSize);

const sock = connect({ host: '127.0.0.1', port, latency, payloadSize, maxBw: -1, ...(streamId ? { streamId } : {}) });
sock.on('error', (e: Error) => { sockError = `${(e as { code?: string }).code ?? ''} ${e.message}`; });
sock.on('data', () => { /* live sender: nothing comes back, but keep the stream flowing */ });
sock.once('connect', () => {
  send({ type: 'connected' });
  process.stdin.on('data', (chunk: Buffer) => {
    // Forward whole packets only, as srt-live-transmit does with -chunk.
    const buf = packets.take(chunk);
    const whole = buf.length;
    if (whole === 0) return;
    written += whole;
    if (!sock.write(buf)) {
      pauses++;
      process.stdin.pause();
      const t0 = performance.now();
      sock.once('drain', () => {
        maxPauseMs = Math.max(maxPauseMs, performance.now() - t0);
        process.stdin.resume();
      });
    }
  });
  process.stdin.on('end', () => { /* live: keep the connection until the parent says quit */ });
});

exitWithParent(() => sock.destroy());

process.on('message', (m: ParentMessage) => {
  if (m.cmd === 'start') {
    meter.start();
    pauses = 0;
    maxPauseMs = 0;
  } else if (m.cmd === 'stop') {
    const metrics = meter.stop();
    send({ type: 'report', metrics, bytes: written, pauses, maxPauseMs, stats: sock.getStats(), sockError });
  } else if (m.cmd === 'quit') {
    sock.destroy();
    setTimeout(() => process.exit(0), 50);
  }
});
