/**
 * SrtRelay: publish and play by stream ID on one SRT port (SrtServer). Each caller's stream ID says
 * what it wants (stream-route.ts); access rules decide before it is accepted (relay-access.ts),
 * refusing with libsrt's codes; the hub moves the data (stream-hub.ts); with an origin configured,
 * streams nobody publishes here are pulled from it while they have players (origin-pull.ts).
 */
import { EventEmitter } from 'node:events';
import { createServer, type SrtServer } from '../net/srt-server';
import type { ConnectionRequest } from '../net/connection-request';
import { LineBudget } from '../net/line-budget';
import type { SrtSocket } from '../net/srt-socket';
import { MAX_PAYLOAD } from '../protocol/limits';
import { OriginPulls } from './origin-pull';
import { RelayAccess } from './relay-access';
import type { RelayConfig } from './relay-config';
import type { ConnectionRole, RelaySnapshot } from './snapshot';
import { StreamHub } from './stream-hub';
import { parseRoute, type Route } from './stream-route';

/** Refusal log lines per second at most. */
const REFUSAL_LINES_PER_SECOND = 20;

export interface SrtRelayEvents {
  listening: [];
  /** A line for the log: refusals with their reason, connections, stalls. */
  log: [level: 'warn' | 'note', message: string];
  error: [err: Error];
}

export class SrtRelay extends EventEmitter {
  readonly server: SrtServer;
  private readonly hub: StreamHub;
  private access: RelayAccess;
  private readonly origin?: OriginPulls;
  private readonly startedAt = Date.now();
  private readonly rejects = new Map<string, number>();
  private readonly accepted: Record<ConnectionRole, number> = { publisher: 0, player: 0 };
  /** Why the relay is refusing the caller it is rejecting right now (for the 'reject' event's log line). */
  private refusing?: string;
  /** A flood of hostile handshakes must not flood the log: refusal lines are rationed (all are counted). */
  private readonly refusalLines = new LineBudget(REFUSAL_LINES_PER_SECOND, (n) =>
    this.emit('log', 'warn', `${n} more refusals not logged (see /metrics for all of them)`),
  );

  constructor(private config: RelayConfig) {
    super();
    this.access = new RelayAccess(config);
    this.hub = new StreamHub(config);
    this.hub.on('log', (level, msg) => this.emit('log', level, msg));
    // A player gets each packet as its publisher sent it: srt-live-transmit sends 1456-byte
    // packets, which the live default payload size (1316) would cut in two (twice the packets).
    this.server = createServer({ latency: config.latency, payloadSize: MAX_PAYLOAD, ...(config.packetFilter ? { packetFilter: config.packetFilter } : {}) });
    this.server.maxConnections = config.maxConnections;
    this.server.on('request', (req) => this.onRequest(req));
    this.server.on('connection', (sock) => this.onConnection(sock));
    // Every refusal, ours or the handshake's (a wrong passphrase...), counted and logged once with its reason.
    this.server.on('reject', (info) => {
      this.rejects.set(info.reason, (this.rejects.get(info.reason) ?? 0) + 1);
      if (!this.refusalLines.take(Date.now())) return;
      const sid = info.streamId !== undefined ? ` streamid=${JSON.stringify(info.streamId)}` : '';
      const why = this.refusing ?? info.message;
      this.emit('log', 'warn', `refused ${info.address}:${info.port}${sid}: ${info.reason}${why ? ` (${why})` : ''}`);
    });
    this.server.on('error', (err) => this.emit('error', err));
    if (config.origin) {
      this.origin = new OriginPulls(config.origin, config.latency, this.hub, config.packetFilter);
      this.origin.on('log', (level, msg) => this.emit('log', level, msg));
    }
  }

  listen(): this {
    this.server.listen({ port: this.config.srtPort, host: this.config.srtHost }, () => this.emit('listening'));
    return this;
  }

  /** New settings (SIGHUP): access rules and bounds for callers from now on; connections stay. */
  reconfigure(config: RelayConfig): void {
    this.access = new RelayAccess(config); // throws on a bad address list, leaving the old rules
    this.config = config;
    this.server.maxConnections = config.maxConnections;
    this.hub.reconfigure(config);
  }

  /** Stops: no new callers, SHUTDOWN to every connection, then 'close' of the server. */
  async close(): Promise<void> {
    this.origin?.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.hub.connections()) c.sock.destroy();
    this.hub.close();
    await closed;
  }

  snapshot(): RelaySnapshot {
    return {
      time: Date.now(),
      startedAt: this.startedAt,
      streams: this.hub.snapshot(),
      rejects: Object.fromEntries(this.rejects),
      accepted: { ...this.accepted },
    };
  }

  private onRequest(req: ConnectionRequest): void {
    const route = parseRoute(req.streamId);
    if (typeof route === 'string') return this.refuse(req, route, 'stream ID not understood');
    const access = this.access.decide(route, req.remoteAddress);
    if ('reject' in access) return this.refuse(req, access.reject, access.why);
    const busy = this.hub.refusal(route);
    if (busy) return this.refuse(req, busy.reject, busy.why);
    req.accept(access.passphrase !== undefined ? { passphrase: access.passphrase } : undefined);
  }

  private refuse(req: ConnectionRequest, code: Parameters<ConnectionRequest['reject']>[0], why: string): void {
    this.refusing = why; // reject() emits the server's 'reject' at once, which logs it
    try {
      req.reject(code);
    } finally {
      this.refusing = undefined;
    }
  }

  private onConnection(sock: SrtSocket): void {
    // Accepted after a 'request' decision, so the stream ID parses.
    const route = parseRoute(sock.streamId) as Route;
    sock.on('error', (err) => this.emit('log', 'note', `${sock.remoteAddress}:${sock.remotePort}: ${err.message}`));
    const role: ConnectionRole = route.mode === 'publish' ? 'publisher' : 'player';
    this.accepted[role]++;
    this.emit('log', 'note', `${sock.remoteAddress}:${sock.remotePort} ${role === 'publisher' ? 'publishes' : 'plays'} ${JSON.stringify(route.name)}`);
    if (role === 'publisher') this.hub.addPublisher(sock, route);
    else this.hub.addPlayer(sock, route);
  }
}

export interface SrtRelay {
  on<E extends keyof SrtRelayEvents>(event: E, listener: (...args: SrtRelayEvents[E]) => void): this;
  once<E extends keyof SrtRelayEvents>(event: E, listener: (...args: SrtRelayEvents[E]) => void): this;
  emit<E extends keyof SrtRelayEvents>(event: E, ...args: SrtRelayEvents[E]): boolean;
}
