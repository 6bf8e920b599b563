/**
 * Server-sent events (GET /events) for the monitor pages: one timer for all of them, and one sample
 * serialized once per tick whatever the number of pages. What a client may make the relay hold is
 * bounded: the number of clients, and what each has not read yet (a stalled tab, a client that never
 * reads) before it is disconnected.
 */
import type * as http from 'node:http';

export interface EventStreamOptions {
  /** The next event's data (JSON on one line), or undefined to send nothing this time. */
  next: () => string | undefined;
  intervalMs: number;
  maxClients: number;
  /** Bytes written to a client and not yet taken by it beyond which it is disconnected. */
  maxUnsentBytes: number;
}

export class EventStream {
  private readonly clients = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: EventStreamOptions) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes over the response of a GET /events; false when there are already as many clients as allowed. */
  add(res: http.ServerResponse): boolean {
    if (this.clients.size >= this.opts.maxClients) return false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // A reverse proxy (nginx) would otherwise hold the events back in its buffer.
      'X-Accel-Buffering': 'no',
    });
    // EventSource's reconnection delay after the relay restarts.
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    // The page has something to show at once rather than after the first interval.
    const data = this.next();
    if (data !== undefined) this.write(res, data);
    this.timer ??= setInterval(() => this.tick(), this.opts.intervalMs);
    return true;
  }

  /** Ends every client's stream and stops the timer. */
  close(): void {
    for (const res of [...this.clients]) res.end();
    this.clients.clear();
    this.stop();
  }

  private tick(): void {
    const data = this.next();
    if (data === undefined) return;
    for (const res of [...this.clients]) this.write(res, data);
  }

  private next(): string | undefined {
    try {
      return this.opts.next();
    } catch {
      // A failing snapshot costs its pages one event, not the relay.
      return undefined;
    }
  }

  private write(res: http.ServerResponse, data: string): void {
    if (res.writableLength > this.opts.maxUnsentBytes) {
      res.destroy();
      this.remove(res);
      return;
    }
    res.write(`data: ${data}\n\n`);
  }

  private remove(res: http.ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
