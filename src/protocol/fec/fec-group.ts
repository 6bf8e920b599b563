/**
 * XOR accumulation of one FEC group, as libsrt's FECFilterBuiltin::ClipPacket / ClipData
 * (srtcore/fec.cpp), and the rebuilding of a group's one missing packet from the other
 * members plus the group's FEC packet, as FECFilterBuiltin::RcvRebuild.
 *
 * The clip size is the filter's payload size: every payload is XOR'ed zero-padded to it,
 * so a rebuilt payload is cut back to the XOR'ed length.
 */
import { FEC_HEADER_SIZE, FecPayload } from './fec-packet';

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

export class FecGroupClip {
  readonly payloadClip: Buffer;
  lengthClip = 0;
  flagClip = 0;
  timestampClip = 0;
  /** Packets (data and FEC) clipped so far. */
  count = 0;

  constructor(readonly clipSize: number) {
    this.payloadClip = Buffer.alloc(clipSize);
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

  /** The FEC payload this group would send; `index` is -1 for a row, else the column. */
  toFecPayload(index: number): FecPayload {
    return { index, flagClip: this.flagClip, lengthClip: this.lengthClip, payloadClip: Buffer.from(this.payloadClip) };
  }

  /**
   * The FEC packet's payload for this group, written in one buffer (see fec-packet.ts):
   * index, flag clip, length clip, payload clip.
   */
  toFecPacketPayload(index: number): Buffer {
    const out = Buffer.allocUnsafe(FEC_HEADER_SIZE + this.clipSize);
    out[0] = index & 0xff;
    out[1] = this.flagClip & 0xff;
    out.writeUInt16BE(this.lengthClip & 0xffff, 2);
    this.payloadClip.copy(out, FEC_HEADER_SIZE);
    return out;
  }

  /** Empties the group for its next series (the buffer is reused). */
  reset(): void {
    this.payloadClip.fill(0);
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
    // Bounded by what we hold: payload.length <= clipSize was checked by the callers.
    for (let i = 0; i < payload.length; i++) this.payloadClip[i] ^= payload[i];
  }
}
