/**
 * /metrics: the relay's snapshot in Prometheus's text format, through prom-client with a registry of
 * its own (several relays in one process, and whatever else the process registers, stay apart).
 * Every value is set from one snapshot taken at scrape time after all series are cleared, so a
 * connection that left is gone from the next scrape: the number of series follows what the relay
 * holds, not what it has seen.
 *
 * Totals are counters (`_total`), values measured at the time are gauges, in Prometheus's base units
 * (seconds, bytes). Connection series carry stream, role, id (unique in the process) and remote.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ConnectionSnapshot, RelaySnapshot } from '../snapshot';
import { remoteOf } from './monitor-sample';
import type { SrtStats } from '../../protocol/stats';

const CONNECTION_LABELS = ['stream', 'role', 'id', 'remote'] as const;
type ConnectionLabel = (typeof CONNECTION_LABELS)[number];

/** Connection counters taken straight from a stats total. */
const CONNECTION_COUNTERS: [name: string, help: string, stat: keyof SrtStats][] = [
  ['bytes_received_total', 'Bytes received from the peer (payload, retransmissions included).', 'byteRecvTotal'],
  ['bytes_sent_total', 'Bytes sent to the peer (payload, retransmissions included).', 'byteSentTotal'],
  ['packets_received_total', 'Data packets received from the peer.', 'pktRecvTotal'],
  ['packets_sent_total', 'Data packets sent to the peer.', 'pktSentTotal'],
  ['packets_received_lost_total', 'Data packets found missing in what the peer sent (receiver loss).', 'pktRcvLossTotal'],
  ['packets_sent_lost_total', 'Data packets the peer reported lost (sender loss).', 'pktSndLossTotal'],
  ['packets_retransmitted_total', 'Data packets sent again to the peer.', 'pktRetransTotal'],
  ['packets_received_retransmitted_total', 'Retransmitted data packets received from the peer.', 'pktRcvRetransTotal'],
  ['packets_received_dropped_total', 'Received data packets dropped as too late to play (receiver drop).', 'pktRcvDropTotal'],
  ['packets_sent_dropped_total', 'Data packets dropped unsent or unacknowledged as too late (sender drop).', 'pktSndDropTotal'],
];

/** Connection gauges: a stats value and the factor to its base unit. */
const CONNECTION_GAUGES: [name: string, help: string, stat: keyof SrtStats, scale: number][] = [
  ['rtt_seconds', 'Smoothed round-trip time.', 'msRTT', 1e-3],
  ['receive_buffer_seconds', 'Time span of the data in the receive buffer.', 'msRcvBuf', 1e-3],
  ['send_buffer_seconds', 'Time span of the data in the send buffer.', 'msSndBuf', 1e-3],
  ['flow_window_packets', 'Free space the peer last advertised in its receive buffer.', 'pktFlowWindow', 1],
];

export class RelayMetrics {
  readonly registry = new Registry();
  private readonly connCounters: [Counter<ConnectionLabel>, keyof SrtStats][];
  private readonly connGauges: [Gauge<ConnectionLabel>, keyof SrtStats, number][];
  private readonly backlogChunks: Counter<ConnectionLabel>;
  private readonly backlogBytes: Counter<ConnectionLabel>;
  private readonly connectedAt: Gauge<ConnectionLabel>;
  private readonly streamPlayers: Gauge<'stream'>;
  private readonly streamPublishers: Gauge<'stream'>;
  private readonly streamWaiting: Gauge<'stream'>;
  private readonly streamBytesIn: Counter<'stream'>;
  private readonly streamBytesOut: Counter<'stream'>;
  private readonly streams: Gauge;
  private readonly connections: Gauge<'role'>;
  private readonly accepted: Counter<'role'>;
  private readonly rejected: Counter<'reason'>;
  private readonly startTime: Gauge;

  constructor(prefix = 'srt_relay_') {
    const registers = [this.registry];
    const connCounter = (name: string, help: string) =>
      new Counter({ name: `${prefix}connection_${name}`, help, labelNames: CONNECTION_LABELS, registers });
    const streamCounter = (name: string, help: string) =>
      new Counter({ name: `${prefix}stream_${name}`, help, labelNames: ['stream'] as const, registers });
    const streamGauge = (name: string, help: string) =>
      new Gauge({ name: `${prefix}stream_${name}`, help, labelNames: ['stream'] as const, registers });

    this.connCounters = CONNECTION_COUNTERS.map(([name, help, stat]) => [connCounter(name, help), stat]);
    this.connGauges = CONNECTION_GAUGES.map(([name, help, stat, scale]) => [
      new Gauge({ name: `${prefix}connection_${name}`, help, labelNames: CONNECTION_LABELS, registers }), stat, scale,
    ]);
    this.backlogChunks = connCounter('backlog_dropped_chunks_total',
      'Player: chunks dropped because its backlog in the relay was full (a slow or stalled player).');
    this.backlogBytes = connCounter('backlog_dropped_bytes_total', 'Player: bytes of the chunks dropped from its full backlog.');
    this.connectedAt = new Gauge({
      name: `${prefix}connection_start_time_seconds`, help: 'When the connection was accepted, seconds since the epoch.',
      labelNames: CONNECTION_LABELS, registers,
    });
    this.streamPlayers = streamGauge('players', 'Players connected to the stream.');
    this.streamPublishers = streamGauge('publishers', 'Publishers connected to the stream (0 or 1).');
    this.streamWaiting = streamGauge('waiting_for_publisher', '1 while the stream keeps its players after its publisher left.');
    this.streamBytesIn = streamCounter('received_bytes_total', 'Bytes the stream\'s publishers sent into the relay.');
    this.streamBytesOut = streamCounter('sent_bytes_total', 'Bytes written to the stream\'s players.');
    this.streams = new Gauge({ name: `${prefix}streams`, help: 'Streams the relay holds.', registers });
    this.connections = new Gauge({
      name: `${prefix}connections`, help: 'Connections open now, by role.', labelNames: ['role'] as const, registers,
    });
    this.accepted = new Counter({
      name: `${prefix}accepted_total`, help: 'Connections accepted since the relay started, by role.',
      labelNames: ['role'] as const, registers,
    });
    this.rejected = new Counter({
      name: `${prefix}rejected_total`, help: 'Callers refused since the relay started, by libsrt reject reason.',
      labelNames: ['reason'] as const, registers,
    });
    this.startTime = new Gauge({ name: `${prefix}start_time_seconds`, help: 'When the relay started, seconds since the epoch.', registers });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of this snapshot. */
  async render(snap: RelaySnapshot): Promise<string> {
    this.update(snap);
    // The values are read synchronously when metrics() starts: a scrape running concurrently cannot mix in.
    return this.registry.metrics();
  }

  private update(snap: RelaySnapshot): void {
    this.registry.resetMetrics();
    this.startTime.set(snap.startedAt / 1000);
    this.streams.set(snap.streams.length);
    const open = { publisher: 0, player: 0 };
    for (const st of snap.streams) {
      const s = { stream: st.name };
      this.streamPlayers.set(s, st.players.length);
      this.streamPublishers.set(s, st.publisher ? 1 : 0);
      this.streamWaiting.set(s, st.waitingForPublisher ? 1 : 0);
      this.streamBytesIn.inc(s, counterValue(st.bytesIn));
      this.streamBytesOut.inc(s, counterValue(st.bytesOut));
      for (const c of [...(st.publisher ? [st.publisher] : []), ...st.players]) {
        open[c.role]++;
        this.updateConnection(c);
      }
    }
    for (const role of ['publisher', 'player'] as const) {
      this.connections.set({ role }, open[role]);
      this.accepted.inc({ role }, counterValue(snap.accepted[role]));
    }
    for (const [reason, n] of Object.entries(snap.rejects)) this.rejected.inc({ reason }, counterValue(n));
  }

  private updateConnection(c: ConnectionSnapshot): void {
    const labels = { stream: c.stream, role: c.role, id: String(c.id), remote: remoteOf(c) };
    for (const [counter, stat] of this.connCounters) counter.inc(labels, counterValue(c.stats[stat]));
    for (const [gauge, stat, scale] of this.connGauges) gauge.set(labels, finite(c.stats[stat]) * scale);
    this.backlogChunks.inc(labels, counterValue(c.droppedChunks));
    this.backlogBytes.inc(labels, counterValue(c.droppedBytes));
    this.connectedAt.set(labels, finite(c.connectedAt) / 1000);
  }
}

/** prom-client refuses to decrease a counter or add a non-number: a bad value must not fail the scrape. */
function counterValue(v: number | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function finite(v: number | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
