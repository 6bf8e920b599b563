import { Transform, type TransformCallback } from 'node:stream';

/**
 * Pass-through between input and output that can be closed: stop() ends the output gracefully
 * (SRT end() = flush + SHUTDOWN) on SIGINT instead of destroying it. Object mode keeps chunk
 * boundaries (one UDP datagram = one chunk). Also counts bytes. `highWaterMark` is how many chunks
 * it holds (-buffering).
 */
export class Valve extends Transform {
  bytes = 0;
  /** Called with each chunk's size once it is passed on (stats count packets with it). */
  onChunk?: (bytes: number) => void;
  private stopped = false;

  constructor(highWaterMark = 16) {
    super({ objectMode: true, highWaterMark });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.stopped) { cb(); return; }
    this.bytes += chunk.length;
    cb(null, chunk);
    this.onChunk?.(chunk.length);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.push(null);
  }
}
