/**
 * Measurement kit for the bench's node children: CPU (process.cpuUsage), RSS,
 * event-loop delay (monitorEventLoopDelay) and GC pauses, over the window between
 * the parent's 'start' and 'stop' messages; plus the IPC plumbing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';

export interface WindowMetrics {
  wallMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  /** Largest RSS sampled every 100 ms in the window. */
  rssPeakSampledBytes: number;
  heapUsedBytes: number;
  /** Event-loop sampling interval (resolution + delay), ms. */
  eld: { p50: number; p90: number; p99: number; max: number; mean: number; samples: number };
  gc: { count: number; totalMs: number; maxMs: number; byKind: Record<string, number> };
}

/** monitorEventLoopDelay resolution; its histogram holds the whole sampling interval (resolution + delay). */
export const ELD_RESOLUTION_MS = 5;

export type ParentMessage = { cmd: 'start' } | { cmd: 'stop' } | { cmd: 'quit' };

export class WindowMeter {
  private readonly h = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  private cpu0 = process.cpuUsage();
  private t0 = performance.now();
  private rssPeak = 0;
  private rssTimer?: NodeJS.Timeout;
  private gcCount = 0;
  private gcTotal = 0;
  private gcMax = 0;
  private gcKinds: Record<string, number> = {};
  private readonly obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gcCount++;
      this.gcTotal += e.duration;
      this.gcMax = Math.max(this.gcMax, e.duration);
      const kind = String((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? '?');
      this.gcKinds[kind] = (this.gcKinds[kind] ?? 0) + 1;
    }
  });

  start(): void {
    mark('start');
    this.h.reset();
    this.h.enable();
    this.obs.observe({ entryTypes: ['gc'] });
    this.cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    this.rssPeak = process.memoryUsage.rss();
    this.rssTimer = setInterval(() => {
      this.rssPeak = Math.max(this.rssPeak, process.memoryUsage.rss());
    }, 100);
  }

  stop(): WindowMetrics {
    mark('stop');
    const cpu = process.cpuUsage(this.cpu0);
    const wallMs = performance.now() - this.t0;
    this.h.disable();
    this.obs.disconnect();
    clearInterval(this.rssTimer);
    const mem = process.memoryUsage();
    const ms = (ns: number) => ns / 1e6;
    return {
      wallMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBytes: mem.rss,
      rssPeakSampledBytes: Math.max(this.rssPeak, mem.rss),
      heapUsedBytes: mem.heapUsed,
      eld: {
        p50: ms(this.h.percentile(50)),
        p90: ms(this.h.percentile(90)),
        p99: ms(this.h.percentile(99)),
        max: ms(this.h.max),
        mean: ms(this.h.mean),
        samples: this.h.count,
      },
      gc: { count: this.gcCount, totalMs: this.gcTotal, maxMs: this.gcMax, byKind: this.gcKinds },
    };
  }
}

/**
 * BENCH_MARK_DIR: appends "<pid> start|stop <µs>" (CLOCK_MONOTONIC, the clock of --cpu-prof's
 * startTime and timeDeltas) so a profile can be cut to the measuring window.
 */
function mark(what: string): void {
  const dir = process.env.BENCH_MARK_DIR;
  if (!dir) return;
  fs.appendFileSync(path.join(dir, 'marks.txt'), `${process.pid} ${what} ${Number(process.hrtime.bigint() / 1000n)}\n`);
}

export function send(msg: unknown): void {
  process.send?.(msg);
}

/** A child must never outlive its parent: exit when the IPC channel goes away. */
export function exitWithParent(cleanup: () => void = () => {}): void {
  process.on('disconnect', () => {
    try { cleanup(); } finally { process.exit(0); }
  });
}

/**
 * Cuts stdin chunks into whole packets, as srt-live-transmit does with -chunk: returns the whole
 * packets of the data so far (empty when none) and keeps the rest for the next chunk.
 */
export class WholePackets {
  private leftover?: Buffer;

  constructor(private readonly payloadSize: number) {}

  take(chunk: Buffer): Buffer {
    const buf = this.leftover ? Buffer.concat([this.leftover, chunk]) : chunk;
    const whole = buf.length - (buf.length % this.payloadSize);
    this.leftover = whole < buf.length ? Buffer.from(buf.subarray(whole)) : undefined;
    return buf.subarray(0, whole);
  }
}
