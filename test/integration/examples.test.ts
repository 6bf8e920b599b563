import { expect } from 'chai';
import { once } from 'node:events';
import { connect, ConnectionRequest, SrtSocket, type SrtOptions } from '../../src/index';
import { createAccessControlServer, decide, type User } from '../../examples/access-control';
import { createRelayServer, parseStreamId } from '../../examples/relay-by-stream-id';
import { makeUnits, SignalChecker } from '../../examples/signal';
import { FILTERS, runFec } from '../../examples/fec';

describe('examples', function () {
  this.timeout(15000);

  it('parseStreamId reads the #!:: access-control keys', () => {
    expect(parseStreamId('#!::r=live/cam1,m=publish,u=alice')).to.deep.equal({ r: 'live/cam1', m: 'publish', u: 'alice' });
    expect(parseStreamId('plain')).to.deep.equal({ r: 'plain' });
    // The caller chooses the keys: none of them is found on Object.prototype.
    const keys = parseStreamId('#!::r=constructor,__proto__=x');
    expect(keys.r).to.equal('constructor');
    expect(keys.m).to.equal(undefined);
    expect(keys.constructor).to.equal(undefined);
    expect(Object.getPrototypeOf(keys)).to.equal(null);
  });

  describe('access-control', () => {
    const users = new Map<string, User>([['alice', { passphrase: 'alice-secret-1' }]]);
    /** What decide() does with a caller sending this stream ID. */
    const decision = (streamId: string): { accepted?: SrtOptions; rejected?: number } => {
      const out: { accepted?: SrtOptions; rejected?: number } = {};
      const req = new ConnectionRequest('127.0.0.1', 5000, streamId, {
        accept: (o) => void (out.accepted = o ?? {}),
        reject: (code) => void (out.rejected = code),
      });
      decide(req, users);
      return out;
    };

    it('lets a known user publish, with that user\'s passphrase', () => {
      expect(decision('#!::u=alice,r=cam1,m=publish').accepted).to.deep.equal({ passphrase: 'alice-secret-1', latency: 300 });
      expect(decision('#!::u=alice,r=cam1').rejected).to.equal(1405); // SRT_REJX_BAD_MODE: playing is not allowed
    });

    it('refuses unknown users, no user, and users named like Object.prototype members', () => {
      for (const u of ['mallory', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
        expect(decision(`#!::u=${u},r=cam1,m=publish`), u).to.deep.equal({ rejected: 1403 }); // SRT_REJX_FORBIDDEN
      }
      for (const id of ['', 'cam1', 'constructor', '#!::r=cam1,m=publish']) expect(decision(id), id).to.deep.equal({ rejected: 1403 });
    });

    it('on the wire: u=constructor gets SRT_REJX_FORBIDDEN, not a connection', async () => {
      const server = createAccessControlServer(users);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const rejects: Array<{ reason: string }> = [];
      server.on('reject', (r) => rejects.push(r));
      const s = connect({ host: '127.0.0.1', port: server.address()!.port, streamId: '#!::u=constructor,r=cam1,m=publish', connectTimeout: 2000 });
      const [err] = (await once(s, 'error').catch((e: unknown) => [e])) as [Error & { code?: string; reason?: string }];
      expect(err).to.include({ code: 'ECONNREFUSED', reason: 'SRT_REJX_FORBIDDEN' });
      expect(rejects.map((r) => r.reason)).to.deep.equal(['SRT_REJX_FORBIDDEN']);
      await new Promise((r) => server.close(() => r(undefined)));
    });
  });

  it('relay-by-stream-id: every accepted socket has an error handler (a caller that vanishes cannot end the process)', async () => {
    const server = createRelayServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const handlers = new Promise<number[]>((resolve) => {
      const counts: number[] = [];
      server.on('connection', (sock: SrtSocket) => {
        counts.push(sock.listenerCount('error')); // runs after the relay's own listener
        if (counts.length === 2) resolve(counts);
      });
    });
    const port = server.address()!.port;
    const socks = ['#!::r=a,m=request', '#!::r=a,m=publish'].map((streamId) => connect({ host: '127.0.0.1', port, streamId }));
    const connected = Promise.all(socks.map((s) => once(s, 'connect')));
    expect(await handlers).to.satisfy((c: number[]) => c.every((n) => n > 0));
    await connected; // then destroy() says SHUTDOWN, and the server closes at once
    for (const s of socks) s.destroy();
    await new Promise((r) => server.close(() => r(undefined)));
  });

  it('relay-by-stream-id fans one publisher out to two players of its resource only', async () => {
    const server = createRelayServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address()!.port;
    const open = (streamId: string): Promise<SrtSocket> => {
      const s = connect({ host: '127.0.0.1', port, streamId });
      return once(s, 'connect').then(() => s);
    };
    const p1 = await open('#!::r=live/a,m=request');
    const p2 = await open('#!::r=live/a,m=request');
    const other = await open('#!::r=live/b,m=request');
    const checks = [new SignalChecker(), new SignalChecker()];
    p1.on('data', (d: Buffer) => checks[0].push(d));
    p2.on('data', (d: Buffer) => checks[1].push(d));
    let otherBytes = 0;
    other.on('data', (d: Buffer) => (otherBytes += d.length));
    const pub = await open('#!::r=live/a,m=publish');
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 50; i++) {
      pub.write(makeUnits(i * 70, 70));
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 600));
    for (const c of checks) {
      expect(c.intact).to.equal(3500);
      expect(c.missing + c.corrupt).to.equal(0);
    }
    expect(otherBytes).to.equal(0);
    for (const s of [p1, p2, other, pub]) s.destroy();
    await new Promise((r) => server.close(() => r(undefined)));
  });

  it('fec: through 5 % loss, ARQ alone retransmits, arq:never only rebuilds, arq:onreq rebuilds and retransmits the rest', async () => {
    const [arq, never, onreq] = await Promise.all(FILTERS.map((f) => runFec(f, 0.05, 1.5)));
    expect(arq).to.include({ missing: 0, rebuilt: 0, fecPackets: 0 });
    expect(arq.retransmitted).to.be.greaterThan(0);
    expect(never.retransmitted).to.equal(0);
    expect(never.rebuilt).to.be.greaterThan(0);
    expect(never.fecPackets).to.be.greaterThan(0);
    expect(onreq.rebuilt).to.be.greaterThan(0);
    // FEC took most of the repairs: retransmission only for what it could not rebuild.
    expect(onreq.retransmitted).to.be.below(arq.retransmitted);
  });
});
