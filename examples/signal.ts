/**
 * A generated test signal: 188-byte MPEG-TS-sized units, byte 0 = 0x47 (sync),
 * bytes 1-4 = unit index, the rest a pattern derived from the index, so a
 * receiver can check every byte and see exactly which units were lost.
 * (The same generator as the libsrt fixture captures.)
 */
export const UNIT = 188;

export function makeUnits(first: number, count: number): Buffer {
  const buf = Buffer.allocUnsafe(UNIT * count);
  for (let u = 0; u < count; u++) {
    const i = first + u;
    const o = u * UNIT;
    buf[o] = 0x47;
    buf.writeUInt32BE(i >>> 0, o + 1);
    for (let k = 5; k < UNIT; k++) buf[o + k] = (i + k) & 0xff;
  }
  return buf;
}

/** Checks a byte stream of units: counts intact ones, gaps and corrupt units. */
export class SignalChecker {
  expected = 0;
  intact = 0;
  missing = 0;
  corrupt = 0;
  private carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let off = 0;
    for (; off + UNIT <= buf.length; off += UNIT) {
      const i = buf.readUInt32BE(off + 1);
      let ok = buf[off] === 0x47;
      for (let k = 5; ok && k < UNIT; k++) ok = buf[off + k] === ((i + k) & 0xff);
      if (!ok) {
        this.corrupt++;
        continue;
      }
      if (i > this.expected) this.missing += i - this.expected;
      this.expected = i + 1;
      this.intact++;
    }
    buf = buf.subarray(off);
    this.carry = Buffer.from(buf);
  }
}
