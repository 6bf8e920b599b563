/**
 * Handshake edge cases with hand-made UDP peers: an HSv4-only caller and listener get a clear
 * rejection (never a hang), a wrong cookie is dropped, a duplicate CONCLUSION gets the same reply.
 */
import { expect } from 'chai';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, SrtServer } from '../../src/index';
import { CallerHandshake } from '../../src/protocol/handshake';
import { decodeHandshake, encodeHandshake, Handshake, HandshakeType, UDT_DGRAM } from '../../src/protocol/handshake-packet';
import { ControlType, decodePacket, encodeControl } from '../../src/protocol/packet';

function hsPacket(hs: Handshake, destId = 0): Buffer {
  return encodeControl(ControlType.HANDSHAKE, 0, 1234, destId, encodeHandshake(hs));
}

function baseHs(over: Partial<Handshake>): Handshake {
  return {
    version: 4, encryption: 0, extField: UDT_DGRAM, isn: 1000, mss: 1500, flightFlagSize: 8192,
    reqType: HandshakeType.INDUCTION, socketId: 0x1234, cookie: 0, peerIp: Buffer.alloc(16), extensions: [], ...over,
  };
}

function hsOf(datagram: Buffer): Handshake {
  const p = decodePacket(datagram);
  if (!p || p.kind !== 'control') throw new Error('not a control packet');
  return decodeHandshake(p.body)!;
}

/** A raw UDP client that sends a datagram and collects the replies for a while. */
async function exchange(sock: dgram.Socket, port: number, msg: Buffer, waitMs = 150): Promise<Buffer[]> {
  const got: Buffer[] = [];
  const on = (m: Buffer) => got.push(m);
  sock.on('message', on);
  sock.send(msg, port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, waitMs));
  sock.off('message', on);
  return got;
}

describe('handshake edge cases (raw UDP peers)', function () {
  this.timeout(10000);
  let server: SrtServer;
  let port: number;
  let raw: dgram.Socket;
  beforeEach(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = server.address()!.port;
    raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    raw.close();
    await new Promise((r) => server.close(() => r(undefined)));
  });

  async function induction(): Promise<Handshake> {
    const [reply] = await exchange(raw, port, hsPacket(baseHs({})));
    return hsOf(reply);
  }

  it('an HSv4 (UDT) caller is refused with SRT_REJ_VERSION (1008) and a SHUTDOWN', async () => {
    const ind = await induction();
    expect(ind.version).to.equal(5);
    const rejects: unknown[] = [];
    server.on('reject', (r) => rejects.push(r));
    const replies = await exchange(raw, port, hsPacket(baseHs({ reqType: HandshakeType.CONCLUSION, cookie: ind.cookie })));
    const pkts = replies.map((b) => decodePacket(b)!);
    const hs = pkts.find((p) => p.kind === 'control' && p.type === ControlType.HANDSHAKE);
    expect(hsOf(replies[pkts.indexOf(hs!)]).reqType).to.equal(1008);
    expect(pkts.some((p) => p.kind === 'control' && p.type === ControlType.SHUTDOWN)).to.equal(true);
    expect(rejects).to.deep.equal([{ address: '127.0.0.1', port: raw.address().port, reason: 'SRT_REJ_VERSION', rejectCode: 8, message: 'HSv4 (UDT) handshakes are not supported' }]);
  });

  it('a CONCLUSION with a wrong cookie is dropped and counted', async () => {
    await induction();
    const replies = await exchange(raw, port, hsPacket(baseHs({ version: 5, reqType: HandshakeType.CONCLUSION, cookie: 0xdeadbeef })));
    expect(replies).to.have.length(0);
    expect(server.counters.handshakesDropped).to.equal(1);
  });

  it('a v5 CONCLUSION without HSREQ is refused with SRT_REJ_ROGUE', async () => {
    const ind = await induction();
    const [reply] = await exchange(raw, port, hsPacket(baseHs({ version: 5, extField: 0, reqType: HandshakeType.CONCLUSION, cookie: ind.cookie })));
    expect(hsOf(reply).reqType).to.equal(1004);
  });

  it('a repeated CONCLUSION gets the very same reply and no second connection (our reply was lost)', async () => {
    const accepted: { destroy(): void }[] = [];
    server.on('connection', (s: { destroy(): void }) => accepted.push(s));
    const caller = new CallerHandshake(
      { socketId: 0x4321, isn: 77, mss: 1500, flightFlagSize: 8192, rcvLatency: 120, peerLatency: 0, tlpktDrop: true, nakReport: true },
      '127.0.0.1',
    );
    const [ind] = await exchange(raw, port, hsPacket(caller.current()));
    const r = caller.handle(hsOf(ind));
    expect(r.kind).to.equal('send');
    const conclusion = hsPacket(caller.current());
    const [first] = await exchange(raw, port, conclusion);
    const [second] = await exchange(raw, port, conclusion);
    expect(hsOf(first).reqType).to.equal(HandshakeType.CONCLUSION);
    expect(hsOf(first).isn).to.equal(77); // the listener adopts the caller's ISN
    expect(second.equals(first)).to.equal(true);
    expect(server.counters.accepted).to.equal(1);
    const n = await new Promise<number>((res) => server.getConnections((_e, k) => res(k)));
    expect(n).to.equal(1);
    expect(accepted).to.have.length(1);
    accepted.forEach((s) => s.destroy());
  });
});

describe('caller against an HSv4-only listener', function () {
  this.timeout(10000);
  it('fails fast with ECONNREFUSED / SRT_REJ_VERSION instead of hanging', async () => {
    const fake = dgram.createSocket('udp4');
    await new Promise<void>((r) => fake.bind(0, '127.0.0.1', r));
    fake.on('message', (msg, rinfo) => {
      const hs = hsOf(msg);
      // A UDT/HSv4 listener answers the induction with version 4 and its cookie.
      fake.send(hsPacket({ ...hs, version: 4, cookie: 42 }, hs.socketId), rinfo.port, rinfo.address);
    });
    const c = connect({ host: '127.0.0.1', port: fake.address().port });
    const t0 = Date.now();
    const errors: Array<Error & { code?: string; reason?: string }> = [];
    c.on('error', (e) => errors.push(e));
    await new Promise((r) => c.on('close', r));
    fake.close();
    expect(errors[0].code).to.equal('ECONNREFUSED');
    expect(errors[0].reason).to.equal('SRT_REJ_VERSION');
    expect(Date.now() - t0).to.be.below(1000);
  });

  it('a rejection reply (ReqType 1000 + reason) surfaces as err.reason with libsrt\'s name', async () => {
    const fake = dgram.createSocket('udp4');
    await new Promise<void>((r) => fake.bind(0, '127.0.0.1', r));
    fake.on('message', (msg, rinfo) => {
      const hs = hsOf(msg);
      fake.send(hsPacket({ ...hs, version: 5, reqType: 1000 + 2403 - 1000 }, hs.socketId), rinfo.port, rinfo.address);
    });
    const c = connect({ host: '127.0.0.1', port: fake.address().port });
    const [err] = await once(c, 'error');
    fake.close();
    expect(err.code).to.equal('ECONNREFUSED');
    expect(err.reason).to.equal('SRT_REJX_FORBIDDEN');
    expect(err.rejectCode).to.equal(1403);
  });
});

describe('packet filter negotiation between our own caller and server', () => {
  async function attempt(serverFilter: string | undefined, callerFilter: string | undefined): Promise<{ err?: Error & { reason?: string }; rejects: string[] }> {
    const server = createServer(serverFilter === undefined ? {} : { packetFilter: serverFilter });
    const rejects: string[] = [];
    server.on('reject', (r) => rejects.push(r.reason));
    server.on('connection', (s) => s.on('error', () => {}));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const sock = connect({ host: '127.0.0.1', port, connectTimeout: 3000, ...(callerFilter === undefined ? {} : { packetFilter: callerFilter }) });
    const outcome = await new Promise<(Error & { reason?: string }) | undefined>((resolve) => {
      sock.once('connect', () => resolve(undefined));
      sock.once('error', resolve);
    });
    sock.destroy();
    server.close();
    return { err: outcome, rejects };
  }

  it('a conflict (cols:10 vs cols:20) is refused SRT_REJ_FILTER on both sides', async () => {
    const r = await attempt('fec,cols:20', 'fec,cols:10');
    expect(r.err?.reason).to.equal('SRT_REJ_FILTER');
    expect(r.rejects).to.deep.equal(['SRT_REJ_FILTER']);
  });

  it('matching filters connect (the FEC itself: test/unit/fec-sim.test.ts, test/interop/fec.test.ts)', async () => {
    const r = await attempt('fec,cols:10,rows:5', 'fec');
    expect(r.err).to.equal(undefined);
    expect(r.rejects).to.deep.equal([]);
  });

  it('a filter on one side only: none asked by the caller means none; the server-only filter does not stop the connection', async () => {
    expect((await attempt('fec,cols:10', undefined)).err).to.equal(undefined);
    expect((await attempt(undefined, undefined)).err).to.equal(undefined);
  });
});
