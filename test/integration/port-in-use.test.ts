/**
 * A taken port is one 'error', never two: a second one found no listener once the first had been
 * handled with once() (as events.once / a promise-based listen does) and ended the process.
 */
import { expect } from 'chai';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer } from '../../src/index';

/** A UDP port held by someone else for the duration of the test. */
async function takenPort(): Promise<{ port: number; release: () => void }> {
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', r));
  return { port: holder.address().port, release: () => holder.close() };
}

const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));

describe('a port in use', function () {
  this.timeout(10000);

  it("server: one 'error' EADDRINUSE, so once(server, 'listening') rejects and nothing is left unhandled", async () => {
    const { port, release } = await takenPort();
    try {
      const server = createServer();
      let errors = 0;
      server.listen(port, '127.0.0.1');
      const listening = once(server, 'listening');
      server.on('error', () => errors++);
      const err = await listening.then(() => undefined, (e: NodeJS.ErrnoException) => e);
      expect(err?.code).to.equal('EADDRINUSE');
      await settle();
      expect(errors).to.equal(1);
      expect(server.listening).to.equal(false);
    } finally {
      release();
    }
  });

  it("caller binding a taken localPort: one 'error' EADDRINUSE on the socket, then 'close'", async () => {
    const { port, release } = await takenPort();
    try {
      const sock = connect({ host: '127.0.0.1', port: 9, localAddress: '127.0.0.1', localPort: port });
      const errors: NodeJS.ErrnoException[] = [];
      sock.on('error', (e: NodeJS.ErrnoException) => errors.push(e));
      await new Promise((r) => sock.once('close', r)); // not once(): it would reject on the 'error'
      await settle();
      expect(errors.map((e) => e.code)).to.deep.equal(['EADDRINUSE']);
    } finally {
      release();
    }
  });
});
