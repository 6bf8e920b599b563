/**
 * A UDP relay on loopback that impairs traffic, per direction: random loss,
 * burst loss (random or every N datagrams), delay with jitter (which also
 * reorders), reordering by holding datagrams back, duplication. Callers
 * connect to the relay's port; it forwards to the target and back.
 * Used by the demo, the integration tests, the benchmark and
 * examples/impairment-relay-cli.ts.
 *
 * Counters tell SRT data packets from control packets, and originals from
 * retransmissions (the R flag, bit 26 of the message-number word), so a test can
 * hold a sender's pktRetrans and a receiver's pktRcvLoss against what the relay
 * really dropped. The impairment of a direction can be changed while running
 * (relay.forward.set({ loss: 0 })), e.g. to stop losses once a finite test stream
 * has been sent: SRT live mode has no tail-loss recovery (libsrt disables the blind
 * retransmit when the receiver sends periodic NAKs), so a lost last packet is
 * never detected by anyone.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { prng } from './prng';

export interface Impairment {
  /** Probability of dropping a datagram, 0..1. */
  loss?: number;
  /** Probability that a loss starts a burst; the burst drops `burstLength` datagrams. */
  burstProbability?: number;
  burstLength?: number;
  /** Every `burstEvery`-th datagram starts a burst of `burstLength` drops (deterministic; 0 = off). */
  burstEvery?: number;
  /** One-way delay and uniform jitter, ms. Jitter reorders datagrams. */
  delayMs?: number;
  jitterMs?: number;
  /** Probability of holding a datagram back `reorderMs` (default 5) more, so that later ones overtake it. */
  reorder?: number;
  reorderMs?: number;
  /** Probability of sending a datagram twice. */
  duplicate?: number;
  /** Retransmitted data packets pass untouched: losses hit first transmissions only (one NAK round repairs all). */
  spareRetransmissions?: boolean;
}

export interface RelayCounters {
  /** Datagrams sent on (duplicates counted twice). */
  forwarded: number;
  /** Datagrams dropped (data and control). */
  dropped: number;
  duplicated: number;
  /** SRT data packets dropped; of those, retransmissions (R flag set). */
  droppedData: number;
  droppedRexmit: number;
  /** SRT control packets dropped. */
  droppedControl: number;
  /** SRT data packets received from the sending side (before impairment), of which retransmissions. */
  seenData: number;
  seenRexmit: number;
  /** Datagrams scheduled to leave before one that arrived earlier (reordered by jitter), or held back (reorder). */
  reordered: number;
  /** Sequence numbers named by the SRT loss reports (NAKs) passed on, each copy counted. */
  nakedSeqs: number;
}

export interface RelayOptions {
  target: { host: string; port: number };
  /** Towards the target (caller → listener). */
  forward?: Impairment;
  /** Towards the client (listener → caller). */
  backward?: Impairment;
  /** Only impair SRT data packets (control packets pass clean). Default false. */
  dataOnly?: boolean;
  seed?: number;
}

function newCounters(): RelayCounters {
  return {
    forwarded: 0, dropped: 0, duplicated: 0, droppedData: 0, droppedRexmit: 0, droppedControl: 0,
    seenData: 0, seenRexmit: 0, reordered: 0, nakedSeqs: 0,
  };
}

/** How many sequence numbers a NAK's loss list names (a range: first with the top bit, then last). */
function lossReportCount(msg: Buffer): number {
  let n = 0;
  for (let i = 16; i + 4 <= msg.length; i += 4) {
    const w = msg.readUInt32BE(i);
    if (w & 0x80000000 && i + 8 <= msg.length) {
      n += ((msg.readUInt32BE(i + 4) - (w & 0x7fffffff)) & 0x7fffffff) + 1;
      i += 4;
    } else {
      n++;
    }
  }
  return n;
}

class Direction {
  readonly counters: RelayCounters = newCounters();
  private burstLeft = 0;
  /** Datagrams subject to impairment so far (burstEvery counts them). */
  private impaired = 0;
  /** performance.now() at which the latest-scheduled datagram leaves. */
  private lastDueMs = 0;
  private imp: Impairment;
  constructor(imp: Impairment, private readonly rand: () => number, private readonly dataOnly: boolean) {
    this.imp = { ...imp };
  }

  /** The impairment in force (a copy). */
  get impairment(): Impairment {
    return { ...this.imp };
  }

  /** Changes the impairment from now on (given fields only); loss 0 also stops bursts (an ongoing one is cut short). */
  set(imp: Partial<Impairment>): void {
    this.imp = { ...this.imp, ...imp };
    if (!this.imp.loss) {
      this.burstLeft = 0;
      this.imp.burstEvery = 0;
    }
  }

  /** Calls send(delayMs) zero, one or two times for this datagram. */
  pass(msg: Buffer, send: (delayMs: number) => void): void {
    const imp = this.imp;
    const c = this.counters;
    const isData = msg.length >= 16 && !(msg[0] & 0x80);
    const isRexmit = isData && (msg[4] & 0x04) !== 0;
    if (isData) {
      c.seenData++;
      if (isRexmit) c.seenRexmit++;
    }
    if (!(this.dataOnly && !isData) && !(isRexmit && imp.spareRetransmissions)) {
      let drop = false;
      this.impaired++;
      if (imp.burstEvery && this.impaired % imp.burstEvery === 0) this.burstLeft = imp.burstLength ?? 10;
      if (this.burstLeft > 0) {
        this.burstLeft--;
        drop = true;
      } else if (imp.loss && this.rand() < imp.loss) {
        drop = true;
        if (imp.burstProbability && this.rand() < imp.burstProbability) this.burstLeft = (imp.burstLength ?? 10) - 1;
      }
      if (drop) {
        c.dropped++;
        if (isData) {
          c.droppedData++;
          if (isRexmit) c.droppedRexmit++;
        } else {
          c.droppedControl++;
        }
        return;
      }
    }
    const copies = imp.duplicate && this.rand() < imp.duplicate ? 2 : 1;
    if (copies === 2) c.duplicated++;
    if (!isData && msg.length >= 16 && (msg.readUInt16BE(0) & 0x7fff) === 3) c.nakedSeqs += copies * lossReportCount(msg);
    const now = performance.now();
    for (let i = 0; i < copies; i++) {
      const d = Math.max(0, (imp.delayMs ?? 0) + (imp.jitterMs ? (this.rand() * 2 - 1) * imp.jitterMs : 0));
      // Held back: the datagrams behind it leave first (not counted as the latest due).
      const held = imp.reorder && this.rand() < imp.reorder ? imp.reorderMs ?? 5 : 0;
      c.forwarded++;
      if (held || now + d < this.lastDueMs) c.reordered++;
      else this.lastDueMs = now + d;
      send(d + held);
    }
  }
}

export class ImpairmentRelay {
  private readonly front = dgram.createSocket('udp4');
  private readonly sessions = new Map<string, dgram.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly forward: Direction;
  readonly backward: Direction;

  constructor(private readonly opts: RelayOptions) {
    // One random stream per direction: a direction's pattern depends on its own datagrams only,
    // not on how they interleave with the other direction's.
    const seed = opts.seed ?? 12345;
    this.forward = new Direction(opts.forward ?? {}, prng(seed), !!opts.dataOnly);
    this.backward = new Direction(opts.backward ?? {}, prng((seed ^ 0x9e3779b9) >>> 0), !!opts.dataOnly);
    this.front.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
    // ICMP errors and the like: a relay keeps relaying.
    this.front.on('error', () => {});
  }

  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.front.once('error', reject);
      this.front.bind(port, host, () => {
        this.front.off('error', reject);
        resolve(this.front.address().port);
      });
    });
  }

  get port(): number {
    return this.front.address().port;
  }

  private fromClient(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let back = this.sessions.get(key);
    if (!back) {
      // One upstream socket per client, so the target sees distinct peers.
      back = dgram.createSocket('udp4');
      back.on('error', () => {});
      back.bind(0, '127.0.0.1');
      back.on('message', (reply) =>
        this.backward.pass(reply, (d) => this.later(d, () => this.front.send(reply, rinfo.port, rinfo.address))),
      );
      this.sessions.set(key, back);
    }
    const up = back;
    const { host, port } = this.opts.target;
    this.forward.pass(msg, (d) => this.later(d, () => up.send(msg, port, host)));
  }

  /** Number of clients (distinct source address:port) seen so far. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private later(delayMs: number, fn: () => void): void {
    if (this.closed) return;
    if (delayMs <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, delayMs);
    this.timers.add(t);
  }

  /** Closes every socket and cancels datagrams still in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.front.close();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
