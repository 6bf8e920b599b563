/**
 * A UDP relay on loopback that impairs traffic, per direction: random loss,
 * burst loss, delay with jitter (which also reorders), duplication. Callers
 * connect to the relay's port; it forwards to the target and back.
 * Used by the demo, the integration tests and the benchmark.
 */
import dgram from 'node:dgram';
import { prng } from './prng';

export interface Impairment {
  /** Probability of dropping a datagram, 0..1. */
  loss?: number;
  /** Probability that a loss starts a burst; the burst drops `burstLength` datagrams. */
  burstProbability?: number;
  burstLength?: number;
  /** One-way delay and uniform jitter, ms. Jitter reorders datagrams. */
  delayMs?: number;
  jitterMs?: number;
  /** Probability of sending a datagram twice. */
  duplicate?: number;
}

export interface RelayCounters {
  forwarded: number;
  dropped: number;
  duplicated: number;
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

class Direction {
  readonly counters: RelayCounters = { forwarded: 0, dropped: 0, duplicated: 0 };
  private burstLeft = 0;
  constructor(private readonly imp: Impairment, private readonly rand: () => number, private readonly dataOnly: boolean) {}

  /** Calls send(delayMs) zero, one or two times for this datagram. */
  pass(msg: Buffer, send: (delayMs: number) => void): void {
    const imp = this.imp;
    if (!(this.dataOnly && msg.length >= 1 && msg[0] & 0x80)) {
      if (this.burstLeft > 0) {
        this.burstLeft--;
        this.counters.dropped++;
        return;
      }
      if (imp.loss && this.rand() < imp.loss) {
        this.counters.dropped++;
        if (imp.burstProbability && this.rand() < imp.burstProbability) this.burstLeft = (imp.burstLength ?? 10) - 1;
        return;
      }
    }
    const copies = imp.duplicate && this.rand() < imp.duplicate ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      const d = (imp.delayMs ?? 0) + (imp.jitterMs ? (this.rand() * 2 - 1) * imp.jitterMs : 0);
      this.counters.forwarded++;
      send(Math.max(0, d));
    }
  }
}

export class ImpairmentRelay {
  private readonly front = dgram.createSocket('udp4');
  private readonly sessions = new Map<string, dgram.Socket>();
  readonly forward: Direction;
  readonly backward: Direction;

  constructor(private readonly opts: RelayOptions) {
    const rand = prng(opts.seed ?? 12345);
    this.forward = new Direction(opts.forward ?? {}, rand, !!opts.dataOnly);
    this.backward = new Direction(opts.backward ?? {}, rand, !!opts.dataOnly);
    this.front.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
  }

  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve) => this.front.bind(port, host, () => resolve(this.front.address().port)));
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

  private later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) fn();
    else setTimeout(fn, delayMs);
  }

  close(): void {
    this.front.close();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
