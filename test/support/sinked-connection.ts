/**
 * An engine for tests that performs its own outbox after every call, into callbacks shaped like
 * the effects (send a datagram, deliver a payload, peer closed, broken, drain): what SrtSocket
 * does with sockets and streams, done here with plain functions for simulated links.
 */
import { ConnectionConfig, SrtConnection } from '../../src/protocol/connection';
import type { DataPacket, Packet } from '../../src/protocol/packet';

export interface TestSink {
  send(packet: Buffer | Buffer[]): void;
  /** Returning false pauses delivery, as a stream's push() saying "enough". */
  deliver(payload: Buffer, pkt: DataPacket): boolean | void;
  peerClosed(): void;
  broken(message: string): void;
  drain(): void;
}

export class SinkedConnection extends SrtConnection {
  /** How many packets the reader takes per call (default: all that are due). */
  deliveryRoom: () => number = () => Infinity;

  constructor(cfg: ConnectionConfig, private readonly sink: TestSink, nowUs: number) {
    super(cfg, nowUs);
  }

  override write(payload: Buffer, nowUs: number, position?: number): boolean {
    this.prepare();
    const ok = super.write(payload, nowUs, position);
    this.perform();
    return ok;
  }

  override receive(pkt: Packet, nowUs: number): void {
    this.prepare();
    super.receive(pkt, nowUs);
    this.perform();
  }

  override tick(nowUs: number): number {
    this.prepare();
    const deadline = super.tick(nowUs);
    this.perform();
    return deadline;
  }

  override resumeDelivery(nowUs: number): void {
    this.prepare();
    super.resumeDelivery(nowUs);
    this.perform();
  }

  override shutdown(nowUs: number): void {
    super.shutdown(nowUs);
    this.perform();
  }

  private prepare(): void {
    this.out.deliveryRoom = this.deliveryRoom();
  }

  private perform(): void {
    const out = this.out;
    const datagrams = out.datagrams.splice(0);
    const delivered = out.delivered.splice(0);
    const { drain, peerClosed, broken } = out;
    out.clear();
    for (const d of datagrams) this.sink.send(d);
    for (const p of delivered) if (this.sink.deliver(p.payload, p) === false) this.pauseDelivery();
    if (peerClosed) this.sink.peerClosed();
    if (broken !== undefined) this.sink.broken(broken);
    if (drain) this.sink.drain();
  }
}
