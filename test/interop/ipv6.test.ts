/**
 * IPv6 against srt-live-transmit: its caller to our listener on '::', our caller to its listener
 * on [::] (it needs mode=listener: any host in its URI means caller), and ipv6Only.
 */
import { expect } from 'chai';
import { connect, createServer, SrtSocket } from '../../src/index';
import { ByteCollector, cleanupPeers, freeUdpPort, onCleanup, randomBytes, requireTool, SLT_BASE_ARGS, spawnPeer, waitForSrtListener } from '../support/interop';

describe('interop: IPv6 with srt-live-transmit', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('srt-live-transmit caller to [::1] -> SrtServer listening on "::": byte-exact, IPv6 addresses', async function () {
    this.timeout(20000);
    const port = await freeUdpPort();
    let resolveSock: (s: SrtSocket) => void;
    const accepted = new Promise<SrtSocket>((r) => (resolveSock = r));
    const server = createServer((s) => resolveSock(s));
    onCleanup(() => new Promise((r) => server.close(() => r(undefined))));
    await new Promise<void>((r) => server.listen(port, '::', r));
    expect(server.address()).to.include({ address: '::', family: 'IPv6' });
    const data = randomBytes(1316 * 300, 'v6-in');
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', `srt://[::1]:${port}?streamid=v6cam`], { name: 'slt-v6-caller' });
    const sock = await accepted;
    onCleanup(() => sock.destroy());
    const got = new ByteCollector(sock);
    await slt.waitForStderr(/SRT target connected/, 10000);
    slt.proc.stdin!.end(data);
    await got.waitForBytes(data.length, 10000, () => slt.diag());
    expect(got.buffer().equals(data)).to.equal(true);
    expect([sock.remoteAddress, sock.remoteFamily, sock.streamId]).to.deep.equal(['::1', 'IPv6', 'v6cam']);
  });

  it('connect() to ::1 -> srt-live-transmit listener on [::] (mode=listener): byte-exact', async function () {
    this.timeout(20000);
    const port = await freeUdpPort();
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://[::]:${port}?mode=listener`, 'file://con'], { name: 'slt-v6-listener' });
    const out = new ByteCollector(slt.proc.stdout!);
    await waitForSrtListener(port, { host: '::1', peer: slt });
    const sock = connect({ host: '::1', port });
    onCleanup(() => sock.destroy());
    await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
    expect([sock.remoteAddress, sock.remoteFamily, sock.localFamily]).to.deep.equal(['::1', 'IPv6', 'IPv6']);
    const data = randomBytes(1316 * 300, 'v6-out');
    sock.end(data);
    await slt.waitExit(10000); // exits on our SHUTDOWN (-a no), flushing stdout
    await out.done;
    expect(out.buffer().equals(data)).to.equal(true);
  });

  it('ipv6Only: an IPv4 caller cannot reach a "::" listener; without it, it arrives as ::ffff:127.0.0.1', async function () {
    this.timeout(20000);
    for (const ipv6Only of [true, false]) {
      const port = await freeUdpPort();
      const accepted: SrtSocket[] = [];
      const server = createServer({ ipv6Only }, (s) => accepted.push(s));
      await new Promise<void>((r) => server.listen(port, '::', r));
      const c = connect({ host: '127.0.0.1', port, connectTimeout: 800 });
      const result = await new Promise<string>((r) => { c.once('connect', () => r('connected')); c.once('error', (e: Error & { code?: string }) => r(e.code!)); });
      expect(result).to.equal(ipv6Only ? 'ETIMEDOUT' : 'connected');
      if (!ipv6Only) {
        await new Promise((r) => setTimeout(r, 20));
        expect(accepted[0].remoteAddress).to.equal('::ffff:127.0.0.1');
      }
      c.destroy();
      accepted.forEach((s) => s.destroy());
      await new Promise((r) => server.close(() => r(undefined)));
    }
  });
});
