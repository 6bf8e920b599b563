/**
 * The payload of libsrt's FEC packet (packet filter "fec"), as written by
 * FECFilterBuiltin::PackControl and read by FECFilterBuiltin::receive / ClipControlPacket
 * (srtcore/fec.cpp). On the wire a FEC packet is a DATA packet with message number 0,
 * carrying the sequence number of the last data packet of its group and, in the
 * TIMESTAMP field, the XOR of the group's timestamps. Its payload:
 *
 *   byte 0     group kind: -1 (0xFF) for a row group, else the column index (0..cols-1)
 *   byte 1     XOR of the data packets' encryption key flags (KK)
 *   bytes 2-3  XOR of the data packets' payload lengths, each as big-endian uint16
 *   bytes 4-   XOR of the payloads, each zero-padded to the clip size
 */

/** Bytes before the XOR'ed payload: index, flags, length. */
export const FEC_HEADER_SIZE = 4;
/** libsrt's index byte for a row (horizontal) group. */
export const FEC_ROW_INDEX = -1;

export interface FecPayload {
  /** -1 for a row group, else the column (0..cols-1) of a column group. */
  index: number;
  /** XOR of the key flags (0..3) of the group's packets. */
  flagClip: number;
  /** XOR of the group's payload lengths (as the big-endian uint16 values). */
  lengthClip: number;
  /** XOR of the group's payloads, zero-padded to the clip size. */
  payloadClip: Buffer;
}

/** Reads a FEC packet's payload; null when too short to hold the header. Never throws. */
export function decodeFecPayload(payload: Buffer): FecPayload | null {
  if (payload.length < FEC_HEADER_SIZE) return null;
  return {
    index: payload.readInt8(0),
    flagClip: payload[1],
    lengthClip: payload.readUInt16BE(2),
    payloadClip: payload.subarray(FEC_HEADER_SIZE),
  };
}

/** Writes a FEC packet's payload. */
export function encodeFecPayload(p: FecPayload): Buffer {
  const out = Buffer.alloc(FEC_HEADER_SIZE + p.payloadClip.length);
  out[0] = p.index & 0xff; // libsrt stores it as a signed char
  out[1] = p.flagClip & 0xff;
  out.writeUInt16BE(p.lengthClip & 0xffff, 2);
  p.payloadClip.copy(out, FEC_HEADER_SIZE);
  return out;
}

/** Whether a data packet is a FEC packet: libsrt marks them with message number 0. */
export function isFecPacket(msgNo: number): boolean {
  return msgNo === 0;
}
