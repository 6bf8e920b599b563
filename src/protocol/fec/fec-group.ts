/**
 * XOR accumulation of one FEC group, as libsrt's FECFilterBuiltin::ClipPacket / ClipData
 * (srtcore/fec.cpp), and the rebuilding of a group's one missing packet from the other
 * members plus the group's FEC packet, as FECFilterBuiltin::RcvRebuild.
 *
 * The clip size is the filter's payload size: every payload is XOR'ed zero-padded to it,
 * so a rebuilt payload is cut back to the XOR'ed length.
 */
import { encodeFecPayload, FecPayload } from './fec-packet';

/** What of a data packet goes into a group's XOR. */
export interface FecClipSource {
  payload: Buffer;
  /** Header timestamp (uint32). */
  timestamp: number;
  /** Encryption key flags (KK, 0..3). */
  keyFlags: number;
}

/** A packet rebuilt from a group: its sequence number comes from its place in the group. */
export interface RebuiltPacket extends FecClipSource {
  seqNo: number;
}

/** Word-aligned copy of the payload being XOR'ed (one per process: the engine is synchronous). */
const SCRATCH_WORDS = new Int32Array(0x4000);
const SCRATCH = Buffer.from(SCRATCH_WORDS.buffer);

export class FecGroupClip {
  readonly payloadClip: Buffer;
  lengthClip = 0;
  flagClip = 0;
  timestampClip = 0;
  /** Packets (data and FEC) clipped so far. */
  count = 0;

  /** The clip as 32-bit words (its buffer is padded to whole words, the padding stays 0). */
  private readonly words: Int32Array;

  constructor(readonly clipSize: number) {
    const padded = (clipSize + 3) & ~3;
    this.words = new Int32Array(padded >> 2);
    this.payloadClip = Buffer.from(this.words.buffer, 0, clipSize);
  }

  /**
   * XORs a data packet in (the payload as on the wire; timestamp; key flags). Returns false (and
   * leaves the clip unchanged) when the payload is longer than the clip: libsrt's payload size
   * bounds every packet under the filter.
   */
  addData(payload: Buffer, timestamp: number, keyFlags: number): boolean {
    if (payload.length > this.clipSize || payload.length > 0xffff) return false;
    this.xor(payload.length, keyFlags & 3, timestamp, payload);
    return true;
  }

  /** XORs a received FEC packet in (its header timestamp and decoded payload). */
  addFec(timestamp: number, fec: FecPayload): boolean {
    if (fec.payloadClip.length > this.clipSize) return false;
    this.xor(fec.lengthClip, fec.flagClip, timestamp, fec.payloadClip);
    return true;
  }

  /** The payload of this group's FEC packet (fec-packet.ts); `index` is -1 for a row, else the column. */
  toFecPacketPayload(index: number): Buffer {
    return encodeFecPayload({ index, flagClip: this.flagClip, lengthClip: this.lengthClip, payloadClip: this.payloadClip });
  }

  /** Empties the group for its next series (the buffer is reused). */
  reset(): void {
    this.words.fill(0);
    this.lengthClip = 0;
    this.flagClip = 0;
    this.timestampClip = 0;
    this.count = 0;
  }

  /**
   * After all but one member and the group's FEC packet are clipped, the clip IS the
   * missing packet. Null when the XOR'ed length exceeds the clip (as RcvRebuild refuses).
   */
  rebuild(seqNo: number): RebuiltPacket | null {
    if (this.lengthClip > this.clipSize) return null;
    return {
      seqNo,
      payload: Buffer.from(this.payloadClip.subarray(0, this.lengthClip)),
      timestamp: this.timestampClip >>> 0,
      keyFlags: this.flagClip & 3,
    };
  }

  private xor(length: number, flags: number, timestamp: number, payload: Buffer): void {
    this.count++;
    this.lengthClip ^= length & 0xffff;
    this.flagClip ^= flags & 0xff;
    this.timestampClip = (this.timestampClip ^ timestamp) >>> 0;
    // Bounded by what we hold: payload.length <= clipSize was checked by the callers. A word at
    // a time, through an aligned scratch copy zero-padded to the word (4 times fewer steps than
    // bytes: FEC's main cost, every packet XOR'ed into two groups).
    const n = payload.length;
    payload.copy(SCRATCH, 0, 0, n);
    const words = (n + 3) >> 2;
    for (let i = n; i < words << 2; i++) SCRATCH[i] = 0;
    const w = this.words;
    for (let i = 0; i < words; i++) w[i] ^= SCRATCH_WORDS[i];
  }
}
