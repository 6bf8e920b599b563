import { Transform, type TransformCallback } from 'node:stream';
import { resolveOptions } from '../net/options';
import { UDP_IP_HEADERS } from '../protocol/limits';
import { HEADER_SIZE } from '../protocol/packet';
import type { SrtSpec } from './endpoint-spec';
import { UsageError } from './usage-error';

/**
 * `-c N`: cuts the input into chunks of at most N bytes, each of which an SRT output sends as one
 * packet (live mode) as srt-live-transmit does. A byte stream (file, stdin, TCP) is read in whole
 * N-byte chunks (the last one may be shorter); datagrams (UDP, SRT) keep their boundaries and only
 * those longer than N are cut, where srt-live-transmit would truncate them.
 */
export class Chunker extends Transform {
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly size: number, private readonly coalesce: boolean) {
    super({ objectMode: true, highWaterMark: 16 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.coalesce) {
      for (let off = 0; off < chunk.length; off += this.size) this.push(chunk.subarray(off, off + this.size));
      cb();
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= this.size) {
      const all = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
      let off = 0;
      for (; all.length - off >= this.size; off += this.size) this.push(all.subarray(off, off + this.size));
      this.held = off < all.length ? [all.subarray(off)] : [];
      this.heldBytes = all.length - off;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.heldBytes > 0) this.push(Buffer.concat(this.held, this.heldBytes));
    this.held = [];
    this.heldBytes = 0;
    cb();
  }
}

/**
 * `-c N` on a live SRT output whose payloadsize was not given: a chunk above the default payload
 * size raises it to N, so that each chunk is still one packet (srt-live-transmit does the same).
 * More than the MSS allows is a usage error.
 */
export function fitPayloadToChunk(spec: SrtSpec, size: number): void {
  const r = resolveOptions(spec.options);
  if (r.transType !== 'live' || spec.options.payloadSize !== undefined || size <= r.payloadSize) return;
  const max = r.mss - UDP_IP_HEADERS - HEADER_SIZE;
  if (size > max) throw new UsageError(`-c ${size}: a live SRT packet carries at most ${max} bytes (mss ${r.mss}); use a smaller chunk or transtype=file`);
  spec.options = { ...spec.options, payloadSize: size };
}
