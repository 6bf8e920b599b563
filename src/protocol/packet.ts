/**
 * SRT packet codecs (SRT-PROTOCOL.md §2.1). Every header word and every control
 * body word is big-endian; data payloads are never swapped.
 * Decoding never throws: malformed input yields null.
 */

export const HEADER_SIZE = 16;

export const ControlType = {
  HANDSHAKE: 0,
  KEEPALIVE: 1,
  ACK: 2,
  NAK: 3,
  CGWARNING: 4,
  SHUTDOWN: 5,
  ACKACK: 6,
  DROPREQ: 7,
  PEERERROR: 8,
  EXT: 0x7fff,
} as const;

/** Subtypes of the EXT (0x7FFF) control type. */
export const ExtType = {
  HSREQ: 1,
  HSRSP: 2,
  KMREQ: 3,
  KMRSP: 4,
} as const;

/** PP bits of the data msgno word: position of the packet in its message. */
export const Position = {
  MIDDLE: 0,
  LAST: 1,
  FIRST: 2,
  SOLO: 3,
} as const;

export const KeyFlags = { NONE: 0, EVEN: 1, ODD: 2, BOTH: 3 } as const;

/** The fields of a data packet's 16-byte header (msgno word split into its bits). */
export interface DataHeaderFields {
  seq: number;
  position: number;
  inOrder: boolean;
  keyFlags: number;
  retransmitted: boolean;
  msgNo: number;
  timestamp: number;
  destId: number;
}

export interface DataPacket extends DataHeaderFields {
  kind: 'data';
  /** A view into the received datagram (no copy). */
  payload: Buffer;
}

export interface ControlPacket {
  kind: 'control';
  type: number;
  subtype: number;
  /** Word 1: ACK number, ACKACK number, DROPREQ msgno, error code. */
  typeInfo: number;
  timestamp: number;
  destId: number;
  body: Buffer;
}

export type Packet = DataPacket | ControlPacket;

const MSGNO_MASK = 0x03ffffff;

/** Destination socket ID of a datagram (header word 3), read without decoding the rest; buf holds a header. */
export function destinationOf(buf: Buffer): number {
  return buf.readUInt32BE(12);
}

/** Whether a datagram is a HANDSHAKE control packet (word 0 is exactly the control bit, type 0, subtype 0). */
export function isHandshake(buf: Buffer): boolean {
  return buf.readUInt32BE(0) === 0x80000000;
}

export function decodePacket(buf: Buffer): Packet | null {
  if (buf.length < HEADER_SIZE) return null;
  const w0 = buf.readUInt32BE(0);
  const w1 = buf.readUInt32BE(4);
  const timestamp = buf.readUInt32BE(8);
  const destId = buf.readUInt32BE(12);
  if (w0 & 0x80000000) {
    return {
      kind: 'control',
      type: (w0 >>> 16) & 0x7fff,
      subtype: w0 & 0xffff,
      typeInfo: w1,
      timestamp,
      destId,
      body: buf.subarray(HEADER_SIZE),
    };
  }
  return {
    kind: 'data',
    seq: w0,
    position: w1 >>> 30,
    inOrder: (w1 & 0x20000000) !== 0,
    keyFlags: (w1 >>> 27) & 3,
    retransmitted: (w1 & 0x04000000) !== 0,
    msgNo: w1 & MSGNO_MASK,
    timestamp,
    destId,
    payload: buf.subarray(HEADER_SIZE),
  };
}

export function msgNoWord(f: Pick<DataHeaderFields, 'position' | 'inOrder' | 'keyFlags' | 'retransmitted' | 'msgNo'>): number {
  return (
    ((f.position & 3) << 30) |
    (f.inOrder ? 0x20000000 : 0) |
    ((f.keyFlags & 3) << 27) |
    (f.retransmitted ? 0x04000000 : 0) |
    (f.msgNo & MSGNO_MASK)
  ) >>> 0;
}

/** Writes a 16-byte data header into `target` at `offset`. */
export function writeDataHeader(target: Buffer, offset: number, f: DataHeaderFields): void {
  target.writeUInt32BE(f.seq & 0x7fffffff, offset);
  target.writeUInt32BE(msgNoWord(f), offset + 4);
  target.writeUInt32BE(f.timestamp >>> 0, offset + 8);
  target.writeUInt32BE(f.destId >>> 0, offset + 12);
}

export function encodeDataPacket(f: DataHeaderFields, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  writeDataHeader(buf, 0, f);
  payload.copy(buf, HEADER_SIZE);
  return buf;
}

export function encodeControl(
  type: number,
  typeInfo: number,
  timestamp: number,
  destId: number,
  body?: Buffer,
  subtype = 0,
): Buffer {
  // libsrt always pads an empty control body to one word.
  const bodyLen = body && body.length > 0 ? body.length : 4;
  const buf = Buffer.alloc(HEADER_SIZE + bodyLen);
  buf.writeUInt32BE((0x80000000 | ((type & 0x7fff) << 16) | (subtype & 0xffff)) >>> 0, 0);
  buf.writeUInt32BE(typeInfo >>> 0, 4);
  buf.writeUInt32BE(timestamp >>> 0, 8);
  buf.writeUInt32BE(destId >>> 0, 12);
  if (body && body.length > 0) body.copy(buf, HEADER_SIZE);
  return buf;
}

// ---------------------------------------------------------------- ACK

export interface AckInfo {
  /** First sequence number not yet received contiguously. */
  lastAckSeq: number;
  rtt?: number;
  rttVar?: number;
  availBuf?: number;
  pktRecvRate?: number;
  linkCapacity?: number;
  recvRate?: number;
}

const ACK_FIELDS = ['lastAckSeq', 'rtt', 'rttVar', 'availBuf', 'pktRecvRate', 'linkCapacity', 'recvRate'] as const;

export function decodeAck(body: Buffer): AckInfo | null {
  const words = Math.min(body.length >>> 2, ACK_FIELDS.length);
  if (words < 1) return null;
  const ack: AckInfo = { lastAckSeq: body.readUInt32BE(0) & 0x7fffffff };
  for (let i = 1; i < words; i++) ack[ACK_FIELDS[i]] = body.readUInt32BE(i * 4);
  return ack;
}

/** Encodes an ACK body: 1 word (light) or all 7 words (full). */
export function encodeAck(ack: AckInfo): Buffer {
  if (ack.rtt === undefined) {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(ack.lastAckSeq, 0);
    return b;
  }
  const b = Buffer.allocUnsafe(28);
  for (let i = 0; i < ACK_FIELDS.length; i++) b.writeUInt32BE((ack[ACK_FIELDS[i]] ?? 0) >>> 0, i * 4);
  return b;
}

// ---------------------------------------------------------------- NAK

/** Inclusive ranges [first, last] of lost sequence numbers. */
export type SeqRange = [number, number];

/** libsrt codes a single loss as one word and any range (even of 2) as first|MSB, last. */
export function encodeLossList(ranges: readonly SeqRange[], maxWords = Infinity): Buffer {
  const words: number[] = [];
  for (const [a, b] of ranges) {
    const need = a === b ? 1 : 2;
    if (words.length + need > maxWords) break;
    if (a === b) words.push(a);
    else words.push((a | 0x80000000) >>> 0, b);
  }
  const buf = Buffer.allocUnsafe(words.length * 4);
  words.forEach((w, i) => buf.writeUInt32BE(w, i * 4));
  return buf;
}

/** Returns null for a malformed list (dangling range start), as libsrt treats it as an attack. */
export function decodeLossList(body: Buffer): SeqRange[] | null {
  const n = body.length >>> 2;
  const out: SeqRange[] = [];
  for (let i = 0; i < n; i++) {
    const w = body.readUInt32BE(i * 4);
    if (w & 0x80000000) {
      if (i + 1 >= n) return null;
      const last = body.readUInt32BE(++i * 4);
      if (last & 0x80000000) return null;
      out.push([w & 0x7fffffff, last]);
    } else {
      out.push([w, w]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- DROPREQ

export function encodeDropReq(first: number, last: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(first, 0);
  b.writeUInt32BE(last, 4);
  return b;
}

export function decodeDropReq(body: Buffer): SeqRange | null {
  if (body.length < 8) return null;
  return [body.readUInt32BE(0) & 0x7fffffff, body.readUInt32BE(4) & 0x7fffffff];
}
