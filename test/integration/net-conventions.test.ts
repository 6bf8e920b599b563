/**
 * What a net/tls user expects of SrtServer and SrtSocket: listen(options) with host, ipv6Only and
 * signal; connect({ signal }); 'end' before 'close' however an accepted socket is read.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, type ListenOptions, type SrtError, type SrtServer, type SrtSocket } from '../../src/index';
import { freeUdpPort } from '../support/interop';

/** Resolves with the socket's error, or undefined when it closed without one. */
function closed(sock: SrtSocket): Promise<SrtError | undefined> {
  return new Promise((resolve) => {
    let error: SrtError | undefined;
    sock.on('error', (e) => (error = e));
    sock.once('close', () => resolve(error));
  });
}

async function listening(options: ListenOptions): Promise<SrtServer> {
  const server = createServer();
  server.listen(options);
  await once(server, 'listening');
  return server;
}

describe('net conventions', function () {
  this.timeout(15000);
  const servers: SrtServer[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) if (s.listening) s.close();
  });

  describe('server.listen(options)', () => {
    it('binds the given host and port', async () => {
      const port = await freeUdpPort();
      const server = await listening({ port, host: '127.0.0.1' });
      servers.push(server);
      expect(server.address()).to.deep.include({ address: '127.0.0.1', port, family: 'IPv4' });
    });

    it('an IPv6 host listens on IPv6; ipv6Only refuses an IPv4 caller there', async () => {
      const server = await listening({ port: 0, host: '::', ipv6Only: true });
      servers.push(server);
      const { port, family } = server.address()!;
      expect(family).to.equal('IPv6');
      const v4 = connect({ port, host: '127.0.0.1', connectTimeout: 600 });
      expect((await closed(v4))?.code).to.equal('ETIMEDOUT');
      const v6 = connect({ port, host: '::1' });
      await once(v6, 'connect');
      v6.destroy();
    });

    it('listen(port, host, cb) still works, and a bad port throws as net', async () => {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      expect(server.address()?.address).to.equal('127.0.0.1');
      expect(() => createServer().listen({ port: 70000 })).to.throw().with.property('code', 'ERR_SOCKET_BAD_PORT');
    });

    it('an abort closes the server; accepted connections go on, as server.close()', async () => {
      const ac = new AbortController();
      const server = await listening({ port: 0, host: '127.0.0.1', signal: ac.signal });
      const accepted = once(server, 'connection');
      const caller = connect({ port: server.address()!.port, host: '127.0.0.1' });
      await once(caller, 'connect');
      const [sock] = (await accepted) as [SrtSocket];
      ac.abort();
      expect(server.listening).to.equal(false);
      // Still connected: data flows after the abort.
      caller.write(Buffer.from('after abort'));
      const [chunk] = await once(sock, 'data');
      expect(String(chunk)).to.equal('after abort');
      const serverClosed = once(server, 'close');
      caller.destroy();
      await serverClosed;
    });

    it('an already aborted signal: closed without listening', async () => {
      const server = createServer();
      const events: string[] = [];
      server.on('listening', () => events.push('listening'));
      server.on('error', () => events.push('error'));
      server.listen({ port: 0, signal: AbortSignal.abort() });
      await once(server, 'close');
      await new Promise((r) => setTimeout(r, 50));
      expect(events).to.deep.equal([]);
      expect(server.listening).to.equal(false);
    });
  });

  describe('connect({ signal })', () => {
    it('an abort during the handshake fails at once with AbortError, not at the connect timeout', async () => {
      const port = await freeUdpPort(); // nothing listens: the handshake would run until connectTimeout
      const ac = new AbortController();
      const sock = connect({ port, host: '127.0.0.1', connectTimeout: 60000, signal: ac.signal });
      const result = closed(sock);
      setTimeout(() => ac.abort(), 100);
      const err = await result;
      expect(err?.name).to.equal('AbortError');
      expect(err?.code).to.equal('ABORT_ERR');
      expect(sock.connecting).to.equal(false);
    });

    it('an already aborted signal fails without sending anything', async () => {
      const sock = connect({ port: 9, host: '127.0.0.1', signal: AbortSignal.abort('stop') });
      const err = await closed(sock);
      expect(err?.name).to.equal('AbortError');
      expect(err?.cause).to.equal('stop');
    });

    it('an abort once connected closes the connection: the peer sees it end', async () => {
      const server = await listening({ port: 0, host: '127.0.0.1' });
      servers.push(server);
      const accepted = once(server, 'connection');
      const ac = new AbortController();
      const caller = connect({ port: server.address()!.port, host: '127.0.0.1', signal: ac.signal });
      await once(caller, 'connect');
      const [peer] = (await accepted) as [SrtSocket];
      peer.resume();
      const peerEnded = once(peer, 'end');
      const result = closed(caller);
      ac.abort();
      expect((await result)?.name).to.equal('AbortError');
      await peerEnded;
    });
  });

  describe('setOptions() on a live socket', () => {
    it('changes the sending bandwidth at once, before and after connecting', async () => {
      const server = await listening({ port: 0, host: '127.0.0.1' });
      servers.push(server);
      const caller = connect({ port: server.address()!.port, host: '127.0.0.1', maxBw: 1_000_000 });
      caller.setOptions({ maxBw: 2_000_000 }); // before the handshake: the connection starts with it
      await once(caller, 'connect');
      expect(caller.getStats().mbpsMaxBW).to.equal(16);
      caller.setOptions({ maxBw: 125_000 });
      expect(caller.getStats().mbpsMaxBW).to.equal(1);
      caller.setOptions({ maxBw: 0, inputBw: 100_000, overheadBw: 50 });
      expect(caller.getStats().mbpsMaxBW).to.equal(1.2);
      caller.setOptions({ linger: 0 });
      expect(caller.getStats().pktReorderTolerance).to.equal(0);
      caller.setOptions({ lossMaxTtl: 30 });
      expect(caller.getStats().pktReorderTolerance).to.equal(30);
      caller.setOptions({ sndDropDelay: 500, driftTracer: false });
      expect(caller.engine!.cfg).to.deep.include({ sndDropDelay: 500, driftTracer: false });
      caller.destroy();
    });

    it('refuses options fixed at connection, and bad values, leaving the socket unchanged', () => {
      const sock = connect({ port: 9, host: '127.0.0.1', maxBw: 1_000_000 });
      sock.on('error', () => undefined);
      expect(() => sock.setOptions({ latency: 50 } as never)).to.throw(TypeError).with.property('code', 'ERR_SRT_OPTION_NOT_RUNTIME');
      expect(() => sock.setOptions({ maxBw: -5 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      expect(() => sock.setOptions({ overheadBw: 200 })).to.throw(RangeError);
      expect(sock.options.maxBw).to.equal(1_000_000);
      sock.destroy();
    });
  });

  describe("'end' before 'close'", () => {
    for (const how of ['for await', "'data'", 'pipeline'] as const) {
      it(`an accepted socket read with ${how}`, async () => {
        const server = await listening({ port: 0, host: '127.0.0.1' });
        servers.push(server);
        const events: string[] = [];
        const got: Buffer[] = [];
        const done = new Promise<void>((resolve, reject) => {
          server.once('connection', (sock) => {
            sock.on('end', () => events.push('end'));
            sock.on('close', () => {
              events.push('close');
              resolve();
            });
            if (how === 'for await') {
              void (async () => {
                for await (const c of sock) got.push(c as Buffer);
              })().catch(reject);
            } else if (how === "'data'") {
              sock.on('data', (c) => got.push(c));
            } else {
              void import('node:stream/promises').then(({ pipeline }) =>
                pipeline(sock, async function* (src: AsyncIterable<Buffer>) {
                  for await (const c of src) got.push(c);
                }),
              ).catch(reject);
            }
          });
        });
        const caller = connect({ port: server.address()!.port, host: '127.0.0.1' });
        await once(caller, 'connect');
        caller.end(Buffer.from('hello'));
        await done;
        expect(Buffer.concat(got).toString()).to.equal('hello');
        expect(events).to.deep.equal(['end', 'close']);
      });
    }
  });
});
