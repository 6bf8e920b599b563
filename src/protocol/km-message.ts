/**
 * HaiCrypt keying-material (KM) message (SRT-PROTOCOL.md §2.4; libsrt
 * haicrypt/hcrypt_msg.h, hcrypt_ctx_rx.c ParseKM). Byte-exact big-endian: it is
 * NOT word-reversed inside handshake extensions or EXT control packets.
 */
export const KM_SIGNATURE = 0x2029;
export const KM_HEADER_SIZE = 16;
export const KmCipher = { NONE: 0, ECB: 1, CTR: 2, CBC: 3, GCM: 4 } as const;
export const KmKeys = { EVEN: 1, ODD: 2, BOTH: 3 } as const;

/** The one-word KMRSP that replaces an echo when the responder cannot or will not key. */
export const KmState = { UNSECURED: 0, SECURING: 1, SECURED: 2, NOSECRET: 3, BADSECRET: 4, BADCRYPTOMODE: 5 } as const;

export interface KmMessage {
  /** KK: which keys the message carries (1 even, 2 odd, 3 both; even first). */
  keys: number;
  cipher: number;
  auth: number;
  /** Stream encapsulation: 2 = SRT. */
  se: number;
  salt: Buffer;
  keyLen: number;
  /** RFC 3394 wrap of the key(s): n × keyLen + 8 bytes. */
  wrapped: Buffer;
}

/** Parses a KM message with libsrt's checks; null when malformed. */
export function decodeKm(buf: Buffer): KmMessage | null {
  if (buf.length < KM_HEADER_SIZE) return null;
  const version = (buf[0] >> 4) & 0x7;
  const packetType = buf[0] & 0xf;
  if (buf[0] & 0x80 || version !== 1 || packetType !== 2) return null;
  if (buf.readUInt16BE(1) !== KM_SIGNATURE) return null;
  const keys = buf[3] & 0x3;
  if (keys === 0) return null;
  const saltLen = buf[14] * 4;
  const keyLen = buf[15] * 4;
  if (saltLen > 16 || saltLen === 0 || ![16, 24, 32].includes(keyLen)) return null;
  const nKeys = keys === KmKeys.BOTH ? 2 : 1;
  const total = KM_HEADER_SIZE + saltLen + nKeys * keyLen + 8;
  // Handshake blocks are padded to whole words: allow up to 3 trailing bytes.
  if (buf.length < total || buf.length > ((total + 3) & ~3)) return null;
  return {
    keys,
    cipher: buf[8],
    auth: buf[9],
    se: buf[10],
    salt: Buffer.from(buf.subarray(KM_HEADER_SIZE, KM_HEADER_SIZE + saltLen)),
    keyLen,
    wrapped: Buffer.from(buf.subarray(KM_HEADER_SIZE + saltLen, total)),
  };
}

export function encodeKm(m: KmMessage): Buffer {
  const buf = Buffer.alloc(KM_HEADER_SIZE + m.salt.length + m.wrapped.length);
  buf[0] = 0x12; // version 1, packet type 2 (KM)
  buf.writeUInt16BE(KM_SIGNATURE, 1);
  buf[3] = m.keys & 0x3;
  // bytes 4..7: KEKI = 0
  buf[8] = m.cipher;
  buf[9] = m.auth;
  buf[10] = m.se;
  buf[14] = m.salt.length / 4;
  buf[15] = m.keyLen / 4;
  m.salt.copy(buf, KM_HEADER_SIZE);
  m.wrapped.copy(buf, KM_HEADER_SIZE + m.salt.length);
  return buf;
}

/**
 * A one-word KMRSP carrying a KM state instead of an echo. libsrt writes this word in host
 * order (little-endian on every platform it ships for): BADSECRET travels as 04 00 00 00.
 */
export function encodeKmState(state: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(state, 0);
  return b;
}

/** The state in a one-word KMRSP; null when the body is shorter than a word (libsrt rejects it). */
export function decodeKmState(word: Buffer): number | null {
  return word.length < 4 ? null : word.readUInt32LE(0);
}
