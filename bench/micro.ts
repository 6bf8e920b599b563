/**
 * In-process micro-benchmark of srt-stream's JavaScript cost per packet, without the kernel:
 * an SrtSocket attached to a fake mux, fed synthetic datagrams (receiver) or written chunks
 * (sender) in real time at the live rate, with real timers, streams and GC. The socket's CPU
 * per packet minus the same feeding loop's ("floor" mode: the datagram just counted, or the
 * chunk just cut into packets) is the protocol's own cost. Much less noisy than the bench on a
 * shared 2-core machine (no peer process, no loopback), so small levers can be told apart.
 *
 *   node dist/bench/micro.js recv|send|recv-floor|send-floor [seconds=10] [mbps=100] [latencyMs=120]
 * recv-fec / send-fec: recv / send with the fec filter (cols:10, rows:5, arq:never) negotiated:
 * what FEC costs per packet (the receiver clips every packet; no FEC packets are fed to it).
 * Prints one JSON line: { mode, pkts, usPerPkt, cpuMs, gc: {count, ms}, rssMB, heapMB, sent }.
 */
import type dgram from 'node:dgram';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { SrtSocket } from '../src/net/srt-socket';
import type { UdpMux } from '../src/net/udp-mux';
import { nowUs } from '../src/net/clock';
import { SrtFlag } from '../src/protocol/handshake-packet';
import { ControlType, encodeAck, encodeControl } from '../src/protocol/packet';

const asked = process.argv[2] ?? 'recv';
const FEC_FILTER = asked.endsWith('-fec') ? 'fec,arq:never,cols:10,layout:staircase,rows:5' : '';
const mode = FEC_FILTER ? asked.slice(0, -'-fec'.length) : asked;
const SECONDS = Number(process.argv[3] ?? 10);
const MBPS = Number(process.argv[4] ?? 100);
const LATENCY = Number(process.argv[5] ?? 120);
const PKT = 1316;
const WARMUP_MS = 1500;
const pktPerMs = (MBPS * 1e6) / 8 / PKT / 1000;

let gcCount = 0;
let gcMs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcCount++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

let sent = 0;
let sentData = 0;
let lastDataSeq = -1;
const fakeMux = {
  send(p: Buffer | Buffer[]) {
    sent++;
    const first = Array.isArray(p) ? p[0] : p;
    if (!(first[0] & 0x80)) {
      sentData++;
      lastDataSeq = first.readUInt32BE(0);
    }
  },
  register() {},
  unregister() {},
  close() {},
  socket: { address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 1 }), ref() {}, unref() {} },
} as unknown as UdpMux;

const ISN = 1000;
function attach(sock: SrtSocket): void {
  const now = nowUs();
  sock.attach({
    mux: fakeMux,
    ownsMux: false,
    socketId: 2,
    peerAddress: '127.0.0.1',
    peerPort: 9,
    negotiated: {
      peerSocketId: 1, isn: ISN, mss: 1500, peerFlightFlagSize: 25600, rcvLatency: LATENCY, sndLatency: LATENCY,
      peerSrtVersion: 0x010501, peerFlags: SrtFlag.TSBPDSND | SrtFlag.TSBPDRCV | SrtFlag.NAKREPORT, streamId: '', packetFilter: FEC_FILTER,
    },
    startUs: now,
    hsArrivalUs: now,
    hsTimestamp: 0,
  });
}

const template = Buffer.alloc(16 + PKT, 0x5a);
let pkts = 0;
let t0 = 0;
let cpu0 = process.cpuUsage();
let measuring = false;
let pktsAt0 = 0;

function startWindow(): void {
  measuring = true;
  pktsAt0 = pkts;
  gcCount = 0;
  gcMs = 0;
  cpu0 = process.cpuUsage();
}

function report(): void {
  const cpu = process.cpuUsage(cpu0);
  const n = pkts - pktsAt0;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const mem = process.memoryUsage();
  process.stdout.write(JSON.stringify({
    mode: asked, pkts: n, usPerPkt: +((cpuMs * 1000) / n).toFixed(3), cpuMs: Math.round(cpuMs),
    gc: { count: gcCount, ms: +gcMs.toFixed(1) }, rssMB: +(mem.rss / 1048576).toFixed(1), heapMB: +(mem.heapUsed / 1048576).toFixed(1), sent, sentData,
  }) + '\n');
  process.exit(0);
}

/** Runs `step(n)` every ms with the packets owed at the live rate; measures after a warm-up. */
function paced(step: (n: number) => void, tickMs: number): void {
  t0 = performance.now();
  let done = 0;
  const timer = setInterval(() => {
    const el = performance.now() - t0;
    const owed = Math.floor(el * pktPerMs) - done;
    if (owed > 0) {
      step(owed);
      done += owed;
    }
    if (!measuring && el >= WARMUP_MS) startWindow();
    if (el >= WARMUP_MS + SECONDS * 1000) {
      clearInterval(timer);
      report();
    }
  }, tickMs);
}

/**
 * Ablations (receiver), each adding one stage to recv-floor:
 *   recv-decode   + the mux's routing read and decodePacket()
 *   recv-nodeliver + the whole socket and engine, payloads handed to a counter instead of push()
 *   recv-emit      + as recv, but delivery is emit('data') directly instead of push()
 * and (sender): send-engine: chunks cut into packets and given to engine.write() (no Writable).
 */
import { decodePacket } from '../src/protocol/packet';
const recvModes = ['recv', 'recv-floor', 'recv-decode', 'recv-nodeliver', 'recv-emit'];
if (recvModes.includes(mode)) {
  // A fresh ArrayBuffer per datagram, as UDPWrap::OnRecv makes one per datagram.
  let seq = ISN;
  let msgNo = 1;
  const start = nowUs();
  let bytes = 0;
  const withSock = mode === 'recv' || mode === 'recv-nodeliver' || mode === 'recv-emit';
  const sock = withSock ? new SrtSocket({ latency: LATENCY }) : undefined;
  if (sock) {
    attach(sock);
    sock.on('data', (b: Buffer) => { bytes += b.length; });
    const s = sock as unknown as { onDeliver: (p: Buffer) => boolean };
    if (mode === 'recv-nodeliver') s.onDeliver = (p: Buffer) => { bytes += p.length; return true; };
    if (mode === 'recv-emit') s.onDeliver = (p: Buffer) => { sock.emit('data', p); return true; };
  }
  const endpoints = new Map<number, unknown>([[2, {}]]);
  const floorSink = mode === 'recv-decode'
    ? (msg: Buffer) => {
      if (endpoints.get(msg.readUInt32BE(12))) {
        const pkt = decodePacket(msg);
        if (pkt && pkt.kind === 'data') bytes += pkt.payload.length;
      }
    }
    : (msg: Buffer) => { bytes += msg.subarray(16).length; };
  paced((n) => {
    const ts = Math.floor(nowUs() - start);
    for (let i = 0; i < n; i++) {
      const msg = Buffer.allocUnsafeSlow(16 + PKT);
      template.copy(msg);
      msg.writeUInt32BE(seq, 0);
      msg.writeUInt32BE((0xc0000000 | msgNo) >>> 0, 4);
      msg.writeUInt32BE(ts >>> 0, 8);
      msg.writeUInt32BE(2, 12);
      seq = (seq + 1) & 0x7fffffff;
      msgNo = msgNo >= 0x03ffffff ? 1 : msgNo + 1;
      const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 9, size: msg.length } as dgram.RemoteInfo;
      if (sock) sock.onDatagram(msg, rinfo);
      else floorSink(msg);
      pkts++;
    }
  }, 1);
} else if (mode === 'send' || mode === 'send-floor' || mode === 'send-engine') {
  // Chunks as a pipe read gives them (a fresh buffer each), every 5 ms; the fake peer sends a full ACK every 10 ms.
  const sock = mode !== 'send-floor' ? new SrtSocket({ latency: LATENCY, payloadSize: PKT, maxBw: -1 }) : undefined;
  const src = Buffer.alloc(PKT * 256, 0x33);
  let ackNo = 1;
  const start = nowUs();
  let paused = false;
  let floorSeq = 0;
  if (sock) {
    attach(sock);
    sock.on('drain', () => { paused = false; });
    sock.on('data', () => {});
    setInterval(() => {
      if (lastDataSeq < 0) return;
      const body = encodeAck({ lastAckSeq: (lastDataSeq + 1) & 0x7fffffff, rtt: 500, rttVar: 100, availBuf: 8000, pktRecvRate: 9000, linkCapacity: 100000, recvRate: 12_000_000 });
      const ack = encodeControl(ControlType.ACK, ackNo++, Math.floor(nowUs() - start) >>> 0, 2, body);
      sock.onDatagram(ack, { address: '127.0.0.1', family: 'IPv4', port: 9, size: ack.length } as dgram.RemoteInfo);
    }, 10);
  }
  paced((n) => {
    if (paused) return;
    while (n > 0) {
      const k = Math.min(n, 256);
      const chunk = Buffer.allocUnsafe(k * PKT);
      src.copy(chunk, 0, 0, k * PKT);
      if (sock && mode === 'send-engine') {
        const engine = sock.engine!;
        const now = nowUs();
        for (let off = 0; off < chunk.length; off += PKT) engine.write(chunk.subarray(off, off + PKT), now);
        (sock as unknown as { arm(d: number): void }).arm(engine.tick(now));
      } else if (sock) {
        if (!sock.write(chunk)) paused = true;
      } else {
        for (let off = 0; off < chunk.length; off += PKT) {
          const h = Buffer.allocUnsafe(16);
          h.writeUInt32BE(floorSeq++ & 0x7fffffff, 0);
          fakeMux.send([h, chunk.subarray(off, off + PKT)], 9, "127.0.0.1");
        }
      }
      pkts += k;
      n -= k;
    }
  }, 5);
} else {
  throw new Error(`unknown mode ${mode}`);
}
