/**
 * The rendezvous state machine replayed against libsrt's rendezvous capture: with A's cookie we must
 * act as A did (Responder), with B's as B did (Initiator), producing the same handshake sequence.
 */
import { expect } from 'chai';
import { HandshakeConfig } from '../../src/protocol/handshake';
import { decodeSrtHs, findExtension, HandshakeType, HsExt } from '../../src/protocol/handshake-packet';
import { cookieContest, RendezvousHandshake } from '../../src/protocol/rendezvous';
import { handshakes } from '../support/fixtures';

const hs = handshakes('rendezvous');
// Capture order: B WAVE, A WAVE, B WAVE (knows A), A CONCLUSION (empty), B CONCLUSION+HSREQ, A CONCLUSION+HSRSP, B AGREEMENT.
const [bWave, aWave, bWave2, aEmpty, bHsreq, aHsrsp, bAgree] = hs.slice(0, 7).map((h) => h.hs);

function cfgOf(h: typeof aWave): HandshakeConfig {
  return { socketId: h.socketId, isn: h.isn, mss: 1500, flightFlagSize: 8192, rcvLatency: 120, peerLatency: 0, tlpktDrop: true, nakReport: true };
}

describe('rendezvous (replayed against libsrt 1.5.1)', () => {
  it('the capture has the expected shape', () => {
    expect([bWave, aWave, bWave2].map((h) => h.reqType)).to.deep.equal([0, 0, 0]);
    expect([aEmpty, bHsreq, aHsrsp].map((h) => h.reqType)).to.deep.equal([-1, -1, -1]);
    expect(bAgree.reqType).to.equal(HandshakeType.AGREEMENT);
  });

  it("libsrt's cookie contest: A responds, B initiates; equal cookies are a draw", () => {
    expect(cookieContest(aWave.cookie, bWave.cookie)).to.equal('responder');
    expect(cookieContest(bWave.cookie, aWave.cookie)).to.equal('initiator');
    expect(cookieContest(5, 5)).to.equal('draw');
    expect(cookieContest(0x7fffffff, -0x80000000)).to.not.equal(cookieContest(-0x80000000, 0x7fffffff));
  });

  it('as A (Responder): WAVEAHAND, empty CONCLUSION, then CONCLUSION+HSRSP 120/120 as libsrt, connected on AGREEMENT', () => {
    const a = new RendezvousHandshake(cfgOf(aWave), '127.0.0.1', aWave.cookie | 0);
    const wave = a.current()!;
    expect(wave.hs).to.include({ version: 5, reqType: 0, extField: 0, socketId: aWave.socketId, isn: aWave.isn });
    expect(wave.destId).to.equal(0);
    const r1 = a.handle(bWave);
    expect(r1.kind).to.equal('send');
    expect(a.role).to.equal('responder');
    if (r1.kind !== 'send') return;
    expect(r1.out.hs).to.include({ reqType: HandshakeType.CONCLUSION, extField: 0 });
    expect(r1.out.destId).to.equal(bWave.socketId);
    const r2 = a.handle(bHsreq);
    expect(r2.kind).to.equal('send');
    if (r2.kind !== 'send') return;
    expect(decodeSrtHs(findExtension(r2.out.hs, HsExt.HSRSP)!.body)).to.deep.include(
      { rcvLatency: 120, sndLatency: 120, flags: decodeSrtHs(findExtension(aHsrsp, HsExt.HSRSP)!.body)!.flags },
    );
    expect(r2.out.hs).to.include({ isn: aWave.isn, cookie: aWave.cookie | 0, socketId: aWave.socketId });
    const r3 = a.handle(bAgree);
    expect(r3.kind).to.equal('connected');
    if (r3.kind !== 'connected') return;
    expect(r3.negotiated).to.include({ peerSocketId: bWave.socketId, isn: aWave.isn, peerIsn: bWave.isn, rcvLatency: 120, sndLatency: 120 });
  });

  it('as B (Initiator): CONCLUSION+HSREQ after the contest, connected on the HSRSP, then AGREEMENT', () => {
    const b = new RendezvousHandshake(cfgOf(bWave), '127.0.0.1', bWave.cookie | 0);
    const r1 = b.handle(aWave);
    expect(b.role).to.equal('initiator');
    expect(r1.kind).to.equal('send');
    if (r1.kind !== 'send') return;
    expect(r1.out.hs).to.include({ reqType: HandshakeType.CONCLUSION, cookie: bWave.cookie | 0, isn: bWave.isn });
    // As libsrt's but for the announced version (we say 1.5.5).
    const { flags, rcvLatency, sndLatency } = decodeSrtHs(findExtension(bHsreq, HsExt.HSREQ)!.body)!;
    expect(decodeSrtHs(findExtension(r1.out.hs, HsExt.HSREQ)!.body)).to.deep.include({ flags, rcvLatency, sndLatency });
    // A's empty CONCLUSION makes us repeat the HSREQ.
    expect(b.handle(aEmpty).kind).to.equal('send');
    const r2 = b.handle(aHsrsp);
    expect(r2.kind).to.equal('connected');
    if (r2.kind !== 'connected') return;
    expect(r2.out!.hs.reqType).to.equal(HandshakeType.AGREEMENT);
    expect(r2.negotiated).to.include({ peerSocketId: aWave.socketId, isn: bWave.isn, peerIsn: aWave.isn, rcvLatency: 120, sndLatency: 120 });
    // A repeated HSRSP (our AGREEMENT was lost) is answered with another AGREEMENT.
    expect(b.answerAfterConnect(aHsrsp)!.hs.reqType).to.equal(HandshakeType.AGREEMENT);
  });

  it('an HSv4 WAVEAHAND is refused with VERSION rather than hanging', () => {
    const a = new RendezvousHandshake(cfgOf(aWave), '127.0.0.1', aWave.cookie | 0);
    const r = a.handle({ ...bWave, version: 4 });
    expect(r).to.deep.include({ kind: 'rejected', reason: 8 });
  });
});
