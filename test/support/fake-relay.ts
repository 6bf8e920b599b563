/**
 * A relay that exists only as snapshots, for the monitor tests: streams with a publisher and players
 * whose statistics move on each time a snapshot is taken, by one step of a virtual clock (1 s unless
 * told), so that a test (or the page's screenshot) gets minutes of history in seconds and the same
 * figures on every run. Bitrate, RTT, loss and buffers wave and burst like a real link's.
 */
import { emptyStats, type SrtStats } from '../../src/protocol/stats';
import type { ConnectionRole, ConnectionSnapshot, RelaySnapshot, StreamSnapshot } from '../../src/relay/snapshot';

const PAYLOAD = 1316;

interface LinkShape {
  /** Media rate, bit/s. */
  bitrate: number;
  rttMs: number;
  /** Lost packets per second, on average. */
  lossPerS: number;
  latencyMs: number;
  /** Player: chunks per second dropped from its backlog (a slow player). */
  backlogDropsPerS?: number;
}

interface FakeConnection {
  snap: ConnectionSnapshot;
  shape: LinkShape;
  /** Phase of its waves, so that connections do not move in step. */
  phase: number;
}

interface FakeStream {
  name: string;
  createdAt: number;
  publisher?: FakeConnection;
  players: FakeConnection[];
  waitingForPublisher: boolean;
  bytesIn: number;
  bytesOut: number;
}

export class FakeRelay {
  time: number;
  readonly startedAt: number;
  readonly rejects: Record<string, number> = { SRT_REJX_FORBIDDEN: 3, SRT_REJ_BADSECRET: 1 };
  readonly accepted: Record<ConnectionRole, number> = { publisher: 0, player: 0 };
  private readonly streams = new Map<string, FakeStream>();
  private nextId = 1;
  private step = 0;

  /** stepMs: how far the virtual clock moves per snapshot. */
  constructor(private readonly stepMs = 1000, start = Date.now()) {
    this.time = start;
    this.startedAt = start - 3_723_000;
  }

  /** The usual scene: a live stream with two players (one slow), a second live stream, one waiting for its publisher. */
  static scene(stepMs = 1000): FakeRelay {
    const r = new FakeRelay(stepMs);
    r.addStream('live/cam1', { bitrate: 4.5e6, rttMs: 18, lossPerS: 1.5, latencyMs: 120 });
    r.addPlayer('live/cam1', { bitrate: 4.5e6, rttMs: 4, lossPerS: 0.2, latencyMs: 120 }, 'alice');
    r.addPlayer('live/cam1', { bitrate: 4.5e6, rttMs: 85, lossPerS: 4, latencyMs: 250, backlogDropsPerS: 0.5 }, 'bob');
    r.addStream('live/cam2', { bitrate: 2e6, rttMs: 40, lossPerS: 0.5, latencyMs: 200 });
    r.addPlayer('live/cam2', { bitrate: 2e6, rttMs: 12, lossPerS: 0.1, latencyMs: 200 });
    r.addStream('studio/backup');
    r.addPlayer('studio/backup', { bitrate: 0, rttMs: 25, lossPerS: 0, latencyMs: 120 });
    return r;
  }

  /** A stream, with a publisher of that shape (or none yet: waiting for one). */
  addStream(name: string, publisher?: LinkShape): void {
    const st: FakeStream = {
      name, createdAt: this.time - 600_000, players: [], waitingForPublisher: !publisher, bytesIn: 0, bytesOut: 0,
    };
    this.streams.set(name, st);
    if (publisher) st.publisher = this.connection('publisher', name, publisher);
  }

  addPlayer(stream: string, shape: LinkShape, user?: string): number {
    const c = this.connection('player', stream, shape, user);
    this.streams.get(stream)!.players.push(c);
    return c.snap.id;
  }

  /** A connection leaves (its stream stays). */
  removeConnection(id: number): void {
    for (const st of this.streams.values()) {
      if (st.publisher?.snap.id === id) { st.publisher = undefined; st.waitingForPublisher = true; }
      st.players = st.players.filter((p) => p.snap.id !== id);
    }
  }

  removeStream(name: string): void {
    this.streams.delete(name);
  }

  /** The next snapshot: the clock moves one step and every connection's statistics with it. */
  snapshot(): RelaySnapshot {
    this.advance();
    const streams: StreamSnapshot[] = [...this.streams.values()].map((st) => ({
      name: st.name,
      publisher: st.publisher && copy(st.publisher.snap),
      players: st.players.map((p) => copy(p.snap)),
      bytesIn: st.bytesIn,
      bytesOut: st.bytesOut,
      createdAt: st.createdAt,
      waitingForPublisher: st.waitingForPublisher,
    }));
    return { time: this.time, startedAt: this.startedAt, streams, rejects: { ...this.rejects }, accepted: { ...this.accepted } };
  }

  private connection(role: ConnectionRole, stream: string, shape: LinkShape, user?: string): FakeConnection {
    const id = this.nextId++;
    this.accepted[role]++;
    const stats = emptyStats();
    stats.byteMSS = 1500;
    return {
      shape,
      phase: id * 1.7,
      snap: {
        id, role, stream,
        remoteAddress: id % 3 === 0 ? '2001:db8::' + id.toString(16) : `192.0.2.${10 + id}`,
        remotePort: 40000 + id,
        user,
        streamId: `#!::r=${stream},m=${role === 'publisher' ? 'publish' : 'request'}${user ? `,u=${user}` : ''}`,
        connectedAt: this.time - 120_000 * id,
        stats,
        droppedChunks: 0,
        droppedBytes: 0,
      },
    };
  }

  private advance(): void {
    this.time += this.stepMs;
    const k = this.step++;
    const dt = this.stepMs / 1000;
    for (const st of this.streams.values()) {
      if (st.publisher) st.bytesIn += this.move(st.publisher, k, dt);
      for (const p of st.players) st.bytesOut += this.move(p, k, dt);
    }
  }

  /** One step of a connection; returns the media bytes it moved. */
  private move(c: FakeConnection, k: number, dt: number): number {
    const { shape, phase } = c;
    const s: SrtStats = c.snap.stats;
    const wave = Math.sin(k / 9 + phase);
    const fast = Math.sin(k / 2.3 + phase * 3);
    // A burst of loss every so often, as on a real link.
    const burst = (k + Math.round(phase * 10)) % 37 < 3 ? 6 : 1;
    const bytes = Math.max(0, Math.round(shape.bitrate / 8 * dt * (1 + 0.12 * wave + 0.05 * fast)));
    const pkts = Math.ceil(bytes / PAYLOAD);
    const lost = Math.round(shape.lossPerS * dt * burst * (1 + fast) * (shape.bitrate > 0 ? 1 : 0));
    const retrans = Math.round(lost * 1.15);
    const rtt = shape.rttMs * (1 + 0.25 * wave + 0.1 * fast) * (burst > 1 ? 1.4 : 1);
    const buf = shape.bitrate > 0 ? shape.latencyMs * (0.85 + 0.1 * wave) : 0;
    const window = Math.round(8192 - (shape.bitrate / 8 / PAYLOAD) * buf / 1000 * (1.2 + 0.3 * fast));
    if (c.snap.role === 'publisher') {
      s.byteRecvTotal += bytes;
      s.pktRecvTotal += pkts;
      s.pktRcvLossTotal += lost;
      s.pktRcvRetransTotal += retrans;
      s.pktRcvDropTotal += burst > 1 && fast > 0.9 ? 1 : 0;
      s.msRcvBuf = buf;
      s.msRcvTsbPdDelay = shape.latencyMs;
    } else {
      s.byteSentTotal += bytes;
      s.pktSentTotal += pkts;
      s.pktSndLossTotal += lost;
      s.pktRetransTotal += retrans;
      s.msSndBuf = buf * 0.2;
      s.msSndTsbPdDelay = shape.latencyMs;
      const drops = Math.round((shape.backlogDropsPerS ?? 0) * dt * (burst > 1 ? 8 : 0));
      c.snap.droppedChunks += drops;
      c.snap.droppedBytes += drops * PAYLOAD;
    }
    s.msRTT = rtt;
    s.pktFlowWindow = Math.max(0, window);
    s.mbpsRecvRate = c.snap.role === 'publisher' ? bytes * 8 / dt / 1e6 : 0;
    s.mbpsSendRate = c.snap.role === 'player' ? bytes * 8 / dt / 1e6 : 0;
    return bytes;
  }
}

function copy(c: ConnectionSnapshot): ConnectionSnapshot {
  return { ...c, stats: { ...c.stats } };
}
