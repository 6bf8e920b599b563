/**
 * Access control seen from stock srt-live-transmit callers: the server's 'request' handler routes
 * by the #!:: keys of the stream ID; refused callers get the code on the wire and libsrt reports an
 * application-defined rejection; accepted ones stream.
 */
import { expect } from 'chai';
import { ConnectionRequest, RejectInfo } from '../../src/index';
import { ByteCollector, cleanupPeers, freeUdpPort, randomBytes, requireTool, SLT_BASE_ARGS, spawnPeer } from '../support/interop';
import { startServer } from '../support/interop-srt';

describe('interop: access control with srt-live-transmit callers', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('refuses by stream ID with SRT_REJX_FORBIDDEN, accepts another, on one port', async function () {
    this.timeout(30000);
    const port = await freeUdpPort();
    const seen: ConnectionRequest[] = [];
    const srv = await startServer({
      onRequest: (req) => {
        seen.push(req);
        if (req.user === 'mallory') req.reject('SRT_REJX_FORBIDDEN');
        else req.accept();
      },
    }, port);
    const rejects: RejectInfo[] = [];
    srv.server.on('reject', (r) => rejects.push(r));

    const refused = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-loglevel', 'warning', 'file://con',
      `srt://127.0.0.1:${port}?streamid=#!::u=mallory,r=live/cam1,m=publish`], { name: 'slt-refused' });
    await refused.waitForStderr(/REJECT|rejection|[Rr]ejected/, 10000);
    expect(rejects).to.have.length(1);
    expect(rejects[0]).to.include({ address: '127.0.0.1', reason: 'SRT_REJX_FORBIDDEN', rejectCode: 1403, streamId: '#!::u=mallory,r=live/cam1,m=publish' });
    await refused.kill('SIGKILL');

    const data = randomBytes(1316 * 200, 'acl');
    const allowed = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con',
      `srt://127.0.0.1:${port}?streamid=#!::u=alice,r=live/cam1,m=publish`], { name: 'slt-allowed' });
    const sock = await srv.nextConnection(10000, () => allowed.diag());
    const got = new ByteCollector(sock);
    await allowed.waitForStderr(/SRT target connected/, 10000);
    allowed.proc.stdin!.end(data);
    await got.waitForBytes(data.length, 10000, () => allowed.diag());
    expect(got.buffer().equals(data)).to.equal(true);
    expect(sock.streamId).to.equal('#!::u=alice,r=live/cam1,m=publish');
    expect(seen.map((r) => r.user)).to.deep.equal(['mallory', 'alice']);
  });

  it('per-user passphrase chosen in the request handler: right one streams encrypted, wrong one is refused (BADSECRET)', async function () {
    this.timeout(30000);
    const port = await freeUdpPort();
    const secrets: Record<string, string> = { alice: 'alice-secret-123', bob: 'bob-secret-4567' };
    const srv = await startServer({ onRequest: (req) => req.accept({ passphrase: secrets[req.user ?? ''] }) }, port);
    const rejects: RejectInfo[] = [];
    srv.server.on('reject', (r) => rejects.push(r));

    const wrong = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-loglevel', 'warning', 'file://con',
      `srt://127.0.0.1:${port}?streamid=#!::u=bob&passphrase=alice-secret-123`], { name: 'slt-wrong-pw' });
    await wrong.waitForStderr(/REJECT|rejection|[Rr]ejected|[Pp]assword/, 10000);
    await wrong.kill('SIGKILL');
    expect(rejects.map((r) => r.reason)).to.deep.equal(['SRT_REJ_BADSECRET']);

    const data = randomBytes(1316 * 200, 'acl-pw');
    const right = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con',
      `srt://127.0.0.1:${port}?streamid=#!::u=alice&passphrase=alice-secret-123`], { name: 'slt-right-pw' });
    const sock = await srv.nextConnection(10000, () => right.diag());
    const got = new ByteCollector(sock);
    await right.waitForStderr(/SRT target connected/, 10000);
    right.proc.stdin!.end(data);
    await got.waitForBytes(data.length, 10000, () => right.diag());
    expect(got.buffer().equals(data)).to.equal(true);
    expect(sock.encrypted).to.equal(true);
  });
});
