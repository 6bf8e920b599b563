/**
 * HSv5 caller-listener handshake logic, sans I/O (SRT-PROTOCOL.md §0, §2.2-2.3).
 * The caller side is a small state machine; the listener side is stateless per
 * request thanks to the SYN cookie, so it is a set of pure functions.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  decodeHsString,
  decodeSrtHs,
  encodeHsString,
  encodePeerIp,
  encodeSrtHs,
  findExtension,
  Handshake,
  HandshakeType,
  HS_V5_MAGIC,
  HsExt,
  HsExtFlag,
  HsExtension,
  SrtFlag,
  UDT_DGRAM,
} from './handshake-packet';
import type { CryptoControl } from './crypto-control';
import { MAX_MSS, MAX_STREAM_ID, MIN_MSS } from './limits';
import { REJECT_BASE, REJECT_REASON_COUNT, RejectReason } from './reject-reason';
import { MAX_FILTER_CONFIG, negotiateFilter, unusableFilter } from './packet-filter-config';

/** The SRT version we announce in HSREQ/HSRSP (1.5.5, the reference we follow). */
export const SRT_VERSION = 0x00010505;
/** Oldest peer version that speaks HSv5 (libsrt requires 1.3.0). */
export const MIN_PEER_VERSION = 0x00010300;
export { MAX_MSS, MAX_STREAM_ID, MIN_MSS } from './limits';

/**
 * The CIF checks of libsrt's CHandShake::valid(), with our MSS floor: a handshake that fails
 * them is ROGUE. Returns what is wrong, or undefined.
 */
export function invalidHandshakeField(hs: Handshake): string | undefined {
  if (hs.isn > 0x7fffffff) return `ISN ${hs.isn} is not a sequence number`;
  if (hs.mss < MIN_MSS || hs.mss > MAX_MSS) return `MSS ${hs.mss} outside [${MIN_MSS}, ${MAX_MSS}]`;
  if (hs.flightFlagSize < 2) return `flight flag size ${hs.flightFlagSize} below 2`;
  return undefined;
}

/** The reject reason carried by a failure ReqType; libsrt maps codes between the internal and the predefined range to UNKNOWN. */
export function rejectReasonOf(reqType: number): number {
  const reason = reqType - REJECT_BASE;
  return reason >= REJECT_REASON_COUNT && reason < REJECT_BASE ? RejectReason.UNKNOWN : reason;
}

/**
 * Our HSREQ flags as libsrt sets them: 0xBF for live defaults; 0xE4 for file mode
 * (no TSBPD, no too-late drop, no periodic NAK, stream API). Without TSBPD libsrt
 * announces no too-late drop either (it only applies to TSBPD delivery).
 */
export function hsreqFlags(opts: { tlpktDrop: boolean; nakReport: boolean; fileMode?: boolean; messageApi?: boolean; tsbpd?: boolean }): number {
  let f = SrtFlag.HAICRYPT | SrtFlag.REXMITFLG | SrtFlag.FILTERCAP;
  const tsbpd = usesTsbpd(opts);
  if (tsbpd) f |= SrtFlag.TSBPDSND | SrtFlag.TSBPDRCV;
  if (opts.tlpktDrop && tsbpd) f |= SrtFlag.TLPKTDROP;
  if (opts.nakReport) f |= SrtFlag.NAKREPORT;
  if (streamApi(opts)) f |= SrtFlag.STREAM;
  return f;
}

/** TSBPD is live mode's, unless turned off (SRTO_TSBPDMODE). */
function usesTsbpd(opts: { fileMode?: boolean; tsbpd?: boolean }): boolean {
  return !opts.fileMode && opts.tsbpd !== false;
}

/** SRT version number (major<<16 | minor<<8 | patch) as text, e.g. 0x010501 -> '1.5.1'. */
export function versionString(v: number): string {
  return `${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** libsrt's SRTO_MINVERSION check of the peer's HSREQ or HSRSP: a reason to refuse, or undefined. */
function tooOld(peerVersion: number, minVersion: number | undefined): string | undefined {
  if (minVersion === undefined || peerVersion >= minVersion) return undefined;
  return `peer version ${versionString(peerVersion)} is older than the minimum ${versionString(minVersion)}`;
}

/** The stream API is file mode's default; live mode always uses the message API. */
function streamApi(opts: { fileMode?: boolean; messageApi?: boolean }): boolean {
  return opts.messageApi === undefined ? !!opts.fileMode : !opts.messageApi;
}

/** Local settings that go into a handshake. */
export interface HandshakeConfig {
  socketId: number;
  isn: number;
  mss: number;
  flightFlagSize: number;
  /** Our receiver latency, ms. */
  rcvLatency: number;
  /** Latency we ask of the peer as sender, ms. */
  peerLatency: number;
  tlpktDrop: boolean;
  nakReport: boolean;
  /** File transfer mode (transtype=file): congestion "file", no TSBPD. */
  fileMode?: boolean;
  /** Message API; undefined means the mode's default (live: messages, file: stream). */
  messageApi?: boolean;
  /** Live mode without TSBPD (SRTO_TSBPDMODE false): no latency asked or given. Default true. */
  tsbpd?: boolean;
  /** Oldest peer SRT version accepted (SRTO_MINVERSION); older ones are refused with VERSION. */
  minVersion?: number;
  /** Caller only. */
  streamId?: string;
  /** Packet-filter configuration (SRTO_PACKETFILTER, already validated); '' or undefined for none. */
  packetFilter?: string;
  /** Encryption state and settings (passphrase, key length, enforcement); none means no passphrase, enforced. */
  crypto?: CryptoControl;
}

/** What both sides agreed on; everything a connection needs to start. */
export interface Negotiated {
  peerSocketId: number;
  /** Our first sequence number; with a listener both directions start at the caller's ISN. */
  isn: number;
  /** The peer's first sequence number (differs from isn only in rendezvous). */
  peerIsn?: number;
  mss: number;
  peerFlightFlagSize: number;
  /** Latency we apply as receiver (TSBPD), ms. */
  rcvLatency: number;
  /** Latency the peer applies as receiver of our data, ms (drives sender drop). */
  sndLatency: number;
  peerSrtVersion: number;
  peerFlags: number;
  streamId: string;
  /** The packet filter both sides apply (libsrt's SRTO_PACKETFILTER after connect); '' for none. */
  packetFilter: string;
}

export class HandshakeRejection extends Error {
  constructor(readonly reason: number, message: string) {
    super(message);
  }
}

function baseHs(cfg: HandshakeConfig, peerAddress: string): Handshake {
  return {
    version: 5,
    encryption: 0,
    extField: 0,
    isn: cfg.isn,
    mss: cfg.mss,
    flightFlagSize: cfg.flightFlagSize,
    reqType: HandshakeType.CONCLUSION,
    socketId: cfg.socketId,
    cookie: 0,
    peerIp: encodePeerIp(peerAddress),
    extensions: [],
  };
}

// ------------------------------------------------------------------ caller

export type CallerResult =
  | { kind: 'send'; hs: Handshake }
  | { kind: 'connected'; hs: Handshake; negotiated: Negotiated }
  | { kind: 'rejected'; reason: number; message: string; /** The listener already accepted: tell its socket with SHUTDOWN. */ peerSocketId?: number }
  | { kind: 'ignored'; why: string };

export class CallerHandshake {
  state: 'induction' | 'conclusion' | 'done' = 'induction';
  private request: Handshake;
  /** The KM our CONCLUSION carries: the KMRSP must echo it. */
  private sentKm?: Buffer;

  constructor(
    private readonly cfg: HandshakeConfig,
    private readonly peerAddress: string,
    /** Rendezvous initiator: the peer keeps its own ISN (no ISN echo to check). */
    private readonly rendezvous = false,
  ) {
    if (cfg.streamId !== undefined && Buffer.byteLength(cfg.streamId) > MAX_STREAM_ID) {
      throw new RangeError(`streamId is longer than ${MAX_STREAM_ID} bytes`);
    }
    // Induction: Version 4, Type UDT_DGRAM, cookie 0 (what a libsrt caller sends).
    this.request = { ...baseHs(cfg, peerAddress), version: 4, extField: UDT_DGRAM, reqType: HandshakeType.INDUCTION };
  }

  /** The handshake to (re)send now; the caller resends it every 250 ms. */
  current(): Handshake {
    return this.request;
  }

  handle(hs: Handshake): CallerResult {
    if (this.state === 'done') return { kind: 'ignored', why: 'already connected' };
    if (hs.reqType >= REJECT_BASE) {
      return { kind: 'rejected', reason: rejectReasonOf(hs.reqType), message: 'connection rejected by peer' };
    }
    if (hs.mss > MAX_MSS) return { kind: 'rejected', reason: RejectReason.ROGUE, message: `peer MSS ${hs.mss} exceeds ${MAX_MSS}` };
    if (this.state === 'induction') {
      if (hs.reqType !== HandshakeType.INDUCTION) return { kind: 'ignored', why: 'expected induction reply' };
      if (hs.version < 5) {
        return { kind: 'rejected', reason: RejectReason.VERSION, message: 'peer speaks only HSv4 (SRT < 1.3)' };
      }
      if (hs.extField !== HS_V5_MAGIC) {
        return { kind: 'rejected', reason: RejectReason.ROGUE, message: 'induction reply lacks the HSv5 magic' };
      }
      // The listener advertises its key length; a caller without one adopts it.
      const crypto = this.cfg.crypto;
      if (crypto && crypto.keyLen === 0 && hs.encryption >= 2 && hs.encryption <= 4) crypto.keyLen = hs.encryption * 8;
      this.state = 'conclusion';
      this.request = this.buildConclusion(hs.cookie);
      return { kind: 'send', hs: this.request };
    }
    // conclusion
    if (hs.reqType !== HandshakeType.CONCLUSION) return { kind: 'ignored', why: 'expected conclusion reply' };
    if (hs.version === 0) return { kind: 'rejected', reason: RejectReason.PEER, message: 'peer rejected the conclusion' };
    const invalid = invalidHandshakeField(hs);
    if (invalid) return { kind: 'rejected', reason: RejectReason.ROGUE, message: `conclusion reply: ${invalid}`, peerSocketId: hs.socketId };
    // A libsrt caller refuses a reply that does not carry its own ISN (a security check).
    if (!this.rendezvous && hs.isn !== this.cfg.isn) {
      return { kind: 'rejected', reason: RejectReason.ROGUE, message: 'conclusion reply carries another ISN' };
    }
    const rsp = findExtension(hs, HsExt.HSRSP);
    const body = rsp && decodeSrtHs(rsp.body);
    if (!body) return { kind: 'rejected', reason: RejectReason.ROGUE, message: 'conclusion reply has no HSRSP' };
    // libsrt checks the responder's version first, before the KMRSP.
    const old = tooOld(body.srtVersion, this.cfg.minVersion);
    if (old) return { kind: 'rejected', reason: RejectReason.VERSION, message: old, peerSocketId: hs.socketId };
    const kmrsp = hs.extField & HsExtFlag.KMREQ ? findExtension(hs, HsExt.KMRSP)?.body : undefined;
    // libsrt reads the config blocks (the filter among them) before the KMRSP.
    const peerFilter = hs.extField & HsExtFlag.CONFIG ? findExtension(hs, HsExt.FILTER) : undefined;
    const filter = negotiateFilter('initiator', this.cfg.packetFilter ?? '', peerFilter && decodeHsString(peerFilter.body));
    if (!filter.ok) return { kind: 'rejected', reason: RejectReason.FILTER, message: filter.error, peerSocketId: hs.socketId };
    const unusable = unusableFilter(filter.filter, !!this.cfg.fileMode);
    if (unusable) return { kind: 'rejected', reason: RejectReason.FILTER, message: unusable, peerSocketId: hs.socketId };
    if (this.cfg.crypto) {
      const d = this.cfg.crypto.acceptKmRsp(kmrsp, this.sentKm);
      if (!d.ok) return { kind: 'rejected', reason: d.reason, message: d.message, peerSocketId: hs.socketId };
    } else if (kmrsp) {
      return { kind: 'rejected', reason: RejectReason.UNSECURE, message: 'the peer requires a passphrase', peerSocketId: hs.socketId };
    }
    this.state = 'done';
    return {
      kind: 'connected',
      hs,
      negotiated: {
        peerSocketId: hs.socketId,
        isn: this.cfg.isn,
        ...(this.rendezvous ? { peerIsn: hs.isn } : {}),
        mss: Math.min(this.cfg.mss, hs.mss),
        peerFlightFlagSize: hs.flightFlagSize,
        // The responder's values are final: its Snd field is our receive latency (none without TSBPD).
        rcvLatency: usesTsbpd(this.cfg) ? body.sndLatency : 0,
        sndLatency: body.rcvLatency,
        peerSrtVersion: body.srtVersion,
        peerFlags: body.flags,
        streamId: this.cfg.streamId ?? '',
        packetFilter: filter.filter,
      },
    };
  }

  private buildConclusion(cookie: number): Handshake {
    const cfg = this.cfg;
    const ext: HsExtension[] = [
      {
        type: HsExt.HSREQ,
        body: encodeSrtHs({
          srtVersion: SRT_VERSION,
          flags: hsreqFlags(cfg),
          // Without TSBPD (file mode, or turned off) libsrt sends no latency.
          rcvLatency: usesTsbpd(cfg) ? cfg.rcvLatency : 0,
          sndLatency: usesTsbpd(cfg) ? cfg.peerLatency : 0,
        }),
      },
    ];
    let flags: number = HsExtFlag.HSREQ;
    if (cfg.streamId) {
      ext.push({ type: HsExt.SID, body: encodeHsString(cfg.streamId) });
      flags |= HsExtFlag.CONFIG;
    }
    // The congestion controller is named only when it is not "live".
    if (cfg.fileMode) {
      ext.push({ type: HsExt.CONGESTION, body: encodeHsString('file') });
      flags |= HsExtFlag.CONFIG;
    }
    if (cfg.packetFilter) {
      ext.push({ type: HsExt.FILTER, body: encodeHsString(cfg.packetFilter) });
      flags |= HsExtFlag.CONFIG;
    }
    // The Type field advertises a configured (or adopted) key length only, as libsrt.
    const encryption = cfg.crypto?.hasPassphrase ? cfg.crypto.keyLen / 8 : 0;
    this.sentKm = cfg.crypto?.createKmReq();
    if (this.sentKm) {
      ext.push({ type: HsExt.KMREQ, body: this.sentKm });
      flags |= HsExtFlag.KMREQ;
    }
    return { ...baseHs(cfg, this.peerAddress), encryption, extField: flags, cookie, extensions: ext };
  }
}

// ------------------------------------------------------------------ listener

/** SYN cookies: HMAC of the peer's address and the minute; this and the previous minute are valid. */
export class CookieJar {
  private readonly secret = randomBytes(32);

  bake(address: string, port: number, nowMs: number, minuteOffset = 0): number {
    const minute = Math.floor(nowMs / 60000) + minuteOffset;
    return createHmac('sha256', this.secret).update(`${address}:${port}:${minute}`).digest().readUInt32BE(0);
  }

  check(cookie: number, address: string, port: number, nowMs: number): boolean {
    return cookie === this.bake(address, port, nowMs) || cookie === this.bake(address, port, nowMs, -1);
  }
}

/**
 * The listener's reply to an induction request: HSv5 magic, a cookie, the caller's own ID
 * echoed, and the listener's configured key length (bytes / 8) if it has one.
 */
export function inductionResponse(req: Handshake, cookie: number, keyLen = 0): Handshake {
  return {
    ...req,
    version: 5,
    encryption: keyLen / 8,
    extField: HS_V5_MAGIC,
    cookie,
    extensions: [],
  };
}

export interface ConclusionRequest {
  hsreqFlags: number;
  hsreqVersion: number;
  /** Initiator's rcv latency field. */
  rcvLatency: number;
  /** Initiator's snd (peer) latency field. */
  sndLatency: number;
  streamId: string;
  congestion?: string;
  /** The initiator's FILTER block, if any. */
  packetFilter?: string;
  /** The KMREQ ext flag is set (libsrt's test for "the peer wants encryption"). */
  hasKm: boolean;
  /** The first KMREQ block, if any. */
  kmreq?: Buffer;
}

/**
 * Validates an HSv5 conclusion request and extracts what it asks for.
 * Throws HandshakeRejection with libsrt's reason when it must be refused.
 */
export function parseConclusionRequest(req: Handshake): ConclusionRequest {
  if (req.version < 5) throw new HandshakeRejection(RejectReason.VERSION, 'HSv4 (UDT) handshakes are not supported');
  const invalid = invalidHandshakeField(req);
  if (invalid) throw new HandshakeRejection(RejectReason.ROGUE, invalid);
  if (!(req.extField & HsExtFlag.HSREQ)) throw new HandshakeRejection(RejectReason.ROGUE, 'conclusion without HSREQ');
  const ext = findExtension(req, HsExt.HSREQ);
  const hsreq = ext && decodeSrtHs(ext.body);
  if (!hsreq) throw new HandshakeRejection(RejectReason.ROGUE, 'conclusion without a valid HSREQ block');
  // An HSv5 handshake from a peer announcing < 1.3.0 is inconsistent: libsrt calls it ROGUE.
  if (hsreq.srtVersion < MIN_PEER_VERSION) throw new HandshakeRejection(RejectReason.ROGUE, 'HSv5 handshake from an SRT < 1.3.0');
  let streamId = '';
  let congestion: string | undefined;
  let packetFilter: string | undefined;
  if (req.extField & HsExtFlag.CONFIG) {
    const sid = findExtension(req, HsExt.SID);
    if (sid) {
      // libsrt refuses an empty or oversized SID block without naming a reason (UNKNOWN).
      if (sid.body.length === 0 || sid.body.length > MAX_STREAM_ID) {
        throw new HandshakeRejection(RejectReason.UNKNOWN, `stream ID block of ${sid.body.length} bytes`);
      }
      streamId = decodeHsString(sid.body);
    }
    const cc = findExtension(req, HsExt.CONGESTION);
    if (cc) congestion = decodeHsString(cc.body);
    const filters = req.extensions.filter((e) => e.type === HsExt.FILTER);
    if (filters.length > 1) throw new HandshakeRejection(RejectReason.FILTER, 'FILTER block repeated');
    if (filters.length === 1) {
      // Like an empty or oversized SID block: a protocol error libsrt refuses without a reason.
      const len = filters[0].body.length;
      if (len === 0 || len > MAX_FILTER_CONFIG) throw new HandshakeRejection(RejectReason.UNKNOWN, `filter block of ${len} bytes`);
      packetFilter = decodeHsString(filters[0].body);
    }
  }
  // libsrt looks at the KMREQ flag alone to decide that the peer wants encryption.
  const hasKm = (req.extField & HsExtFlag.KMREQ) !== 0;
  const kmreq = hasKm ? findExtension(req, HsExt.KMREQ)?.body : undefined;
  return {
    hsreqFlags: hsreq.flags,
    hsreqVersion: hsreq.srtVersion,
    rcvLatency: hsreq.rcvLatency,
    sndLatency: hsreq.sndLatency,
    streamId,
    congestion,
    packetFilter,
    hasKm,
    kmreq,
  };
}

/**
 * Negotiates a live connection from a parsed request: latency per direction is
 * the max of both sides' wishes. Throws HandshakeRejection on a mismatch.
 */
export function negotiateAsResponder(
  req: Handshake,
  parsed: ConclusionRequest,
  cfg: HandshakeConfig,
): { response: Handshake; negotiated: Negotiated } {
  // Checked in libsrt's order: the HSREQ block (version, then API), then KMREQ, then the config blocks.
  const old = tooOld(parsed.hsreqVersion, cfg.minVersion);
  if (old) throw new HandshakeRejection(RejectReason.VERSION, old);
  if (!!(parsed.hsreqFlags & SrtFlag.STREAM) !== streamApi(cfg)) {
    throw new HandshakeRejection(
      RejectReason.MESSAGEAPI,
      streamApi(cfg) ? 'the peer uses the message API, we the stream API (file mode)' : 'the peer uses the stream API (file mode), we the message API',
    );
  }
  let kmrsp: Buffer | undefined;
  const kmreq = parsed.hasKm ? parsed.kmreq ?? Buffer.alloc(0) : undefined;
  if (cfg.crypto) {
    const d = cfg.crypto.processHsKmReq(kmreq);
    if (!d.ok) throw new HandshakeRejection(d.reason, d.message);
    kmrsp = d.kmrsp;
  } else if (kmreq) {
    // No passphrase and enforced encryption (the default): libsrt refuses such a caller.
    throw new HandshakeRejection(RejectReason.UNSECURE, 'peer requires encryption');
  }
  const ourCongestion = cfg.fileMode ? 'file' : 'live';
  if ((parsed.congestion ?? 'live') !== ourCongestion) {
    throw new HandshakeRejection(RejectReason.CONGESTION, `congestion control "${parsed.congestion ?? 'live'}" where we use "${ourCongestion}"`);
  }
  const filter = negotiateFilter('responder', cfg.packetFilter ?? '', parsed.packetFilter);
  if (!filter.ok) throw new HandshakeRejection(RejectReason.FILTER, filter.error);
  const unusable = unusableFilter(filter.filter, !!cfg.fileMode);
  if (unusable) throw new HandshakeRejection(RejectReason.FILTER, unusable);
  // The answer names the filter only to an initiator that announced FILTERCAP (libsrt createSrtHandshake).
  const answerFilter = filter.filter !== '' && (parsed.hsreqFlags & SrtFlag.FILTERCAP) !== 0;
  // The HSRSP mirrors the initiator's capabilities (libsrt fillSrtHandshake_HSRSP): we receive
  // with TSBPD only if it sends with it, send with TSBPD only if it receives with it.
  const peerSendsTsbpd = (parsed.hsreqFlags & SrtFlag.TSBPDSND) !== 0;
  const peerRcvsTsbpd = (parsed.hsreqFlags & SrtFlag.TSBPDRCV) !== 0;
  // Without TSBPD of our own (SRTO_TSBPDMODE off) we take the peer's data as it comes.
  const rcvsTsbpd = peerSendsTsbpd && usesTsbpd(cfg);
  const rcvLatency = rcvsTsbpd ? Math.max(cfg.rcvLatency, parsed.sndLatency) : 0;
  const sndLatency = peerRcvsTsbpd ? Math.max(cfg.peerLatency, parsed.rcvLatency) : 0;
  let flags: number = SrtFlag.HAICRYPT | SrtFlag.FILTERCAP;
  if (rcvsTsbpd) flags |= SrtFlag.TSBPDRCV;
  if (peerRcvsTsbpd) flags |= SrtFlag.TSBPDSND;
  if (cfg.tlpktDrop) flags |= SrtFlag.TLPKTDROP;
  if (cfg.nakReport) flags |= SrtFlag.NAKREPORT;
  if (parsed.hsreqFlags & SrtFlag.REXMITFLG) flags |= SrtFlag.REXMITFLG;
  const mss = Math.min(cfg.mss, req.mss);
  const response: Handshake = {
    version: 5,
    encryption: req.encryption,
    extField: kmrsp ? HsExtFlag.HSREQ | HsExtFlag.KMREQ : HsExtFlag.HSREQ,
    isn: req.isn,
    mss,
    flightFlagSize: cfg.flightFlagSize,
    reqType: HandshakeType.CONCLUSION,
    socketId: cfg.socketId,
    cookie: req.cookie,
    peerIp: req.peerIp, // overwritten by the caller of this function with the peer's address
    extensions: [
      {
        type: HsExt.HSRSP,
        body: encodeSrtHs({ srtVersion: SRT_VERSION, flags, rcvLatency, sndLatency }),
      },
      ...(kmrsp ? [{ type: HsExt.KMRSP, body: kmrsp }] : []),
      ...(cfg.fileMode ? [{ type: HsExt.CONGESTION, body: encodeHsString('file') }] : []),
      ...(answerFilter ? [{ type: HsExt.FILTER, body: encodeHsString(filter.filter) }] : []),
    ],
  };
  if (cfg.fileMode || answerFilter) response.extField |= HsExtFlag.CONFIG;
  return {
    response,
    negotiated: {
      peerSocketId: req.socketId,
      isn: req.isn,
      mss,
      peerFlightFlagSize: req.flightFlagSize,
      rcvLatency,
      sndLatency,
      peerSrtVersion: parsed.hsreqVersion,
      peerFlags: parsed.hsreqFlags,
      streamId: parsed.streamId,
      packetFilter: filter.filter,
    },
  };
}

/**
 * A rejection reply: only the 48-byte CIF, ReqType = 1000 + reason. Like libsrt's, it keeps the
 * request's ext flags and names the socket the listener would have created.
 */
export function rejectionResponse(req: Handshake, reason: number, socketId = 0): Handshake {
  return { ...req, version: 5, encryption: 0, reqType: REJECT_BASE + reason, socketId, extensions: [] };
}
