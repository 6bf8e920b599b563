import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `-t N` / `-tm M`: srt-live-transmit's exit timer. Mode 0: srt-pipe ends N seconds after it
 * started, whatever happens. Mode 1: the timer is cancelled once an SRT connection is up, and
 * started again when a connection ends (which matters only when srt-pipe goes on, reconnecting).
 */
export class ExitTimer {
  private abort?: AbortController;

  constructor(
    private readonly seconds: number,
    private readonly mode: 0 | 1,
    private readonly onExpire: () => void,
    private readonly log: (msg: string) => void,
  ) {}

  /** Starts counting (no-op without -t). */
  start(): void {
    if (this.seconds <= 0) return;
    this.cancel();
    const abort = new AbortController();
    this.abort = abort;
    this.log(`timeout: will exit after ${this.seconds} s`);
    // Unref'd: a timer alone must not keep srt-pipe alive once the copy is over.
    sleep(this.seconds * 1000, undefined, { signal: abort.signal, ref: false }).then(
      () => {
        if (this.abort !== abort) return;
        this.abort = undefined;
        this.log(`timeout: ${this.seconds} s passed, exiting`);
        this.onExpire();
      },
      () => { /* cancelled */ },
    );
  }

  /** An SRT connection is up: mode 1 stops counting. */
  connected(): void {
    if (this.mode !== 1 || !this.abort) return;
    this.cancel();
    this.log('timeout: cancelled (connected)');
  }

  /** An SRT connection ended and srt-pipe goes on: mode 1 counts again. */
  disconnected(): void {
    if (this.mode === 1 && this.seconds > 0 && !this.abort) this.start();
  }

  cancel(): void {
    this.abort?.abort();
    this.abort = undefined;
  }
}
