/**
 * Public options of SrtSocket / SrtServer. Names follow libsrt's socket options
 * (SRTO_*) in camelCase; units are libsrt's (latency in milliseconds).
 */
export interface SrtOptions {
  /** Sets both receiver latency and peer latency, in ms (SRTO_LATENCY). Default 120. */
  latency?: number;
  /** Receiver latency in ms (SRTO_RCVLATENCY). Default 120. */
  rcvLatency?: number;
  /** Minimum latency asked of the peer as sender, in ms (SRTO_PEERLATENCY). Default 0. */
  peerLatency?: number;
  /** Maximum payload per packet in bytes (SRTO_PAYLOADSIZE). Default 1316, max 1456. */
  payloadSize?: number;
  /** Maximum segment size in bytes (SRTO_MSS). Default 1500. */
  mss?: number;
  /** Flow-control window in packets (SRTO_FC). Default 25600. */
  fc?: number;
  /** Receive buffer in packets. Default 8192. */
  rcvBuf?: number;
  /** Send buffer in packets. Default 8192. */
  sndBuf?: number;
  /** Connect timeout in ms (SRTO_CONNTIMEO). Default 3000. */
  connectTimeout?: number;
  /** Peer idle timeout in ms (SRTO_PEERIDLETIMEO). Default 5000. */
  peerIdleTimeout?: number;
  /** Maximum send bandwidth in bytes/s; -1 = 1 Gbit/s as libsrt, 0 = from inputBw (SRTO_MAXBW). Default -1. */
  maxBw?: number;
  /** Input rate in bytes/s used when maxBw is 0; 0 = measure it (SRTO_INPUTBW). Default 0. */
  inputBw?: number;
  /** Floor of the measured input rate, bytes/s (SRTO_MININPUTBW). Default 0. */
  minInputBw?: number;
  /** Overhead over the input rate for retransmissions, percent (SRTO_OHEADBW, 5..100). Default 25. */
  overheadBw?: number;
  /** Too-late packet drop (SRTO_TLPKTDROP). Default true. */
  tlpktDrop?: boolean;
  /** Periodic NAK reports (SRTO_NAKREPORT). Default true. */
  nakReport?: boolean;
  /**
   * Reorder tolerance's maximum, in packets (SRTO_LOSSMAXTTL): on a link that reorders, a gap waits
   * for up to this many later packets before it is NAKed, so a packet that is only late costs no
   * retransmission. The tolerance starts there and adapts, as libsrt's. Default 0: NAK at once.
   */
  lossMaxTtl?: number;
  /** Stream ID sent by a caller (SRTO_STREAMID), at most 512 bytes. */
  streamId?: string;
  /**
   * Packet filter (SRTO_PACKETFILTER): libsrt's forward error correction, e.g.
   * 'fec,cols:10,rows:5,layout:staircase,arq:onreq'. Negotiated with the peer, whose settings fill
   * the keys left out; a conflict is refused (SRT_REJ_FILTER). `cols` packets per row group;
   * `rows` 1 for rows only, more for columns too, negative for columns only; `arq` always (NAKs
   * as usual), onreq (NAK only what FEC could not rebuild, the default) or never. It lowers
   * payloadSize to 1452 (the FEC header takes 4 bytes). Live mode only; cols and |rows| ≤ 256.
   */
  packetFilter?: string;
  /** Enables AES encryption (SRTO_PASSPHRASE), 10 to 80 bytes. Never logged or inspected. */
  passphrase?: string;
  /** AES key length in bytes: 16, 24, 32, or 0 = the listener's choice, else 16 (SRTO_PBKEYLEN). Default 0. */
  pbKeyLen?: number;
  /** Refuse a peer whose encryption settings do not match (SRTO_ENFORCEDENCRYPTION). Default true. */
  enforcedEncryption?: boolean;
  /** Packets sent with one key before switching to a new one (SRTO_KMREFRESHRATE). Default 2^24. */
  kmRefreshRate?: number;
  /** Packets before and after a key switch during which both keys are valid (SRTO_KMPREANNOUNCE). Default 2^12. */
  kmPreAnnounce?: number;
  /** 'aes-ctr' (default, what stock libsrt speaks) or 'aes-gcm' (libsrt ≥ 1.5.4 built with AEAD) (SRTO_CRYPTOMODE). */
  cryptoMode?: 'aes-ctr' | 'aes-gcm';
  /** Linger on end(): how long end() may wait for the peer to acknowledge everything, ms. Default 3000 (live). */
  linger?: number;
  /**
   * 'live' (default) or 'file' (SRTO_TRANSTYPE): file mode transfers bytes as fast as the link
   * allows (FileCC congestion control), without TSBPD or too-late drop, with the stream API, and
   * end() lingers until the peer has everything. Its defaults are libsrt's: payloadSize 1456,
   * tlpktDrop and nakReport off, linger 180 s.
   */
  transType?: 'live' | 'file';
  /**
   * Message API (SRTO_MESSAGEAPI for library users): the socket is in object mode, each write()
   * is one message and each read yields one whole message. In live mode a message must fit in
   * one packet (payloadSize), else the write fails with EMSGSIZE.
   */
  messageApi?: boolean;
  /**
   * Sender drop threshold's extra delay, ms (SRTO_SNDDROPDELAY): with tlpktDrop, a packet is dropped
   * unsent or unacknowledged once older than max(peer latency + sndDropDelay, 1000) + 20 ms.
   * -1 turns sender drop off. Default 0 (file mode: -1).
   */
  sndDropDelay?: number;
  /**
   * Retransmission algorithm (SRTO_RETRANSMITALGO): 1 (default) skips a NAKed packet already
   * retransmitted within the last SRTT - 4·RTTVar when the peer sends periodic NAKs (fewer
   * duplicate retransmissions); 0 resends every NAKed packet, libsrt's default before 1.4.4.
   * File mode's default is 0.
   */
  retransmitAlgo?: 0 | 1;
  /**
   * Timestamp-based packet delivery on receive (SRTO_TSBPDMODE). false: live data is delivered in
   * order as soon as it arrives, without latency or too-late drop, and the handshake asks the peer
   * for none. Default true (file mode: false).
   */
  tsbpdMode?: boolean;
  /** Correct the TSBPD clock's drift from ACKACK and keepalive timing (SRTO_DRIFTTRACER). Default true. */
  driftTracer?: boolean;
  /**
   * Oldest SRT version accepted from the peer, as major<<16 | minor<<8 | patch, e.g. 0x010300
   * (SRTO_MINVERSION); an older peer is refused with SRT_REJ_VERSION. Default 0x010000; peers
   * below 1.3.0 are refused anyway (no HSv4).
   */
  minVersion?: number;
  /**
   * IPv4 TTL / IPv6 hop limit of the UDP socket, 1..255 (SRTO_IPTTL); -1 = the system's. The
   * socket's own option: a server applies its own, per-connection overrides cannot change it.
   */
  ipTtl?: number;
  /**
   * With an IPv6 local address: IPv6 peers only, no IPv4-mapped ones (SRTO_IPV6ONLY). The socket's
   * own option, like ipTtl. Default false (dual stack).
   */
  ipv6Only?: boolean;
  /** Stream highWaterMark overrides. */
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
}

export interface ConnectOptions extends SrtOptions {
  host?: string;
  port: number;
  /**
   * Rendezvous instead of caller: both sides connect to each other (SRT's NAT traversal mode).
   * The local port defaults to `port`; the connect timeout is ten times connectTimeout, as libsrt.
   */
  rendezvous?: boolean;
  /** Local address/port to bind the caller's UDP socket to. */
  localAddress?: string;
  localPort?: number;
  /**
   * Aborting destroys the socket with an AbortError, as net.connect's: during the handshake it
   * stops at once (no waiting for connectTimeout); once connected it closes the connection.
   */
  signal?: AbortSignal;
}

export interface ServerOptions extends SrtOptions {
  /**
   * Callers shown to a 'request' listener and not yet accepted or rejected, at most; beyond it new
   * callers are refused with SRT_REJ_BACKLOG (like net's listen backlog). Default 511.
   */
  backlog?: number;
  /** Shorthand for server.on('request', onRequest): decide on each caller before it is accepted. */
  onRequest?: (request: import('./connection-request').ConnectionRequest) => void;
}

import { checkPassphrase, CryptoControl, KM_DEFAULTS } from '../protocol/crypto-control';
import { DEFAULT_MSS, MAX_LATENCY_MS, MAX_MSS, MAX_PAYLOAD, MAX_STREAM_ID, MIN_MSS, outOfRange, UDP_IP_HEADERS } from '../protocol/limits';
import { HEADER_SIZE } from '../protocol/packet';
import type { HandshakeConfig } from '../protocol/handshake';
import { filterMaxPayload, parseFilterConfig } from '../protocol/packet-filter-config';

/**
 * Passphrases of resolved options, kept off the objects themselves so that no inspection
 * (not even util.inspect with showHidden) or serialization can reveal them.
 */
const PASSPHRASES = new WeakMap<ResolvedOptions, string>();

export function passphraseOf(o: ResolvedOptions): string | undefined {
  return PASSPHRASES.get(o);
}

/** Options with every default filled in and validated. */
export interface ResolvedOptions {
  rcvLatency: number;
  peerLatency: number;
  payloadSize: number;
  mss: number;
  fc: number;
  rcvBuf: number;
  sndBuf: number;
  connectTimeout: number;
  peerIdleTimeout: number;
  maxBw: number;
  inputBw: number;
  minInputBw: number;
  overheadBw: number;
  tlpktDrop: boolean;
  nakReport: boolean;
  lossMaxTtl: number;
  streamId: string;
  packetFilter: string;
  linger: number;
  transType: 'live' | 'file';
  messageApi: boolean;
  pbKeyLen: number;
  enforcedEncryption: boolean;
  kmRefreshRate: number;
  kmPreAnnounce: number;
  cryptoMode: 'aes-ctr' | 'aes-gcm';
  sndDropDelay: number;
  retransmitAlgo: 0 | 1;
  tsbpdMode: boolean;
  driftTracer: boolean;
  minVersion: number;
  /** -1: the system's. */
  ipTtl: number;
  ipv6Only: boolean;
}

export const DEFAULTS: ResolvedOptions = {
  rcvLatency: 120,
  peerLatency: 0,
  payloadSize: 1316,
  mss: DEFAULT_MSS,
  fc: 25600,
  rcvBuf: 8192,
  sndBuf: 8192,
  connectTimeout: 3000,
  peerIdleTimeout: 5000,
  maxBw: -1,
  inputBw: 0,
  minInputBw: 0,
  overheadBw: 25,
  tlpktDrop: true,
  nakReport: true,
  lossMaxTtl: 0,
  streamId: '',
  packetFilter: '',
  linger: 3000,
  transType: 'live',
  messageApi: false,
  pbKeyLen: 0,
  enforcedEncryption: true,
  kmRefreshRate: KM_DEFAULTS.kmRefreshRate,
  kmPreAnnounce: KM_DEFAULTS.kmPreAnnounce,
  cryptoMode: 'aes-ctr',
  sndDropDelay: 0,
  retransmitAlgo: 1,
  tsbpdMode: true,
  driftTracer: true,
  minVersion: 0x010000,
  ipTtl: -1,
  ipv6Only: false,
};

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(`options.${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/** Fills defaults and validates, throwing RangeError (code ERR_OUT_OF_RANGE) on bad values. */
/** What transtype=file changes in libsrt's defaults (socketconfig.cpp SRTO_TRANSTYPE). */
export const FILE_DEFAULTS: Partial<ResolvedOptions> = {
  transType: 'file',
  payloadSize: MAX_PAYLOAD,
  rcvLatency: 0,
  peerLatency: 0,
  tlpktDrop: false,
  nakReport: false,
  linger: 180_000,
  tsbpdMode: false,
  sndDropDelay: -1,
  retransmitAlgo: 0,
};

export function resolveOptions(o: SrtOptions = {}): ResolvedOptions {
  if (o.transType !== undefined && o.transType !== 'live' && o.transType !== 'file') {
    throw new TypeError("options.transType must be 'live' or 'file'");
  }
  const r: ResolvedOptions = { ...DEFAULTS, ...(o.transType === 'file' ? FILE_DEFAULTS : {}) };
  if (o.latency !== undefined) r.rcvLatency = r.peerLatency = checkInt('latency', o.latency, 0, MAX_LATENCY_MS);
  if (o.rcvLatency !== undefined) r.rcvLatency = checkInt('rcvLatency', o.rcvLatency, 0, MAX_LATENCY_MS);
  if (o.peerLatency !== undefined) r.peerLatency = checkInt('peerLatency', o.peerLatency, 0, MAX_LATENCY_MS);
  if (o.mss !== undefined) r.mss = checkInt('mss', o.mss, MIN_MSS, MAX_MSS);
  // A packet's payload is what the MSS leaves after the IP, UDP and SRT headers.
  const maxPayload = r.mss - UDP_IP_HEADERS - HEADER_SIZE;
  if (o.payloadSize !== undefined) r.payloadSize = checkInt('payloadSize', o.payloadSize, 1, maxPayload);
  else r.payloadSize = Math.min(r.payloadSize, maxPayload);
  if (o.fc !== undefined) r.fc = checkInt('fc', o.fc, 32, 0x7fffffff);
  if (o.rcvBuf !== undefined) r.rcvBuf = checkInt('rcvBuf', o.rcvBuf, 32, 1 << 20);
  if (o.sndBuf !== undefined) r.sndBuf = checkInt('sndBuf', o.sndBuf, 32, 1 << 20);
  if (o.connectTimeout !== undefined) r.connectTimeout = checkInt('connectTimeout', o.connectTimeout, 1, 0x7fffffff);
  if (o.peerIdleTimeout !== undefined) r.peerIdleTimeout = checkInt('peerIdleTimeout', o.peerIdleTimeout, 1, 0x7fffffff);
  if (o.maxBw !== undefined) {
    if (o.maxBw !== -1 && o.maxBw !== 0) checkInt('maxBw', o.maxBw, 1, Number.MAX_SAFE_INTEGER);
    r.maxBw = o.maxBw;
  }
  if (o.inputBw !== undefined) r.inputBw = checkInt('inputBw', o.inputBw, 0, Number.MAX_SAFE_INTEGER);
  if (o.minInputBw !== undefined) r.minInputBw = checkInt('minInputBw', o.minInputBw, 0, Number.MAX_SAFE_INTEGER);
  if (o.overheadBw !== undefined) r.overheadBw = checkInt('overheadBw', o.overheadBw, 5, 100);
  if (o.tlpktDrop !== undefined) r.tlpktDrop = !!o.tlpktDrop;
  if (o.nakReport !== undefined) r.nakReport = !!o.nakReport;
  if (o.lossMaxTtl !== undefined) r.lossMaxTtl = checkInt('lossMaxTtl', o.lossMaxTtl, 0, 0x7fffffff);
  if (o.linger !== undefined) r.linger = checkInt('linger', o.linger, 0, 0x7fffffff);
  if (o.passphrase !== undefined && o.passphrase !== '') {
    if (typeof o.passphrase !== 'string') throw new TypeError('options.passphrase must be a string');
    checkPassphrase(o.passphrase);
    PASSPHRASES.set(r, o.passphrase);
  }
  if (o.pbKeyLen !== undefined) {
    if (![0, 16, 24, 32].includes(o.pbKeyLen)) throw outOfRange(`options.pbKeyLen must be 0, 16, 24 or 32, got ${o.pbKeyLen}`);
    r.pbKeyLen = o.pbKeyLen;
  }
  if (o.messageApi !== undefined) r.messageApi = !!o.messageApi;
  if (o.enforcedEncryption !== undefined) r.enforcedEncryption = !!o.enforcedEncryption;
  if (o.kmRefreshRate !== undefined) r.kmRefreshRate = checkInt('kmRefreshRate', o.kmRefreshRate, 1, 0x7fffffff);
  if (o.kmPreAnnounce !== undefined) r.kmPreAnnounce = checkInt('kmPreAnnounce', o.kmPreAnnounce, 1, 0x7fffffff);
  if (o.kmPreAnnounce !== undefined && o.kmRefreshRate !== undefined && o.kmPreAnnounce > (o.kmRefreshRate - 1) / 2) {
    throw outOfRange('options.kmPreAnnounce must be at most (kmRefreshRate - 1) / 2');
  }
  if (o.cryptoMode !== undefined) {
    if (o.cryptoMode !== 'aes-ctr' && o.cryptoMode !== 'aes-gcm') throw new TypeError("options.cryptoMode must be 'aes-ctr' or 'aes-gcm'");
    r.cryptoMode = o.cryptoMode;
  }
  if (o.sndDropDelay !== undefined) r.sndDropDelay = checkInt('sndDropDelay', o.sndDropDelay, -1, 0x7fffffff);
  if (o.retransmitAlgo !== undefined) r.retransmitAlgo = checkInt('retransmitAlgo', o.retransmitAlgo, 0, 1) as 0 | 1;
  if (o.tsbpdMode !== undefined) r.tsbpdMode = !!o.tsbpdMode;
  if (o.driftTracer !== undefined) r.driftTracer = !!o.driftTracer;
  if (o.minVersion !== undefined) r.minVersion = checkInt('minVersion', o.minVersion, 0, 0xffffff);
  if (o.ipTtl !== undefined && o.ipTtl !== -1) r.ipTtl = checkInt('ipTtl', o.ipTtl, 1, 255);
  if (o.ipv6Only !== undefined) r.ipv6Only = !!o.ipv6Only;
  if (o.streamId !== undefined) {
    if (typeof o.streamId !== 'string') throw new TypeError('options.streamId must be a string');
    if (Buffer.byteLength(o.streamId) > MAX_STREAM_ID) throw outOfRange(`options.streamId is longer than ${MAX_STREAM_ID} bytes`);
    r.streamId = o.streamId;
  }
  if (o.packetFilter !== undefined && o.packetFilter !== '') {
    if (typeof o.packetFilter !== 'string') throw new TypeError('options.packetFilter must be a string');
    const parsed = parseFilterConfig(o.packetFilter);
    if (!parsed.ok) throw outOfRange(`options.packetFilter "${o.packetFilter}": ${parsed.error}`);
    if (r.transType === 'file') throw outOfRange('options.packetFilter: the fec filter runs in live mode only (transType "live")');
    r.packetFilter = o.packetFilter;
    // libsrt lowers a larger payload size rather than refusing it.
    r.payloadSize = Math.min(r.payloadSize, filterMaxPayload(r.packetFilter, maxPayload));
  }
  return r;
}

export const DEFAULT_BACKLOG = 511;

export function resolveBacklog(v: number | undefined): number {
  return v === undefined ? DEFAULT_BACKLOG : checkInt('backlog', v, 1, 0x7fffffff);
}

/**
 * Per-connection options over the server's: a key given as undefined keeps the server's value
 * (`accept({ passphrase: undefined })` must not erase the server's passphrase).
 */
/**
 * The options an application may change on a connected socket, as libsrt's srt_setsockflag after
 * connect (its "post" options, srt_post_opt_list in 1.5): the sending bandwidth, linger, the reorder
 * tolerance, the sender's drop delay and the drift tracer. Everything else is negotiated in
 * the handshake or sizes buffers, and is fixed once connected.
 */
export const RUNTIME_OPTIONS = ['maxBw', 'inputBw', 'minInputBw', 'overheadBw', 'linger', 'lossMaxTtl', 'sndDropDelay', 'driftTracer'] as const;
export type RuntimeOptions = Pick<SrtOptions, (typeof RUNTIME_OPTIONS)[number]>;

/** Validates runtime changes as resolveOptions does; throws on any other option. */
export function resolveRuntimeOptions(changes: RuntimeOptions): Partial<Pick<ResolvedOptions, (typeof RUNTIME_OPTIONS)[number]>> {
  const allowed: readonly string[] = RUNTIME_OPTIONS;
  for (const k of Object.keys(changes)) {
    if (!allowed.includes(k)) {
      const err = new TypeError(`options.${k} cannot be changed on a connected socket (only ${RUNTIME_OPTIONS.join(', ')})`) as TypeError & { code: string };
      err.code = 'ERR_SRT_OPTION_NOT_RUNTIME';
      throw err;
    }
  }
  const resolved = resolveOptions(changes);
  const out: Partial<Pick<ResolvedOptions, (typeof RUNTIME_OPTIONS)[number]>> = {};
  for (const k of RUNTIME_OPTIONS) if (changes[k] !== undefined) (out as Record<string, unknown>)[k] = resolved[k];
  return out;
}

export function withOverrides<T extends SrtOptions>(base: T, overrides: SrtOptions): T {
  const out: T = { ...base };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** A connection's encryption state from its options (always present: it also carries enforcement). */
export function cryptoFor(o: ResolvedOptions): CryptoControl {
  return new CryptoControl({
    passphrase: passphraseOf(o),
    pbKeyLen: o.pbKeyLen,
    enforcedEncryption: o.enforcedEncryption,
    kmRefreshRate: o.kmRefreshRate,
    kmPreAnnounce: o.kmPreAnnounce,
    gcm: o.cryptoMode === 'aes-gcm',
  });
}

/** The handshake fields our options decide (libsrt: flight flag size = min(FC, receive buffer)). */
export function handshakeConfig(o: ResolvedOptions, socketId: number, isn: number, crypto?: CryptoControl): HandshakeConfig {
  return {
    crypto,
    socketId,
    isn,
    mss: o.mss,
    flightFlagSize: Math.min(o.fc, o.rcvBuf),
    rcvLatency: o.rcvLatency,
    peerLatency: o.peerLatency,
    tlpktDrop: o.tlpktDrop,
    nakReport: o.nakReport,
    fileMode: o.transType === 'file',
    tsbpd: o.tsbpdMode,
    minVersion: o.minVersion,
    packetFilter: o.packetFilter,
    // On the wire live is always the message API; file mode uses it only when asked.
    messageApi: o.transType === 'file' ? o.messageApi : undefined,
  };
}
