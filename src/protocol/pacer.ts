/**
 * Token bucket for LiveCC pacing. Tokens are bytes, refilled at `rate` bytes/s
 * on whatever coarse tick the adapter runs; the bucket depth allows a small
 * burst so a 1 ms tick can still send the bytes a finer pacer would have sent.
 */
export class TokenBucket {
  private tokens: number;
  private lastUs: number;

  constructor(public rate: number, private readonly minBurst: number, nowUs: number) {
    this.tokens = this.depth();
    this.lastUs = nowUs;
  }

  private depth(): number {
    return Math.max(this.rate * 0.002, this.minBurst);
  }

  refill(nowUs: number): void {
    const dt = nowUs - this.lastUs;
    if (dt > 0) {
      this.tokens = Math.min(this.depth(), this.tokens + (dt * this.rate) / 1e6);
      this.lastUs = nowUs;
    }
  }

  tryTake(bytes: number): boolean {
    if (this.tokens < bytes) return false;
    this.tokens -= bytes;
    return true;
  }

  /** Microseconds until `bytes` tokens are available. */
  waitUs(bytes: number): number {
    return this.tokens >= bytes ? 0 : ((bytes - this.tokens) * 1e6) / this.rate;
  }
}
