/**
 * SrtRelay on loopback with our own callers: routing by stream ID in the three conventions, one
 * publisher per name, access rules refusing with libsrt's codes, a slow player next to fast ones,
 * a publisher coming back within its grace, the prebuffer, waiting players, origin -> edge, and the
 * srt-relay command (SIGTERM, SIGHUP).
 */
import { expect } from 'chai';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type SrtSocket } from '../../src/index';
import { SrtRelay } from '../../src/relay/relay';
import { resolveConfig, type RelayConfig } from '../../src/relay/relay-config';
import { cleanupPeers, freeUdpPort, spawnPeer, tempDir, waitFor, waitForSrtListener, repoRoot } from '../support/interop';

const sockets: SrtSocket[] = [];
const relays: SrtRelay[] = [];

async function startRelay(over: Partial<RelayConfig> = {}): Promise<{ relay: SrtRelay; port: number }> {
  const relay = new SrtRelay(resolveConfig({ srtPort: 0, srtHost: '127.0.0.1', httpPort: null, latency: 80, ...over }));
  relays.push(relay);
  relay.listen();
  await once(relay, 'listening');
  return { relay, port: relay.server.address()!.port };
}

function caller(port: number, streamId: string, extra: Record<string, unknown> = {}): SrtSocket {
  const s = connect({ host: '127.0.0.1', port, streamId, latency: 80, ...extra });
  s.on('error', () => undefined);
  sockets.push(s);
  return s;
}

/** Collects what a player receives. */
function collect(s: SrtSocket): Buffer[] {
  const got: Buffer[] = [];
  s.on('data', (c: Buffer) => got.push(c));
  return got;
}

async function refusal(s: SrtSocket): Promise<string | undefined> {
  const [err] = (await once(s, 'error').catch((e) => [e])) as [{ reason?: string }];
  return err.reason;
}

describe('srt-relay', function () {
  this.timeout(20000);
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await cleanupPeers();
  });

  it('routes publish:/read:, #!:: and gosrt forms of one name to the same stream, to every player', async () => {
    const { port } = await startRelay();
    const pub = caller(port, 'publish:/live/cam1');
    await once(pub, 'connect');
    const players = ['read:live/cam1', '#!::r=live/cam1,m=request', '/live/cam1'].map((id) => caller(port, id));
    const got = players.map(collect);
    await Promise.all(players.map((p) => once(p, 'connect')));
    await waitFor(() => true, 100);
    for (let i = 0; i < 20; i++) pub.write(Buffer.alloc(1316, i));
    await waitFor(() => got.every((g) => Buffer.concat(g).length >= 20 * 1316), 5000);
  });

  it('a player gets the publisher\'s packets as they came: 1456-byte packets (srt-live-transmit\'s) are not cut at 1316', async () => {
    const { relay, port } = await startRelay();
    const player = caller(port, 'read:big', { payloadSize: 1456 });
    const got = collect(player);
    await once(player, 'connect');
    const pub = caller(port, 'publish:big', { payloadSize: 1456 });
    await once(pub, 'connect');
    for (let i = 0; i < 50; i++) pub.write(Buffer.alloc(1456, i));
    await waitFor(() => Buffer.concat(got).length >= 50 * 1456, 5000);
    expect(got.map((c) => c.length)).to.deep.equal(new Array(50).fill(1456));
    expect(relay.snapshot().streams[0].players[0].stats.pktSentUnique).to.equal(50);
  });

  it('packetFilter: publisher and player with FEC through the relay, the merged filter on every leg', async () => {
    const { relay, port } = await startRelay({ packetFilter: 'fec,cols:10,rows:5,arq:never' });
    const player = caller(port, 'read:fec', { packetFilter: 'fec,cols:10' });
    const got = collect(player);
    await once(player, 'connect');
    const pub = caller(port, 'publish:fec', { packetFilter: 'fec' });
    await once(pub, 'connect');
    for (const s of [player, pub]) expect(s.packetFilter).to.equal('fec,arq:never,cols:10,layout:staircase,rows:5');
    for (let i = 0; i < 100; i++) pub.write(Buffer.alloc(1316, i));
    await waitFor(() => Buffer.concat(got).length >= 100 * 1316, 5000);
    expect(Buffer.concat(got).equals(Buffer.concat(Array.from({ length: 100 }, (_, i) => Buffer.alloc(1316, i))))).to.equal(true);
    expect(relay.snapshot().streams[0].players[0].stats.pktSndFilterExtra).to.be.greaterThan(0);
    expect(() => resolveConfig({ packetFilter: 'fec,cols:1' })).to.throw(/packetFilter "fec,cols:1": 'cols' must be > 1/);
  });

  it('a second publisher of a name is refused with SRT_REJX_CONFLICT; with takeover it replaces the first', async () => {
    const { port } = await startRelay({ prebufferMs: 0 });
    const first = caller(port, 'publish:cam');
    await once(first, 'connect');
    expect(await refusal(caller(port, 'publish:cam'))).to.equal('SRT_REJX_CONFLICT');
    const t = await startRelay({ takeover: true });
    const a = caller(t.port, 'publish:cam');
    await once(a, 'connect');
    const b = caller(t.port, 'publish:cam');
    await once(b, 'connect');
    await once(a, 'close');
  });

  it('refuses with libsrt codes: bad request, bad mode, address, unknown stream, users, passwords', async () => {
    const { port } = await startRelay({
      streams: { open: {}, team: { publish: ['alice'], play: ['*'] } },
      users: { alice: 'secret' },
    });
    expect(await refusal(caller(port, ''))).to.equal('SRT_REJX_BAD_REQUEST');
    expect(await refusal(caller(port, '#!::r=open,m=bidirectional'))).to.equal('SRT_REJX_BAD_MODE');
    expect(await refusal(caller(port, 'publish:other'))).to.equal('SRT_REJX_NOTFOUND');
    expect(await refusal(caller(port, 'publish:team'))).to.equal('SRT_REJX_UNAUTHORIZED');
    expect(await refusal(caller(port, '#!::r=team,m=publish,u=alice'))).to.equal('SRT_REJX_UNAUTHORIZED'); // alice has a password
    expect(await refusal(caller(port, 'publish:team:alice:wrong'))).to.equal('SRT_REJX_UNAUTHORIZED');
    const ok = caller(port, 'publish:team:alice:secret');
    await once(ok, 'connect');
    const denied = await startRelay({ allow: ['10.0.0.0/8'] });
    expect(await refusal(caller(denied.port, 'read:x'))).to.equal('SRT_REJX_FORBIDDEN');
    const none = await startRelay({ waitForPublisherMs: 0 });
    expect(await refusal(caller(none.port, 'read:nobody'))).to.equal('SRT_REJX_NOTFOUND');
    const small = await startRelay({ maxConnections: 1 });
    await once(caller(small.port, 'publish:one'), 'connect');
    expect(await refusal(caller(small.port, 'read:one'))).to.equal('SRT_REJ_BACKLOG');
  });

  it('a flood of refused callers: every refusal counted, at most 20 log lines a second, then how many were left out', async () => {
    const { relay, port } = await startRelay({ allow: ['10.0.0.0/8'] });
    const lines: string[] = [];
    relay.on('log', (level, msg) => { if (level === 'warn') lines.push(msg); });
    const refused = Array.from({ length: 30 }, (_, i) => refusal(caller(port, `read:flood${i}`)));
    expect(new Set(await Promise.all(refused))).to.deep.equal(new Set(['SRT_REJX_FORBIDDEN']));
    expect(relay.snapshot().rejects.SRT_REJX_FORBIDDEN).to.equal(30);
    expect(lines.filter((l) => l.startsWith('refused'))).to.have.length(20);
    await new Promise((r) => setTimeout(r, 1100));
    await refusal(caller(port, 'read:later'));
    expect(lines).to.include('10 more refusals not logged (see /metrics for all of them)');
  });

  it('per-stream passphrases: a player with the wrong one gets SRT_REJ_BADSECRET, the right one plays', async () => {
    const { relay, port } = await startRelay({ streams: { '*': {}, secure: { passphrase: 'stream-secret-1' } } });
    const pub = caller(port, 'publish:secure', { passphrase: 'stream-secret-1' });
    await once(pub, 'connect');
    expect(await refusal(caller(port, 'read:secure', { passphrase: 'not-the-secret' }))).to.equal('SRT_REJ_BADSECRET');
    const player = caller(port, 'read:secure', { passphrase: 'stream-secret-1' });
    const got = collect(player);
    await once(player, 'connect');
    expect(player.encrypted).to.equal(true);
    pub.write(Buffer.alloc(1316, 7));
    await waitFor(() => got.length > 0, 5000);
    expect(relay.snapshot().rejects.SRT_REJ_BADSECRET).to.equal(1);
  });

  it('a player that reads nothing is dropped for, then disconnected; fast players stay byte-exact', async () => {
    const { relay, port } = await startRelay({ playerBacklogBytes: 64 * 1316, stallTimeoutMs: 1000, prebufferMs: 0 });
    const pub = caller(port, 'publish:s');
    await once(pub, 'connect');
    const slow = caller(port, 'read:s', { rcvBuf: 32 });
    await once(slow, 'connect');
    slow.pause(); // reads nothing: its receive buffer fills, then the relay's backlog for it
    const fast = [caller(port, 'read:s'), caller(port, 'read:s')];
    const got = fast.map(collect);
    await Promise.all(fast.map((f) => once(f, 'connect')));
    await waitFor(() => relay.snapshot().streams[0]?.players.length === 3, 5000);
    // A live stream (about 2.6 Mbit/s) until the slow player is let go: its connection drops what
    // becomes too late (after 1 s), the relay sees that go on for stallTimeoutMs and disconnects it.
    const data: Buffer[] = [];
    // (The slow player's own socket, paused with data unread, will not 'close' until read: as net.)
    const closed = () => relay.snapshot().streams[0].players.length === 2;
    for (let i = 0; !closed() && i < 3000; i++) {
      const b = Buffer.alloc(1316, i & 0xff);
      b.writeUInt32BE(i);
      data.push(b);
      pub.write(b);
      if (i % 5 === 4) await new Promise((r) => setTimeout(r, 20));
    }
    const want = Buffer.concat(data);
    await waitFor(() => got.every((g) => Buffer.concat(g).length >= want.length), 10000);
    for (const g of got) expect(Buffer.concat(g).equals(want)).to.equal(true);
    expect(closed(), 'the slow player was disconnected').to.equal(true);
  });

  it('a publisher back within its grace feeds the same players; a new player gets the prebuffer at once', async () => {
    const { port } = await startRelay({ publisherGraceMs: 5000, prebufferMs: 2000 });
    const pub1 = caller(port, 'publish:g');
    await once(pub1, 'connect');
    pub1.write(Buffer.from('before;'));
    const player = caller(port, 'read:g');
    const got = collect(player);
    await once(player, 'connect');
    await waitFor(() => Buffer.concat(got).toString() === 'before;', 5000); // the prebuffer
    pub1.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const pub2 = caller(port, 'publish:g');
    await once(pub2, 'connect');
    pub2.write(Buffer.from('after;'));
    await waitFor(() => Buffer.concat(got).toString() === 'before;after;', 5000);
    expect(player.destroyed).to.equal(false);
  });

  it('a player waits for a publisher up to its timeout, then is let go', async () => {
    const { port } = await startRelay({ waitForPublisherMs: 600 });
    const early = caller(port, 'read:later');
    const got = collect(early);
    await once(early, 'connect');
    const pub = caller(port, 'publish:later');
    await once(pub, 'connect');
    pub.write(Buffer.from('x'));
    await waitFor(() => got.length > 0, 5000);
    const lonely = caller(port, 'read:never');
    await once(lonely, 'connect');
    await once(lonely, 'close');
  });

  it('origin -> edge: the edge pulls a stream when its first player asks and stops when the last leaves', async () => {
    const origin = await startRelay();
    const edge = await startRelay({ origin: `srt://127.0.0.1:${origin.port}` });
    const pub = caller(origin.port, 'publish:chain');
    await once(pub, 'connect');
    const players = [caller(edge.port, 'read:chain'), caller(edge.port, 'read:chain')];
    const got = players.map(collect);
    await Promise.all(players.map((p) => once(p, 'connect')));
    await waitFor(() => origin.relay.snapshot().streams[0]?.players.length === 1, 5000); // one pull for both
    for (let i = 0; i < 10; i++) pub.write(Buffer.alloc(1316, i));
    await waitFor(() => got.every((g) => Buffer.concat(g).length >= 10 * 1316), 5000);
    for (const p of players) p.destroy();
    await waitFor(() => (origin.relay.snapshot().streams[0]?.players.length ?? 0) === 0, 5000);
  });

  it('the srt-relay command: listens with defaults, reads its config again on SIGHUP, SHUTDOWN to all on SIGTERM', async () => {
    const port = await freeUdpPort();
    const dir = tempDir('srt-relay-');
    const cfg = path.join(dir, 'relay.json');
    fs.writeFileSync(cfg, JSON.stringify({ srtPort: port, httpPort: null, streams: { a: {} } }));
    const p = spawnPeer(process.execPath, [path.join(repoRoot, 'bin', 'srt-relay.js'), '--config', cfg], { name: 'srt-relay' });
    await waitForSrtListener(port, { peer: p });
    expect(await refusal(caller(port, 'publish:b'))).to.equal('SRT_REJX_NOTFOUND');
    const pub = caller(port, 'publish:a');
    await once(pub, 'connect');
    fs.writeFileSync(cfg, JSON.stringify({ srtPort: port, httpPort: null, streams: { a: {}, b: {} } }));
    p.proc.kill('SIGHUP');
    await p.waitForStderr(/SIGHUP: .* read again/, 5000);
    const b = caller(port, 'publish:b');
    await once(b, 'connect');
    expect(pub.destroyed).to.equal(false); // connections stay across a reload
    const ended = Promise.all([once(pub, 'close'), once(b, 'close')]);
    p.proc.kill('SIGTERM');
    expect((await p.waitExit(10000)).code, p.diag()).to.equal(0);
    await ended;
  });

  it('the srt-relay command with its monitor: /api/streams and /metrics show the connections', async () => {
    const port = await freeUdpPort();
    const p = spawnPeer(process.execPath, [path.join(repoRoot, 'bin', 'srt-relay.js'), '--srt-port', String(port), '--http-port', '0'], { name: 'srt-relay' });
    const line = await p.waitForStderr(/monitor on (http:\/\/127\.0\.0\.1:\d+\/)/, 10000);
    const base = /monitor on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)![1];
    const pub = caller(port, 'publish:cam1');
    await once(pub, 'connect');
    const player = caller(port, 'read:cam1');
    await once(player, 'connect');
    const streams = (await (await fetch(`${base}api/streams`)).json()) as { streams: { name: string; publisher?: unknown; players: unknown[] }[] };
    expect(streams.streams.map((s) => [s.name, !!s.publisher, s.players.length])).to.deep.equal([['cam1', true, 1]]);
    const metrics = await (await fetch(`${base}metrics`)).text();
    expect(metrics).to.match(/stream="cam1"/);
    p.proc.kill('SIGTERM');
    expect((await p.waitExit(10000)).code, p.diag()).to.equal(0);
  });
});
