/**
 * What a caller can make SrtServer keep or redo, at the wire: the refusal cache (a repeated
 * CONCLUSION with a wrong passphrase costs PBKDF2 once), the backlog of undecided callers, and
 * per-connection options that leave the server's passphrase alone when given as undefined.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import sinon from 'sinon';
import { connect, createServer, SrtServer, SrtSocket } from '../../src/index';
import type { RejectInfo } from '../../src/net/srt-server';
import type { ConnectionRequest } from '../../src/net/connection-request';
import { CryptoControl } from '../../src/protocol/crypto-control';
import { HsExt, HsExtFlag } from '../../src/protocol/handshake-packet';
import { REJECT_BASE, RejectReason } from '../../src/protocol/reject-reason';
import * as srtCrypto from '../../src/protocol/srt-crypto';
import { RawPeer } from '../support/raw-peer';
import { waitFor } from '../support/interop';

const SECRET = 'server-limits-secret';

async function listening(server: SrtServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address()!.port;
}

/** A CONCLUSION's KMREQ block wrapped with `passphrase`. */
function kmreqWith(passphrase: string) {
  const km = new CryptoControl({ passphrase, pbKeyLen: 16, enforcedEncryption: true, kmRefreshRate: 1 << 24, kmPreAnnounce: 1 << 12, gcm: false }).createKmReq()!;
  return { type: HsExt.KMREQ, body: km };
}

describe('SrtServer limits at the wire', function () {
  this.timeout(20_000);
  let server: SrtServer | undefined;
  const peers: RawPeer[] = [];
  const sockets: SrtSocket[] = [];

  afterEach(async () => {
    sinon.restore();
    peers.splice(0).forEach((p) => p.close());
    sockets.splice(0).forEach((s) => s.destroy());
    if (server?.listening) await new Promise((r) => server!.close(() => r(undefined)));
    server = undefined;
  });

  it('a repeated CONCLUSION with a wrong passphrase is refused from the cache: PBKDF2 once, one reject event', async () => {
    server = createServer({ passphrase: SECRET });
    const rejects: RejectInfo[] = [];
    server.on('reject', (r: RejectInfo) => rejects.push(r));
    const port = await listening(server);
    const peer = await RawPeer.open({ port });
    peers.push(peer);
    await peer.induction();
    const hsreq = peer.conclusionHandshake().extensions;
    const kms = Array.from({ length: 21 }, (_, i) => kmreqWith(`not-the-secret-${i}`));
    const derive = sinon.spy(srtCrypto, 'deriveKek');
    const wrong = { extField: HsExtFlag.HSREQ | HsExtFlag.KMREQ, extensions: [...hsreq, kms[0]] };
    const first = await peer.conclude(wrong);
    expect(first.reqType).to.equal(REJECT_BASE + RejectReason.BADSECRET);
    const derivations = derive.callCount;
    expect(derivations).to.equal(1);
    // The same cookie from the same address and port, another caller socket ID, another wrong key.
    for (let i = 0; i < 20; i++) {
      const again = await peer.conclude({ ...wrong, socketId: 0x1000 + i, extensions: [...hsreq, kms[i + 1]] });
      expect(again.reqType).to.equal(REJECT_BASE + RejectReason.BADSECRET);
    }
    expect(derive.callCount).to.equal(derivations);
    expect(server.counters.rejectedFromCache).to.equal(20);
    expect(rejects.map((r) => r.reason)).to.deep.equal(['SRT_REJ_BADSECRET']);
  });

  it('undecided callers beyond the backlog are refused with SRT_REJ_BACKLOG; a decision frees a place', async () => {
    server = createServer({ backlog: 2 });
    const requests: ConnectionRequest[] = [];
    server.on('request', (req: ConnectionRequest) => requests.push(req)); // decides later
    const port = await listening(server);
    for (let i = 0; i < 2; i++) {
      const p = await RawPeer.open({ port, seed: i + 1 });
      peers.push(p);
      await p.induction();
      p.sendConclusion();
    }
    expect(await waitFor(() => requests.length === 2, 5000)).to.equal(true);
    const third = await RawPeer.open({ port, seed: 3 });
    peers.push(third);
    await third.induction();
    expect((await third.conclude()).reqType).to.equal(REJECT_BASE + RejectReason.BACKLOG);
    requests[0].reject('SRT_REJX_FORBIDDEN');
    const fourth = await RawPeer.open({ port, seed: 4 });
    peers.push(fourth);
    await fourth.induction();
    fourth.sendConclusion();
    expect(await waitFor(() => requests.length === 3, 5000)).to.equal(true);
  });

  it("accept() options given as undefined keep the server's: accept({ passphrase: undefined }) does not disable encryption", async () => {
    server = createServer({ passphrase: SECRET, onRequest: (req) => req.accept({ passphrase: undefined, latency: 200 }) });
    server.on('connection', (s: SrtSocket) => sockets.push(s.on('error', () => undefined)));
    const port = await listening(server);
    const clear = connect({ host: '127.0.0.1', port, connectTimeout: 3000 });
    sockets.push(clear);
    const [err] = (await once(clear, 'error')) as [Error & { code?: string; reason?: string }];
    expect(err.code).to.equal('ECONNREFUSED');
    expect(err.reason).to.equal('SRT_REJ_UNSECURE');
    const good = connect({ host: '127.0.0.1', port, passphrase: SECRET });
    sockets.push(good);
    await once(good, 'connect');
    expect(good.encrypted).to.equal(true);
  });
});
