/**
 * The relay's monitor HTTP server, fed by a fake relay (test/support/fake-relay.ts) whose statistics
 * move at each snapshot: the page and its assets, /api/streams, /events, /metrics (also checked by
 * Prometheus's own `promtool check metrics`), and what it answers to requests it has no route for:
 * 404, 405, HEAD, path traversal attempts, malformed HTTP, a failing snapshot, too many event clients.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { createMonitorServer, type MonitorServer, type MonitorServerOptions } from '../../src/relay/monitor/http-server';
import type { MonitorSample } from '../../src/relay/monitor/monitor-sample';
import type { RelaySnapshot } from '../../src/relay/snapshot';
import { FakeRelay } from '../support/fake-relay';
import { cleanupPeers, onCleanup, requireTool, withTimeout } from '../support/interop';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function start(opts: Partial<MonitorServerOptions> & Pick<MonitorServerOptions, 'snapshot'>): Promise<{ mon: MonitorServer; port: number }> {
  const mon = createMonitorServer({ host: '127.0.0.1', port: 0, ...opts });
  const { port } = await mon.listen();
  onCleanup(() => mon.close());
  return { mon, port };
}

/** One request; `path` is sent as is (no normalization: what a hostile client would send). */
function request(port: number, path: string, method = 'GET'): Promise<Reply> {
  return withTimeout(new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  }), 10000, `${method} ${path}`);
}

/** Reads `n` server-sent events from /events, then disconnects. */
function readEvents(port: number, n: number): Promise<{ headers: http.IncomingHttpHeaders; events: MonitorSample[] }> {
  return withTimeout(new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/events', agent: false }, (res) => {
      const events: MonitorSample[] = [];
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) events.push(JSON.parse(data) as MonitorSample);
        }
        if (events.length >= n) {
          req.destroy();
          resolve({ headers: res.headers, events });
        }
      });
      res.on('error', () => { /* our own destroy */ });
    });
    req.on('error', reject);
  }), 15000, `${n} events`);
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format, the subset prom-client writes: `name{a="x",b="y"} value`. */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

describe('srt-relay monitor HTTP server', function () {
  this.timeout(30000);
  afterEach(function () { return cleanupPeers(this); });

  describe('the page and its assets', function () {
    it('GET / is the page, with a content security policy; it refers to its assets by relative URLs', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      const r = await request(port, '/');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).to.include("default-src 'self'");
      expect(r.headers['x-content-type-options']).to.equal('nosniff');
      for (const asset of ['assets/uPlot.iife.min.js', 'assets/uPlot.min.css', 'assets/monitor.js', 'assets/monitor.css']) {
        expect(r.body).to.include(`"${asset}"`);
      }
    });

    it('serves the page script and style, and uPlot from its installed package (no internet needed)', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      const js = await request(port, '/assets/monitor.js');
      expect(js.status).to.equal(200);
      expect(js.headers['content-type']).to.equal('text/javascript; charset=utf-8');
      expect(js.body).to.include('EventSource');
      const css = await request(port, '/assets/monitor.css');
      expect(css.headers['content-type']).to.equal('text/css; charset=utf-8');
      const uplot = await request(port, '/assets/uPlot.iife.min.js');
      expect(uplot.body).to.equal(fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'));
      const uplotCss = await request(port, '/assets/uPlot.min.css');
      expect(uplotCss.body).to.equal(fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'));
    });

    it('a query string does not change what a path is', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      expect((await request(port, '/assets/monitor.css?v=2')).status).to.equal(200);
      expect((await request(port, '/?x=../../package.json')).headers['content-type']).to.equal('text/html; charset=utf-8');
    });
  });

  describe('/api/streams', function () {
    it('is the snapshot as JSON: streams, their publisher and players with their statistics', async function () {
      const relay = FakeRelay.scene();
      const { port } = await start({ snapshot: () => relay.snapshot() });
      const r = await request(port, '/api/streams');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('application/json; charset=utf-8');
      const snap = JSON.parse(r.body) as RelaySnapshot;
      expect(snap.streams.map((s) => s.name)).to.deep.equal(['live/cam1', 'live/cam2', 'studio/backup']);
      const cam1 = snap.streams[0];
      expect(cam1.publisher?.role).to.equal('publisher');
      expect(cam1.players.map((p) => p.user)).to.deep.equal(['alice', 'bob']);
      expect(cam1.publisher!.stats.byteRecvTotal).to.be.greaterThan(0);
      expect(cam1.players[0].stats.byteSentTotal).to.be.greaterThan(0);
      expect(snap.streams[2].waitingForPublisher).to.equal(true);
      expect(snap.accepted).to.deep.equal({ publisher: 2, player: 4 });
      expect(snap.rejects).to.deep.equal({ SRT_REJX_FORBIDDEN: 3, SRT_REJ_BADSECRET: 1 });
    });

    it('a snapshot that throws answers 500, and the server goes on serving', async function () {
      let fail = true;
      const relay = FakeRelay.scene();
      const { port } = await start({ snapshot: () => { if (fail) throw new Error('boom'); return relay.snapshot(); } });
      expect((await request(port, '/api/streams')).status).to.equal(500);
      expect((await request(port, '/metrics')).status).to.equal(500);
      fail = false;
      expect((await request(port, '/api/streams')).status).to.equal(200);
    });
  });

  describe('/events', function () {
    it('sends a sample at once, then one per interval, each connection\'s totals picked for its role', async function () {
      const relay = FakeRelay.scene();
      const { port } = await start({ snapshot: () => relay.snapshot(), eventIntervalMs: 100 });
      const { headers, events } = await readEvents(port, 4);
      expect(headers['content-type']).to.equal('text/event-stream; charset=utf-8');
      expect(headers['cache-control']).to.equal('no-store');
      const times = events.map((e) => e.time);
      expect(times, 'each event a later snapshot').to.deep.equal([...times].sort((a, b) => a - b));
      expect(new Set(times).size).to.equal(times.length);

      const last = events[3];
      const cam1 = last.streams.find((s) => s.name === 'live/cam1')!;
      expect(cam1.connections.map((c) => c.role), 'publisher first').to.deep.equal(['publisher', 'player', 'player']);
      // The sample picks the counters that carry the media for the role: compare with the snapshot the
      // next event would be built from, one step later (totals only grow).
      const next = relay.snapshot().streams.find((s) => s.name === 'live/cam1')!;
      expect(cam1.connections[0].bytes).to.be.greaterThan(0).and.at.most(next.publisher!.stats.byteRecvTotal);
      expect(cam1.connections[1].bytes).to.be.greaterThan(0).and.at.most(next.players[0].stats.byteSentTotal);
      expect(cam1.connections[2].backlogDropped).to.be.at.most(next.players[1].droppedChunks);
      expect(events[0].streams[0].connections[0].bytes).to.be.lessThan(cam1.connections[0].bytes);
      // An IPv6 peer's port stays readable.
      const remotes = last.streams.flatMap((s) => s.connections.map((c) => c.remote));
      expect(remotes).to.include('[2001:db8::3]:40003').and.include('192.0.2.11:40001');
    });

    it('HEAD /events answers the headers and ends', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      const r = await request(port, '/events', 'HEAD');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
      expect(r.body).to.equal('');
    });

    it('beyond maxEventClients a page is answered 503; a client leaving frees its place', async function () {
      const relay = FakeRelay.scene();
      const { port } = await start({ snapshot: () => relay.snapshot(), eventIntervalMs: 100, maxEventClients: 1 });
      const first = http.get({ host: '127.0.0.1', port, path: '/events', agent: false });
      const res = await withTimeout(new Promise<http.IncomingMessage>((r) => first.on('response', r)), 5000, 'first client');
      expect(res.statusCode).to.equal(200);
      res.resume();
      const second = await request(port, '/events');
      expect(second.status).to.equal(503);
      expect(second.headers['retry-after']).to.equal('10');
      first.destroy();
      // The server sees the close a little later.
      let events: MonitorSample[] = [];
      for (let i = 0; i < 50 && !events.length; i++) {
        try { events = (await readEvents(port, 1)).events; } catch { await new Promise((r) => setTimeout(r, 50)); }
      }
      expect(events).to.have.length(1);
    });

    it('close() ends the event streams it serves', async function () {
      const relay = FakeRelay.scene();
      const mon = createMonitorServer({ host: '127.0.0.1', port: 0, snapshot: () => relay.snapshot() });
      const { port } = await mon.listen();
      const req = http.get({ host: '127.0.0.1', port, path: '/events', agent: false });
      onCleanup(() => req.destroy());
      const res = await withTimeout(new Promise<http.IncomingMessage>((r) => req.on('response', r)), 5000, 'events');
      res.resume();
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      await withTimeout(mon.close(), 5000, 'close');
      await withTimeout(ended, 5000, 'client stream closed');
      expect(mon.address()).to.equal(null);
    });
  });

  describe('/metrics', function () {
    it('per stream and per connection, with the snapshot\'s values in base units', async function () {
      const relay = FakeRelay.scene();
      let last: RelaySnapshot | undefined;
      const { port } = await start({ snapshot: () => (last = relay.snapshot()) });
      const r = await request(port, '/metrics');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
      const m = parseMetrics(r.body);
      const snap = last!;
      const cam1 = snap.streams[0];
      const pub = cam1.publisher!;
      const pubLabels = { stream: 'live/cam1', role: 'publisher', id: String(pub.id), remote: `${pub.remoteAddress}:${pub.remotePort}` };

      expect(find(m, 'srt_relay_stream_players', { stream: 'live/cam1' })[0].value).to.equal(2);
      expect(find(m, 'srt_relay_stream_players', { stream: 'studio/backup' })[0].value).to.equal(1);
      expect(find(m, 'srt_relay_stream_publishers', { stream: 'studio/backup' })[0].value).to.equal(0);
      expect(find(m, 'srt_relay_stream_waiting_for_publisher', { stream: 'studio/backup' })[0].value).to.equal(1);
      expect(find(m, 'srt_relay_stream_received_bytes_total', { stream: 'live/cam1' })[0].value).to.equal(cam1.bytesIn);
      expect(find(m, 'srt_relay_streams')[0].value).to.equal(3);
      expect(find(m, 'srt_relay_connection_bytes_received_total', pubLabels)[0].value).to.equal(pub.stats.byteRecvTotal);
      expect(find(m, 'srt_relay_connection_packets_received_lost_total', pubLabels)[0].value).to.equal(pub.stats.pktRcvLossTotal);
      expect(find(m, 'srt_relay_connection_rtt_seconds', pubLabels)[0].value).to.be.closeTo(pub.stats.msRTT / 1000, 1e-9);
      expect(find(m, 'srt_relay_connection_receive_buffer_seconds', pubLabels)[0].value).to.be.closeTo(pub.stats.msRcvBuf / 1000, 1e-9);
      expect(find(m, 'srt_relay_connection_flow_window_packets', pubLabels)[0].value).to.equal(pub.stats.pktFlowWindow);

      const bob = cam1.players[1];
      const bobLabels = { stream: 'live/cam1', role: 'player', id: String(bob.id) };
      expect(find(m, 'srt_relay_connection_bytes_sent_total', bobLabels)[0].value).to.equal(bob.stats.byteSentTotal);
      expect(find(m, 'srt_relay_connection_packets_retransmitted_total', bobLabels)[0].value).to.equal(bob.stats.pktRetransTotal);
      expect(find(m, 'srt_relay_connection_backlog_dropped_chunks_total', bobLabels)[0].value).to.equal(bob.droppedChunks);

      expect(find(m, 'srt_relay_rejected_total', { reason: 'SRT_REJX_FORBIDDEN' })[0].value).to.equal(3);
      expect(find(m, 'srt_relay_accepted_total', { role: 'player' })[0].value).to.equal(4);
      expect(find(m, 'srt_relay_connections', { role: 'publisher' })[0].value).to.equal(2);
      // An IPv6 remote keeps its port apart.
      expect(find(m, 'srt_relay_connection_rtt_seconds').map((s) => s.labels.remote)).to.include('[2001:db8::3]:40003');
    });

    it('a connection that left is gone from the next scrape; one series per connection, never more', async function () {
      const relay = FakeRelay.scene();
      const { port } = await start({ snapshot: () => relay.snapshot() });
      const before = parseMetrics((await request(port, '/metrics')).body);
      expect(find(before, 'srt_relay_connection_bytes_sent_total')).to.have.length(6);
      expect(find(before, 'srt_relay_connection_bytes_sent_total', { id: '3' })).to.have.length(1);
      relay.removeConnection(3);
      relay.removeStream('live/cam2');
      for (let i = 0; i < 3; i++) await request(port, '/metrics');
      const after = parseMetrics((await request(port, '/metrics')).body);
      expect(find(after, 'srt_relay_connection_bytes_sent_total')).to.have.length(3);
      expect(after.filter((s) => s.labels.id === '3')).to.deep.equal([]);
      expect(after.filter((s) => s.labels.stream === 'live/cam2')).to.deep.equal([]);
      expect(find(after, 'srt_relay_stream_players', { stream: 'live/cam1' })[0].value).to.equal(1);
    });

    it('passes `promtool check metrics`, stream names with quotes, backslashes and newlines included', async function () {
      requireTool(this, 'promtool');
      const relay = FakeRelay.scene();
      relay.addStream('odd "name" \\ with\nnewline', { bitrate: 1e6, rttMs: 10, lossPerS: 0, latencyMs: 120 });
      const { port } = await start({ snapshot: () => relay.snapshot() });
      const text = (await request(port, '/metrics')).body;
      let out: string;
      try {
        out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        throw new Error(`promtool check metrics failed:\n${e.stdout ?? ''}${e.stderr ?? ''}\n--- metrics ---\n${text}`);
      }
      expect(out.trim()).to.equal('');
      const odd = find(parseMetrics(text), 'srt_relay_stream_players').map((s) => s.labels.stream);
      expect(odd).to.include('odd "name" \\ with\nnewline');
    });
  });

  describe('requests without a route', function () {
    it('an unknown path is 404; a method other than GET/HEAD on a route is 405 with Allow', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      for (const p of ['/nope', '/api', '/api/streams/', '/assets/', '/assets/uPlot.d.ts', '/index.html', '/page/monitor.js']) {
        expect((await request(port, p)).status, p).to.equal(404);
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const r = await request(port, '/metrics', method);
        expect(r.status, method).to.equal(405);
        expect(r.headers.allow).to.equal('GET, HEAD');
      }
      expect((await request(port, '/nope', 'POST')).status).to.equal(404);
    });

    it('HEAD answers GET\'s headers without the body', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      for (const p of ['/', '/assets/uPlot.iife.min.js', '/api/streams', '/metrics']) {
        const get = await request(port, p);
        const head = await request(port, p, 'HEAD');
        expect(head.status, p).to.equal(200);
        expect(head.body, p).to.equal('');
        expect(head.headers['content-type'], p).to.equal(get.headers['content-type']);
        if (p.startsWith('/assets') || p === '/') expect(head.headers['content-length'], p).to.equal(get.headers['content-length']);
      }
    });

    it('path traversal attempts reach no file: 404', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      const attempts = [
        '/../package.json', '/assets/../../package.json', '/assets/../../../../etc/passwd',
        '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/assets/monitor.js/../../index.html',
        '//etc/passwd', '/assets//monitor.js', '/assets/monitor.js%00.png', '/assets\\..\\..\\package.json',
        '/node_modules/uplot/package.json', '/src/relay/monitor/page/index.html', '/dist/src/relay/monitor/http-server.js',
      ];
      for (const p of attempts) {
        const r = await request(port, p);
        expect(r.status, p).to.equal(404);
        expect(r.body, p).to.equal('not found\n');
      }
    });

    it('malformed HTTP is answered 400 and the server goes on', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      for (const garbage of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', '\x00\x01\x02\r\n\r\n']) {
        const reply = await withTimeout(new Promise<string>((resolve, reject) => {
          const sock = net.connect(port, '127.0.0.1', () => sock.end(garbage));
          let text = '';
          sock.setEncoding('utf8');
          sock.on('data', (c: string) => { text += c; });
          sock.on('close', () => resolve(text));
          sock.on('error', reject);
        }), 5000, 'raw request');
        expect(reply, JSON.stringify(garbage)).to.match(/^HTTP\/1\.1 400/);
      }
      expect((await request(port, '/')).status).to.equal(200);
    });

    it('listen() rejects when the port is taken', async function () {
      const { port } = await start({ snapshot: () => FakeRelay.scene().snapshot() });
      const other = createMonitorServer({ host: '127.0.0.1', port, snapshot: () => FakeRelay.scene().snapshot() });
      let error: NodeJS.ErrnoException | undefined;
      try { await other.listen(); } catch (err) { error = err as NodeJS.ErrnoException; }
      expect(error?.code).to.equal('EADDRINUSE');
      await other.close();
    });
  });
});
