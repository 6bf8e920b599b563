/**
 * Rendezvous (HSv5 waveahand, cookie contest, conclusion, agreement) against srt-live-transmit
 * mode=rendezvous, data both ways, with and without a passphrase. The contest draws roles at
 * random, so each direction is repeated until both roles were played (bounded).
 */
import { expect } from 'chai';
import { connect, SrtSocket } from '../../src/index';
import { ByteCollector, cleanupPeers, freeUdpPort, onCleanup, randomBytes, requireTool, SLT_BASE_ARGS, spawnPeer } from '../support/interop';

async function rendezvous(port: number, localPort: number, extra: Record<string, unknown> = {}): Promise<SrtSocket> {
  const s = connect({ host: '127.0.0.1', port, localPort, rendezvous: true, connectTimeout: 1000, ...extra });
  onCleanup(() => s.destroy());
  await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
  return s;
}

describe('interop: rendezvous with srt-live-transmit', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  for (const passphrase of [undefined, 'rendezvous-secret-1']) {
    const q = passphrase ? `&passphrase=${passphrase}` : '';
    const label = passphrase ? ' (AES-128)' : '';

    it(`we send, srt-live-transmit receives${label}: byte-exact, both roles`, async function () {
      this.timeout(60000);
      const roles = new Set<string>();
      for (let i = 0; i < 24 && roles.size < 2; i++) {
        const [a, b] = [await freeUdpPort(), await freeUdpPort()];
        const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://127.0.0.1:${a}?mode=rendezvous&port=${b}${q}`, 'file://con'], { name: `slt-rdv-rx-${i}` });
        const out = new ByteCollector(slt.proc.stdout!);
        const s = await rendezvous(b, a, { passphrase });
        roles.add(s.rendezvousRole!);
        expect(s.encrypted).to.equal(!!passphrase);
        const data = randomBytes(1316 * 200, `rdv-out-${i}`);
        s.end(data);
        await slt.waitExit(10000); // -a no: exits on our SHUTDOWN, flushing stdout
        await out.done;
        expect(out.buffer().equals(data), slt.diag()).to.equal(true);
      }
      expect([...roles].sort()).to.deep.equal(['initiator', 'responder']);
    });

    it(`srt-live-transmit sends, we receive${label}: byte-exact, both roles`, async function () {
      this.timeout(60000);
      const roles = new Set<string>();
      for (let i = 0; i < 24 && roles.size < 2; i++) {
        const [a, b] = [await freeUdpPort(), await freeUdpPort()];
        const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', `srt://127.0.0.1:${a}?mode=rendezvous&port=${b}${q}`], { name: `slt-rdv-tx-${i}` });
        const s = await rendezvous(b, a, { passphrase });
        roles.add(s.rendezvousRole!);
        const got = new ByteCollector(s);
        await slt.waitForStderr(/SRT target connected/, 10000);
        const data = randomBytes(1316 * 200, `rdv-in-${i}`);
        slt.proc.stdin!.end(data);
        await got.waitForBytes(data.length, 10000, () => slt.diag());
        expect(got.buffer().equals(data)).to.equal(true);
        await slt.kill('SIGINT');
      }
      expect([...roles].sort()).to.deep.equal(['initiator', 'responder']);
    });
  }

  it('srt-stream with srt-stream, data both ways at once', async function () {
    this.timeout(20000);
    const [a, b] = [await freeUdpPort(), await freeUdpPort()];
    const [x, y] = await Promise.all([rendezvous(b, a), rendezvous(a, b)]);
    expect([x.rendezvousRole, y.rendezvousRole].sort()).to.deep.equal(['initiator', 'responder']);
    const gx = new ByteCollector(x);
    const gy = new ByteCollector(y);
    const dx = randomBytes(1316 * 300, 'rdv-x');
    const dy = randomBytes(1316 * 300, 'rdv-y');
    x.write(dx);
    y.write(dy);
    await Promise.all([gy.waitForBytes(dx.length, 5000), gx.waitForBytes(dy.length, 5000)]);
    expect(gy.buffer().equals(dx)).to.equal(true);
    expect(gx.buffer().equals(dy)).to.equal(true);
  });
});
