/**
 * Two SrtConnection engines wired back to back on a virtual clock, through an
 * impaired link, for deterministic protocol tests (no sockets, no timers).
 *
 * Engine `a` sends to engine `b`; `b`'s deliveries are recorded in `delivered`
 * (and `a`'s, for the reverse stream, in `deliveredToA`).
 *
 * Each direction (`ab`, `ba`) can lose packets at random, in bursts and during
 * outages, reorder a fraction of them by a fixed extra delay, duplicate them, and
 * delay them by a base delay with uniform jitter (independent per packet, so
 * jitter reorders too). Control packets (ACK, ACKACK, NAK, KEEPALIVE...) are
 * impaired like data unless `dataOnly` is set. Every random choice comes from a
 * seeded PRNG per direction, so a run replays exactly from its seed.
 *
 * Two clocks:
 *  - 'step' (the default, as before): time advances in fixed steps; packets due
 *    are delivered and both engines ticked at each step.
 *  - 'event': time jumps to the next event, as the socket adapter does it: an
 *    engine is ticked at the deadline its last tick() returned, and after each
 *    packet it receives (or write through `write()`). Play times are then met
 *    exactly, and a wrong deadline shows up as a stall.
 *
 * The handshake that set each receiver's TSBPD base took one draw of that
 * direction's delay (`hsDelayUs`), so the receiver plays a packet submitted at
 * time S at exactly S + hsDelayUs.ab + latency (until the drift tracer moves the
 * base, which needs 1000 ACKACK/KEEPALIVE samples).
 */
import { ConnectionConfig } from '../../src/protocol/connection';
import { SinkedConnection } from './sinked-connection';
import { ControlType, decodePacket, Packet } from '../../src/protocol/packet';
import { prng } from '../../src/tools/prng';

export interface Impairment {
  /** One-way delay, µs (default: SimOptions.oneWayDelayUs, else 1000). */
  delayUs?: number;
  /** Uniform jitter ± this many µs around delayUs. */
  jitterUs?: number;
  /**
   * true: each packet draws its delay independently, so jitter reorders (netem style).
   * false (default): a packet never overtakes the one sent before it (a queue's jitter);
   * reordering then comes from `reorder` only.
   */
  jitterReorders?: boolean;
  /** Probability of losing a packet. */
  loss?: number;
  /** Probability, per packet, that a loss burst starts at it; the burst drops `burstLength` packets (this one included). */
  burstProbability?: number;
  /** Packets per burst, default 20. */
  burstLength?: number;
  /** Fraction of packets held back by reorderDelayUs more (reordering). */
  reorder?: number;
  reorderDelayUs?: number;
  /** Probability of delivering a packet twice (each copy draws its own delay). */
  duplicate?: number;
  /** Impair data packets only; control packets pass with the plain delay (no loss, no jitter). Default false. */
  dataOnly?: boolean;
  /** Deterministic drop hook, checked first (before random loss): return true to drop. */
  drop?: (pkt: Packet, nowUs: number) => boolean;
}

export interface SimOptions {
  latencyMs?: number;
  /** Default one-way delay of both directions, µs. */
  oneWayDelayUs?: number;
  /** Legacy: drop probability for data packets A→B (control packets are not impaired). */
  loss?: number;
  seed?: number;
  isn?: number;
  maxBw?: number;
  /** Impairment A→B (data direction) and B→A (ACK/NAK direction). */
  ab?: Impairment;
  ba?: Impairment;
  clock?: 'step' | 'event';
  /** Both sockets started this long before the handshake (timestamps start near this value: wrap tests). */
  tsOffsetUs?: number;
  /** One-way delay the handshake packet of each direction took (sets the TSBPD base); default one draw of that direction's delay. */
  hsDelayUs?: { ab?: number; ba?: number };
  /** Config overrides per engine. */
  a?: Partial<ConnectionConfig>;
  b?: Partial<ConnectionConfig>;
  /** Keep a trace of every packet the link carried (see SimLink.trace). */
  trace?: boolean;
}

export { prng };

export type Dir = 'ab' | 'ba';

/** What the link did, per direction. */
export interface LinkCounters {
  /** Datagrams handed to the link. */
  sent: number;
  /** Copies that reached the other engine. */
  delivered: number;
  dropped: number;
  droppedData: number;
  droppedControl: number;
  /** Data packets dropped on their first transmission (distinct sequence numbers). */
  droppedOriginal: number;
  /** Retransmitted data packets dropped. */
  droppedRexmit: number;
  /** Dropped by a burst (included in dropped). */
  droppedBurst: number;
  /** Dropped by an outage or the drop hook (included in dropped). */
  droppedForced: number;
  duplicated: number;
  reordered: number;
  dataSent: number;
  rexmitSent: number;
  /** Per control type name (ACK, LIGHTACK, ACKACK, NAK, KEEPALIVE, DROPREQ, SHUTDOWN...): sent and dropped. */
  control: Record<string, { sent: number; dropped: number }>;
}

export interface TraceEntry {
  /** Time the sender handed it to the link. */
  sentUs: number;
  dir: Dir;
  /** 'DATA' or a control type name. */
  type: string;
  seq?: number;
  retransmitted?: boolean;
  /** Arrival time of each copy (empty when dropped). */
  arrivals: number[];
  pkt: Packet;
}

export interface Delivery {
  payload: Buffer;
  /** Virtual time of the delivery. */
  at: number;
  /** Tag written by SimLink.write() (undefined for other payloads). */
  id?: number;
  /** Virtual time the sender's application submitted it (SimLink.write()). */
  submittedUs?: number;
}

const CONTROL_NAMES: Record<number, string> = {
  [ControlType.HANDSHAKE]: 'HANDSHAKE',
  [ControlType.KEEPALIVE]: 'KEEPALIVE',
  [ControlType.ACK]: 'ACK',
  [ControlType.NAK]: 'NAK',
  [ControlType.CGWARNING]: 'CGWARNING',
  [ControlType.SHUTDOWN]: 'SHUTDOWN',
  [ControlType.ACKACK]: 'ACKACK',
  [ControlType.DROPREQ]: 'DROPREQ',
  [ControlType.PEERERROR]: 'PEERERROR',
  [ControlType.EXT]: 'EXT',
};

/** Name of a packet's kind for counters and traces; a light ACK (4-byte body) is 'LIGHTACK'. */
export function packetKind(pkt: Packet): string {
  if (pkt.kind === 'data') return 'DATA';
  if (pkt.type === ControlType.ACK && pkt.body.length <= 4) return 'LIGHTACK';
  return CONTROL_NAMES[pkt.type] ?? `CTRL${pkt.type}`;
}

const TAG_MAGIC = 0x53494d31; // 'SIM1'

/** A payload carrying `id` (and a magic word) in its first 8 bytes. */
export function taggedPayload(id: number, size = 1316): Buffer {
  const b = Buffer.alloc(size, id & 0xff);
  b.writeUInt32BE(id >>> 0, 0);
  b.writeUInt32BE(TAG_MAGIC, 4);
  return b;
}

export function payloadId(p: Buffer): number | undefined {
  return p.length >= 8 && p.readUInt32BE(4) === TAG_MAGIC ? p.readUInt32BE(0) : undefined;
}

function newCounters(): LinkCounters {
  return {
    sent: 0, delivered: 0, dropped: 0, droppedData: 0, droppedControl: 0, droppedOriginal: 0, droppedRexmit: 0,
    droppedBurst: 0, droppedForced: 0, duplicated: 0, reordered: 0, dataSent: 0, rexmitSent: 0, control: {},
  };
}

interface InFlight { at: number; order: number; to: 'a' | 'b'; buf: Buffer }

class Direction {
  readonly counters = newCounters();
  private burstLeft = 0;
  /** Arrival (relative to time 0) of the last in-order packet: FIFO jitter never goes below it. */
  private fifoFloorUs = 0;
  private readonly originalDropped = new Set<number>();
  /** Outages [from, to) in virtual µs: everything sent then is dropped. */
  readonly outages: [number, number][] = [];

  constructor(public imp: Impairment, private readonly rand: () => number, readonly defaultDelayUs: number) {}

  /** One draw of this direction's delay (what the handshake packet took). */
  sampleDelay(): number {
    const base = this.imp.delayUs ?? this.defaultDelayUs;
    const j = this.imp.jitterUs ?? 0;
    return j ? Math.max(0, Math.round(base + (this.rand() * 2 - 1) * j)) : base;
  }

  /** Delays (relative to now) of the copies that get through; empty when dropped. */
  pass(pkt: Packet, nowUs: number): number[] {
    const imp = this.imp;
    const c = this.counters;
    const kind = packetKind(pkt);
    const isData = pkt.kind === 'data';
    c.sent++;
    if (isData) {
      c.dataSent++;
      if (pkt.retransmitted) c.rexmitSent++;
    } else {
      (c.control[kind] ??= { sent: 0, dropped: 0 }).sent++;
    }
    const impaired = isData || !imp.dataOnly;
    let drop: false | 'random' | 'burst' | 'forced' = false;
    if (this.outages.some(([f, t]) => nowUs >= f && nowUs < t)) drop = 'forced';
    else if (imp.drop?.(pkt, nowUs)) drop = 'forced';
    else if (impaired) {
      if (this.burstLeft > 0) {
        this.burstLeft--;
        drop = 'burst';
      } else if (imp.burstProbability && this.rand() < imp.burstProbability) {
        this.burstLeft = (imp.burstLength ?? 20) - 1;
        drop = 'burst';
      } else if (imp.loss && this.rand() < imp.loss) {
        drop = 'random';
      }
    }
    if (drop) {
      c.dropped++;
      if (drop === 'burst') c.droppedBurst++;
      if (drop === 'forced') c.droppedForced++;
      if (isData) {
        c.droppedData++;
        if (pkt.retransmitted) c.droppedRexmit++;
        else if (!this.originalDropped.has(pkt.seq)) {
          this.originalDropped.add(pkt.seq);
          c.droppedOriginal++;
        }
      } else {
        c.droppedControl++;
        c.control[kind].dropped++;
      }
      return [];
    }
    const base = imp.delayUs ?? this.defaultDelayUs;
    if (!impaired) return [base];
    const copies = imp.duplicate && this.rand() < imp.duplicate ? 2 : 1;
    if (copies === 2) c.duplicated++;
    const out: number[] = [];
    for (let i = 0; i < copies; i++) {
      let d = imp.jitterUs ? Math.max(0, Math.round(base + (this.rand() * 2 - 1) * imp.jitterUs)) : base;
      if (imp.reorder && this.rand() < imp.reorder) {
        d += imp.reorderDelayUs ?? 10_000;
        c.reordered++;
      } else if (imp.jitterUs && !imp.jitterReorders) {
        // Queueing jitter: not before the previous in-order packet (nor, for a duplicate, its original).
        d = Math.max(d, this.fifoFloorUs - nowUs);
        this.fifoFloorUs = nowUs + d;
      }
      out.push(d);
    }
    return out;
  }
}

export class SimLink {
  now = 1_000_000;
  a: SinkedConnection;
  b: SinkedConnection;
  /** b's deliveries (the A→B stream). */
  delivered: Delivery[] = [];
  /** a's deliveries (the B→A stream). */
  deliveredToA: Delivery[] = [];
  /** Legacy: packets dropped by the link, both directions. */
  get dropped(): number {
    return this.link.ab.counters.dropped + this.link.ba.counters.dropped;
  }
  closedB = false;
  closedA = false;
  /** Virtual time and message of each engine's sink.broken(). */
  brokenAt: { a?: number; b?: number } = {};
  brokenMsg: { a?: string; b?: string } = {};
  /** The delay the handshake took in each direction (the receivers' TSBPD base). */
  readonly hsDelayUs: { ab: number; ba: number };
  readonly link: { ab: Direction; ba: Direction };
  /** Every packet carried (when SimOptions.trace). */
  readonly trace: TraceEntry[] = [];
  /** Submission time of each id written through write(). */
  readonly submittedUs = new Map<number, number>();
  /** Set to false to stop b's application from reading (its next delivery is taken, then deliver returns false); resumeB() reads again. */
  bReading = true;
  /** Ticks at which an engine returned a deadline not after now (event clock; clamped to now + 1 µs). */
  pastDeadlines = 0;
  /** Observers called for each new data packet a or b hands to the link (before impairment). */
  onSend?: (from: 'a' | 'b', pkt: Packet, nowUs: number) => void;
  private queue: InFlight[] = [];
  private order = 0;
  private deadline = { a: -Infinity, b: -Infinity };
  readonly clock: 'step' | 'event';

  constructor(readonly opts: SimOptions = {}) {
    const seed = opts.seed ?? 1;
    const delay = opts.oneWayDelayUs ?? 1000;
    this.clock = opts.clock ?? 'step';
    // A→B keeps the seed itself, so legacy `loss` runs replay as before.
    const ab: Impairment = opts.ab ?? (opts.loss ? { loss: opts.loss, dataOnly: true } : {});
    this.link = {
      ab: new Direction({ ...ab }, prng(seed), delay),
      ba: new Direction({ ...(opts.ba ?? {}) }, prng((seed ^ 0x9e3779b9) >>> 0), delay),
    };
    this.hsDelayUs = {
      ab: opts.hsDelayUs?.ab ?? (opts.ab?.jitterUs ? this.link.ab.sampleDelay() : this.link.ab.imp.delayUs ?? delay),
      ba: opts.hsDelayUs?.ba ?? (opts.ba?.jitterUs ? this.link.ba.sampleDelay() : this.link.ba.imp.delayUs ?? delay),
    };
    const isn = opts.isn ?? 1000;
    const offset = opts.tsOffsetUs ?? 0;
    const cfg = (id: number, peer: number, hsDelay: number, over?: Partial<ConnectionConfig>): ConnectionConfig => ({
      socketId: id,
      peerSocketId: peer,
      isn,
      payloadSize: 1316,
      rcvLatency: opts.latencyMs ?? 120,
      sndLatency: opts.latencyMs ?? 120,
      flowWindow: 8192,
      rcvBufPackets: 8192,
      sndBufPackets: 8192,
      // Both sockets started `offset` before the handshake, at the same instant.
      startUs: this.now - offset,
      // The peer's handshake (timestamp = offset) arrived one link delay later.
      tsbpdBaseUs: this.now + hsDelay - offset,
      tsbpdRefTimestamp: offset,
      peerIdleTimeoutMs: 5000,
      maxBw: opts.maxBw ?? -1,
      tlpktDrop: true,
      nakReport: true,
      ...over,
    });
    const mk = (self: 'a' | 'b', id: number, peer: number, hsDelay: number, over?: Partial<ConnectionConfig>) => {
      const to: 'a' | 'b' = self === 'a' ? 'b' : 'a';
      return new SinkedConnection(cfg(id, peer, hsDelay, over), {
        send: (p) => this.transmit(self, to, Array.isArray(p) ? Buffer.concat(p) : p),
        deliver: (payload) => {
          const id = payloadId(payload);
          const d: Delivery = { payload, at: this.now, id, submittedUs: id === undefined ? undefined : this.submittedUs.get(id) };
          if (self === 'a') {
            this.deliveredToA.push(d);
            return true;
          }
          // Like a stream's push(): this payload is taken; false asks the engine to pause after it.
          this.delivered.push(d);
          return this.bReading;
        },
        peerClosed: () => {
          if (self === 'b') this.closedB = true;
          else this.closedA = true;
        },
        broken: (msg) => {
          this.brokenAt[self] ??= this.now;
          this.brokenMsg[self] ??= msg;
        },
        drain: () => undefined,
      }, this.now);
    };
    // b's TSBPD base comes from a's handshake (A→B delay) and vice versa.
    this.a = mk('a', 1, 2, this.hsDelayUs.ba, opts.a);
    this.b = mk('b', 2, 1, this.hsDelayUs.ab, opts.b);
    // b's reader: while it does not read, it takes one more payload and then says "enough".
    this.b.deliveryRoom = () => (this.bReading ? Infinity : 1);
  }

  /** Counters of one direction. */
  counters(dir: Dir): LinkCounters {
    return this.link[dir].counters;
  }

  /** Changes a direction's impairment from now on. */
  impair(dir: Dir, imp: Partial<Impairment>): void {
    Object.assign(this.link[dir].imp, imp);
  }

  /** Drops everything sent in [fromUs, toUs) in the given directions (default both). */
  outage(fromUs: number, toUs: number, dirs: Dir[] = ['ab', 'ba']): void {
    for (const d of dirs) this.link[d].outages.push([fromUs, toUs]);
  }

  /** a's application writes the payload tagged with `id` now (recorded for delivery-time checks). */
  write(id: number, size = 1316): boolean {
    this.submittedUs.set(id, this.now);
    const ok = this.a.write(taggedPayload(id, size), this.now);
    // As the socket adapter does: re-arm the engine's timer after a write.
    if (this.clock === 'event') this.deadline.a = this.a.tick(this.now);
    return ok;
  }

  /** b's application reads again. */
  resumeB(): void {
    this.bReading = true;
    this.b.resumeDelivery(this.now);
    if (this.clock === 'event') this.deadline.b = this.b.tick(this.now);
  }

  private transmit(from: 'a' | 'b', to: 'a' | 'b', buf: Buffer): void {
    const pkt = decodePacket(buf);
    if (!pkt) throw new Error(`${from} sent an undecodable datagram`);
    if (this.onSend && pkt.kind === 'data') this.onSend(from, pkt, this.now);
    const dir: Dir = from === 'a' ? 'ab' : 'ba';
    const delays = this.link[dir].pass(pkt, this.now);
    const arrivals = delays.map((d) => this.now + d);
    for (const at of arrivals) this.enqueue({ at, order: this.order++, to, buf });
    if (this.opts.trace) {
      this.trace.push({
        sentUs: this.now,
        dir,
        type: packetKind(pkt),
        seq: pkt.kind === 'data' ? pkt.seq : undefined,
        retransmitted: pkt.kind === 'data' ? pkt.retransmitted : undefined,
        arrivals,
        pkt,
      });
    }
  }

  /** Sorted insert by (arrival, send order): equal arrivals keep their send order. */
  private enqueue(f: InFlight): void {
    const q = this.queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid].at <= f.at) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, f);
  }

  private deliverOne(f: InFlight): void {
    const pkt = decodePacket(f.buf)!;
    this.link[f.to === 'b' ? 'ab' : 'ba'].counters.delivered++;
    (f.to === 'a' ? this.a : this.b).receive(pkt, this.now);
  }

  /** Advances virtual time to untilUs, delivering packets and running timers (see the clock option). */
  run(untilUs: number, stepUs?: number): void {
    if (this.clock === 'event' && stepUs === undefined) return this.runEvents(untilUs);
    const step = stepUs ?? 500;
    while (this.now < untilUs) {
      this.now += step;
      while (this.queue.length && this.queue[0].at <= this.now) this.deliverOne(this.queue.shift()!);
      this.a.tick(this.now);
      this.b.tick(this.now);
    }
  }

  private tickEngine(who: 'a' | 'b'): void {
    let d = (who === 'a' ? this.a : this.b).tick(this.now);
    if (d <= this.now) {
      this.pastDeadlines++;
      d = this.now + 1;
    }
    this.deadline[who] = d;
  }

  private runEvents(untilUs: number): void {
    // Writes made directly on the engines (not through write()) may have moved their deadlines.
    this.tickEngine('a');
    this.tickEngine('b');
    for (;;) {
      const t = Math.min(this.queue.length ? this.queue[0].at : Infinity, this.deadline.a, this.deadline.b);
      if (t > untilUs) break;
      if (t > this.now) this.now = t;
      while (this.queue.length && this.queue[0].at <= this.now) {
        const f = this.queue.shift()!;
        this.deliverOne(f);
        this.tickEngine(f.to); // the adapter re-arms after each datagram
      }
      if (this.deadline.a <= this.now) this.tickEngine('a');
      if (this.deadline.b <= this.now) this.tickEngine('b');
    }
    if (untilUs > this.now) this.now = untilUs;
  }
}
