/**
 * Access control before accept: the server's 'request' event sees the caller and its stream ID,
 * and accepts (with per-connection options) or rejects with a libsrt code, at once or later.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { connect, ConnectionRequest, createServer, SrtServer, SrtSocket } from '../../src/index';

type ErrWithReason = Error & { code?: string; reason?: string; rejectCode?: number };

function listen(server: SrtServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address()!.port)));
}

/** Connects and resolves with the socket, or with the error it failed with. */
function attempt(port: number, opts: Record<string, unknown> = {}): Promise<SrtSocket | ErrWithReason> {
  const s = connect({ host: '127.0.0.1', port, connectTimeout: 2000, ...opts });
  return new Promise((resolve) => {
    s.once('connect', () => resolve(s));
    s.once('error', (e) => resolve(e as ErrWithReason));
  });
}

describe('access control (server "request" event)', function () {
  this.timeout(15000);
  let server: SrtServer;
  const open: SrtSocket[] = [];
  afterEach(async () => {
    open.splice(0).forEach((s) => s.destroy());
    if (server.listening) await new Promise((r) => server.close(() => r(undefined)));
  });

  it('sees address, raw stream ID and its #!:: keys before accepting', async () => {
    const seen: ConnectionRequest[] = [];
    server = createServer({ onRequest: (req) => (seen.push(req), req.accept()) });
    const port = await listen(server);
    const s = (await attempt(port, { streamId: '#!::u=alice,r=live/cam1,h=example.com,s=abc,t=stream,m=publish' })) as SrtSocket;
    open.push(s);
    expect(s).to.be.instanceOf(SrtSocket);
    expect(seen).to.have.length(1);
    const req = seen[0];
    expect(req.remoteAddress).to.equal('127.0.0.1');
    expect(req.remotePort).to.equal(s.localPort);
    expect(req.streamId).to.equal('#!::u=alice,r=live/cam1,h=example.com,s=abc,t=stream,m=publish');
    expect(req.params).to.deep.equal({ u: 'alice', r: 'live/cam1', h: 'example.com', s: 'abc', t: 'stream', m: 'publish' });
    expect([req.user, req.resource, req.mode]).to.deep.equal(['alice', 'live/cam1', 'publish']);
    expect(() => req.reject()).to.throw(/already accepted or rejected/);
  });

  for (const [code, name] of [
    ['SRT_REJX_FORBIDDEN', 'SRT_REJX_FORBIDDEN'],
    [1404, 'SRT_REJX_NOTFOUND'],
    [1405, 'SRT_REJX_BAD_MODE'],
    [2001, 'SRT_REJX_USER_2001'],
    [undefined, 'SRT_REJ_RESOURCE'],
  ] as const) {
    it(`reject(${String(code)}) reaches the caller as ECONNREFUSED with reason ${name}`, async () => {
      const rejects: unknown[] = [];
      server = createServer({ onRequest: (req) => req.reject(code) });
      server.on('reject', (r) => rejects.push(r));
      const port = await listen(server);
      const err = (await attempt(port, { streamId: 'cam9' })) as ErrWithReason;
      expect(err.code).to.equal('ECONNREFUSED');
      expect(err.reason).to.equal(name);
      expect(rejects).to.have.length(1);
      expect(rejects[0]).to.include({ reason: name, streamId: 'cam9' });
    });
  }

  it('decides asynchronously: the caller keeps resending until the answer comes', async () => {
    server = createServer();
    server.on('request', (req) => setTimeout(() => req.accept(), 700));
    const port = await listen(server);
    const t0 = Date.now();
    const s = (await attempt(port)) as SrtSocket;
    open.push(s);
    expect(s).to.be.instanceOf(SrtSocket);
    expect(Date.now() - t0).to.be.within(650, 1500);
  });

  it('per-user passphrase: right one connects encrypted, wrong one is refused with BADSECRET', async () => {
    const secrets: Record<string, string> = { alice: 'alice-secret-123', bob: 'bob-secret-4567' };
    server = createServer({ onRequest: (req) => req.accept({ passphrase: secrets[req.user ?? ''] }) });
    const port = await listen(server);
    const ok = (await attempt(port, { streamId: '#!::u=alice', passphrase: 'alice-secret-123' })) as SrtSocket;
    open.push(ok);
    expect(ok).to.be.instanceOf(SrtSocket);
    expect(ok.encrypted).to.equal(true);
    const bad = (await attempt(port, { streamId: '#!::u=bob', passphrase: 'alice-secret-123' })) as ErrWithReason;
    expect(bad.reason).to.equal('SRT_REJ_BADSECRET');
    const none = (await attempt(port, { streamId: '#!::u=bob' })) as ErrWithReason;
    expect(none.reason).to.equal('SRT_REJ_UNSECURE');
  });

  it('per-connection latency applies to that connection only', async () => {
    const accepted: SrtSocket[] = [];
    server = createServer({ latency: 120, onRequest: (req) => req.accept(req.resource === 'slow' ? { latency: 900 } : undefined) }, (s) => accepted.push(s));
    const port = await listen(server);
    const a = (await attempt(port, { streamId: 'slow' })) as SrtSocket;
    const b = (await attempt(port, { streamId: 'fast' })) as SrtSocket;
    open.push(a, b);
    await new Promise((r) => setTimeout(r, 20));
    open.push(...accepted);
    expect(a.getStats().msRcvTsbPdDelay).to.equal(900);
    expect(b.getStats().msRcvTsbPdDelay).to.equal(120);
  });

  it('maxConnections refuses the excess callers with SRT_REJ_BACKLOG', async () => {
    server = createServer((s) => open.push(s));
    server.maxConnections = 2;
    const port = await listen(server);
    open.push((await attempt(port)) as SrtSocket, (await attempt(port)) as SrtSocket);
    const third = (await attempt(port)) as ErrWithReason;
    expect(third.reason).to.equal('SRT_REJ_BACKLOG');
  });

  it('bad per-connection options throw to the application, not to the event loop', async () => {
    let thrown: Error | undefined;
    server = createServer({ onRequest: (req) => {
      try { req.accept({ passphrase: 'short' }); } catch (e) { thrown = e as Error; req.reject('SRT_REJX_ISE'); }
    } });
    const port = await listen(server);
    const err = (await attempt(port)) as ErrWithReason;
    expect(thrown?.message).to.match(/passphrase must be 10 to 80 bytes/);
    expect(thrown?.message).to.not.include('short');
    expect(err.reason).to.equal('SRT_REJX_ISE');
  });
});
