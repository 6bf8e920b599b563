/**
 * Message API (messageApi: true): object mode, one write = one message, one read = one whole
 * message; oversized live messages fail with EMSGSIZE; multi-packet messages are reassembled.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer, SrtServer, SrtSocket } from '../../src/index';
import { nowUs } from '../../src/net/clock';
import { Position } from '../../src/protocol/packet';

describe('message API', function () {
  this.timeout(10000);
  let server: SrtServer;
  const open: SrtSocket[] = [];
  afterEach(async () => {
    open.splice(0).forEach((s) => s.destroy());
    await new Promise((r) => server.close(() => r(undefined)));
  });

  async function pair(transType: 'live' | 'file' = 'live'): Promise<{ c: SrtSocket; s: SrtSocket }> {
    const accepted = new Promise<SrtSocket>((r) => (server = createServer({ messageApi: true, latency: 20, transType }, r)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = connect({ host: '127.0.0.1', port: server.address()!.port, messageApi: true, latency: 20, transType });
    await once(c, 'connect');
    const s = await accepted;
    open.push(c, s);
    return { c, s };
  }

  it('each write is one message and each read one whole message, boundaries kept', async () => {
    const { c, s } = await pair();
    const sizes = [1, 2, 188, 1000, 1316, 7, 1315];
    const got: Buffer[] = [];
    s.on('data', (m: Buffer) => got.push(m));
    sizes.forEach((n, i) => c.write(Buffer.alloc(n, i + 1)));
    c.write('a string message');
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((m) => m.length)).to.deep.equal([...sizes, 16]);
    got.slice(0, sizes.length).forEach((m, i) => expect(m.every((b) => b === i + 1)).to.equal(true));
    expect(got[sizes.length].toString()).to.equal('a string message');
  });

  it('an oversized message is an EMSGSIZE error, not a silent cut', async () => {
    const { c } = await pair();
    const cbErr = await new Promise<Error & { code?: string }>((r) => {
      c.on('error', () => undefined);
      c.write(Buffer.alloc(1317), (e) => r(e as Error));
    });
    expect(cbErr.code).to.equal('EMSGSIZE');
    expect(cbErr.message).to.match(/1317 bytes exceeds the payload size \(1316 bytes\)/);
  });

  it('reassembles a message sent as first/middle/last packets (as file mode does)', async () => {
    const { c, s } = await pair();
    const got: Buffer[] = [];
    s.on('data', (m: Buffer) => got.push(m));
    const engine = c.engine!;
    const now = nowUs();
    engine.write(Buffer.from('hel'), now, Position.FIRST);
    engine.write(Buffer.from('lo '), now, Position.MIDDLE);
    engine.write(Buffer.from('world'), now, Position.LAST);
    engine.write(Buffer.from('solo'), now, Position.SOLO);
    // The engine queued the packets in its outbox; the socket sends them on its next flush.
    (c as unknown as { flush(): void }).flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map(String)).to.deep.equal(['hello world', 'solo']);
  });

  it('file mode: messages of many packets arrive whole, boundaries kept', async () => {
    const { c, s } = await pair('file');
    const got: Buffer[] = [];
    s.on('data', (m: Buffer) => got.push(m));
    const sizes = [5000, 1, 1456, 1457, 100_000, 3];
    sizes.forEach((n, i) => c.write(Buffer.alloc(n, i + 1)));
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((m) => m.length)).to.deep.equal(sizes);
    got.forEach((m, i) => expect(m.every((b) => b === i + 1)).to.equal(true));
  });
});
