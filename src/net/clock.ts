import { performance } from 'node:perf_hooks';

/** Monotonic microseconds: the clock every protocol engine runs on. */
export function nowUs(): number {
  return performance.now() * 1000;
}
