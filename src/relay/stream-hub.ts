/**
 * The relay's streams: one publisher per name, any number of players, with live semantics:
 *  - a slow or stalled player never slows the publisher or the others: past its backlog bound its
 *    packets are dropped and counted (and its connection drops what becomes too late, as live SRT
 *    does); a player stuck that way for stallTimeoutMs is disconnected, one a sweep (an overloaded
 *    relay sheds players in turn rather than all at once);
 *  - a publisher that leaves and comes back within publisherGraceMs feeds the same players;
 *  - a new player first gets the stream's last prebufferMs, so it starts at once;
 *  - a player of a stream not yet published waits for it up to waitForPublisherMs.
 * Sockets come in accepted (the access decision is the relay's); the hub only moves data and
 * keeps the bounds.
 */
import { EventEmitter } from 'node:events';
import type { SrtSocket } from '../net/srt-socket';
import type { RelayConfig } from './relay-config';
import type { ConnectionRole, ConnectionSnapshot, StreamSnapshot } from './snapshot';
import type { Route } from './stream-route';

/** Chunks kept for the prebuffer at most, whatever its duration (about 6 s at 8 Mbit/s). */
const MAX_PREBUFFER_CHUNKS = 4096;
/** How often stalled players and expired waits are looked for, ms. */
const SWEEP_MS = 500;

let nextConnectionId = 1;

export class RelayConnection {
  readonly id = nextConnectionId++;
  readonly connectedAt = Date.now();
  droppedChunks = 0;
  droppedBytes = 0;
  /** Player: since when it has been stuck (backlog full, or its packets dropped too late); undefined: flowing. */
  stalledSince?: number;
  /** Player: its connection's too-late drops at the last sweep. */
  sndDropsSeen = 0;
  /** Player waiting for a publisher: until when. */
  waitUntil?: number;

  constructor(
    readonly sock: SrtSocket,
    readonly role: ConnectionRole,
    readonly route: Route,
  ) {}

  snapshot(): ConnectionSnapshot {
    const s: ConnectionSnapshot = {
      id: this.id,
      role: this.role,
      stream: this.route.name,
      remoteAddress: this.sock.remoteAddress ?? '',
      remotePort: this.sock.remotePort ?? 0,
      streamId: this.sock.streamId,
      connectedAt: this.connectedAt,
      stats: this.sock.getStats(),
      droppedChunks: this.droppedChunks,
      droppedBytes: this.droppedBytes,
    };
    if (this.route.user !== undefined) s.user = this.route.user;
    return s;
  }
}

class Stream {
  publisher?: RelayConnection;
  readonly players = new Set<RelayConnection>();
  bytesIn = 0;
  bytesOut = 0;
  readonly createdAt = Date.now();
  /** The publisher left at this time; its grace runs until `graceUntil`. */
  graceUntil?: number;
  /** Fed from an origin relay (no publisher here): its players do not wait for one. */
  pulled = false;
  /** The last chunks and when they came (prebuffer), oldest first. */
  readonly recent: { at: number; chunk: Buffer }[] = [];

  constructor(readonly name: string) {}

  snapshot(): StreamSnapshot {
    const s: StreamSnapshot = {
      name: this.name,
      players: [...this.players].map((p) => p.snapshot()),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      createdAt: this.createdAt,
      waitingForPublisher: !this.publisher && !this.pulled,
    };
    if (this.publisher) s.publisher = this.publisher.snapshot();
    return s;
  }
}

export interface StreamHubEvents {
  /** A stream's first player arrived with no publisher here (origin pulls start on it). */
  wanted: [name: string];
  /** A stream has no player left (origin pulls stop on it). */
  unwanted: [name: string];
  /** Something worth a log line: a player dropped as stalled, a takeover, a stream ended. */
  log: [level: 'warn' | 'note', message: string];
}

export class StreamHub extends EventEmitter {
  /** By name; a Map, so that no caller-chosen name finds anything it did not put there. */
  private readonly streams = new Map<string, Stream>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private config: RelayConfig) {
    super();
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_MS);
    this.sweeper.unref();
  }

  /** New settings (SIGHUP): bounds and timeouts apply from now on. */
  reconfigure(config: RelayConfig): void {
    this.config = config;
  }

  /** Why a publisher or player of `route` must be refused now, or undefined. */
  refusal(route: Route): { reject: 'SRT_REJX_CONFLICT' | 'SRT_REJX_NOTFOUND' | 'SRT_REJX_OVERLOAD'; why: string } | undefined {
    const s = this.streams.get(route.name);
    if (route.mode === 'publish') {
      if (s?.publisher && !this.config.takeover) return { reject: 'SRT_REJX_CONFLICT', why: `${JSON.stringify(route.name)} already has a publisher` };
      return undefined;
    }
    if (s && s.players.size >= this.config.maxPlayersPerStream) return { reject: 'SRT_REJX_OVERLOAD', why: `${JSON.stringify(route.name)} has its maximum of players` };
    if (!s?.publisher && s?.graceUntil === undefined && this.config.waitForPublisherMs === 0 && !this.config.origin) {
      return { reject: 'SRT_REJX_NOTFOUND', why: `${JSON.stringify(route.name)} is not published` };
    }
    return undefined;
  }

  /** An accepted publisher: its data goes to the stream's players. */
  addPublisher(sock: SrtSocket, route: Route): RelayConnection {
    const conn = new RelayConnection(sock, 'publisher', route);
    const s = this.stream(route.name);
    if (s.publisher) {
      this.emit('log', 'note', `${JSON.stringify(route.name)}: publisher ${peer(sock)} takes over from ${peer(s.publisher.sock)}`);
      s.publisher.sock.destroy();
    }
    s.publisher = conn;
    s.graceUntil = undefined;
    for (const p of s.players) p.waitUntil = undefined;
    sock.on('data', (chunk: Buffer) => this.fanOut(s, chunk));
    sock.once('close', () => this.publisherLeft(s, conn));
    return conn;
  }

  /** An accepted player: it gets the prebuffer, then the stream as it comes. */
  addPlayer(sock: SrtSocket, route: Route): RelayConnection {
    const conn = new RelayConnection(sock, 'player', route);
    const s = this.stream(route.name);
    const wasWanted = s.players.size > 0;
    s.players.add(conn);
    sock.resume(); // a player sends nothing the relay needs
    if (!s.publisher && !s.pulled && s.graceUntil === undefined) conn.waitUntil = Date.now() + this.config.waitForPublisherMs;
    // The prebuffer first: a new player starts at once instead of waiting for fresh data.
    for (const r of s.recent) this.send(s, conn, r.chunk, Date.now());
    sock.once('close', () => this.playerLeft(s, conn));
    if (!s.publisher && !wasWanted) this.emit('wanted', s.name);
    return conn;
  }

  /** A publisher-less stream is fed from elsewhere (origin pull): chunks as a publisher's. */
  feed(name: string, chunk: Buffer): void {
    const s = this.streams.get(name);
    if (!s) return;
    if (!s.pulled) {
      s.pulled = true;
      for (const p of s.players) p.waitUntil = undefined;
    }
    this.fanOut(s, chunk);
  }

  /** Every connection, for a graceful stop. */
  connections(): RelayConnection[] {
    const out: RelayConnection[] = [];
    for (const s of this.streams.values()) {
      if (s.publisher) out.push(s.publisher);
      out.push(...s.players);
    }
    return out;
  }

  snapshot(): StreamSnapshot[] {
    return [...this.streams.values()].map((s) => s.snapshot());
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private stream(name: string): Stream {
    let s = this.streams.get(name);
    if (!s) this.streams.set(name, (s = new Stream(name)));
    return s;
  }

  private fanOut(s: Stream, chunk: Buffer): void {
    const now = Date.now();
    s.bytesIn += chunk.length;
    if (this.config.prebufferMs > 0) {
      s.recent.push({ at: now, chunk });
      while (s.recent.length > MAX_PREBUFFER_CHUNKS || (s.recent.length > 0 && s.recent[0].at < now - this.config.prebufferMs)) s.recent.shift();
    }
    for (const p of s.players) this.send(s, p, chunk, now);
  }

  /** One chunk to one player, unless its backlog is full: then dropped and counted. */
  private send(s: Stream, p: RelayConnection, chunk: Buffer, now: number): void {
    if (p.sock.writableLength + chunk.length > this.config.playerBacklogBytes) {
      p.droppedChunks++;
      p.droppedBytes += chunk.length;
      p.stalledSince ??= now; // cleared by the sweep once it flows again (checkStuck)
      return;
    }
    s.bytesOut += chunk.length;
    p.sock.write(chunk);
  }

  /**
   * A player that reads nothing closes its flow window; the relay's connection to it then drops its
   * packets as too late (live SRT's own answer) rather than backing up. Drops that keep coming from
   * one sweep to the next mean stuck, as a full backlog does.
   */
  private checkStuck(p: RelayConnection, now: number): void {
    const drops = p.sock.getStats().pktSndDropTotal;
    const dropping = drops > p.sndDropsSeen;
    p.sndDropsSeen = drops;
    if (dropping) p.stalledSince ??= now;
    else if (p.sock.writableLength + 1316 <= this.config.playerBacklogBytes) p.stalledSince = undefined;
  }

  private publisherLeft(s: Stream, conn: RelayConnection): void {
    if (s.publisher !== conn) return; // taken over
    s.publisher = undefined;
    s.recent.length = 0; // a new publisher starts a new stream: no stale prebuffer for new players
    if (s.players.size === 0) return void this.streams.delete(s.name);
    s.graceUntil = Date.now() + this.config.publisherGraceMs;
    this.emit('log', 'note', `${JSON.stringify(s.name)}: publisher ${peer(conn.sock)} left; players wait ${this.config.publisherGraceMs} ms for it`);
    if (this.config.publisherGraceMs === 0) this.sweep(Date.now());
  }

  private playerLeft(s: Stream, conn: RelayConnection): void {
    if (!s.players.delete(conn)) return;
    if (s.players.size === 0) {
      if (!s.publisher) this.streams.delete(s.name);
      this.emit('unwanted', s.name);
    }
  }

  /** Disconnects stalled players, players whose wait ended, and the players of a stream whose grace ended. */
  private sweep(now: number): void {
    for (const s of this.streams.values()) {
      const graceOver = s.graceUntil !== undefined && now >= s.graceUntil;
      if (graceOver) {
        s.graceUntil = undefined;
        this.emit('log', 'note', `${JSON.stringify(s.name)}: no publisher came back; ${s.players.size} player(s) disconnected`);
      }
      let longestStalled: RelayConnection | undefined;
      for (const p of s.players) {
        if (graceOver) {
          p.sock.end();
          continue;
        }
        this.checkStuck(p, now);
        if (p.stalledSince !== undefined && now - p.stalledSince >= this.config.stallTimeoutMs) {
          if (!longestStalled || p.stalledSince < longestStalled.stalledSince!) longestStalled = p;
        } else if (p.waitUntil !== undefined && now >= p.waitUntil && !s.publisher) {
          this.emit('log', 'note', `${JSON.stringify(s.name)}: player ${peer(p.sock)} waited ${this.config.waitForPublisherMs} ms for a publisher: disconnected`);
          p.waitUntil = undefined;
          p.sock.end();
        }
      }
      // One stalled player a sweep, the longest stalled first. A player that stopped reading goes
      // alone; when the relay itself cannot keep up, every player looks stalled at once, and
      // shedding them in turn lets the ones left be served whole instead of losing them all.
      if (longestStalled) this.disconnectStalled(s, longestStalled, now);
    }
  }

  private disconnectStalled(s: Stream, p: RelayConnection, now: number): void {
    // Both counts: a player that stops reading is usually seen by its too-late drops first,
    // long before its backlog is full ("0 chunks dropped" alone read as "nothing lost").
    this.emit('log', 'warn', `${JSON.stringify(s.name)}: player ${peer(p.sock)} stalled for ${now - p.stalledSince!} ms ` +
      `(${p.droppedChunks} chunks dropped at its backlog, ${p.sndDropsSeen} packets dropped too late): disconnected`);
    p.sock.destroy();
  }

}

function peer(sock: SrtSocket): string {
  return `${sock.remoteAddress}:${sock.remotePort}`;
}
