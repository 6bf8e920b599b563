/**
 * Two SrtConnection engines wired back to back on a virtual clock, with an
 * optional lossy link, for deterministic protocol tests (no sockets, no timers).
 */
import { ConnectionConfig, SrtConnection } from '../../src/protocol/connection';
import { decodePacket } from '../../src/protocol/packet';
import { prng } from '../../src/tools/prng';

export interface SimOptions {
  latencyMs?: number;
  oneWayDelayUs?: number;
  /** Drop probability for data packets A→B. */
  loss?: number;
  seed?: number;
  isn?: number;
  maxBw?: number;
}

export { prng };

interface InFlight { at: number; to: 'a' | 'b'; buf: Buffer }

export class SimLink {
  now = 1_000_000;
  a: SrtConnection;
  b: SrtConnection;
  delivered: { payload: Buffer; at: number }[] = [];
  dropped = 0;
  private queue: InFlight[] = [];
  private rand: () => number;
  closedB = false;

  constructor(readonly opts: SimOptions = {}) {
    this.rand = prng(opts.seed ?? 1);
    const delay = opts.oneWayDelayUs ?? 1000;
    const isn = opts.isn ?? 1000;
    const base = (id: number, peer: number): ConnectionConfig => ({
      socketId: id,
      peerSocketId: peer,
      isn,
      payloadSize: 1316,
      rcvLatency: opts.latencyMs ?? 120,
      sndLatency: opts.latencyMs ?? 120,
      flowWindow: 8192,
      rcvBufPackets: 8192,
      sndBufPackets: 8192,
      startUs: this.now,
      // Both sides started at the same instant; the HS took one link delay.
      tsbpdBaseUs: this.now + delay,
      tsbpdRefTimestamp: 0,
      peerIdleTimeoutMs: 5000,
      maxBw: opts.maxBw ?? -1,
      tlpktDrop: true,
      nakReport: true,
    });
    const mk = (id: number, peer: number, to: 'a' | 'b') =>
      new SrtConnection(base(id, peer), {
        send: (p) => this.transmit(to, Array.isArray(p) ? Buffer.concat(p) : p),
        deliver: (payload) => {
          if (to === 'a') this.delivered.push({ payload, at: this.now });
        },
        peerClosed: () => to === 'a' && (this.closedB = true),
        broken: () => undefined,
        drain: () => undefined,
      }, this.now);
    // a sends to b; b's deliveries are what we check.
    this.a = mk(1, 2, 'b');
    this.b = mk(2, 1, 'a');
  }

  private transmit(to: 'a' | 'b', buf: Buffer): void {
    const isData = (buf[0] & 0x80) === 0;
    if (to === 'b' && isData && this.opts.loss && this.rand() < this.opts.loss) {
      this.dropped++;
      return;
    }
    this.queue.push({ at: this.now + (this.opts.oneWayDelayUs ?? 1000), to, buf });
  }

  /** Advances virtual time in steps, delivering packets and running timers. */
  run(untilUs: number, stepUs = 500): void {
    while (this.now < untilUs) {
      this.now += stepUs;
      this.queue.sort((x, y) => x.at - y.at);
      while (this.queue.length && this.queue[0].at <= this.now) {
        const f = this.queue.shift()!;
        const pkt = decodePacket(f.buf)!;
        (f.to === 'a' ? this.a : this.b).receive(pkt, this.now);
      }
      this.a.tick(this.now);
      this.b.tick(this.now);
    }
  }
}
