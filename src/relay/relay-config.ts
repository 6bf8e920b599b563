/**
 * srt-relay's settings: defaults, the JSON config file, and validation. One object, read again on
 * SIGHUP: what it says about access applies to callers from then on; connections stay.
 */
import * as fs from 'node:fs';
import { parseFilterConfig } from '../protocol/packet-filter-config';
import { addressList } from './relay-access';

/** Who may do what with one stream (the config file's "streams" entries; "*" is the default rule). */
export interface StreamRule {
  /** The stream's passphrase (10..80 bytes): publishers and players must use it. */
  passphrase?: string;
  /** Users (`u=` / `:USER:PASS`) allowed to publish; absent or "*": anyone allowed by address. */
  publish?: string[];
  /** Users allowed to play; absent or "*": anyone allowed by address. */
  play?: string[];
}

export interface RelayConfig {
  /** SRT listener. */
  srtHost: string;
  srtPort: number;
  /** Receiver latency for every connection, ms (libsrt's SRTO_LATENCY). */
  latency: number;
  /** HTTP monitor (page, /api/streams, /metrics); port null: none. */
  httpHost: string;
  httpPort: number | null;
  /** Addresses or CIDR ranges allowed to connect; empty: any. Default: loopback only. */
  allow: string[];
  /** Addresses or CIDR ranges refused (before allow). */
  deny: string[];
  /** Passphrase of every stream that has none of its own. */
  passphrase?: string;
  /** Passwords of users who give one (mediamtx's `publish:NAME:USER:PASS`). */
  users: Record<string, string>;
  /** Per-stream rules by name; "*" for the others. With rules and no "*", other names are refused (1404). */
  streams: Record<string, StreamRule>;
  /** Players per stream at most (then SRT_REJX_OVERLOAD). */
  maxPlayersPerStream: number;
  /** Connections at most, all streams together (then SRT_REJ_BACKLOG): what callers can make the relay hold. */
  maxConnections: number;
  /** Bytes a player may have waiting to be sent; beyond it its packets are dropped and counted. */
  playerBacklogBytes: number;
  /** A player whose backlog stays full this long is disconnected, ms. */
  stallTimeoutMs: number;
  /** A publisher that leaves may come back within this time into the same players, ms. */
  publisherGraceMs: number;
  /** The last this-many ms of a stream, sent at once to a new player (0: none). */
  prebufferMs: number;
  /** A player of a stream not (yet) published waits this long for it, ms; 0: refused (1404). */
  waitForPublisherMs: number;
  /** A second publisher of a name takes over (the first is disconnected) instead of being refused (1409). */
  takeover: boolean;
  /** Pull streams nobody publishes here from this relay (srt://host:port), when a player asks. */
  origin?: string;
  /**
   * Packet filter (FEC) of the listener and of origin pulls, e.g. 'fec,cols:10,rows:5': merged with
   * what each caller asks for, as libsrt's. Without it, a caller's filter is taken as it asks.
   */
  packetFilter?: string;
}

/** Loopback, IPv4 and IPv6 (and IPv4-mapped): open access, but only from this machine. */
export const LOOPBACK = ['127.0.0.0/8', '::1/128', '::ffff:127.0.0.0/104'];

export const DEFAULTS: Readonly<RelayConfig> = Object.freeze({
  srtHost: '0.0.0.0',
  srtPort: 9000,
  latency: 120,
  httpHost: '127.0.0.1',
  httpPort: 8080,
  allow: LOOPBACK,
  deny: [],
  users: {},
  streams: {},
  maxPlayersPerStream: 500,
  maxConnections: 2000,
  playerBacklogBytes: 4 << 20,
  stallTimeoutMs: 5000,
  publisherGraceMs: 5000,
  prebufferMs: 1000,
  waitForPublisherMs: 10000,
  takeover: false,
});

export class ConfigError extends Error {
  readonly code = 'ERR_SRT_RELAY_CONFIG';
}

const KEYS = new Set<string>(['srtHost', 'srtPort', 'latency', 'httpHost', 'httpPort', 'allow', 'deny', 'passphrase', 'users', 'streams',
  'maxPlayersPerStream', 'maxConnections', 'playerBacklogBytes', 'stallTimeoutMs', 'publisherGraceMs', 'prebufferMs', 'waitForPublisherMs', 'takeover', 'origin', 'packetFilter']);

/** Reads a config file (JSON, any subset of RelayConfig); throws ConfigError naming what is wrong. */
export function readConfigFile(file: string): Partial<RelayConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${file}: expected a JSON object`);
  const unknown = Object.keys(json).filter((k) => !KEYS.has(k));
  if (unknown.length) throw new ConfigError(`${file}: unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  return json as Partial<RelayConfig>;
}

/** Defaults, then the file, then flags; validated. Maps built without a prototype (names are the callers'). */
export function resolveConfig(...layers: Partial<RelayConfig>[]): RelayConfig {
  const c: RelayConfig = { ...DEFAULTS };
  for (const l of layers) for (const [k, v] of Object.entries(l)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  const int = (k: keyof RelayConfig, min: number, max: number) => {
    const v = c[k];
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new ConfigError(`${k} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  };
  int('srtPort', 0, 65535);
  if (c.httpPort !== null) int('httpPort', 0, 65535);
  int('latency', 0, 60000);
  int('maxPlayersPerStream', 1, 1e6);
  int('maxConnections', 1, 1e6);
  int('playerBacklogBytes', 1316, 1 << 30);
  for (const k of ['stallTimeoutMs', 'publisherGraceMs', 'prebufferMs', 'waitForPublisherMs'] as const) int(k, 0, 3_600_000);
  for (const k of ['allow', 'deny'] as const) {
    if (!Array.isArray(c[k]) || c[k].some((a) => typeof a !== 'string')) throw new ConfigError(`${k} must be a list of addresses or CIDR ranges`);
  }
  for (const k of ['allow', 'deny'] as const) {
    try {
      addressList(c[k]);
    } catch (err) {
      throw new ConfigError(`${k}: ${(err as Error).message}`);
    }
  }
  if (typeof c.takeover !== 'boolean') throw new ConfigError('takeover must be true or false');
  c.users = nullProto(c.users, 'users', (v) => typeof v === 'string');
  c.streams = nullProto(c.streams, 'streams', (v) => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (c.packetFilter !== undefined) {
    const f = typeof c.packetFilter === 'string' ? parseFilterConfig(c.packetFilter) : { ok: false as const, error: 'not a string' };
    if (!f.ok) throw new ConfigError(`packetFilter ${JSON.stringify(c.packetFilter)}: ${f.error}`);
  }
  if (c.origin !== undefined && !/^srt:\/\/[^/?#]+:\d+\/?$/.test(c.origin)) throw new ConfigError(`origin must be srt://host:port, got ${JSON.stringify(c.origin)}`);
  return c;
}

function nullProto<T>(v: unknown, what: string, ok: (x: unknown) => boolean): Record<string, T> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${what} must be an object`);
  const out: Record<string, T> = Object.create(null);
  for (const [k, x] of Object.entries(v)) {
    if (!ok(x)) throw new ConfigError(`${what}.${k} has the wrong type`);
    out[k] = x as T;
  }
  return out;
}
