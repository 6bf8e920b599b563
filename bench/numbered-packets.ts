/**
 * Packets a receiver can check one by one: packet number `seq` is the 4-byte big-endian `seq`
 * followed by the rest of pattern packet `seq % PATTERN_PACKETS`, a fixed pseudo-random block
 * that the sender and every receiver build from the same seed. A receiver then knows, for each
 * packet, which one it is and whether every byte of it is what was sent.
 */
import { createHash } from 'node:crypto';

const PATTERN_PACKETS = 256;

/** PATTERN_PACKETS packets of `size` bytes, pseudo-random (incompressible), the same everywhere. */
export function patternBlock(size: number): Buffer {
  const block = Buffer.alloc(size * PATTERN_PACKETS);
  // SHA-256 in counter mode: 32 fixed bytes per step, no PRNG state to keep in step.
  for (let off = 0, i = 0; off < block.length; off += 32, i++) {
    createHash('sha256').update(`srt-stream bench ${i}`).digest().copy(block, off);
  }
  return block;
}

/** Writes packet number `seq` into `out` at `offset` (out must have room for one packet). */
export function writePacket(block: Buffer, size: number, seq: number, out: Buffer, offset: number): void {
  const p = (seq % PATTERN_PACKETS) * size;
  block.copy(out, offset + 4, p + 4, p + size);
  out.writeUInt32BE(seq >>> 0, offset);
}

/** The number of a packet whose content is intact, or -1 when any byte differs from what was sent. */
export function checkPacket(block: Buffer, size: number, pkt: Buffer): number {
  if (pkt.length !== size) return -1;
  const seq = pkt.readUInt32BE(0);
  const p = (seq % PATTERN_PACKETS) * size;
  return block.compare(pkt, 4, size, p + 4, p + size) === 0 ? seq : -1;
}
