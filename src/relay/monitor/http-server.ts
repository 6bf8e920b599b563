/**
 * The relay's HTTP side: the monitor page and its assets, its event stream, the snapshot as JSON and
 * Prometheus metrics. It reads nothing of the relay but the snapshot function it is given.
 *
 *   GET /             the monitor page
 *   GET /assets/...   the page's script and style, uPlot (from its package: no internet access needed)
 *   GET /events       server-sent events, one sample per second (MonitorSample, JSON)
 *   GET /api/streams  the snapshot (RelaySnapshot, JSON)
 *   GET /metrics      Prometheus text exposition
 *
 * GET and HEAD only. A request is answered from its path alone (the query is ignored): a fixed table
 * of routes, so a path is never turned into a file name.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelaySnapshot } from '../snapshot';
import { EventStream } from './event-stream';
import { monitorSample } from './monitor-sample';
import { loadAssets } from './page-assets';
import { RelayMetrics } from './relay-metrics';

export interface MonitorServerOptions {
  snapshot: () => RelaySnapshot;
  /** Default: every interface (as node:http). */
  host?: string;
  /** Default 8080; 0 for any free port. */
  port?: number;
  /** Time between two events of /events, default 1000 ms. */
  eventIntervalMs?: number;
  /** Pages following /events at once, default 32; more are answered 503. */
  maxEventClients?: number;
}

export interface MonitorServer {
  readonly server: http.Server;
  /** Resolves once listening, rejects on a listen error (EADDRINUSE...). */
  listen(): Promise<AddressInfo>;
  address(): AddressInfo | null;
  /** Ends the event streams and every open connection. */
  close(): Promise<void>;
}

export const DEFAULT_MONITOR_PORT = 8080;

/** Unsent event bytes a page may leave behind before it is disconnected (about a minute of events). */
const MAX_UNSENT_EVENT_BYTES = 1 << 20;

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
};

/** The page loads only from here, and may not be framed by another site. */
const PAGE_CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

export function createMonitorServer(opts: MonitorServerOptions): MonitorServer {
  const assets = loadAssets();
  const metrics = new RelayMetrics();
  const events = new EventStream({
    next: () => JSON.stringify(monitorSample(opts.snapshot())),
    intervalMs: opts.eventIntervalMs ?? 1000,
    maxClients: opts.maxEventClients ?? 32,
    maxUnsentBytes: MAX_UNSENT_EVENT_BYTES,
  });
  const routes = new Set(['/events', '/api/streams', '/metrics', ...assets.keys()]);

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A body is never read: drained, so that the connection can carry the next request.
    req.resume();
    const path = (req.url ?? '/').split('?', 1)[0];
    if (!routes.has(path)) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' });
    }
    switch (path) {
      case '/events':
        if (req.method === 'HEAD') return send(res, 200, 'text/event-stream; charset=utf-8', '');
        if (!events.add(res)) send(res, 503, 'text/plain; charset=utf-8', 'too many event clients\n', { 'Retry-After': '10' });
        return;
      case '/api/streams':
        return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(opts.snapshot()));
      case '/metrics':
        return send(res, 200, metrics.contentType, await metrics.render(opts.snapshot()));
    }
    const asset = assets.get(path)!;
    send(res, 200, asset.contentType, asset.body, path === '/' ? { 'Content-Security-Policy': PAGE_CSP } : {});
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch(() => {
      // A failing snapshot (or anything else) answers 500; the server goes on.
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });

  return {
    server,
    async listen() {
      server.listen(opts.port ?? DEFAULT_MONITOR_PORT, opts.host);
      await once(server, 'listening');
      return server.address() as AddressInfo;
    },
    address() {
      const a = server.address();
      return a && typeof a === 'object' ? a : null;
    },
    async close() {
      events.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string | Buffer,
  headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
    ...headers,
  });
  // HEAD: node:http sends the headers (Content-Length included) and drops the body.
  res.end(body);
}
