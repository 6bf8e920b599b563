/**
 * Bench child: many players of one relay stream in one process (a process per player would
 * swamp a 2-core machine). Each is a connect() with the given stream ID; each checks what it
 * gets packet by packet (numbered-packets.ts: its number and every byte) and counts intact
 * packets, distinct ones, duplicates, packets out of order and damaged ones. Reports them per
 * player, with the process's CPU, event-loop delay and GC, for the window between the parent's
 * 'start' and 'stop'.
 *
 *   node dist/bench/relay-players-child.js <port> <count> <streamId> <latencyMs> <payloadSize>
 */
import { connect } from '../src/index';
import type { SrtSocket } from '../src/index';
import { exitWithParent, ParentMessage, send, WholePackets, WindowMeter } from './child-metrics';
import { checkPacket, patternBlock } from './numbered-packets';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const streamId = process.argv[4];
const latency = Number(process.argv[5] ?? 120);
const payloadSize = Number(process.argv[6] ?? 1316);
/** Handshakes in flight at once: a burst of 100 is a test of its own, not of this scenario. */
const CONNECT_BATCH = 10;
/** The receiver counters reported per player (where a loss was seen: on the wire or as too late). */
const KEPT_STATS = ['pktRecvTotal', 'pktRcvLossTotal', 'pktRcvRetransTotal', 'pktRcvDropTotal', 'pktRcvBelatedTotal', 'msRTT'];
/** Packet numbers above this are counted as damaged: the seen-map stays bounded. */
const MAX_SEQ = 1 << 22;

export interface PlayerReport {
  bytes: number;
  /** Packets whose number and content check out. */
  intact: number;
  /** Distinct packet numbers among them. */
  distinct: number;
  duplicates: number;
  /** Intact packets that came after a higher-numbered one. */
  outOfOrder: number;
  damaged: number;
  /** Number of the first intact packet (-1: none), and highest number seen + 1. */
  firstSeq: number;
  seqEnd: number;
  stats: Record<string, number>;
  error?: string;
  closedEarly: boolean;
}

class Player {
  readonly report: PlayerReport = { bytes: 0, intact: 0, distinct: 0, duplicates: 0, outOfOrder: 0, damaged: 0, firstSeq: -1, seqEnd: 0, stats: {}, closedEarly: false };
  private seen = new Uint8Array(8192);
  private readonly whole = new WholePackets(payloadSize);

  constructor(readonly sock: SrtSocket, private readonly block: Buffer) {
    sock.on('data', (b: Buffer) => this.onData(b));
    sock.on('error', (e: Error) => { this.report.error = `${(e as { code?: string }).code ?? ''} ${e.message}`; });
    sock.on('close', () => { this.report.closedEarly = true; });
  }

  private onData(chunk: Buffer): void {
    const r = this.report;
    r.bytes += chunk.length;
    const buf = this.whole.take(chunk);
    for (let off = 0; off < buf.length; off += payloadSize) {
      const seq = checkPacket(this.block, payloadSize, buf.subarray(off, off + payloadSize));
      if (seq < 0 || seq >= MAX_SEQ) {
        r.damaged++;
        continue;
      }
      r.intact++;
      if (r.firstSeq < 0) r.firstSeq = seq;
      if (seq >= this.seen.length) {
        const grown = new Uint8Array(Math.min(MAX_SEQ, Math.max(seq + 1, this.seen.length * 2)));
        grown.set(this.seen);
        this.seen = grown;
      }
      if (this.seen[seq]) {
        r.duplicates++;
        continue;
      }
      this.seen[seq] = 1;
      r.distinct++;
      if (seq + 1 < r.seqEnd) r.outOfOrder++;
      else r.seqEnd = seq + 1;
    }
  }
}

const block = patternBlock(payloadSize);
const meter = new WindowMeter();
const players: Player[] = [];

async function connectAll(): Promise<void> {
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(count, i + CONNECT_BATCH); j++) {
      const sock = connect({ host: '127.0.0.1', port, latency, payloadSize, streamId });
      players.push(new Player(sock, block));
      batch.push(new Promise((resolve, reject) => {
        sock.once('connect', () => resolve());
        sock.once('error', reject);
      }));
    }
    await Promise.all(batch);
  }
}

connectAll().then(
  () => send({ type: 'connected', count: players.length }),
  (e: Error) => {
    send({ type: 'error', message: `player connect: ${e.message}` });
    process.exit(1);
  },
);

exitWithParent(() => { for (const p of players) p.sock.destroy(); });

process.on('message', (m: ParentMessage) => {
  if (m.cmd === 'start') {
    meter.start();
  } else if (m.cmd === 'stop') {
    const metrics = meter.stop();
    for (const p of players) {
      const st = p.sock.getStats() as unknown as Record<string, number>;
      p.report.stats = Object.fromEntries(KEPT_STATS.map((k) => [k, st[k]]));
    }
    send({ type: 'report', metrics, players: players.map((p) => p.report) });
  } else if (m.cmd === 'quit') {
    for (const p of players) p.sock.destroy();
    setTimeout(() => process.exit(0), 50);
  }
});
