/**
 * Bench child: srt-stream as the live receiver. createServer() on 127.0.0.1:<port>,
 * counts the bytes of the first accepted connection, and reports CPU, memory,
 * event-loop delay, GC and the socket's libsrt-style stats for the window between
 * the parent's 'start' and 'stop'.
 *
 *   node dist/bench/receiver-child.js <port> <latencyMs>
 */
import { createServer } from '../src/index';
import type { SrtSocket } from '../src/index';
import { exitWithParent, ParentMessage, send, WindowMeter } from './child-metrics';

const port = Number(process.argv[2]);
const latency = Number(process.argv[3] ?? 120);

const meter = new WindowMeter();
let sock: SrtSocket | undefined;
let bytes = 0;
let chunks = 0;
let bytesAtStart = 0;
let sockError: string | undefined;
let closedEarly = false;

const server = createServer({ latency }, (s) => {
  if (sock) {
    s.destroy();
    return;
  }
  sock = s;
  const toStdout = process.env.BENCH_RECV_OUT === 'stdout';
  s.on('data', (b: Buffer) => {
    bytes += b.length;
    chunks++;
    if (toStdout) process.stdout.write(b);
  });
  s.on('error', (e: Error) => { sockError = `${(e as { code?: string }).code ?? ''} ${e.message}`; });
  s.on('close', () => { closedEarly = true; });
  send({ type: 'connected' });
});
server.on('error', (e: Error) => {
  send({ type: 'error', message: e.message });
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => send({ type: 'ready', port }));

exitWithParent(() => sock?.destroy());

process.on('message', (m: ParentMessage) => {
  if (m.cmd === 'start') {
    bytesAtStart = bytes;
    meter.start();
  } else if (m.cmd === 'stop') {
    const metrics = meter.stop();
    send({
      type: 'report',
      metrics,
      bytes,
      bytesInWindow: bytes - bytesAtStart,
      chunks,
      stats: sock?.getStats() ?? {},
      mux: server.muxCounters ?? {},
      sockError,
      closedEarly,
    });
  } else if (m.cmd === 'quit') {
    sock?.destroy();
    server.close();
    setTimeout(() => process.exit(0), 50);
  }
});
