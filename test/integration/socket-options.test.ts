/**
 * The options of the UDP socket itself (ipv6Only, ipTtl) on loopback: where they mean nothing
 * (ipv6Only on an IPv4 socket) they are ignored as libsrt ignores them, and a bad TTL is refused
 * before anything is opened. The TTL on the wire is checked against srt-live-transmit in
 * test/interop/srt-pipe-params.test.ts.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, type SrtServer, type SrtSocket } from '../../src/index';

async function listening(server: SrtServer, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return server.address()!.port;
}

async function connected(sock: SrtSocket): Promise<void> {
  await once(sock, 'connect');
}

describe('UDP socket options (ipv6Only, ipTtl)', function () {
  this.timeout(10000);

  it('ipv6Only on an IPv4 listener and caller is ignored (IPV6_V6ONLY is an IPv6 option): they listen and connect', async () => {
    const server = createServer({ ipv6Only: true });
    try {
      const port = await listening(server, '127.0.0.1');
      const accepted = once(server, 'connection');
      const sock = connect({ host: '127.0.0.1', port, ipv6Only: true });
      await connected(sock);
      const [peer] = (await accepted) as [SrtSocket];
      expect(peer.remoteAddress).to.equal('127.0.0.1');
      sock.destroy();
      peer.destroy();
    } finally {
      await new Promise((r) => server.close(() => r(undefined)));
    }
  });

  it('ipTtl: a listener and a caller with their own TTL connect on IPv4 and IPv6', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const server = createServer({ ipTtl: 3 });
      try {
        const port = await listening(server, host);
        const accepted = once(server, 'connection');
        const sock = connect({ host, port, ipTtl: 200 });
        await connected(sock);
        const [peer] = (await accepted) as [SrtSocket];
        sock.destroy();
        peer.destroy();
      } finally {
        await new Promise((r) => server.close(() => r(undefined)));
      }
    }
  });

  it('a TTL outside 1..255 (or -1) is refused synchronously, as the other options', () => {
    expect(() => createServer({ ipTtl: 0 })).to.throw(RangeError, /options\.ipTtl must be an integer in \[1, 255\], got 0/);
    expect(() => connect({ port: 9, ipTtl: 256 })).to.throw(RangeError, /options\.ipTtl/);
    expect(() => createServer({ ipTtl: -1 }).close()).to.not.throw(RangeError);
  });
});
