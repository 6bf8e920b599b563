/**
 * The monitor page in a real browser: headless Chromium (the system's, driven by playwright-core)
 * loads it from the monitor server fed by a fake relay (test/support/fake-relay.ts, one virtual
 * second per event, ten events a real second), and the page's charts must fill from /events with no
 * console error, no failed request and no CSP violation. The page exposes what it holds as
 * `window.__monitor`.
 *
 * A screenshot of the page is written to $TMPDIR/srt-relay-monitor.png; set SRT_MONITOR_SCREENSHOT
 * to a path to also write it there (docs/monitor.png is made that way).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createMonitorServer, type MonitorServer } from '../../src/relay/monitor/http-server';
import { once } from 'node:events';
import { connect } from '../../src/index';
import { SrtRelay } from '../../src/relay/relay';
import { resolveConfig } from '../../src/relay/relay-config';
import type { RelaySnapshot } from '../../src/relay/snapshot';
import { FakeRelay } from '../support/fake-relay';
import { cleanupPeers, findTool, onCleanup, requireTool } from '../support/interop';

/** What `window.__monitor.connections()` returns (page/monitor.js). */
interface PageConnection {
  id: number;
  role: string;
  stream: string;
  gone: boolean;
  points: number;
  latest: Record<string, number | null>;
  charts: { title: string; points: number; values: number[] }[];
}

declare const window: { __monitor: { events: number; connections(): PageConnection[] } };
declare const document: { querySelectorAll(s: string): { length: number } };

const EVENTS_MS = 100;

describe('srt-relay monitor page in headless Chromium', function () {
  this.timeout(60000);
  let browser: Browser;

  before(async function () {
    requireTool(this, 'chromium');
    browser = await chromium.launch({
      executablePath: findTool('chromium')!,
      // As root (CI) Chromium refuses to start with its sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  });
  after(async function () { await browser?.close(); });
  afterEach(function () { return cleanupPeers(this); });

  async function open(relay: { snapshot(): RelaySnapshot }, eventIntervalMs = EVENTS_MS): Promise<{ page: Page; mon: MonitorServer; url: string; problems: string[] }> {
    const mon = createMonitorServer({ host: '127.0.0.1', port: 0, snapshot: () => relay.snapshot(), eventIntervalMs });
    const addr = await mon.listen();
    onCleanup(() => mon.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    onCleanup(() => page.close());
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    const url = `http://127.0.0.1:${addr.port}/`;
    await page.goto(url);
    return { page, mon, url, problems };
  }

  const connections = (page: Page) => page.evaluate(() => window.__monitor.connections());

  it('fills every connection\'s charts from /events, with no console error; a connection that leaves is greyed', async function () {
    const relay = FakeRelay.scene();
    const { page, problems } = await open(relay);
    await page.waitForFunction(() => window.__monitor && window.__monitor.events >= 90, null, { timeout: 30000 });

    const conns = await connections(page);
    expect(conns.map((c) => [c.stream, c.role, c.id])).to.deep.equal([
      ['live/cam1', 'publisher', 1], ['live/cam1', 'player', 2], ['live/cam1', 'player', 3],
      ['live/cam2', 'publisher', 4], ['live/cam2', 'player', 5], ['studio/backup', 'player', 6],
    ]);
    for (const c of conns) {
      expect(c.charts.map((ch) => ch.title)).to.have.length(4);
      for (const ch of c.charts) {
        expect(ch.points, `${c.id} ${ch.title}`).to.be.at.least(90);
        // Rates need two samples: only the first point of a rate is empty.
        for (const v of ch.values) expect(v, `${c.id} ${ch.title}`).to.be.at.least(ch.points - 1);
      }
    }
    // The rates come from the totals' differences: the fake publisher of live/cam1 sends 4.5 Mbit/s (±17 %).
    expect(conns[0].latest.bitrate).to.be.within(3.5, 5.5);
    expect(conns[3].latest.bitrate).to.be.within(1.5, 2.5);
    expect(conns[0].latest.rtt).to.be.within(5, 40);
    expect(conns[5].latest.bitrate, 'a player of a stream without publisher').to.equal(0);

    fs.writeFileSync(path.join(os.tmpdir(), 'srt-relay-monitor.png'), await page.screenshot({ fullPage: true }));
    if (process.env.SRT_MONITOR_SCREENSHOT) {
      // For the README: the header and the first stream (a publisher and two players).
      const box = (await page.locator('section.stream').first().boundingBox())!;
      const clip = { x: 0, y: 0, width: 1280, height: Math.ceil(box.y + box.height + 14) };
      fs.writeFileSync(process.env.SRT_MONITOR_SCREENSHOT, await page.screenshot({ clip }));
    }

    relay.removeConnection(3);
    await page.waitForFunction(() => window.__monitor.connections().some((c) => c.id === 3 && c.gone), null, { timeout: 10000 });
    expect(await page.evaluate(() => document.querySelectorAll('.conn.gone').length)).to.equal(1);
    const after = await connections(page);
    expect(after.find((c) => c.id === 3)!.points, 'its charts stop').to.be.lessThan(after.find((c) => c.id === 2)!.points);
    expect(problems).to.deep.equal([]);
  });

  it('keeps at most 300 points per connection', async function () {
    const relay = new FakeRelay();
    relay.addStream('live/one', { bitrate: 1e6, rttMs: 10, lossPerS: 1, latencyMs: 120 });
    relay.addPlayer('live/one', { bitrate: 1e6, rttMs: 10, lossPerS: 1, latencyMs: 120 });
    const { page, problems } = await open(relay, 20);
    await page.waitForFunction(() => window.__monitor && window.__monitor.events >= 320, null, { timeout: 50000, polling: 200 });
    for (const c of await connections(page)) {
      expect(c.points).to.equal(300);
      for (const ch of c.charts) expect(ch.points).to.equal(300);
    }
    expect(problems).to.deep.equal([]);
  });

  it('shows stream names and users as text, never as HTML', async function () {
    const relay = FakeRelay.scene();
    relay.addStream('<img src=x onerror="document.title=\'pwned\'">', { bitrate: 1e6, rttMs: 10, lossPerS: 0, latencyMs: 120 });
    relay.addPlayer('<img src=x onerror="document.title=\'pwned\'">', { bitrate: 1e6, rttMs: 10, lossPerS: 0, latencyMs: 120 }, '<b>eve</b>');
    const { page, problems } = await open(relay);
    await page.waitForFunction(() => window.__monitor && window.__monitor.events >= 3, null, { timeout: 10000 });
    expect(await page.locator('section.stream h2', { hasText: '<img src=x' }).count()).to.equal(1);
    expect(await page.locator('section.stream img').count()).to.equal(0);
    expect(await page.locator('.conn-info b').count()).to.equal(0);
    expect(await page.locator('.conn-info .sub', { hasText: 'user <b>eve</b>' }).count()).to.equal(1);
    expect(await page.title()).to.equal('srt-relay monitor');
    expect(problems).to.deep.equal([]);
  });

  it('shows the relay going away, and follows it again when it is back', async function () {
    const relay = FakeRelay.scene();
    const { page, mon } = await open(relay);
    await page.waitForFunction(() => window.__monitor && window.__monitor.events >= 3, null, { timeout: 10000 });
    expect(await page.locator('#status.live').count()).to.equal(1);
    const port = mon.address()!.port;
    await mon.close();
    await page.locator('#status.down').waitFor({ timeout: 10000 });
    const before = await page.evaluate(() => window.__monitor.events);
    const again = createMonitorServer({ host: '127.0.0.1', port, snapshot: () => relay.snapshot(), eventIntervalMs: EVENTS_MS });
    await again.listen();
    onCleanup(() => again.close());
    await page.locator('#status.live').waitFor({ timeout: 15000 });
    await page.waitForFunction((n) => window.__monitor.events > n + 3, before, { timeout: 10000 });
    // The same connections, their history continued, not duplicated.
    expect((await connections(page)).map((c) => c.id)).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('a real relay: a publisher and two players (our own callers) each get their charts, with data', async function () {
    const relay = new SrtRelay(resolveConfig({ srtPort: 0, srtHost: '127.0.0.1', httpPort: null, latency: 80 }));
    relay.listen();
    await once(relay, 'listening');
    onCleanup(() => relay.close());
    const port = relay.server.address()!.port;
    const call = (streamId: string) => {
      const s = connect({ host: '127.0.0.1', port, streamId, latency: 80 });
      s.on('error', () => undefined);
      onCleanup(() => s.destroy());
      return s;
    };
    const pub = call('publish:cam1');
    await once(pub, 'connect');
    const players = [call('read:cam1'), call('#!::r=cam1,m=request')];
    for (const p of players) p.resume();
    await Promise.all(players.map((p) => once(p, 'connect')));
    // About 2 Mbit/s while the page watches.
    const timer = setInterval(() => { for (let i = 0; i < 4; i++) pub.write(Buffer.alloc(1316)); }, 20);
    onCleanup(() => clearInterval(timer));
    const { page, problems } = await open(relay, 250);
    await page.waitForFunction(() => window.__monitor && window.__monitor.connections().length === 3 &&
      window.__monitor.connections().every((c) => c.points >= 8), null, { timeout: 30000 });
    const conns = await connections(page);
    expect(conns.map((c) => c.role).sort()).to.deep.equal(['player', 'player', 'publisher']);
    for (const c of conns) expect(c.latest.bitrate, `${c.role} ${c.id} bitrate`).to.be.greaterThan(0.5);
    expect(problems).to.deep.equal([]);
  });
});
