/**
 * ReconnectingSocket on loopback: a caller that outlives its connections. Edge cases named: the
 * listener not there yet, the accepted side destroyed, the server restarted on the same port, live
 * writes during the outage dropped and counted, file-mode writes held, end() stops reconnecting,
 * maxAttempts gives up with the last error, an abort ends it at once.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { AcceptingSocket, connect, createServer, ReconnectingSocket, type ReconnectInfo, type SrtServer, type SrtSocket } from '../../src/index';
import { freeUdpPort, waitFor } from '../support/interop';

async function serverOn(port: number): Promise<SrtServer> {
  const server = createServer({ latency: 80 });
  server.listen({ port, host: '127.0.0.1' });
  await once(server, 'listening');
  return server;
}

/** Everything the server's connections receive, in order of arrival. */
function collectAll(server: SrtServer, into: Buffer[], sockets: SrtSocket[] = []): void {
  server.on('connection', (s) => {
    sockets.push(s);
    s.on('data', (c: Buffer) => into.push(c));
    s.on('error', () => undefined);
  });
}

describe('ReconnectingSocket', function () {
  this.timeout(20000);
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const f of cleanup.splice(0)) f();
  });

  /** A server on `port`, closed after the test, collecting what its connections receive. */
  async function collectingServer(port: number): Promise<{ got: Buffer[]; sockets: SrtSocket[] }> {
    const server = await serverOn(port);
    cleanup.push(() => server.close());
    const got: Buffer[] = [];
    const sockets: SrtSocket[] = [];
    collectAll(server, got, sockets);
    return { got, sockets };
  }

  it('waits for a listener that is not there yet, then flows', async () => {
    const port = await freeUdpPort();
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', connectTimeout: 300, latency: 80, retry: { minDelay: 50, maxDelay: 200 } });
    cleanup.push(() => r.destroy());
    const retries: ReconnectInfo[] = [];
    r.on('reconnect', (i) => retries.push(i));
    await waitFor(() => retries.length >= 2, 10000);
    expect(retries[0].error?.code).to.equal('ETIMEDOUT');
    expect(retries[1].delayMs).to.be.greaterThan(retries[0].delayMs); // backoff
    const { got } = await collectingServer(port);
    await once(r, 'connect');
    r.write(Buffer.from('hello'));
    await waitFor(() => Buffer.concat(got).toString() === 'hello', 5000);
  });

  it('the accepted side destroyed: dials again and the same stream goes on, both ways', async () => {
    const port = await freeUdpPort();
    const { got, sockets } = await collectingServer(port);
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', latency: 80, peerIdleTimeout: 1000, retry: { minDelay: 50 } });
    cleanup.push(() => r.destroy());
    const read: Buffer[] = [];
    r.on('data', (c) => read.push(c));
    await once(r, 'connect');
    r.write(Buffer.from('one;'));
    await waitFor(() => sockets.length === 1 && got.length === 1, 5000);
    sockets[0].write(Buffer.from('from 1;'));
    await waitFor(() => read.length === 1, 5000);
    sockets[0].destroy(); // sends SHUTDOWN: the peer closed
    const [info] = (await once(r, 'reconnect')) as [ReconnectInfo];
    expect(info.attempt).to.equal(1);
    await once(r, 'connect');
    expect(r.connections).to.equal(2);
    r.write(Buffer.from('two;'));
    await waitFor(() => sockets.length === 2 && Buffer.concat(got).toString() === 'one;two;', 5000);
    sockets[1].write(Buffer.from('from 2;'));
    await waitFor(() => Buffer.concat(read).toString() === 'from 1;from 2;', 5000);
  });

  it('survives the server restarting on the same port; live writes meanwhile are dropped and counted', async () => {
    const port = await freeUdpPort();
    const server = await serverOn(port);
    const got: Buffer[] = [];
    const sockets: SrtSocket[] = [];
    collectAll(server, got, sockets);
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', latency: 80, connectTimeout: 500, retry: { minDelay: 50, maxDelay: 200 } });
    cleanup.push(() => r.destroy());
    await once(r, 'connect');
    // The server goes away: its connection ends, and the caller retries into nothing.
    const closed = once(server, 'close');
    server.close();
    for (const s of sockets) s.destroy();
    await closed;
    await once(r, 'reconnect');
    expect(r.connected).to.equal(false);
    r.write(Buffer.alloc(1000));
    r.write(Buffer.alloc(316));
    expect(r.droppedWrites).to.equal(2);
    expect(r.droppedBytes).to.equal(1316);
    const { got: got2 } = await collectingServer(port);
    await once(r, 'connect');
    r.write(Buffer.from('after restart'));
    await waitFor(() => Buffer.concat(got2).toString() === 'after restart', 5000);
  });

  it('file mode: a write during the outage waits for the next connection', async () => {
    const port = await freeUdpPort();
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', transType: 'file', connectTimeout: 300, retry: { minDelay: 50, maxDelay: 100 } });
    cleanup.push(() => r.destroy());
    let written = false;
    r.write(Buffer.from('kept'), () => (written = true));
    await once(r, 'reconnect');
    expect(written).to.equal(false);
    expect(r.droppedWrites).to.equal(0);
    const server = createServer({ transType: 'file' });
    server.listen({ port, host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const got: Buffer[] = [];
    collectAll(server, got);
    await waitFor(() => Buffer.concat(got).toString() === 'kept', 10000);
    expect(written).to.equal(true);
  });

  it('end() flushes, closes and does not dial again', async () => {
    const port = await freeUdpPort();
    const { got, sockets } = await collectingServer(port);
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', latency: 80, retry: { minDelay: 20 } });
    let reconnects = 0;
    r.on('reconnect', () => reconnects++);
    await once(r, 'connect');
    r.end(Buffer.from('last words'));
    await once(r, 'close');
    expect(Buffer.concat(got).toString()).to.equal('last words');
    await new Promise((res) => setTimeout(res, 200));
    expect(reconnects).to.equal(0);
    expect(sockets.length).to.equal(1);
  });

  it('gives up after retry.maxAttempts failed attempts, with the last error', async () => {
    const port = await freeUdpPort();
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', connectTimeout: 200, retry: { minDelay: 10, maxAttempts: 3 } });
    let reconnects = 0;
    r.on('reconnect', () => reconnects++);
    const [err] = (await once(r, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).to.equal('ETIMEDOUT');
    expect(reconnects).to.equal(2);
  });

  it('an abort ends it at once with AbortError, whatever it was doing', async () => {
    const port = await freeUdpPort();
    const ac = new AbortController();
    const r = new ReconnectingSocket({ port, host: '127.0.0.1', connectTimeout: 60000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const [err] = (await once(r, 'error')) as [Error];
    expect(err.name).to.equal('AbortError');
    expect(r.socket?.destroyed ?? true).to.equal(true);
  });
});

describe('AcceptingSocket', function () {
  this.timeout(20000);

  it('takes one caller at a time; the next caller continues the same stream; others are refused meanwhile', async () => {
    const server = await serverOn(0);
    const port = server.address()!.port;
    const a = new AcceptingSocket(server);
    const got: Buffer[] = [];
    a.on('data', (c) => got.push(c));
    try {
      const first = connect({ port, host: '127.0.0.1', latency: 80 });
      await once(first, 'connect');
      first.write(Buffer.from('one;'));
      await waitFor(() => Buffer.concat(got).toString() === 'one;', 5000);
      // A second caller while the first is connected: refused, as a busy srt-live-transmit listener.
      const second = connect({ port, host: '127.0.0.1', latency: 80 });
      const [err] = (await once(second, 'error')) as [NodeJS.ErrnoException & { reason?: string }];
      expect(err.reason).to.equal('SRT_REJ_BACKLOG');
      // The first leaves, a third takes over the stream, and data flows back to it too.
      const left = once(a, 'disconnect');
      first.destroy();
      await left;
      const third = connect({ port, host: '127.0.0.1', latency: 80 });
      const back: Buffer[] = [];
      third.on('data', (c: Buffer) => back.push(c));
      await once(third, 'connect');
      await waitFor(() => a.connected, 5000);
      third.write(Buffer.from('three;'));
      a.write(Buffer.from('to three'));
      await waitFor(() => Buffer.concat(got).toString() === 'one;three;' && Buffer.concat(back).toString() === 'to three', 5000);
      expect(a.connections).to.equal(2);
      third.destroy();
    } finally {
      a.destroy();
      server.close();
    }
  });

  it('live writes with no caller are dropped and counted; end() stops taking callers', async () => {
    const server = await serverOn(0);
    const a = new AcceptingSocket(server);
    a.write(Buffer.alloc(1316));
    expect(a.droppedWrites).to.equal(1);
    a.end();
    await once(a, 'close');
    const late = connect({ port: server.address()!.port, host: '127.0.0.1', latency: 80 });
    late.on('error', () => undefined);
    await once(late, 'connect'); // no 'request' listener any more: the server accepts as usual
    late.destroy();
    server.close();
  });
});
