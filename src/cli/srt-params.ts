import type { SrtOptions } from '../net/options';
import { DEFAULT_MSS, MAX_LATENCY_MS, MAX_MSS, MAX_PAYLOAD, MAX_STREAM_ID, MIN_MSS, UDP_IP_HEADERS } from '../protocol/limits';
import { parseFilterConfig } from '../protocol/packet-filter-config';
import { parseBoolParam, parseByteParam, parseDurationParam, parseIntParam, parseVersionParam } from './param-values';
import { shownParam, shownText } from './redact';
import type { QueryParam } from './uri';
import { UsageError } from './usage-error';

/**
 * srt:// query parameters, with srt-live-transmit's names and units (latency in ms, buffers in bytes),
 * mapped onto SrtOptions. One table entry per parameter: enabling a feature later is a one-line change.
 */

export type SrtModeParam = 'caller' | 'listener' | 'rendezvous';

export interface SrtParams {
  /** Explicit `mode=`; inferred from the host when absent (see endpoint-spec). */
  mode?: SrtModeParam;
  options: SrtOptions;
  /** `adapter`/`bind`: local address (caller: bind address; listener: listen address). */
  localAddress?: string;
  /** `port`: local port a caller binds to. */
  localPort?: number;
  /** Warnings and notes for stderr (suppressed by -q). */
  notes: string[];
}

interface Acc {
  out: SrtParams;
  rcvBufBytes?: number;
  sndBufBytes?: number;
}

type Apply = (acc: Acc, value: string, key: string) => void;

const set = <K extends keyof SrtOptions>(acc: Acc, k: K, v: SrtOptions[K]): void => {
  acc.out.options[k] = v;
};

const int = (opt: keyof SrtOptions, min: number, max: number): Apply => (acc, v, key) =>
  set(acc, opt, parseIntParam(key, v, min, max) as never);

const bool = (opt: keyof SrtOptions): Apply => (acc, v, key) => set(acc, opt, parseBoolParam(key, v) as never);

const durationMs = (opt: keyof SrtOptions, defaultUnit: 'ms' | 's'): Apply => (acc, v, key) =>
  set(acc, opt, parseDurationParam(key, v, defaultUnit).ms as never);

/** Latency in ms; also `200ms`/`200000us`/`2s`. A big plain number is probably ffmpeg's microseconds. */
const latency = (opt: 'latency' | 'rcvLatency' | 'peerLatency'): Apply => (acc, v, key) => {
  const d = parseDurationParam(key, v, 'ms');
  const hint = `ffmpeg's ${key} is in microseconds; write ${key}=${Math.round(d.ms / 1000)}ms or ${key}=${d.ms}us`;
  if (d.ms > MAX_LATENCY_MS) {
    throw new UsageError(`${shownParam(key, v)} is ${d.ms} ms, above the protocol limit of ${MAX_LATENCY_MS} ms` + (d.plain ? ` (${hint})` : ''));
  }
  if (d.plain && d.ms > 60000) acc.out.notes.push(`warning: ${shownParam(key, v)} is taken as milliseconds (${(d.ms / 1000).toFixed(1)} s); ${hint}`);
  set(acc, opt, d.ms);
};

const bufBytes = (which: 'rcvBufBytes' | 'sndBufBytes'): Apply => (acc, v, key) => {
  acc[which] = parseIntParam(key, v, 1, Number.MAX_SAFE_INTEGER);
};
/** libsrt's (and our) smallest buffer, in packets. */
const MIN_BUF_PACKETS = 32;

/** Accepted for srt-live-transmit compatibility, no effect here. */
const ignored = (why: string): Apply => (acc, v, key) => {
  acc.out.notes.push(`note: ${shownParam(key, v)} ignored (${why})`);
};

/** Known libsrt parameter that srt-stream does not implement yet: a usage error that says so. */
const unsupported = (feature: string): Apply => (_acc, _v, key) => {
  // The value is not echoed: it may be a passphrase.
  throw new UsageError(`${key}: ${feature} is not supported yet in srt-stream`);
};

export const SRT_PARAMS: Readonly<Record<string, Apply>> = {
  latency: latency('latency'),
  rcvlatency: latency('rcvLatency'),
  peerlatency: latency('peerLatency'),
  streamid: (acc, v, key) => {
    const n = Buffer.byteLength(v, 'utf8');
    if (n > MAX_STREAM_ID) throw new UsageError(`${key} is ${n} bytes, the limit is ${MAX_STREAM_ID}`);
    set(acc, 'streamId', v);
  },
  payloadsize: int('payloadSize', 1, MAX_PAYLOAD),
  conntimeo: durationMs('connectTimeout', 'ms'),
  peeridletimeo: durationMs('peerIdleTimeout', 'ms'),
  maxbw: int('maxBw', -1, Number.MAX_SAFE_INTEGER),
  mss: int('mss', MIN_MSS, MAX_MSS),
  fc: int('fc', 32, 0x7fffffff),
  rcvbuf: bufBytes('rcvBufBytes'),
  sndbuf: bufBytes('sndBufBytes'),
  tlpktdrop: bool('tlpktDrop'),
  nakreport: bool('nakReport'),
  linger: durationMs('linger', 's'),
  mode: (acc, v, key) => {
    const m = v.trim().toLowerCase();
    if (m === 'caller' || m === 'client') acc.out.mode = 'caller';
    else if (m === 'listener' || m === 'server') acc.out.mode = 'listener';
    else if (m === 'rendezvous') acc.out.mode = 'rendezvous';
    else throw new UsageError(`${shownParam(key, v)}: expected caller, listener or rendezvous`);
  },
  adapter: (acc, v) => { acc.out.localAddress = v; },
  bind: (acc, v) => { acc.out.localAddress = v; },
  port: (acc, v, key) => { acc.out.localPort = parseIntParam(key, v, 0, 65535); },
  // srt-live-transmit reads no `blocking`; its `timeout` sets SRTO_SNDTIMEO/RCVTIMEO, which its
  // non-blocking sockets never use. Neither changes what it does, nor here.
  blocking: ignored('srt-live-transmit ignores it too; srt-pipe is never blocking'),
  timeout: ignored('as in srt-live-transmit, whose sockets are non-blocking; see conntimeo / peeridletimeo'),
  transtype: (acc, v, key) => {
    const t = v.trim().toLowerCase();
    if (t !== 'live' && t !== 'file') throw new UsageError(`${shownParam(key, v)}: must be live or file`);
    set(acc, 'transType', t);
  },
  // libsrt sets the congestion controller from transtype; naming it alone selects the same.
  congestion: (acc, v, key) => {
    const t = v.trim().toLowerCase();
    if (t !== 'live' && t !== 'file') throw new UsageError(`${shownParam(key, v)}: must be live or file`);
    if (acc.out.options.transType === undefined) set(acc, 'transType', t);
    else if (acc.out.options.transType !== t) throw new UsageError(`${shownParam(key, v)} contradicts transtype=${acc.out.options.transType}`);
  },
  // srt-pipe copies bytes: the message API changes nothing on a pipe but what goes on the wire.
  messageapi: bool('messageApi'),
  passphrase: (acc, v) => set(acc, 'passphrase', v),
  pbkeylen: (acc, v, key) => {
    const n = parseIntParam(key, v, 0, 32);
    if (![0, 16, 24, 32].includes(n)) throw new UsageError(`${shownParam(key, v)}: must be 0, 16, 24 or 32`);
    set(acc, 'pbKeyLen', n);
  },
  enforcedencryption: bool('enforcedEncryption'),
  kmrefreshrate: int('kmRefreshRate', 1, 0x7fffffff),
  kmpreannounce: int('kmPreAnnounce', 1, 0x7fffffff),
  // libsrt: 0 auto, 1 AES-CTR, 2 AES-GCM.
  cryptomode: (acc, v, key) => {
    const m = v.trim().toLowerCase();
    if (m === '0' || m === '1' || m === 'aes-ctr') set(acc, 'cryptoMode', 'aes-ctr');
    else if (m === '2' || m === 'aes-gcm') set(acc, 'cryptoMode', 'aes-gcm');
    else throw new UsageError(`${shownParam(key, v)}: must be 0 (auto), 1 / aes-ctr or 2 / aes-gcm`);
  },
  packetfilter: (acc, v, key) => {
    const parsed = parseFilterConfig(v);
    if (!parsed.ok) throw new UsageError(`${shownParam(key, v)}: ${parsed.error}`);
    set(acc, 'packetFilter', v);
  },
  // Further libsrt socket options: known names, not implemented (not typos).
  inputbw: int('inputBw', 0, Number.MAX_SAFE_INTEGER),
  mininputbw: int('minInputBw', 0, Number.MAX_SAFE_INTEGER),
  oheadbw: int('overheadBw', 5, 100),
  lossmaxttl: int('lossMaxTtl', 0, 0x7fffffff),
  retransmitalgo: int('retransmitAlgo', 0, 1),
  snddropdelay: int('sndDropDelay', -1, 0x7fffffff),
  minversion: (acc, v, key) => set(acc, 'minVersion', parseVersionParam(key, v)),
  drifttracer: bool('driftTracer'),
  tsbpdmode: bool('tsbpdMode'),
  // srt-live-transmit's own spelling of it.
  tsbpd: bool('tsbpdMode'),
  // 1..255, or libsrt's -1 for the system's (the library refuses 0).
  ipttl: int('ipTtl', -1, 255),
  iptos: (acc, v, key) => {
    if (v.trim() !== '-1') parseByteParam(key, v);
    acc.out.notes.push(`note: ${shownParam(key, v)} has no effect (Node's dgram cannot set IP_TOS)`);
  },
  // libsrt's int: 1 / 0, or -1 for the system's (dual stack here).
  ipv6only: (acc, v, key) => {
    if (v.trim() !== '-1') set(acc, 'ipv6Only', parseBoolParam(key, v));
  },
  groupconnect: unsupported('socket groups (groupconnect)'),
};

/** ffmpeg / OBS spellings people paste from their URLs: point at the srt-live-transmit name. */
const FFMPEG_NAMES: Readonly<Record<string, string>> = {
  pkt_size: 'payloadsize',
  payload_size: 'payloadsize',
  connect_timeout: 'conntimeo',
  listen_timeout: 'conntimeo',
  enforced_encryption: 'enforcedencryption',
  tsbpddelay: 'latency',
  ffs: 'fc',
  smoother: 'congestion',
  recv_buffer_size: 'rcvbuf',
  send_buffer_size: 'sndbuf',
};

export function parseSrtParams(params: readonly QueryParam[]): SrtParams {
  const acc: Acc = { out: { options: {}, notes: [] } };
  // Typos first: naming every unknown parameter beats failing on the first unsupported one.
  const unknown = params.map((p) => p.key).filter((k) => !Object.hasOwn(SRT_PARAMS, k));
  if (unknown.length > 0) {
    // Own names only: `constructor=` or `__proto__=` must not find Object.prototype's.
    const hints = unknown.filter((k) => Object.hasOwn(FFMPEG_NAMES, k)).map((k) => `${k} -> ${FFMPEG_NAMES[k]}`);
    throw new UsageError(
      `unknown srt:// parameter${unknown.length > 1 ? 's' : ''}: ${unknown.map(shownText).join(', ')}` +
        (hints.length ? ` (srt-pipe uses srt-live-transmit names: ${hints.join(', ')})` : ''),
    );
  }
  for (const { key, value } of params) SRT_PARAMS[key](acc, value, key);
  // Buffers are bytes in libsrt's URIs; SrtOptions counts packets of (mss - 28) bytes: 1472 with mss 1500.
  const cell = (acc.out.options.mss ?? DEFAULT_MSS) - UDP_IP_HEADERS;
  const packets = (key: string, bytes: number): number => {
    const n = Math.ceil(bytes / cell);
    if (n < MIN_BUF_PACKETS) {
      throw new UsageError(`${key}=${bytes} is in bytes: at least ${MIN_BUF_PACKETS * cell} (${MIN_BUF_PACKETS} packets of ${cell} bytes)`);
    }
    return n;
  };
  if (acc.rcvBufBytes !== undefined) acc.out.options.rcvBuf = packets('rcvbuf', acc.rcvBufBytes);
  if (acc.sndBufBytes !== undefined) acc.out.options.sndBuf = packets('sndbuf', acc.sndBufBytes);
  return acc.out;
}

/** SrtOptions key -> URI parameter name, to phrase the library's validation errors in the user's terms. */
export const PARAM_NAME_OF_OPTION: Readonly<Record<string, string>> = {
  latency: 'latency', rcvLatency: 'rcvlatency', peerLatency: 'peerlatency', payloadSize: 'payloadsize',
  mss: 'mss', fc: 'fc', rcvBuf: 'rcvbuf (packets)', sndBuf: 'sndbuf (packets)', connectTimeout: 'conntimeo',
  peerIdleTimeout: 'peeridletimeo', maxBw: 'maxbw', linger: 'linger (ms)', streamId: 'streamid',
  tlpktDrop: 'tlpktdrop', nakReport: 'nakreport', passphrase: 'passphrase', pbKeyLen: 'pbkeylen',
  enforcedEncryption: 'enforcedencryption', kmRefreshRate: 'kmrefreshrate', kmPreAnnounce: 'kmpreannounce',
  cryptoMode: 'cryptomode', inputBw: 'inputbw', minInputBw: 'mininputbw', overheadBw: 'oheadbw',
  transType: 'transtype', messageApi: 'messageapi', lossMaxTtl: 'lossmaxttl', sndDropDelay: 'snddropdelay', retransmitAlgo: 'retransmitalgo',
  tsbpdMode: 'tsbpdmode', driftTracer: 'drifttracer', minVersion: 'minversion', ipTtl: 'ipttl', ipv6Only: 'ipv6only', packetFilter: 'packetfilter',
};
