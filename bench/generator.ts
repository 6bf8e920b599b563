/**
 * Paced live source: writes whole 1316-byte packets into a pipe (a child's stdin)
 * every `tickMs`, as many as the elapsed time at `bitrate` calls for, so the
 * average rate is exact whatever the timer jitter. The same generator feeds
 * every implementation under test. `numbered`: each packet carries its number and a
 * known pattern (numbered-packets.ts), so receivers can check every packet.
 */
import * as crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { patternBlock, writePacket } from './numbered-packets';

export interface GeneratorResult {
  bytes: number;
  packets: number;
  durationMs: number;
  /** Ticks on which the pipe was still full (the reader fell behind). */
  blockedTicks: number;
  /** Most packets owed at once while blocked. */
  maxBacklogPackets: number;
  /** Largest gap between two ticks, ms (the generator's own stalls). */
  maxTickGapMs: number;
}

export class PacedGenerator {
  private readonly block: Buffer;
  private sentPackets = 0;
  private blocked = false;
  private blockedTicks = 0;
  private maxBacklog = 0;
  private maxGap = 0;

  constructor(
    private readonly out: Writable,
    private readonly bitrate: number,
    private readonly packetSize = 1316,
    private readonly tickMs = 5,
    private readonly numbered = false,
  ) {
    // Random (incompressible) payload; 256 packets, reused: the content does not matter,
    // unless numbered, where receivers check it against the same pattern.
    this.block = numbered ? patternBlock(packetSize) : crypto.randomBytes(packetSize * 256);
  }

  /** Runs for durationMs, ends the pipe (srt-live-transmit needs EOF to flush its last blocks). */
  run(durationMs: number): Promise<GeneratorResult> {
    const pktPerMs = this.bitrate / 8 / this.packetSize / 1000;
    const total = Math.round(durationMs * pktPerMs);
    const t0 = performance.now();
    let last = t0;
    this.out.on('drain', () => { this.blocked = false; });
    return new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        this.maxGap = Math.max(this.maxGap, now - last);
        last = now;
        const elapsed = now - t0;
        const target = Math.min(total, Math.floor(elapsed * pktPerMs));
        const owed = target - this.sentPackets;
        if (owed > 0) {
          if (this.blocked) {
            this.blockedTicks++;
            this.maxBacklog = Math.max(this.maxBacklog, owed);
          } else {
            this.write(owed);
          }
        }
        if (this.sentPackets >= total) {
          clearInterval(timer);
          this.out.end();
          resolve({
            bytes: this.sentPackets * this.packetSize,
            packets: this.sentPackets,
            durationMs: performance.now() - t0,
            blockedTicks: this.blockedTicks,
            maxBacklogPackets: this.maxBacklog,
            maxTickGapMs: this.maxGap,
          });
        }
      };
      const timer = setInterval(tick, this.tickMs);
    });
  }

  private write(n: number): void {
    const per = this.block.length / this.packetSize;
    while (n > 0) {
      const k = Math.min(n, per);
      const ok = this.out.write(this.numbered ? this.numberedPackets(k) : this.block.subarray(0, k * this.packetSize));
      this.sentPackets += k;
      n -= k;
      if (!ok) {
        this.blocked = true;
        return;
      }
    }
  }

  /** The next k packets, numbered from sentPackets (a fresh buffer: the pipe may still hold the last one). */
  private numberedPackets(k: number): Buffer {
    const out = Buffer.allocUnsafe(k * this.packetSize);
    for (let i = 0; i < k; i++) writePacket(this.block, this.packetSize, this.sentPackets + i, out, i * this.packetSize);
    return out;
  }
}
