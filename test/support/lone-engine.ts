/**
 * One SrtConnection engine alone on a virtual clock, fed packets by hand as if from a peer that
 * may lie: what it sends is recorded decoded, what breaks it is recorded. For hostile-peer tests.
 */
import { ConnectionConfig } from '../../src/protocol/connection';
import { SinkedConnection } from './sinked-connection';
import { ControlPacket, ControlType, DataPacket, decodePacket, encodeControl, Packet, Position } from '../../src/protocol/packet';

export const LONE_ISN = 1000;

export class LoneEngine {
  now = 1_000_000;
  readonly engine: SinkedConnection;
  /** Everything the engine sent, decoded. */
  readonly sent: Packet[] = [];
  readonly delivered: Buffer[] = [];
  broken?: string;
  /** Drain effects seen (the writer may write again). */
  drains = 0;

  constructor(over: Partial<ConnectionConfig> = {}) {
    const cfg: ConnectionConfig = {
      socketId: 2,
      peerSocketId: 1,
      isn: LONE_ISN,
      payloadSize: 1316,
      rcvLatency: 120,
      sndLatency: 120,
      flowWindow: 8192,
      rcvBufPackets: 8192,
      sndBufPackets: 8192,
      startUs: this.now,
      tsbpdBaseUs: this.now,
      tsbpdRefTimestamp: 0,
      peerIdleTimeoutMs: 5000,
      maxBw: -1,
      tlpktDrop: true,
      nakReport: true,
      ...over,
    };
    this.engine = new SinkedConnection(cfg, {
      send: (p) => {
        const pkt = decodePacket(Array.isArray(p) ? Buffer.concat(p) : p);
        if (pkt) this.sent.push(pkt);
      },
      deliver: (payload) => void this.delivered.push(payload),
      peerClosed: () => undefined,
      broken: (msg) => void (this.broken ??= msg),
      drain: () => void this.drains++,
    }, this.now);
  }

  /** Advances the clock and runs the engine's timers. */
  advance(us: number): void {
    this.now += us;
    this.engine.tick(this.now);
  }

  /** Writes n packets (sent as pacing allows), stepping the clock 10 µs per packet. */
  write(n: number): void {
    for (let i = 0; i < n; i++) {
      this.now += 10;
      this.engine.write(Buffer.alloc(188, i & 0xff), this.now);
    }
    this.engine.tick(this.now);
  }

  /** Feeds a control packet from the peer. */
  control(type: number, body?: Buffer, typeInfo = 0, subtype = 0): void {
    const pkt = decodePacket(encodeControl(type, typeInfo, 0, 2, body, subtype)) as ControlPacket;
    this.engine.receive(pkt, this.now);
  }

  /** Feeds a data packet from the peer. */
  data(seq: number, opts: Partial<DataPacket> = {}): void {
    const pkt: DataPacket = {
      kind: 'data', seq, position: Position.SOLO, inOrder: false, keyFlags: 0, retransmitted: false,
      msgNo: 1, timestamp: 1000, destId: 2, payload: Buffer.alloc(188, 1), ...opts,
    };
    this.engine.receive(pkt, this.now);
  }

  /** Feeds a raw datagram as the socket adapter does (decoded; undecodable ones dropped), then runs the timers. */
  datagram(buf: Buffer): void {
    const pkt = decodePacket(buf);
    if (pkt) this.engine.receive(pkt, this.now);
    this.engine.tick(this.now);
  }

  /** Data sequence numbers sent so far (first transmissions and retransmissions). */
  sentSeqs(): number[] {
    return this.sent.filter((p): p is DataPacket => p.kind === 'data').map((p) => p.seq);
  }

  sentControls(type: number): ControlPacket[] {
    return this.sent.filter((p): p is ControlPacket => p.kind === 'control' && p.type === type);
  }

  clearSent(): void {
    this.sent.length = 0;
  }
}

export { ControlType };
