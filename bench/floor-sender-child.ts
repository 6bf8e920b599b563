/**
 * Bench child: the "Node floor" sender. Plain node:dgram, no protocol: reads the
 * paced generator's pipe on stdin, cuts it into whole 1316-byte payloads (like
 * sender-child.ts and srt-live-transmit -chunk), and sends each as one datagram
 * of a 16-byte header (seq, msgno word, timestamp, dest id: the shape of an SRT
 * data header) gathered with the payload, on a connected socket.
 * Reports the same window metrics as the srt-stream children.
 *
 *   node dist/bench/floor-sender-child.js <port> <payloadSize>
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { exitWithParent, ParentMessage, send, WholePackets, WindowMeter } from './child-metrics';

const port = Number(process.argv[2]);
const payloadSize = Number(process.argv[3] ?? 1316);

const meter = new WindowMeter();
let written = 0;
let seq = 0;
const packets = new WholePackets(payloadSize);
const t0 = performance.now();
/** BENCH_FLOOR_SEND=copy: one buffer per datagram (header + copied payload) instead of a [header, payload] list. */
const copy = process.env.BENCH_FLOOR_SEND === 'copy';

const sock = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
sock.on('error', () => { /* a lost datagram is a lost datagram */ });
sock.bind(0, '127.0.0.1', () => {
  sock.connect(port, '127.0.0.1', () => {
    send({ type: 'connected' });
    process.stdin.on('data', (chunk: Buffer) => {
      const buf = packets.take(chunk);
      const whole = buf.length;
      const ts = Math.floor((performance.now() - t0) * 1000) >>> 0;
      for (let off = 0; off < whole; off += payloadSize) {
        const h = Buffer.allocUnsafe(copy ? 16 + payloadSize : 16);
        h.writeUInt32BE(seq, 0);
        h.writeUInt32BE((0xc0000000 | (seq & 0x03ffffff)) >>> 0, 4);
        h.writeUInt32BE(ts, 8);
        h.writeUInt32BE(1, 12);
        seq = (seq + 1) & 0x7fffffff;
        if (copy) {
          buf.copy(h, 16, off, off + payloadSize);
          sock.send(h);
        } else {
          sock.send([h, buf.subarray(off, off + payloadSize)]);
        }
      }
      written += whole;
    });
  });
});

exitWithParent(() => sock.close());

process.on('message', (m: ParentMessage) => {
  if (m.cmd === 'start') meter.start();
  else if (m.cmd === 'stop') send({ type: 'report', metrics: meter.stop(), bytes: written, stats: {} });
  else if (m.cmd === 'quit') setTimeout(() => process.exit(0), 50);
});
