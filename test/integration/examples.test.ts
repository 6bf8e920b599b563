import { expect } from 'chai';
import { once } from 'node:events';
import { connect, SrtSocket } from '../../src/index';
import { createRelayServer, parseStreamId } from '../../examples/relay-by-stream-id';
import { makeUnits, SignalChecker } from '../../examples/signal';

describe('examples', function () {
  this.timeout(15000);

  it('parseStreamId reads the #!:: access-control keys', () => {
    expect(parseStreamId('#!::r=live/cam1,m=publish,u=alice')).to.deep.equal({ r: 'live/cam1', m: 'publish', u: 'alice' });
    expect(parseStreamId('plain')).to.deep.equal({ r: 'plain' });
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
});
