/**
 * Bench child: the "Node floor" receiver. Plain node:dgram, no protocol: binds
 * 127.0.0.1:<port>, and for each datagram takes the payload after the 16-byte
 * header and either counts it (as receiver-child.ts counts 'data' chunks) or,
 * with BENCH_RECV_OUT=stdout, writes it to stdout.
 *
 *   node dist/bench/floor-receiver-child.js <port>
 */
import dgram from 'node:dgram';
import { exitWithParent, ParentMessage, send, WindowMeter } from './child-metrics';

const port = Number(process.argv[2]);
const toStdout = process.env.BENCH_RECV_OUT === 'stdout';
/**
 * BENCH_FLOOR_HOLD=N: keep the last N payloads (views of their datagrams) as a TSBPD receive
 * buffer does for its latency (120 ms at 100 Mbit/s is ~1140 packets); BENCH_FLOOR_HOLD_COPY=1
 * keeps copies instead, so each datagram's 64 KiB receive allocation is freed at once.
 */
const hold = Number(process.env.BENCH_FLOOR_HOLD ?? 0);
const holdCopy = process.env.BENCH_FLOOR_HOLD_COPY === '1';
const ring: (Buffer | undefined)[] = new Array(hold);
let ringIdx = 0;

const meter = new WindowMeter();
let bytes = 0;
let bytesAtStart = 0;
let lastSeq = -1;
let gaps = 0;
let connected = false;

const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
sock.on('message', (msg: Buffer) => {
  if (msg.length < 16) return;
  const seq = msg.readUInt32BE(0);
  if (lastSeq >= 0 && seq !== ((lastSeq + 1) & 0x7fffffff)) gaps++;
  lastSeq = seq;
  if (!connected) {
    connected = true;
    send({ type: 'connected' });
  }
  const payload = msg.subarray(16);
  bytes += payload.length;
  if (hold > 0) {
    ring[ringIdx] = holdCopy ? Buffer.from(payload) : payload;
    ringIdx = (ringIdx + 1) % hold;
  }
  if (toStdout) process.stdout.write(payload);
});
sock.bind(port, '127.0.0.1', () => send({ type: 'ready', port }));

exitWithParent(() => sock.close());

process.on('message', (m: ParentMessage) => {
  if (m.cmd === 'start') {
    bytesAtStart = bytes;
    meter.start();
  } else if (m.cmd === 'stop') {
    send({ type: 'report', metrics: meter.stop(), bytes, bytesInWindow: bytes - bytesAtStart, stats: { gaps } });
  } else if (m.cmd === 'quit') {
    sock.close();
    setTimeout(() => process.exit(0), 50);
  }
});
