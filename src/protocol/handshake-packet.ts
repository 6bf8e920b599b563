/**
 * The handshake control body: the 48-byte CIF plus HSv5 extension blocks
 * (SRT-PROTOCOL.md §2.2-2.3; srtcore/handshake.h, core.cpp createSrtHandshake).
 */

export const HandshakeType = {
  WAVEAHAND: 0,
  INDUCTION: 1,
  CONCLUSION: -1,
  AGREEMENT: -2,
} as const;

/** Low 16 bits of the Type field in an HSv5 induction reply. */
export const HS_V5_MAGIC = 0x4a17;
/** Type of a version-4 (UDT) handshake: UDT_DGRAM. */
export const UDT_DGRAM = 2;

/** Extension flags in the low 16 bits of Type. */
export const HsExtFlag = { HSREQ: 1, KMREQ: 2, CONFIG: 4 } as const;

/** Extension block command codes. */
export const HsExt = {
  HSREQ: 1,
  HSRSP: 2,
  KMREQ: 3,
  KMRSP: 4,
  SID: 5,
  CONGESTION: 6,
  FILTER: 7,
  GROUP: 8,
} as const;

/** HSREQ/HSRSP capability flags (SrtOptions). */
export const SrtFlag = {
  TSBPDSND: 0x01,
  TSBPDRCV: 0x02,
  HAICRYPT: 0x04,
  TLPKTDROP: 0x08,
  NAKREPORT: 0x10,
  REXMITFLG: 0x20,
  STREAM: 0x40,
  FILTERCAP: 0x80,
} as const;

export const HS_CIF_SIZE = 48;

export interface HsExtension {
  type: number;
  /** Block body exactly as on the wire (big-endian words). */
  body: Buffer;
}

export interface Handshake {
  version: number;
  /** High 16 bits of Type: 0, or AES key length / 8 (2, 3, 4). */
  encryption: number;
  /** Low 16 bits of Type: extension flags, the 0x4A17 magic, or UDT_DGRAM. */
  extField: number;
  isn: number;
  mss: number;
  flightFlagSize: number;
  /** Signed: 1 induction, 0 waveahand, -1 conclusion, -2 agreement, >= 1000 rejection. */
  reqType: number;
  socketId: number;
  cookie: number;
  /** 16 bytes, as on the wire (libsrt reverses each 4-byte group). */
  peerIp: Buffer;
  extensions: HsExtension[];
}

export function decodeHandshake(body: Buffer): Handshake | null {
  if (body.length < HS_CIF_SIZE) return null;
  const type = body.readUInt32BE(4);
  const hs: Handshake = {
    version: body.readUInt32BE(0),
    encryption: type >>> 16,
    extField: type & 0xffff,
    isn: body.readUInt32BE(8),
    mss: body.readUInt32BE(12),
    flightFlagSize: body.readUInt32BE(16),
    reqType: body.readInt32BE(20),
    socketId: body.readUInt32BE(24),
    cookie: body.readUInt32BE(28),
    peerIp: body.subarray(32, 48),
    extensions: [],
  };
  let off = HS_CIF_SIZE;
  while (off + 4 <= body.length) {
    const hdr = body.readUInt32BE(off);
    const size = (hdr & 0xffff) * 4;
    off += 4;
    if (off + size > body.length) return null; // truncated block: a malformed handshake
    hs.extensions.push({ type: hdr >>> 16, body: body.subarray(off, off + size) });
    off += size;
  }
  return hs;
}

export function encodeHandshake(hs: Handshake): Buffer {
  let len = HS_CIF_SIZE;
  for (const e of hs.extensions) len += 4 + alignedLength(e.body.length);
  const buf = Buffer.alloc(len);
  buf.writeUInt32BE(hs.version >>> 0, 0);
  buf.writeUInt32BE((((hs.encryption & 0xffff) << 16) | (hs.extField & 0xffff)) >>> 0, 4);
  buf.writeUInt32BE(hs.isn >>> 0, 8);
  buf.writeUInt32BE(hs.mss >>> 0, 12);
  buf.writeUInt32BE(hs.flightFlagSize >>> 0, 16);
  buf.writeInt32BE(hs.reqType | 0, 20);
  buf.writeUInt32BE(hs.socketId >>> 0, 24);
  buf.writeUInt32BE(hs.cookie >>> 0, 28);
  hs.peerIp.copy(buf, 32, 0, 16);
  let off = HS_CIF_SIZE;
  for (const e of hs.extensions) {
    const words = alignedLength(e.body.length) / 4;
    buf.writeUInt32BE(((e.type << 16) | words) >>> 0, off);
    e.body.copy(buf, off + 4);
    off += 4 + words * 4;
  }
  return buf;
}

function alignedLength(n: number): number {
  return (n + 3) & ~3;
}

export function findExtension(hs: Handshake, type: number): HsExtension | undefined {
  return hs.extensions.find((e) => e.type === type);
}

// ---------------------------------------------------------------- HSREQ / HSRSP

export interface SrtHsBody {
  /** SRT version, major<<16 | minor<<8 | patch. */
  srtVersion: number;
  flags: number;
  /** HSv5: the sender's receiver latency (ms), high 16 bits of word 2. */
  rcvLatency: number;
  /** HSv5: the sender's sender latency (ms), low 16 bits of word 2. */
  sndLatency: number;
}

export function decodeSrtHs(body: Buffer): SrtHsBody | null {
  if (body.length < 12) return null;
  const lat = body.readUInt32BE(8);
  return { srtVersion: body.readUInt32BE(0), flags: body.readUInt32BE(4), rcvLatency: lat >>> 16, sndLatency: lat & 0xffff };
}

export function encodeSrtHs(b: SrtHsBody): Buffer {
  const buf = Buffer.allocUnsafe(12);
  buf.writeUInt32BE(b.srtVersion >>> 0, 0);
  buf.writeUInt32BE(b.flags >>> 0, 4);
  buf.writeUInt32BE((((b.rcvLatency & 0xffff) << 16) | (b.sndLatency & 0xffff)) >>> 0, 8);
  return buf;
}

// ---------------------------------------------------------------- string extensions

/**
 * SID / CONGESTION / FILTER strings: NUL-padded to 4 bytes, then every 4-byte
 * group reversed (libsrt swaps the words it wrote in host order).
 */
export function encodeHsString(s: string): Buffer {
  const raw = Buffer.from(s, 'utf8');
  const buf = Buffer.alloc(alignedLength(raw.length));
  raw.copy(buf);
  reverseWords(buf);
  return buf;
}

export function decodeHsString(body: Buffer): string {
  const buf = Buffer.from(body.subarray(0, body.length & ~3));
  reverseWords(buf);
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  return buf.toString('utf8', 0, end);
}

function reverseWords(buf: Buffer): void {
  for (let i = 0; i + 4 <= buf.length; i += 4) {
    const a = buf[i], b = buf[i + 1];
    buf[i] = buf[i + 3];
    buf[i + 1] = buf[i + 2];
    buf[i + 2] = b;
    buf[i + 3] = a;
  }
}

// ---------------------------------------------------------------- peer IP

/** Encodes an address into the 16-byte Peer IP field as libsrt on little-endian hosts does. */
export function encodePeerIp(address: string): Buffer {
  const out = Buffer.alloc(16);
  const v4 = parseIPv4(address.startsWith('::ffff:') ? address.slice(7) : address);
  if (v4) {
    v4.copy(out, 0);
  } else {
    const v6 = parseIPv6(address);
    if (v6) v6.copy(out, 0);
  }
  reverseWords(out);
  return out;
}

/** Decodes the Peer IP field to a printable address (IPv4 when only the first word is set). */
export function decodePeerIp(field: Buffer): string {
  // A field shorter than 16 bytes reads as zero-filled, not past its end.
  const b = Buffer.alloc(16);
  field.copy(b, 0, 0, 16);
  reverseWords(b);
  if (b.readUInt32BE(4) === 0 && b.readUInt32BE(8) === 0 && b.readUInt32BE(12) === 0) {
    return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(':');
}

function parseIPv4(s: string): Buffer | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return null;
  const bytes = m.slice(1).map(Number);
  if (bytes.some((x) => x > 255)) return null;
  return Buffer.from(bytes);
}

function parseIPv6(s: string): Buffer | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // A dotted IPv4 tail (::a.b.c.d as Node prints IPv4-compatible addresses, 64:ff9b::a.b.c.d)
  // is the last two groups; libsrt copies the 16 address bytes whatever their notation.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]);
    if (!v4) return null;
    s = `${dotted[1]}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const groups = [...head, ...Array(fill).fill('0'), ...tail];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    // parseInt alone would read '1.2.3.4' as 1 and '12zz' as 0x12.
    if (!/^[0-9a-f]{1,4}$/i.test(groups[i])) return null;
    out.writeUInt16BE(parseInt(groups[i], 16), i * 2);
  }
  return out;
}
