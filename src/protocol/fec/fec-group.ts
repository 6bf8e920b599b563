/**
 * XOR accumulation of one FEC group, as libsrt's FECFilterBuiltin::ClipPacket / ClipData
 * (srtcore/fec.cpp), and the rebuilding of a group's one missing packet from the other
 * members plus the group's FEC packet, as FECFilterBuiltin::RcvRebuild.
 *
 * The clip size is the filter's payload size: every payload is XOR'ed zero-padded to it,
 * so a rebuilt payload is cut back to the XOR'ed length.
 */
import { FecPayload } from './fec-packet';

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
   * XORs a data packet in. Returns false (and leaves the clip unchanged) when the payload
   * is longer than the clip: libsrt's payload size bounds every packet under the filter.
   */
  addData(p: FecClipSource): boolean {
    if (p.payload.length > this.clipSize || p.payload.length > 0xffff) return false;
    this.xor(p.payload.length, p.keyFlags & 3, p.timestamp, p.payload);
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
