/**
 * SRT payload encryption on node:crypto only (SRT-PROTOCOL.md §2.5; libsrt haicrypt):
 * - KEK = PBKDF2-HMAC-SHA1(passphrase, last 8 bytes of the KM salt, 2048 iterations, key length)
 * - SEK(s) wrapped with RFC 3394 AES key wrap (default IV A6A6A6A6A6A6A6A6)
 * - AES-CTR over the payload only; IV = salt[0..13] XOR (packet seq at bytes 10..13), counter in 14..15
 * - AES-GCM (libsrt ≥ 1.5.4 layout): 12-byte IV = salt[0..11] XOR (seq at bytes 8..11), header as AAD, 16-byte tag
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';

export const PBKDF2_ITERATIONS = 2048;
export const PBKDF2_SALT_LEN = 8;
export const GCM_TAG_LEN = 16;
const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

function aes(bits: number, mode: string): string {
  return `aes-${bits}-${mode}`;
}

export function deriveKek(passphrase: string, kmSalt: Buffer, keyLen: number): Buffer {
  return pbkdf2Sync(Buffer.from(passphrase, 'utf8'), kmSalt.subarray(kmSalt.length - PBKDF2_SALT_LEN), PBKDF2_ITERATIONS, keyLen, 'sha1');
}

/** RFC 3394 key wrap. */
export function wrapKey(kek: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, WRAP_IV);
  return Buffer.concat([c.update(plain), c.final()]);
}

/** RFC 3394 unwrap; null when the integrity check fails (a wrong passphrase). */
export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer | null {
  // RFC 3394: at least two 64-bit blocks (the integrity block and one key block).
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) return null;
  try {
    const d = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, WRAP_IV);
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    return null;
  }
}

export function ctrIv(salt: Buffer, seq: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(seq >>> 0, 10);
  for (let i = 0; i < 14; i++) iv[i] ^= salt[i];
  return iv;
}

export function gcmIv(salt: Buffer, seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(seq >>> 0, 8);
  for (let i = 0; i < 12; i++) iv[i] ^= salt[i];
  return iv;
}

/** AES-CTR is its own inverse: encrypts or decrypts `data` into a new buffer. */
export function aesCtr(key: Buffer, salt: Buffer, seq: number, data: Buffer): Buffer {
  const c = createCipheriv(aes(key.length * 8, 'ctr'), key, ctrIv(salt, seq));
  return Buffer.concat([c.update(data), c.final()]);
}

/** AES-GCM seal: ciphertext followed by the 16-byte tag; `aad` is the 16-byte header. */
export function gcmSeal(key: Buffer, salt: Buffer, seq: number, aad: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv(aes(key.length * 8, 'gcm') as 'aes-128-gcm', key, gcmIv(salt, seq), { authTagLength: GCM_TAG_LEN });
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** AES-GCM open; null when the tag does not verify. */
export function gcmOpen(key: Buffer, salt: Buffer, seq: number, aad: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < GCM_TAG_LEN) return null;
  try {
    const d = createDecipheriv(aes(key.length * 8, 'gcm') as 'aes-128-gcm', key, gcmIv(salt, seq), { authTagLength: GCM_TAG_LEN });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_LEN));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - GCM_TAG_LEN)), d.final()]);
  } catch {
    return null;
  }
}

export function newKey(len: number): Buffer {
  return randomBytes(len);
}
