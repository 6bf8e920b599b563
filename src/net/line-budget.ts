/**
 * A ration of log lines: at most `perSecond` a second, and, when the next second starts, one call
 * saying how many were left out. A flood of hostile handshakes must not flood a log (srt-pipe's
 * refused callers, srt-relay's refusals); what is left out is still counted by the caller.
 */
export class LineBudget {
  private windowStart = -Infinity;
  private used = 0;
  private skipped = 0;

  constructor(private readonly perSecond: number, private readonly reportSkipped: (n: number) => void) {}

  /** True when a line may be written at `now` (ms). */
  take(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      if (this.skipped > 0) this.reportSkipped(this.skipped);
      this.windowStart = now;
      this.used = 0;
      this.skipped = 0;
    }
    if (++this.used <= this.perSecond) return true;
    this.skipped++;
    return false;
  }
}
