import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Sampling interval of the event-loop delay histogram, ms. */
const RESOLUTION_MS = 5;

/**
 * SRT_RELAY_ELD=1: srt-relay measures its event-loop delay (how late its timers and packets are
 * handled) and prints `eld p50 P p99 Q max M ms (N samples)` on stderr at exit and on SIGUSR2,
 * each line covering the time since the previous one; the bench reads it. The histogram holds
 * whole sampling intervals: the interval is taken off, leaving the delay itself.
 * Returns the function that prints the last line and stops, or undefined when not asked for.
 */
export function startLoopDelayReport(say: (msg: string) => void): (() => void) | undefined {
  if (!process.env.SRT_RELAY_ELD) return undefined;
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const report = () => {
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(2);
    say(`eld p50 ${ms(h.percentile(50))} p99 ${ms(h.percentile(99))} max ${ms(h.max)} ms (${h.count} samples)`);
    h.reset();
  };
  process.on('SIGUSR2', report);
  return () => {
    process.off('SIGUSR2', report);
    report();
    h.disable();
  };
}
