/**
 * fast-check arbitraries for the SRT wire format: well-formed values for every
 * codec, and hostile bytes (random datagrams, mutated encodings, length fields
 * that lie, huge counts). The codec property tests use them; a fuzz runner and
 * engine property tests can import them too. Arbitraries hold no state, so the
 * same seed always produces the same cases.
 */
import fc from 'fast-check';
import {
  AckInfo,
  ControlType,
  DataHeaderFields,
  ExtType,
  SeqRange,
  encodeAck,
  encodeControl,
  encodeDataPacket,
  encodeDropReq,
  encodeLossList,
} from '../../src/protocol/packet';
import {
  HS_CIF_SIZE,
  HS_V5_MAGIC,
  Handshake,
  HsExt,
  HsExtension,
  SrtHsBody,
  UDT_DGRAM,
  encodeHandshake,
  encodeHsString,
  encodeSrtHs,
} from '../../src/protocol/handshake-packet';
import { KmMessage, KmState, encodeKm, encodeKmState } from '../../src/protocol/km-message';
import { MSGNO_MAX, SEQ_MAX } from '../../src/protocol/sequence';

/** Longest datagram the hostile generators produce: a little over a 1500-byte MTU. */
export const MAX_DATAGRAM = 1600;
/** Control bodies of at most this many words keep a datagram within MAX_DATAGRAM. */
const MAX_BODY_WORDS = (MAX_DATAGRAM - 16) / 4;
/** Largest data payload libsrt sends with the default MSS (1500 - 28 IP/UDP - 16 header). */
export const MAX_PAYLOAD = 1456;

// ---------------------------------------------------------------- numbers

export const u8: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xff });
export const u16: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffff });
/** Any 32-bit word, with the all-ones and sign-bit values well represented. */
export const u32: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff) },
);
export const int32: fc.Arbitrary<number> = fc.integer({ min: -0x80000000, max: 0x7fffffff });

/** Where 31-bit sequence arithmetic breaks first: the wrap and libsrt's 2^30 comparison threshold. */
const SEQ_EDGES = [0, 1, 0x3ffffffe, 0x3fffffff, 0x40000000, 0x7ffffffe, SEQ_MAX];

/**
 * A 31-bit sequence number. With `around`, most values fall within a few packets
 * of it (both sides, wrapping through 0), the rest anywhere up to the 2^30
 * comparison horizon, anywhere at all, or on the wrap edges.
 */
export function seqNumber(around?: number): fc.Arbitrary<number> {
  const anywhere = fc.integer({ min: 0, max: SEQ_MAX });
  const edge = fc.constantFrom(...SEQ_EDGES);
  if (around === undefined) return fc.oneof({ weight: 3, arbitrary: anywhere }, { weight: 1, arbitrary: edge });
  const near = (span: number) => fc.integer({ min: -span, max: span }).map((d) => (around + d) & SEQ_MAX);
  return fc.oneof(
    { weight: 4, arbitrary: near(64) },
    { weight: 2, arbitrary: near(1 << 16) },
    { weight: 1, arbitrary: near(0x40000000) },
    { weight: 1, arbitrary: anywhere },
    { weight: 1, arbitrary: edge },
  );
}

/** A 26-bit message number (0 is reserved but legal on the wire). */
export const msgNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: MSGNO_MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, MSGNO_MAX - 1, MSGNO_MAX) },
);
/** A 32-bit microsecond timestamp, wrap included. */
export const timestamp32: fc.Arbitrary<number> = u32;
/** A socket ID as it appears in the header's destination field (any 32-bit value). */
export const socketId: fc.Arbitrary<number> = u32;

/** Bytes of a length in [minLength, maxLength], spread over the whole range. */
export function bytes(maxLength: number, minLength = 0): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ minLength, maxLength, size: 'max' }).map((a) => Buffer.from(a));
}

/** Bytes whose length is a multiple of 4, at most `maxWords` words. */
export function wordBytes(maxWords: number): fc.Arbitrary<Buffer> {
  return bytes(maxWords * 4).map((b) => b.subarray(0, b.length & ~3));
}

// ---------------------------------------------------------------- packets

export function dataHeaderFields(destId?: number, aroundSeq?: number): fc.Arbitrary<DataHeaderFields> {
  return fc.record({
    seq: seqNumber(aroundSeq),
    position: fc.integer({ min: 0, max: 3 }),
    inOrder: fc.boolean(),
    keyFlags: fc.integer({ min: 0, max: 3 }),
    retransmitted: fc.boolean(),
    msgNo: msgNumber,
    timestamp: timestamp32,
    destId: destId === undefined ? socketId : fc.constant(destId),
  });
}

export interface DataPacketValue {
  header: DataHeaderFields;
  payload: Buffer;
}

export function dataPacket(destId?: number, aroundSeq?: number): fc.Arbitrary<DataPacketValue> {
  return fc.record({ header: dataHeaderFields(destId, aroundSeq), payload: bytes(MAX_PAYLOAD) });
}

/** The arguments of encodeControl. */
export interface ControlFields {
  type: number;
  subtype: number;
  typeInfo: number;
  timestamp: number;
  destId: number;
  body: Buffer;
}

/** Any control header (known types and every other 15-bit value) with any body. */
export function controlFields(destId?: number): fc.Arbitrary<ControlFields> {
  return fc.record({
    type: fc.oneof(fc.constantFrom(...Object.values(ControlType)), fc.integer({ min: 0, max: 0x7fff })),
    subtype: fc.oneof(fc.constantFrom(0, ...Object.values(ExtType)), u16),
    typeInfo: u32,
    timestamp: timestamp32,
    destId: destId === undefined ? socketId : fc.constant(destId),
    body: bytes(MAX_PAYLOAD),
  });
}

export function encodeControlFields(c: ControlFields): Buffer {
  return encodeControl(c.type, c.typeInfo, c.timestamp, c.destId, c.body, c.subtype);
}

// ---------------------------------------------------------------- control bodies

/** A full ACK: all seven words, any value (RTT of 0xFFFFFFFF included). */
export function fullAckInfo(aroundSeq?: number): fc.Arbitrary<Required<AckInfo>> {
  return fc.record({
    lastAckSeq: seqNumber(aroundSeq),
    rtt: u32,
    rttVar: u32,
    availBuf: u32,
    pktRecvRate: u32,
    linkCapacity: u32,
    recvRate: u32,
  });
}

/** A light ACK ({ lastAckSeq } only) or a full one. */
export function ackInfo(aroundSeq?: number): fc.Arbitrary<AckInfo> {
  return fc.oneof(fc.record({ lastAckSeq: seqNumber(aroundSeq) }), fullAckInfo(aroundSeq));
}

/**
 * An inclusive range of sequence numbers as the NAK and DROPREQ codecs carry it:
 * single losses, ranges in order, reversed, spanning 2^30 or wrapping past 2^31 - 1.
 */
export function seqRange(aroundSeq?: number): fc.Arbitrary<SeqRange> {
  const seq = seqNumber(aroundSeq);
  return fc.oneof(
    seq.map((s): SeqRange => [s, s]),
    fc.tuple(seq, seq),
    fc.tuple(seq, fc.integer({ min: 1, max: 0x40000000 })).map(([a, n]): SeqRange => [a, (a + n) & SEQ_MAX]),
    fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 })).map(([a, b]): SeqRange => [SEQ_MAX - a, b]),
  );
}

export function lossRanges(aroundSeq?: number, maxRanges = 64): fc.Arbitrary<SeqRange[]> {
  return fc.array(seqRange(aroundSeq), { maxLength: maxRanges, size: 'max' });
}

export const srtHsBody: fc.Arbitrary<SrtHsBody> = fc.record({
  srtVersion: fc.oneof(fc.constantFrom(0x010300, 0x010401, 0x010501, 0x010503), u32),
  flags: fc.oneof(fc.constantFrom(0xbf, 0x3f, 0xff), u32),
  rcvLatency: u16,
  sndLatency: u16,
});

/** Any string a handshake may carry (stream ID, congestion, filter), up to the 512-byte SID limit. */
export const hsString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 128 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 512 }),
  fc.constantFrom('', 'live', 'file', '#!::r=live/cam,m=publish', 'a\0', '\0\0\0\0', 'abc\0\0'),
);

/** A KM message as HaiCrypt sends it: 1 or 2 wrapped keys of 16/24/32 bytes, a 4..16-byte salt. */
export const kmMessage: fc.Arbitrary<KmMessage> = fc
  .record({
    keys: fc.constantFrom(1, 2, 3),
    cipher: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4), u8),
    auth: fc.oneof(fc.constant(0), u8),
    se: fc.oneof(fc.constant(2), u8),
    saltWords: fc.integer({ min: 1, max: 4 }),
    keyLen: fc.constantFrom(16, 24, 32),
  })
  .chain(({ saltWords, ...h }) => {
    const wrappedLen = (h.keys === 3 ? 2 : 1) * h.keyLen + 8; // RFC 3394 adds one 8-byte block
    return fc
      .tuple(bytes(saltWords * 4, saltWords * 4), bytes(wrappedLen, wrappedLen))
      .map(([salt, wrapped]) => ({ ...h, salt, wrapped }));
  });

/** The one-word KMRSP states, and any other 32-bit value a peer might put there. */
export const kmState: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...Object.values(KmState)), u32);

// ---------------------------------------------------------------- handshake

/** A handshake extension block: the real contents of each type, or any type with any words. */
export const hsExtension: fc.Arbitrary<HsExtension> = fc.oneof(
  fc.tuple(fc.constantFrom(HsExt.HSREQ, HsExt.HSRSP), srtHsBody).map(([type, b]) => ({ type, body: encodeSrtHs(b) })),
  fc.tuple(fc.constantFrom(HsExt.KMREQ, HsExt.KMRSP), kmMessage).map(([type, m]) => ({ type, body: encodeKm(m) })),
  fc.tuple(fc.constant(HsExt.KMRSP), kmState).map(([type, s]) => ({ type, body: encodeKmState(s) })),
  fc.tuple(fc.constantFrom(HsExt.SID, HsExt.CONGESTION, HsExt.FILTER), hsString).map(([type, s]) => ({ type, body: encodeHsString(s) })),
  fc.record({ type: fc.oneof(fc.constantFrom(...Object.values(HsExt)), u16), body: wordBytes(32) }),
);

export const handshake: fc.Arbitrary<Handshake> = fc.record({
  version: fc.oneof(fc.constantFrom(4, 5), u32),
  encryption: fc.oneof(fc.constantFrom(0, 2, 3, 4), u16),
  extField: fc.oneof(fc.constantFrom(0, 1, 3, 5, 7, HS_V5_MAGIC, UDT_DGRAM), u16),
  isn: seqNumber(),
  mss: fc.oneof(fc.constantFrom(1500, 1456, 76, 0), u32),
  flightFlagSize: fc.oneof(fc.constantFrom(8192, 25600), u32),
  reqType: fc.oneof(fc.constantFrom(1, 0, -1, -2, 1000, 1017), int32),
  socketId,
  cookie: u32,
  peerIp: bytes(16, 16),
  extensions: fc.array(hsExtension, { maxLength: 6 }),
});

// ---------------------------------------------------------------- addresses

export const ipv4Text: fc.Arbitrary<string> = fc.tuple(u8, u8, u8, u8).map((b) => b.join('.'));

export interface Ipv6Case {
  /** The address as text, in one of the forms inet_ntop and people write. */
  text: string;
  /** The 16 bytes the text stands for (network order). */
  bytes: Buffer;
}

/**
 * IPv6 addresses with their bytes, written in full, with leading zeros, in upper
 * case, with the longest zero run compressed to '::', with a dotted IPv4 tail
 * (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d) and with a zone suffix.
 */
export const ipv6Case: fc.Arbitrary<Ipv6Case> = fc
  .record({
    groups: fc.array(
      fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: u16 }),
      { minLength: 8, maxLength: 8 },
    ),
    prefix: fc.constantFrom('any', 'v4-mapped', 'v4-compatible', 'nat64'),
    padded: fc.boolean(),
    upper: fc.boolean(),
    compress: fc.boolean(),
    dottedTail: fc.boolean(),
    zone: fc.constantFrom('', '', '%eth0', '%1'),
  })
  .map((o) => {
    const g = [...o.groups];
    if (o.prefix === 'v4-mapped') g.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
    if (o.prefix === 'v4-compatible') g.splice(0, 6, 0, 0, 0, 0, 0, 0);
    if (o.prefix === 'nat64') g.splice(0, 6, 0x64, 0xff9b, 0, 0, 0, 0);
    const addr = Buffer.alloc(16);
    g.forEach((v, i) => addr.writeUInt16BE(v, i * 2));
    const hex = (v: number) => {
      const s = o.padded ? v.toString(16).padStart(4, '0') : v.toString(16);
      return o.upper ? s.toUpperCase() : s;
    };
    const head = o.dottedTail ? g.slice(0, 6).map(hex) : g.map(hex);
    const tail = o.dottedTail ? [`${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`] : [];
    const text = o.compress ? compressLongestZeroRun(head, tail) : [...head, ...tail].join(':');
    return { text: text + o.zone, bytes: addr };
  });

/** Joins hex groups (and a dotted tail) with the longest run of zero groups written as '::'. */
function compressLongestZeroRun(head: string[], tail: string[]): string {
  const isZero = (g: string) => Number.parseInt(g, 16) === 0;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < head.length; i++) {
    let j = i;
    while (j < head.length && isZero(head[j])) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
  }
  if (bestLen === 0) return [...head, ...tail].join(':');
  const left = head.slice(0, best).join(':');
  const right = [...head.slice(best + bestLen), ...tail].join(':');
  return `${left}::${right}`;
}

// ---------------------------------------------------------------- text inputs

/** Key/value pairs for a #!:: stream ID, keys including names that collide with Object.prototype. */
export const streamIdPairs: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('u', 'r', 'h', 's', 't', 'm', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((k) => !k.includes(',') && !k.includes('=')),
    ),
    fc.string({ unit: 'binary', maxLength: 16 }).filter((v) => !v.includes(',')),
  ),
  { maxLength: 8 },
);

/** Stream IDs: convention-following, almost following, and arbitrary text. */
export const streamIdText: fc.Arbitrary<string> = fc.oneof(
  streamIdPairs.map((pairs) => '#!::' + pairs.map(([k, v]) => `${k}=${v}`).join(',')),
  fc.array(fc.constantFrom('#', '!', ':', ',', '=', '__proto__', 'r', 'live', '\0', 'é'), { maxLength: 16 }).map((p) => p.join('')),
  fc.string({ unit: 'binary', maxLength: 64 }).map((s) => '#!::' + s),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

const URI_FRAGMENTS = [
  'srt', 'SRT', 'udp', 'tcp', 'file', 'http', 'x', '://', ':', '/', '//', '[', ']', '::1', '::', 'localhost',
  '127.0.0.1', '0', '9000', '65535', '65536', '99999', '-1', '1e3', ' ', '?', '&', '&&', '=', '#', '%',
  '%2', '%zz', '%e2%82', '%ff', '%00', '%25', 'passphrase', 'streamid', '#!::r=a', 'con', '\\', 'C:', '\0', 'é', '📷',
];

/** srt-pipe endpoint strings: pieces of real URIs glued in random order, and arbitrary text. */
export const uriText: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...URI_FRAGMENTS), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 14 }).map((p) => p.join('')),
  fc.tuple(fc.constantFrom('srt://', 'udp://', 'tcp://', 'file://', 'srt://[', 'SRT://'), fc.string({ unit: 'binary', maxLength: 48 })).map(([a, b]) => a + b),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 64 }),
);

// ---------------------------------------------------------------- hostile bytes

/** Random datagrams of 0..MAX_DATAGRAM bytes. */
export const randomDatagram: fc.Arbitrary<Buffer> = bytes(MAX_DATAGRAM);

/** One edit of a valid encoding. Positions are taken modulo the buffer length when applied. */
export type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set-byte'; at: number; value: number }
  | { op: 'set-word'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Buffer }
  | { op: 'delete'; at: number; count: number }
  | { op: 'append'; bytes: Buffer };

/** Word values that make length and count fields lie. */
const HOSTILE_WORDS = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffff0000, 0xffffffff];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set-byte' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 0x80, 0xff), u8) }),
  fc.record({ op: fc.constant('set-word' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...HOSTILE_WORDS), u32) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: bytes(8, 1) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('append' as const), bytes: bytes(64, 1) }),
);

/** Applies one mutation to a copy of `buf`; 'set-word' writes at a word boundary (clipped at the end). */
export function applyMutation(buf: Buffer, m: Mutation): Buffer {
  const out = Buffer.from(buf);
  const at = 'at' in m ? (out.length === 0 ? 0 : m.at % out.length) : 0;
  switch (m.op) {
    case 'truncate':
      return out.subarray(0, buf.length === 0 ? 0 : m.at % buf.length);
    case 'flip':
      if (out.length > 0) out[at] ^= 1 << m.bit;
      return out;
    case 'set-byte':
      if (out.length > 0) out[at] = m.value;
      return out;
    case 'set-word': {
      const word = Buffer.alloc(4);
      word.writeUInt32BE(m.value >>> 0, 0);
      const w = at & ~3;
      word.copy(out, w, 0, Math.min(4, out.length - w));
      return out;
    }
    case 'insert':
      return Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    case 'delete':
      return Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
    case 'append':
      return Buffer.concat([out, m.bytes]);
  }
}

export function applyMutations(buf: Buffer, ms: readonly Mutation[]): Buffer {
  return ms.reduce(applyMutation, buf);
}

/** A valid encoding with 1..maxMutations edits. */
export function mutated(valid: fc.Arbitrary<Buffer>, maxMutations = 4): fc.Arbitrary<Buffer> {
  return fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: maxMutations }))
    .map(([b, ms]) => applyMutations(b, ms));
}

/** What a decoder of `valid` must survive: random bytes, or a mutation of a valid encoding. */
export function hostileBytes(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof({ weight: 1, arbitrary: randomDatagram }, { weight: 2, arbitrary: mutated(valid) });
}

/** Byte offsets of the extension block headers of an encoded handshake body. */
export function extensionHeaderOffsets(body: Buffer): number[] {
  const out: number[] = [];
  for (let off = HS_CIF_SIZE; off + 4 <= body.length; ) {
    out.push(off);
    off += 4 + (body.readUInt16BE(off + 2) * 4);
  }
  return out;
}

/**
 * Handshake bodies whose extension blocks lie: one block's size (in words) points
 * 1..16 words past the end of the body, runs exactly to its end, is zero or is the
 * 16-bit maximum; the body is optionally cut short afterwards.
 */
export const lyingHandshakeBody: fc.Arbitrary<Buffer> = fc
  .tuple(
    handshake.filter((h) => h.extensions.length > 0),
    fc.nat(),
    fc.oneof(
      fc.integer({ min: 1, max: 16 }).map((excess) => (wordsLeft: number) => wordsLeft + excess),
      fc.constant((wordsLeft: number) => wordsLeft),
      fc.constant(() => 0),
      fc.constant(() => 0xffff),
    ),
    fc.option(fc.nat(), { freq: 3 }),
  )
  .map(([hs, pick, sizeFor, cut]) => {
    const body = encodeHandshake(hs);
    const offsets = extensionHeaderOffsets(body);
    const at = offsets[pick % offsets.length];
    const wordsLeft = (body.length - at - 4) >>> 2;
    body.writeUInt16BE(Math.min(0xffff, sizeFor(wordsLeft)), at + 2);
    return cut === null ? body : body.subarray(0, HS_CIF_SIZE + (cut % (body.length - HS_CIF_SIZE + 1)));
  });

/**
 * KM messages whose version, KK, salt length or key length byte lies (so lengths
 * point past the end or short of it), then possibly cut or extended.
 */
export const hostileKmBytes: fc.Arbitrary<Buffer> = fc
  .tuple(
    kmMessage,
    fc.constantFrom(0, 3, 14, 15),
    fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 8, 0x12, 0xff), u8),
    fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -48, max: 48 }) }),
  )
  .map(([m, field, value, resize]) => {
    const b = encodeKm(m);
    b[field] = value;
    return resize <= 0 ? b.subarray(0, Math.max(0, b.length + resize)) : Buffer.concat([b, Buffer.alloc(resize, 0xa5)]);
  });

/**
 * Loss-list bodies of up to MAX_DATAGRAM bytes (huge counts): any words, a quarter of
 * them range starts (MSB set), so starts dangle or are followed by another start.
 */
export const hostileLossListBytes: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof({ weight: 3, arbitrary: u32.map((w) => w & SEQ_MAX) }, { weight: 1, arbitrary: u32.map((w) => (w | 0x80000000) >>> 0) }),
    { maxLength: MAX_DATAGRAM / 4, size: 'max' },
  )
  .chain((ws) =>
    fc.integer({ min: 0, max: 3 }).map((tail) => {
      const b = Buffer.alloc(ws.length * 4 + tail);
      ws.forEach((w, i) => b.writeUInt32BE(w, i * 4));
      return b;
    }),
  );

// ---------------------------------------------------------------- hostile packets for a connection

/** KM bodies of an EXT packet: a real KM message, a one-word state, a hostile KM, or random bytes. */
const kmBody: fc.Arbitrary<Buffer> = fc.oneof(
  kmMessage.map(encodeKm),
  kmState.map(encodeKmState),
  hostileKmBytes,
  bytes(128),
);

/** The kinds of packet hostilePacketCase draws from. */
export const HOSTILE_KINDS = [
  'ack',
  'nak',
  'dropreq',
  'ackack',
  'keepalive',
  'shutdown',
  'kmreq',
  'kmrsp',
  'handshake',
  'data',
  'fec',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostilePacketCase {
  kind: HostileKind;
  /** The whole datagram, addressed to the destination socket ID given to the generator. */
  bytes: Buffer;
}

/**
 * Well-formed but hostile packets for an established connection whose socket ID
 * is `destId`: every field that the header and body codecs accept takes any value
 * (ACK fields of 0xFFFFFFFF, NAK ranges reversed, wrapping 2^31, spanning 2^30 or
 * past anything sent, DROPREQ of any range, ACKACK of any number, KM of any body,
 * handshakes of any CIF, data of any seq/msgno/position/timestamp/key flags).
 * With `aroundSeq`, sequence numbers cluster near it as well as landing anywhere.
 */
export function hostilePacketCase(
  destId: number,
  aroundSeq?: number,
  kinds: readonly HostileKind[] = HOSTILE_KINDS,
): fc.Arbitrary<HostilePacketCase> {
  const ctl = (type: number, typeInfo: number, ts: number, body?: Buffer, subtype = 0) =>
    encodeControl(type, typeInfo, ts, destId, body, subtype);
  const build: Record<HostileKind, fc.Arbitrary<Buffer>> = {
    ack: fc
      .tuple(u32, timestamp32, fullAckInfo(aroundSeq), fc.constantFrom(1, 4, 7))
      // 1 word: light; 4 words: the "small" ACK of older peers; 7 words: full.
      .map(([ackNo, ts, ack, words]) => ctl(ControlType.ACK, ackNo, ts, encodeAck(ack).subarray(0, words * 4))),
    nak: fc
      .tuple(timestamp32, fc.oneof(lossRanges(aroundSeq, 8), lossRanges(aroundSeq, 400)).filter((r) => r.length > 0))
      .map(([ts, ranges]) => ctl(ControlType.NAK, 0, ts, encodeLossList(ranges, MAX_BODY_WORDS))),
    dropreq: fc
      .tuple(u32, timestamp32, seqRange(aroundSeq))
      .map(([msgNo, ts, [a, b]]) => ctl(ControlType.DROPREQ, msgNo, ts, encodeDropReq(a, b))),
    ackack: fc.tuple(u32, timestamp32).map(([ackNo, ts]) => ctl(ControlType.ACKACK, ackNo, ts)),
    keepalive: timestamp32.map((ts) => ctl(ControlType.KEEPALIVE, 0, ts)),
    shutdown: timestamp32.map((ts) => ctl(ControlType.SHUTDOWN, 0, ts)),
    kmreq: fc.tuple(timestamp32, kmBody).map(([ts, body]) => ctl(ControlType.EXT, 0, ts, body, ExtType.KMREQ)),
    kmrsp: fc.tuple(timestamp32, kmBody).map(([ts, body]) => ctl(ControlType.EXT, 0, ts, body, ExtType.KMRSP)),
    handshake: fc
      .tuple(timestamp32, fc.oneof(handshake.map(encodeFittingHandshake), bytes(256, HS_CIF_SIZE)))
      .map(([ts, body]) => ctl(ControlType.HANDSHAKE, 0, ts, body)),
    data: fc
      .tuple(dataHeaderFields(destId, aroundSeq), bytes(MAX_PAYLOAD))
      .map(([h, payload]) => encodeDataPacket(h, payload)),
    // A FEC packet (message number 0) naming a row (-1), a column or no group, of any length.
    fec: fc
      .tuple(dataHeaderFields(destId, aroundSeq), fc.integer({ min: -2, max: 12 }), bytes(MAX_PAYLOAD))
      .map(([h, index, payload]) => {
        if (payload.length > 0) payload[0] = index & 0xff;
        return encodeDataPacket({ ...h, msgNo: 0 }, payload);
      }),
  };
  return fc.oneof(...kinds.map((kind) => build[kind].map((b) => ({ kind, bytes: b }))));
}

/** hostilePacketCase without the label: just the datagrams. */
export function hostilePacket(
  destId: number,
  aroundSeq?: number,
  kinds: readonly HostileKind[] = HOSTILE_KINDS,
): fc.Arbitrary<Buffer> {
  return hostilePacketCase(destId, aroundSeq, kinds).map((c) => c.bytes);
}

/** encodeHandshake, dropping trailing extension blocks until the datagram fits in MAX_DATAGRAM. */
function encodeFittingHandshake(hs: Handshake): Buffer {
  let body = encodeHandshake(hs);
  for (let n = hs.extensions.length; body.length > MAX_BODY_WORDS * 4; n--) {
    body = encodeHandshake({ ...hs, extensions: hs.extensions.slice(0, n - 1) });
  }
  return body;
}

// ---------------------------------------------------------------- any datagram

/** A well-formed packet of any kind, as sent on the wire. */
export function encodedPacket(destId?: number, aroundSeq?: number): fc.Arbitrary<Buffer> {
  return fc.oneof(
    dataPacket(destId, aroundSeq).map((d) => encodeDataPacket(d.header, d.payload)),
    controlFields(destId).map(encodeControlFields),
    fc.tuple(timestamp32, socketId, handshake).map(([ts, id, hs]) =>
      encodeControl(ControlType.HANDSHAKE, 0, ts, destId ?? id, encodeHandshake(hs)),
    ),
  );
}

/** Whatever may arrive on a public port: random bytes, mutated packets, hostile packets. */
export function anyDatagram(destId = 0, aroundSeq?: number): fc.Arbitrary<Buffer> {
  return fc.oneof(randomDatagram, mutated(encodedPacket(destId, aroundSeq)), hostilePacket(destId, aroundSeq));
}
