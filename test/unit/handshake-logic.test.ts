/**
 * Our handshake encoders and state machines replayed against libsrt 1.5.1's
 * captured handshakes (SRT-PROTOCOL.md §0, §2.2, §2.3, §6): CallerHandshake fed
 * the captured listener replies, the listener functions fed the captured caller
 * requests, and the results compared with what libsrt actually sent.
 *
 * The wire facts of the captures themselves are asserted in handshake-fixtures.test.ts;
 * this file only checks that OUR code reproduces them.
 *
 * Divergences from libsrt found while writing this were fixed in src/protocol/handshake.ts.
 */
import { expect } from 'chai';
import { ControlPacket, ControlType, decodePacket } from '../../src/protocol/packet';
import {
  HS_CIF_SIZE,
  HS_V5_MAGIC,
  Handshake,
  HandshakeType,
  HsExt,
  HsExtFlag,
  SrtFlag,
  UDT_DGRAM,
  decodeHandshake,
  decodeHsString,
  decodeSrtHs,
  encodeHandshake,
  encodeHsString,
  encodePeerIp,
  encodeSrtHs,
  findExtension,
} from '../../src/protocol/handshake-packet';
import {
  CallerHandshake,
  CallerResult,
  ConclusionRequest,
  CookieJar,
  HandshakeConfig,
  HandshakeRejection,
  MAX_STREAM_ID,
  Negotiated,
  SRT_VERSION,
  inductionResponse,
  hsreqFlags,
  negotiateAsResponder,
  parseConclusionRequest,
  rejectionResponse,
} from '../../src/protocol/handshake';
import { REJECT_BASE, RejectReason } from '../../src/protocol/reject-reason';
import { CapturedDatagram, Hs, handshakes, loadCapture } from '../support/fixtures';

// ------------------------------------------------------------------ helpers

/** One caller-listener attempt of a capture: induction, induction reply, CONCLUSION, CONCLUSION reply. */
function attempt(name: string, n = 0): { ind: Hs; indReply: Hs; concl: Hs; reply: Hs } {
  const [ind, indReply, concl, reply] = handshakes(name).slice(4 * n, 4 * n + 4);
  return { ind, indReply, concl, reply };
}

const PEER = '127.0.0.1';
const SRT_1_5_1 = 0x00010501;
const LIVE_FLAGS = 0xbf;
/** Offset of the HSREQ/HSRSP version word in an encoded HS body: 48-byte CIF + 4-byte block header. */
const SRT_VERSION_OFFSET = HS_CIF_SIZE + 4;

function callerCfg(ind: Handshake, opts: { rcv: number; peer: number; streamId?: string }): HandshakeConfig {
  return {
    socketId: ind.socketId,
    isn: ind.isn,
    mss: 1500,
    flightFlagSize: 8192,
    rcvLatency: opts.rcv,
    peerLatency: opts.peer,
    tlpktDrop: true,
    nakReport: true,
    streamId: opts.streamId,
  };
}

function listenerCfg(socketId: number, isn: number, rcv: number, peer: number): HandshakeConfig {
  return { socketId, isn, mss: 1500, flightFlagSize: 8192, rcvLatency: rcv, peerLatency: peer, tlpktDrop: true, nakReport: true };
}

/** A body with the HSREQ/HSRSP version word replaced by libsrt 1.5.1's. */
function as151(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  copy.writeUInt32BE(SRT_1_5_1, SRT_VERSION_OFFSET);
  return copy;
}

/** Encode then decode, as the bytes would travel. */
function wire(hs: Handshake): Handshake {
  return decodeHandshake(encodeHandshake(hs))!;
}

function expectSend(r: CallerResult): Handshake {
  expect(r.kind, JSON.stringify(r)).to.equal('send');
  return (r as { kind: 'send'; hs: Handshake }).hs;
}

function expectConnected(r: CallerResult): Negotiated {
  expect(r.kind, JSON.stringify(r)).to.equal('connected');
  return (r as { kind: 'connected'; negotiated: Negotiated }).negotiated;
}

function expectRejected(r: CallerResult, reason: number): void {
  expect(r.kind, JSON.stringify(r)).to.equal('rejected');
  expect((r as { reason: number }).reason).to.equal(reason);
}

function expectIgnored(r: CallerResult): void {
  expect(r.kind, JSON.stringify(r)).to.equal('ignored');
}

function rejectionOf(fn: () => unknown): HandshakeRejection {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(HandshakeRejection);
    return err as HandshakeRejection;
  }
  throw new Error('expected a HandshakeRejection, nothing was thrown');
}

/** Listener side in one step: parse + negotiate. */
function respond(req: Handshake, cfg: HandshakeConfig): { response: Handshake; negotiated: Negotiated } {
  return negotiateAsResponder(req, parseConclusionRequest(req), cfg);
}

/** A copy of a captured handshake with fresh buffers (capture buffers are shared). */
function clone(hs: Handshake, patch: Partial<Handshake> = {}): Handshake {
  return {
    ...hs,
    peerIp: Buffer.from(hs.peerIp),
    extensions: hs.extensions.map((e) => ({ type: e.type, body: Buffer.from(e.body) })),
    ...patch,
  };
}

function withoutKm(hs: Handshake): Handshake {
  return clone(hs, {
    encryption: 0,
    extField: hs.extField & ~HsExtFlag.KMREQ,
    extensions: hs.extensions.filter((e) => e.type !== HsExt.KMREQ && e.type !== HsExt.KMRSP).map((e) => ({ type: e.type, body: Buffer.from(e.body) })),
  });
}

/** A caller brought to the 'conclusion' state with the capture's induction reply. */
function callerInConclusion(name: string, opts: { rcv: number; peer: number; streamId?: string }, n = 0) {
  const a = attempt(name, n);
  const caller = new CallerHandshake(callerCfg(a.ind.hs, opts), PEER);
  expectSend(caller.handle(a.indReply.hs));
  expect(caller.state).to.equal('conclusion');
  return { caller, ...a };
}

// ------------------------------------------------------------------ scenarios

interface CallerCase {
  name: string;
  rcv: number;
  peer: number;
  streamId?: string;
  /** What libsrt's caller ended up with: rcv = HSRSP Snd field, snd = HSRSP Rcv field. */
  rcvLatency: number;
  sndLatency: number;
}

/** Captures whose caller CONCLUSION our caller can reproduce byte for byte (no KMREQ). */
const EXACT: CallerCase[] = [
  { name: 'live-plain', rcv: 200, peer: 200, streamId: '#!::r=live/cam7,m=publish', rcvLatency: 200, sndLatency: 200 },
  { name: 'ffmpeg-caller', rcv: 250, peer: 250, streamId: 'ffcam', rcvLatency: 250, sndLatency: 250 },
];
/** Encrypted captures: plain libsrt defaults (120/0); the conclusion also carries a KMREQ we cannot make. */
const AES: CallerCase[] = ['live-aes128', 'live-aes192', 'live-aes256'].map((name) => ({ name, rcv: 120, peer: 0, rcvLatency: 120, sndLatency: 120 }));

describe('handshake logic replayed against libsrt 1.5.1 captures', () => {
  // ================================================================ caller
  describe('CallerHandshake', () => {
    describe('INDUCTION: byte-identical to the libsrt caller', () => {
      const cases = [
        ...['live-plain', 'ffmpeg-caller', 'live-aes128', 'live-aes192', 'live-aes256', 'file-mode'].map((name) => ({ name, n: 0 })),
        ...['reject-badsecret', 'reject-unsecure'].flatMap((name) => [0, 1].map((n) => ({ name, n }))),
      ];
      for (const { name, n } of cases) {
        it(`${name}${n ? ` (attempt ${n + 1})` : ''}: current() encodes to the captured caller induction body`, () => {
          const { ind } = attempt(name, n);
          // Induction carries no latency or stream ID: any settings give the same bytes.
          const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 120, peer: 0, streamId: 'ignored-in-induction' }), PEER);
          expect(caller.state).to.equal('induction');
          const ours = encodeHandshake(caller.current());
          expect(ours.toString('hex')).to.equal(ind.p.body.toString('hex'));
          expect(ours.length).to.equal(HS_CIF_SIZE);
          // Resending (every 250 ms) repeats the same handshake.
          expect(encodeHandshake(caller.current()).equals(ours)).to.equal(true);
        });
      }
    });

    describe('CONCLUSION: the captured one but for the SRT version word', () => {
      for (const c of EXACT) {
        it(`${c.name}: cookie from the reply, HSREQ|CONFIG, flags 0xBF, latency ${c.rcv}/${c.peer}, SID "${c.streamId}"`, () => {
          const { caller, indReply, concl } = callerInConclusion(c.name, c);
          const ours = caller.current();
          expect(ours).to.include({
            version: 5,
            encryption: 0,
            extField: HsExtFlag.HSREQ | HsExtFlag.CONFIG,
            cookie: indReply.hs.cookie,
            isn: concl.hs.isn,
            mss: 1500,
            flightFlagSize: 8192,
            reqType: HandshakeType.CONCLUSION,
            socketId: concl.hs.socketId,
          });
          const hsreq = decodeSrtHs(findExtension(ours, HsExt.HSREQ)!.body)!;
          expect(hsreq).to.deep.equal({ srtVersion: SRT_VERSION, flags: LIVE_FLAGS, rcvLatency: c.rcv, sndLatency: c.peer });
          expect(findExtension(ours, HsExt.SID)!.body.equals(findExtension(concl.hs, HsExt.SID)!.body), 'SID block bytes').to.equal(true);

          const body = encodeHandshake(ours);
          // The one allowed difference: we announce 1.5.5, libsrt 1.5.1 announced 1.5.1.
          expect(body.readUInt32BE(SRT_VERSION_OFFSET)).to.equal(0x00010505);
          expect(concl.p.body.readUInt32BE(SRT_VERSION_OFFSET)).to.equal(0x00010501);
          expect(SRT_VERSION).to.equal(0x00010505);
          expect(as151(body).toString('hex')).to.equal(concl.p.body.toString('hex'));
        });
      }

      it('reject-unsecure (no passphrase, libsrt defaults 120/0, no SID): HSREQ only, latency word 0x00780000', () => {
        for (const n of [0, 1]) {
          const { caller, concl } = callerInConclusion('reject-unsecure', { rcv: 120, peer: 0 }, n);
          const body = encodeHandshake(caller.current());
          expect(caller.current().extField).to.equal(HsExtFlag.HSREQ);
          expect(body.readUInt32BE(SRT_VERSION_OFFSET + 8)).to.equal(0x00780000);
          expect(as151(body).toString('hex')).to.equal(concl.p.body.toString('hex'));
        }
      });

      for (const c of AES) {
        it(`${c.name}: CIF and HSREQ block identical; libsrt adds the encryption field and a KMREQ (no passphrase support here)`, () => {
          const { caller, concl } = callerInConclusion(c.name, c);
          const ours = caller.current();
          expect(ours.extensions.map((e) => e.type)).to.deep.equal([HsExt.HSREQ]);
          expect(concl.hs.extensions.map((e) => e.type)).to.deep.equal([HsExt.HSREQ, HsExt.KMREQ]);
          // Compare with the capture minus what only a passphrase would add.
          const expected = encodeHandshake(withoutKm(concl.hs));
          expect(as151(encodeHandshake(ours)).toString('hex')).to.equal(expected.toString('hex'));
        });
      }
    });

    describe("listener's CONCLUSION reply → connected with libsrt's negotiated values", () => {
      for (const c of [...EXACT, ...AES]) {
        it(`${c.name}: peer socket ID, caller ISN, MSS 1500, rcv ${c.rcvLatency} / snd ${c.sndLatency}`, () => {
          const { caller, reply } = callerInConclusion(c.name, c);
          if (AES.includes(c)) {
            // A caller without a passphrase (and enforced encryption, the default) refuses a reply
            // that carries a KMRSP, and names the listener's socket so it can be told (SHUTDOWN).
            const rej = caller.handle(reply.hs);
            expect(rej).to.deep.include({ kind: 'rejected', reason: RejectReason.UNSECURE, peerSocketId: reply.hs.socketId });
            reply.hs = clone(reply.hs, {
              extField: reply.hs.extField & ~HsExtFlag.KMREQ,
              extensions: reply.hs.extensions.filter((e) => e.type !== HsExt.KMRSP),
            });
            return expectConnected(callerInConclusion(c.name, c).caller.handle(reply.hs)) && undefined;
          }
          const r = caller.handle(reply.hs);
          const neg = expectConnected(r);
          expect(caller.state).to.equal('done');
          expect(neg).to.deep.equal({
            peerSocketId: reply.hs.socketId,
            isn: reply.hs.isn,
            mss: 1500,
            peerFlightFlagSize: 8192,
            rcvLatency: c.rcvLatency,
            sndLatency: c.sndLatency,
            peerSrtVersion: SRT_1_5_1,
            peerFlags: LIVE_FLAGS,
            streamId: c.streamId ?? '',
            packetFilter: '',
          });
          // The caller's rcv latency is the responder's Snd field and vice versa (§2.3).
          const hsrsp = decodeSrtHs(findExtension(reply.hs, HsExt.HSRSP)!.body)!;
          expect(neg.rcvLatency).to.equal(hsrsp.sndLatency);
          expect(neg.sndLatency).to.equal(hsrsp.rcvLatency);
        });
      }
    });

    describe('failure paths', () => {
      for (const c of [
        { name: 'reject-badsecret', reason: RejectReason.BADSECRET, rcv: 120, peer: 0 },
        { name: 'reject-unsecure', reason: RejectReason.UNSECURE, rcv: 120, peer: 0 },
      ]) {
        it(`${c.name}: the captured ReqType ${REJECT_BASE + c.reason} reply → rejected, reason ${c.reason} (both attempts)`, () => {
          for (const n of [0, 1]) {
            const { caller, reply } = callerInConclusion(c.name, c, n);
            expect(reply.hs.reqType).to.equal(REJECT_BASE + c.reason);
            expectRejected(caller.handle(reply.hs), c.reason);
            expect(caller.state).to.not.equal('done');
          }
        });

        it(`${c.name}: the same rejection already during induction → rejected`, () => {
          const { ind, reply } = attempt(c.name);
          const caller = new CallerHandshake(callerCfg(ind.hs, c), PEER);
          expectRejected(caller.handle(reply.hs), c.reason);
        });
      }

      it('an application reject code (ReqType 2403 = SRT_REJX_FORBIDDEN) comes out as 1403', () => {
        const { caller, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        expectRejected(caller.handle(clone(reply.hs, { reqType: 2403, extensions: [] })), 1403);
      });

      it('an induction reply with version 4 (HSv4-only listener) → rejected VERSION (8)', () => {
        const { ind, indReply } = attempt('live-plain');
        const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 200, peer: 200 }), PEER);
        // What a pre-1.3 listener answers: UDT-style version 4, Type UDT_DGRAM.
        expectRejected(caller.handle(clone(indReply.hs, { version: 4, extField: UDT_DGRAM })), RejectReason.VERSION);
        // (libsrt would fall back to HSv4 here; we deliberately do not speak HSv4.)
      });

      it('a v5 induction reply without the 0x4A17 magic → rejected ROGUE, as libsrt (processConnectResponse)', () => {
        const { ind, indReply } = attempt('live-plain');
        for (const extField of [0, UDT_DGRAM, HsExtFlag.HSREQ, HS_V5_MAGIC ^ 1]) {
          const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 200, peer: 200 }), PEER);
          expectRejected(caller.handle(clone(indReply.hs, { extField })), RejectReason.ROGUE);
        }
      });

      it('the 0x4A17 magic with an advertised key length (aes captures) is accepted', () => {
        for (const name of ['live-aes128', 'live-aes192', 'live-aes256']) {
          const { ind, indReply } = attempt(name);
          expect(indReply.hs.encryption).to.be.greaterThan(0);
          const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 120, peer: 0 }), PEER);
          expectSend(caller.handle(indReply.hs));
        }
      });

      it('a CONCLUSION reply without HSRSP → rejected ROGUE', () => {
        const { caller, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200, streamId: '#!::r=live/cam7,m=publish' });
        expectRejected(caller.handle(clone(reply.hs, { extensions: [] })), RejectReason.ROGUE);
        expect(caller.state).to.equal('conclusion');
      });

      it('a CONCLUSION reply with a short HSRSP (2 words) or only an HSREQ block → rejected ROGUE', () => {
        const { caller, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        const hsrsp = findExtension(reply.hs, HsExt.HSRSP)!.body;
        expectRejected(caller.handle(clone(reply.hs, { extensions: [{ type: HsExt.HSRSP, body: Buffer.from(hsrsp.subarray(0, 8)) }] })), RejectReason.ROGUE);
        expectRejected(caller.handle(clone(reply.hs, { extensions: [{ type: HsExt.HSREQ, body: Buffer.from(hsrsp) }] })), RejectReason.ROGUE);
      });

      it('a CONCLUSION reply with version 0 → rejected PEER (HSv5 "rejected" marker, interpretSrtHandshake)', () => {
        const { caller, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        expectRejected(caller.handle(clone(reply.hs, { version: 0 })), RejectReason.PEER);
      });

      it('in induction state, replies of another type are ignored and the induction keeps being sent', () => {
        const { ind, indReply, reply } = attempt('live-plain');
        const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 200, peer: 200 }), PEER);
        const before = encodeHandshake(caller.current());
        for (const reqType of [HandshakeType.CONCLUSION, HandshakeType.WAVEAHAND, HandshakeType.AGREEMENT, -3]) {
          const src = reqType === HandshakeType.CONCLUSION ? reply.hs : indReply.hs;
          expectIgnored(caller.handle(clone(src, { reqType })));
          expect(caller.state).to.equal('induction');
          expect(encodeHandshake(caller.current()).equals(before)).to.equal(true);
        }
        // ...and the real induction reply still works afterwards.
        expectSend(caller.handle(indReply.hs));
      });

      it('in conclusion state, a repeated induction reply and other types are ignored; the CONCLUSION keeps being sent', () => {
        const { caller, indReply, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        const before = encodeHandshake(caller.current());
        for (const hs of [
          indReply.hs,
          clone(indReply.hs, { cookie: indReply.hs.cookie ^ 0xffff }),
          clone(reply.hs, { reqType: HandshakeType.WAVEAHAND }),
          clone(reply.hs, { reqType: HandshakeType.AGREEMENT }),
        ]) {
          expectIgnored(caller.handle(hs));
          expect(caller.state).to.equal('conclusion');
          expect(encodeHandshake(caller.current()).equals(before)).to.equal(true);
        }
        expectConnected(caller.handle(reply.hs));
      });

      it("after 'done' everything is ignored, rejections included", () => {
        const { caller, indReply, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        expectConnected(caller.handle(reply.hs));
        for (const hs of [reply.hs, indReply.hs, clone(reply.hs, { reqType: REJECT_BASE + RejectReason.UNSECURE }), clone(reply.hs, { version: 0 })]) {
          expectIgnored(caller.handle(hs));
          expect(caller.state).to.equal('done');
        }
      });

      it('a stream ID longer than 512 bytes is refused up front; exactly 512 is allowed', () => {
        const ind = attempt('live-plain').ind.hs;
        expect(() => new CallerHandshake(callerCfg(ind, { rcv: 120, peer: 0, streamId: 'x'.repeat(MAX_STREAM_ID + 1) }), PEER)).to.throw(RangeError);
        expect(() => new CallerHandshake(callerCfg(ind, { rcv: 120, peer: 0, streamId: 'é'.repeat(257) }), PEER), 'bytes, not chars').to.throw(RangeError);
        const ok = new CallerHandshake(callerCfg(ind, { rcv: 120, peer: 0, streamId: 'x'.repeat(MAX_STREAM_ID) }), PEER);
        const concl = expectSend(ok.handle(attempt('live-plain').indReply.hs));
        expect(findExtension(concl, HsExt.SID)!.body.length).to.equal(512);
      });

      it('a reply with MSS > 1500 is rejected ROGUE, as libsrt does', () => {
        const { ind, indReply, reply } = attempt('live-plain');
        const c1 = new CallerHandshake(callerCfg(ind.hs, { rcv: 200, peer: 200 }), PEER);
        expectRejected(c1.handle(clone(indReply.hs, { mss: 9000 })), RejectReason.ROGUE);
        const { caller } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        expectRejected(caller.handle(clone(reply.hs, { mss: 9000 })), RejectReason.ROGUE);
      });

      it('a CONCLUSION reply with another ISN fails the connection, as libsrt\'s security check does', () => {
        const { caller, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        const r = caller.handle(clone(reply.hs, { isn: (reply.hs.isn + 1) & 0x7fffffff }));
        expect(r.kind).to.equal('rejected');
      });

      it('ReqType 1017..1999 is reported as UNKNOWN (0), as libsrt RejectReasonForURQ does', () => {
        const { caller, reply } = callerInConclusion('live-plain', { rcv: 200, peer: 200 });
        expectRejected(caller.handle(clone(reply.hs, { reqType: 1050, extensions: [] })), RejectReason.UNKNOWN);
      });
    });
  });

  // ================================================================ listener
  describe('listener functions', () => {
    describe('inductionResponse', () => {
      const plain = ['live-plain', 'ffmpeg-caller', 'file-mode', 'reject-badsecret', 'reject-unsecure'];
      for (const name of plain) {
        it(`${name}: identical to libsrt's induction reply given the same cookie`, () => {
          const attempts = name.startsWith('reject-') ? [0, 1] : [0];
          for (const n of attempts) {
            const { ind, indReply } = attempt(name, n);
            const ours = inductionResponse(ind.hs, indReply.hs.cookie);
            expect(ours).to.include({ version: 5, encryption: 0, extField: HS_V5_MAGIC, reqType: HandshakeType.INDUCTION });
            expect(ours.socketId, "echoes the caller's own socket ID").to.equal(ind.hs.socketId);
            expect(ours).to.include({ isn: ind.hs.isn, mss: ind.hs.mss, flightFlagSize: ind.hs.flightFlagSize });
            expect(ours.peerIp.equals(ind.hs.peerIp)).to.equal(true);
            expect(encodeHandshake(ours).toString('hex')).to.equal(indReply.p.body.toString('hex'));
          }
        });
      }

      it('the cookie is the only field that depends on the listener', () => {
        const { ind, indReply } = attempt('live-plain');
        const a = encodeHandshake(inductionResponse(ind.hs, 0x12345678));
        const b = Buffer.from(indReply.p.body);
        expect(a.readUInt32BE(28)).to.equal(0x12345678);
        b.writeUInt32BE(0x12345678, 28);
        expect(a.equals(b)).to.equal(true);
      });

      it('aes captures: same reply except the encryption field libsrt advertises (pbkeylen/8; we have no passphrase)', () => {
        for (const name of ['live-aes128', 'live-aes192', 'live-aes256']) {
          const { ind, indReply } = attempt(name);
          const ours = inductionResponse(ind.hs, indReply.hs.cookie);
          expect(ours.encryption).to.equal(0);
          expect(encodeHandshake({ ...ours, encryption: indReply.hs.encryption }).equals(indReply.p.body), name).to.equal(true);
        }
      });

      it('the reply round-trips into our caller (our listener ↔ our caller)', () => {
        const { ind } = attempt('live-plain');
        const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 200, peer: 200 }), PEER);
        const req = wire(caller.current());
        const concl = expectSend(caller.handle(wire(inductionResponse(req, 0xcafef00d))));
        expect(concl.cookie).to.equal(0xcafef00d);
      });
    });

    describe('parseConclusionRequest + negotiateAsResponder on the captured CONCLUSIONs', () => {
      it('live-plain: parse gives 0xBF, 1.5.1, 200/200 and the stream ID', () => {
        const parsed = parseConclusionRequest(attempt('live-plain').concl.hs);
        expect(parsed).to.deep.equal({
          hsreqFlags: LIVE_FLAGS,
          hsreqVersion: SRT_1_5_1,
          rcvLatency: 200,
          sndLatency: 200,
          streamId: '#!::r=live/cam7,m=publish',
          congestion: undefined,
          packetFilter: undefined,
          hasKm: false,
          kmreq: undefined,
        } satisfies ConclusionRequest);
      });

      const exact = [
        { name: 'live-plain', lRcv: 120, lPeer: 120, streamId: '#!::r=live/cam7,m=publish', lat: 200 },
        { name: 'live-plain', lRcv: 120, lPeer: 0, streamId: '#!::r=live/cam7,m=publish', lat: 200 },
        { name: 'ffmpeg-caller', lRcv: 120, lPeer: 0, streamId: 'ffcam', lat: 250 },
      ];
      for (const c of exact) {
        it(`${c.name} with our listener at ${c.lRcv}/${c.lPeer}: the reply is libsrt's but for the SRT version word (HSRSP ${c.lat}/${c.lat})`, () => {
          const { concl, reply } = attempt(c.name);
          const { response, negotiated } = respond(concl.hs, listenerCfg(reply.hs.socketId, concl.hs.isn, c.lRcv, c.lPeer));
          response.peerIp = encodePeerIp(PEER); // as SrtServer does
          const hsrsp = decodeSrtHs(findExtension(response, HsExt.HSRSP)!.body)!;
          expect(hsrsp).to.deep.equal({ srtVersion: SRT_VERSION, flags: LIVE_FLAGS, rcvLatency: c.lat, sndLatency: c.lat });
          expect(response).to.include({ isn: concl.hs.isn, mss: 1500, extField: HsExtFlag.HSREQ, reqType: HandshakeType.CONCLUSION });
          const body = encodeHandshake(response);
          expect(body.readUInt32BE(SRT_VERSION_OFFSET)).to.equal(0x00010505);
          expect(as151(body).toString('hex')).to.equal(reply.p.body.toString('hex'));
          expect(negotiated).to.deep.equal({
            peerSocketId: concl.hs.socketId,
            isn: concl.hs.isn,
            mss: 1500,
            peerFlightFlagSize: 8192,
            rcvLatency: c.lat,
            sndLatency: c.lat,
            peerSrtVersion: SRT_1_5_1,
            peerFlags: LIVE_FLAGS,
            streamId: c.streamId,
            packetFilter: '',
          });
        });
      }

      for (const name of ['live-aes128', 'live-aes192', 'live-aes256']) {
        it(`${name}: the KMREQ-carrying CONCLUSION → HandshakeRejection UNSECURE (11); without the KM, HSRSP 120/120 as captured`, () => {
          const { concl, reply } = attempt(name);
          const parsed = parseConclusionRequest(concl.hs);
          expect(parsed.hasKm).to.equal(true);
          expect(parsed).to.include({ rcvLatency: 120, sndLatency: 0, hsreqFlags: LIVE_FLAGS });
          const cfg = listenerCfg(reply.hs.socketId, concl.hs.isn, 120, 0);
          const rej = rejectionOf(() => negotiateAsResponder(concl.hs, parsed, cfg));
          expect(rej.reason).to.equal(RejectReason.UNSECURE);

          const { response, negotiated } = respond(withoutKm(concl.hs), cfg);
          response.peerIp = encodePeerIp(PEER);
          expect(findExtension(response, HsExt.HSRSP)!.body.readUInt32BE(8), 'latency word').to.equal(0x00780078);
          expect(as151(encodeHandshake(response)).toString('hex')).to.equal(encodeHandshake(withoutKm(reply.hs)).toString('hex'));
          expect(negotiated).to.include({ rcvLatency: 120, sndLatency: 120, isn: concl.hs.isn, mss: 1500 });
        });
      }

      it('reject-unsecure CONCLUSION (no KM, 120/0) to a listener at 120/0 → HSRSP 0x00780078 (libsrt rejected it only for its passphrase)', () => {
        const { concl, reply } = attempt('reject-unsecure');
        const { response } = respond(concl.hs, listenerCfg(reply.hs.socketId, concl.hs.isn, 120, 0));
        expect(decodeSrtHs(findExtension(response, HsExt.HSRSP)!.body)).to.deep.equal({
          srtVersion: SRT_VERSION,
          flags: LIVE_FLAGS,
          rcvLatency: 120,
          sndLatency: 120,
        });
      });

      it('MSS = min of both sides; ISN = the caller ISN; flight = ours; the cookie is echoed', () => {
        const { concl } = attempt('live-plain');
        for (const [ours, theirs, expected] of [
          [1500, 1500, 1500],
          [1400, 1500, 1400],
          [1500, 1316, 1316],
        ]) {
          const cfg = { ...listenerCfg(7, 1, 120, 0), mss: ours, flightFlagSize: 25600 };
          const { response, negotiated } = respond(clone(concl.hs, { mss: theirs }), cfg);
          expect(response.mss).to.equal(expected);
          expect(negotiated.mss).to.equal(expected);
          expect(response.isn, 'cfg.isn is not used: the caller ISN is').to.equal(concl.hs.isn);
          expect(response.flightFlagSize).to.equal(25600);
          expect(response.cookie).to.equal(concl.hs.cookie);
          expect(response.socketId).to.equal(7);
        }
      });

      it('file-mode CONCLUSION (CONGESTION "file", STREAM flag) → MESSAGEAPI 12; CONGESTION alone → 13, STREAM alone → 12', () => {
        const { concl } = attempt('file-mode');
        const cfg = listenerCfg(1, concl.hs.isn, 120, 0);
        const parsed = parseConclusionRequest(concl.hs);
        expect(parsed).to.include({ congestion: 'file', streamId: 'blob', hsreqFlags: 0xe4 });
        // libsrt checks the HSREQ block first: the STREAM flag answers MESSAGEAPI.
        expect(rejectionOf(() => respond(concl.hs, cfg)).reason).to.equal(RejectReason.MESSAGEAPI);
        const noStream = clone(concl.hs);
        noStream.extensions[0] = { type: HsExt.HSREQ, body: encodeSrtHs({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 0, sndLatency: 0 }) };
        expect(rejectionOf(() => respond(noStream, cfg)).reason).to.equal(RejectReason.CONGESTION);
        const noCongestion = clone(concl.hs);
        noCongestion.extensions = noCongestion.extensions.filter((e) => e.type !== HsExt.CONGESTION);
        expect(rejectionOf(() => respond(noCongestion, cfg)).reason).to.equal(RejectReason.MESSAGEAPI);
        // An explicit "live" congestion block is fine.
        const live = clone(noStream);
        live.extensions = live.extensions.map((e) => (e.type === HsExt.CONGESTION ? { type: e.type, body: encodeHsString('live') } : e));
        expect(respond(live, cfg).response.reqType).to.equal(HandshakeType.CONCLUSION);
      });

      it('file-mode CONCLUSION → MESSAGEAPI (12), the HSREQ check coming first as in libsrt', () => {
        const { concl } = attempt('file-mode');
        expect(rejectionOf(() => respond(concl.hs, listenerCfg(1, concl.hs.isn, 120, 0))).reason).to.equal(RejectReason.MESSAGEAPI);
      });

      it('HSv4 CONCLUSION (version 4, Type UDT_DGRAM, no extensions) → VERSION (8)', () => {
        const { concl } = attempt('live-plain');
        const v4 = clone(concl.hs, { version: 4, extField: UDT_DGRAM, extensions: [] });
        expect(rejectionOf(() => parseConclusionRequest(v4)).reason).to.equal(RejectReason.VERSION);
        // Even with an HSREQ block attached.
        expect(rejectionOf(() => parseConclusionRequest(clone(concl.hs, { version: 4 }))).reason).to.equal(RejectReason.VERSION);
      });

      it('missing HSREQ → ROGUE (4): no HSREQ flag, flag without block, block shorter than 3 words, no extensions at all', () => {
        const { concl } = attempt('live-plain');
        const hsreq = findExtension(concl.hs, HsExt.HSREQ)!.body;
        const variants: Record<string, Handshake> = {
          'no HSREQ flag': clone(concl.hs, { extField: HsExtFlag.CONFIG }),
          'ext flags 0': clone(concl.hs, { extField: 0 }),
          'flag, no block': clone(concl.hs, { extensions: concl.hs.extensions.filter((e) => e.type !== HsExt.HSREQ).map((e) => ({ ...e })) }),
          'short block': clone(concl.hs, { extensions: [{ type: HsExt.HSREQ, body: Buffer.from(hsreq.subarray(0, 8)) }] }),
          'bare CIF': clone(concl.hs, { extensions: [] }),
          'HSRSP instead of HSREQ': clone(concl.hs, { extensions: [{ type: HsExt.HSRSP, body: Buffer.from(hsreq) }] }),
        };
        for (const [what, hs] of Object.entries(variants)) {
          expect(rejectionOf(() => parseConclusionRequest(wire(hs))).reason, what).to.equal(RejectReason.ROGUE);
        }
      });

      it('stream ID: 512 bytes accepted and decoded; 516 (the next word) rejected', () => {
        const { concl } = attempt('live-plain');
        const withSid = (s: string) =>
          wire(clone(concl.hs, { extensions: [{ type: HsExt.HSREQ, body: Buffer.from(findExtension(concl.hs, HsExt.HSREQ)!.body) }, { type: HsExt.SID, body: encodeHsString(s) }] }));
        const max = 'r'.repeat(MAX_STREAM_ID - 3) + '#!:';
        expect(parseConclusionRequest(withSid(max)).streamId).to.equal(max);
        const tooLong = withSid('s'.repeat(MAX_STREAM_ID + 1));
        expect(findExtension(tooLong, HsExt.SID)!.body.length).to.equal(516);
        const rej = rejectionOf(() => parseConclusionRequest(tooLong));
        // libsrt rejects too (interpretSrtHandshake "STREAMID length ... PROTOCOL ERROR"); it sets no reason
        // there, so the wire code is whatever the new socket had (UNKNOWN), as we send.
        expect(rej.reason).to.equal(RejectReason.UNKNOWN);
      });

      it('SID of 516 bytes → UNKNOWN (0); empty SID block → rejected, as libsrt', () => {
        const { concl } = attempt('live-plain');
        const hsreq = { type: HsExt.HSREQ, body: Buffer.from(findExtension(concl.hs, HsExt.HSREQ)!.body) };
        const tooLong = wire(clone(concl.hs, { extensions: [hsreq, { type: HsExt.SID, body: encodeHsString('s'.repeat(513)) }] }));
        expect(rejectionOf(() => parseConclusionRequest(tooLong)).reason).to.equal(RejectReason.UNKNOWN);
        const empty = wire(clone(concl.hs, { extensions: [hsreq, { type: HsExt.SID, body: Buffer.alloc(0) }] }));
        expect(rejectionOf(() => parseConclusionRequest(empty)).reason).to.equal(RejectReason.UNKNOWN);
      });

      it('the SID is read only when the CONFIG flag is set (libsrt ignores config blocks otherwise)', () => {
        const { concl } = attempt('live-plain');
        expect(parseConclusionRequest(clone(concl.hs, { extField: HsExtFlag.HSREQ })).streamId).to.equal('');
      });

      it('HSv5 CONCLUSION whose HSREQ announces SRT 1.2.0 → ROGUE (4), as libsrt', () => {
        const { concl } = attempt('live-plain');
        const old = clone(concl.hs);
        old.extensions[0] = { type: HsExt.HSREQ, body: encodeSrtHs({ srtVersion: 0x00010200, flags: LIVE_FLAGS, rcvLatency: 200, sndLatency: 200 }) };
        expect(rejectionOf(() => parseConclusionRequest(old)).reason).to.equal(RejectReason.ROGUE);
      });

      it('KMREQ flag without a KMREQ block → UNSECURE (11), as libsrt', () => {
        const { concl, reply } = attempt('live-aes128');
        const flagOnly = clone(concl.hs, { extensions: concl.hs.extensions.filter((e) => e.type !== HsExt.KMREQ).map((e) => ({ ...e })) });
        expect(flagOnly.extField & HsExtFlag.KMREQ).to.equal(HsExtFlag.KMREQ);
        expect(rejectionOf(() => respond(flagOnly, listenerCfg(reply.hs.socketId, concl.hs.isn, 120, 0))).reason).to.equal(RejectReason.UNSECURE);
      });

      it('HSRSP flags and latency follow the initiator TSBPD/REXMITFLG flags, as libsrt fillSrtHandshake_HSRSP', () => {
        const { concl } = attempt('live-plain');
        const cfg = listenerCfg(1, concl.hs.isn, 120, 120);
        const withFlags = (flags: number) => {
          const hs = clone(concl.hs);
          hs.extensions[0] = { type: HsExt.HSREQ, body: encodeSrtHs({ srtVersion: SRT_1_5_1, flags, rcvLatency: 200, sndLatency: 200 }) };
          return decodeSrtHs(findExtension(respond(hs, cfg).response, HsExt.HSRSP)!.body)!;
        };
        expect(withFlags(LIVE_FLAGS & ~SrtFlag.TSBPDRCV)).to.include({ flags: 0xbe, rcvLatency: 200, sndLatency: 0 });
        expect(withFlags(LIVE_FLAGS & ~SrtFlag.REXMITFLG).flags).to.equal(0x9f);
      });
    });

    describe('rejectionResponse', () => {
      it('ReqType = 1000 + reason, bare 48-byte CIF, for every predefined reason; our caller reads the reason back', () => {
        const { concl, ind } = attempt('live-plain');
        for (const reason of Object.values(RejectReason)) {
          const rsp = rejectionResponse(concl.hs, reason);
          expect(rsp.reqType).to.equal(REJECT_BASE + reason);
          expect(rsp.extensions).to.deep.equal([]);
          const body = encodeHandshake(rsp);
          expect(body.length).to.equal(HS_CIF_SIZE);
          expect(body.readInt32BE(20)).to.equal(REJECT_BASE + reason);
          const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 200, peer: 200 }), PEER);
          expectRejected(caller.handle(decodeHandshake(body)!), reason);
        }
      });

      for (const c of [
        { name: 'reject-badsecret', reason: RejectReason.BADSECRET },
        { name: 'reject-unsecure', reason: RejectReason.UNSECURE },
      ]) {
        it(`${c.name}: the CIF matches libsrt's rejection reply byte for byte (given the socket ID)`, () => {
          for (const n of [0, 1]) {
            const { concl, reply } = attempt(c.name, n);
            const ours = rejectionResponse(concl.hs, c.reason, reply.hs.socketId);
            expect(ours).to.include({
              version: 5,
              encryption: reply.hs.encryption,
              isn: reply.hs.isn,
              mss: reply.hs.mss,
              flightFlagSize: reply.hs.flightFlagSize,
              reqType: reply.hs.reqType,
              socketId: reply.hs.socketId,
              cookie: reply.hs.cookie,
            });
            expect(ours.peerIp.equals(reply.hs.peerIp)).to.equal(true);
            expect(ours.extField).to.equal(concl.hs.extField); // libsrt keeps the request's ext flags
            expect(encodeHandshake(ours).toString('hex')).to.equal(reply.p.body.toString('hex'));
          }
        });
      }

      it('defaults the socket ID to 0 (what SrtServer sends)', () => {
        expect(rejectionResponse(attempt('live-plain').concl.hs, RejectReason.BACKLOG).socketId).to.equal(0);
      });

      it('rejectionResponse keeps the request ext flags like libsrt', () => {
        for (const name of ['reject-badsecret', 'reject-unsecure']) {
          const { concl, reply } = attempt(name);
          const ours = rejectionResponse(concl.hs, reply.hs.reqType - REJECT_BASE, reply.hs.socketId);
          expect(encodeHandshake(ours).toString('hex'), name).to.equal(reply.p.body.toString('hex'));
        }
      });
    });
  });

  // ================================================================ cookies
  describe('CookieJar', () => {
    const MINUTE = 60_000;
    const t0 = 28_333_334 * MINUTE; // a minute boundary (Nov 2023)

    it('same address, port and minute → same cookie, a 32-bit unsigned value', () => {
      const jar = new CookieJar();
      const c = jar.bake('127.0.0.1', 5000, t0);
      expect(jar.bake('127.0.0.1', 5000, t0 + 1)).to.equal(c);
      expect(jar.bake('127.0.0.1', 5000, t0 + MINUTE - 1)).to.equal(c);
      expect(Number.isInteger(c) && c >= 0 && c <= 0xffffffff).to.equal(true);
      expect(jar.check(c, '127.0.0.1', 5000, t0 + 30_000)).to.equal(true);
      // It survives the trip through an induction reply and the caller's CONCLUSION.
      const { ind } = attempt('live-plain');
      const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: 120, peer: 0 }), PEER);
      const concl = wire(expectSend(caller.handle(wire(inductionResponse(wire(caller.current()), c)))));
      expect(jar.check(concl.cookie, '127.0.0.1', 5000, t0 + 30_000)).to.equal(true);
    });

    it('the previous minute still checks; two minutes ago does not', () => {
      const jar = new CookieJar();
      const c = jar.bake('127.0.0.1', 5000, t0 + 59_000);
      expect(jar.check(c, '127.0.0.1', 5000, t0 + MINUTE)).to.equal(true);
      expect(jar.check(c, '127.0.0.1', 5000, t0 + 2 * MINUTE - 1)).to.equal(true);
      expect(jar.check(c, '127.0.0.1', 5000, t0 + 2 * MINUTE)).to.equal(false);
      expect(jar.check(c, '127.0.0.1', 5000, t0 + 3 * MINUTE)).to.equal(false);
      // A cookie from the future (next minute) is not accepted either.
      expect(jar.check(jar.bake('127.0.0.1', 5000, t0 + MINUTE), '127.0.0.1', 5000, t0)).to.equal(false);
    });

    it('a different port, address or jar fails', () => {
      const jar = new CookieJar();
      const c = jar.bake('127.0.0.1', 5000, t0);
      expect(jar.check(c, '127.0.0.1', 5001, t0)).to.equal(false);
      expect(jar.check(c, '127.0.0.2', 5000, t0)).to.equal(false);
      expect(jar.check(c, '::1', 5000, t0)).to.equal(false);
      expect(new CookieJar().check(c, '127.0.0.1', 5000, t0)).to.equal(false);
      expect(jar.bake('127.0.0.1', 5000, t0 + MINUTE)).to.not.equal(c);
    });
  });

  // ================================================================ latency matrix
  describe('latency max() matrix (§2.3): responder HSRSP and caller result, rcv of one = snd of the other', () => {
    const VALUES = [0, 120, 200, 65535];
    const { ind, indReply, reply } = { ...attempt('live-plain') };
    for (const cRcv of VALUES) {
      for (const cPeer of VALUES) {
        it(`caller rcv ${cRcv} / peer ${cPeer} against every listener rcv/peer in {${VALUES.join(', ')}}`, () => {
          for (const lRcv of VALUES) {
            for (const lPeer of VALUES) {
              const what = `caller ${cRcv}/${cPeer}, listener ${lRcv}/${lPeer}`;
              const caller = new CallerHandshake(callerCfg(ind.hs, { rcv: cRcv, peer: cPeer }), PEER);
              const concl = wire(expectSend(caller.handle(indReply.hs)));
              expect(findExtension(concl, HsExt.HSREQ)!.body.readUInt32BE(8), `${what}: HSREQ latency word`).to.equal(((cRcv << 16) | cPeer) >>> 0);

              const listener = respond(concl, listenerCfg(reply.hs.socketId, 0, lRcv, lPeer));
              const hsrsp = decodeSrtHs(findExtension(listener.response, HsExt.HSRSP)!.body)!;
              // Responder: rcv := max(own rcv, initiator Snd); peer := max(own peer, initiator Rcv).
              expect(hsrsp.rcvLatency, `${what}: HSRSP Rcv`).to.equal(Math.max(lRcv, cPeer));
              expect(hsrsp.sndLatency, `${what}: HSRSP Snd`).to.equal(Math.max(lPeer, cRcv));
              expect(listener.negotiated.rcvLatency).to.equal(hsrsp.rcvLatency);
              expect(listener.negotiated.sndLatency).to.equal(hsrsp.sndLatency);

              const callerNeg = expectConnected(caller.handle(wire(listener.response)));
              // Initiator: own rcv := HSRSP Snd; peer := HSRSP Rcv.
              expect(callerNeg.rcvLatency, `${what}: caller rcv`).to.equal(Math.max(cRcv, lPeer));
              expect(callerNeg.sndLatency, `${what}: caller snd`).to.equal(Math.max(cPeer, lRcv));
              expect(callerNeg.rcvLatency, `${what}: caller rcv = listener snd`).to.equal(listener.negotiated.sndLatency);
              expect(callerNeg.sndLatency, `${what}: caller snd = listener rcv`).to.equal(listener.negotiated.rcvLatency);
              expect(callerNeg.isn).to.equal(listener.negotiated.isn);
              expect(callerNeg.peerSocketId).to.equal(reply.hs.socketId);
              expect(listener.negotiated.peerSocketId).to.equal(ind.hs.socketId);
            }
          }
        });
      }
    }

    it('hsreqFlags: 0xBF with both options, dropping TLPKTDROP/NAKREPORT when off; file mode 0xE4 as srt-file-transmit', () => {
      expect(hsreqFlags({ tlpktDrop: true, nakReport: true })).to.equal(0xbf);
      expect(hsreqFlags({ tlpktDrop: false, nakReport: true })).to.equal(0xbf & ~SrtFlag.TLPKTDROP);
      expect(hsreqFlags({ tlpktDrop: true, nakReport: false })).to.equal(0xbf & ~SrtFlag.NAKREPORT);
      expect(hsreqFlags({ tlpktDrop: false, nakReport: false })).to.equal(0xa7);
      expect(hsreqFlags({ tlpktDrop: false, nakReport: false, fileMode: true })).to.equal(0xe4);
      expect(hsreqFlags({ tlpktDrop: false, nakReport: false, fileMode: true, messageApi: true })).to.equal(0xa4);
    });
  });
});

describe('file mode handshake (transtype=file) replayed against srt-file-transmit', () => {
  const caps = handshakes('file-mode');
  const concl = caps.find((h) => h.d.from === 'caller' && h.hs.reqType === HandshakeType.CONCLUSION)!.hs;
  const reply = caps.find((h) => h.d.from === 'listener' && h.hs.reqType === HandshakeType.CONCLUSION)!.hs;
  const cfg = (id: number, isn: number) => ({
    socketId: id, isn, mss: 1500, flightFlagSize: 8192, rcvLatency: 0, peerLatency: 0, tlpktDrop: false, nakReport: false, fileMode: true,
  });

  it('our file-mode caller sends HSREQ 0xE4, latency 0/0 and CONGESTION "file" as srt-file-transmit', () => {
    const caller = new CallerHandshake({ ...cfg(concl.socketId, concl.isn), streamId: 'blob' }, '127.0.0.1');
    const ours = expectSend(caller.handle({ ...concl, version: 5, reqType: HandshakeType.INDUCTION, extField: HS_V5_MAGIC, extensions: [] }));
    expect(decodeSrtHs(findExtension(ours, HsExt.HSREQ)!.body)).to.deep.include({ flags: 0xe4, rcvLatency: 0, sndLatency: 0 });
    expect(decodeHsString(findExtension(ours, HsExt.CONGESTION)!.body)).to.equal('file');
    expect(findExtension(ours, HsExt.CONGESTION)!.body.equals(findExtension(concl, HsExt.CONGESTION)!.body)).to.equal(true);
    expect(ours.extField).to.equal(concl.extField);
  });

  it('our file-mode listener answers HSRSP 0xA4 with CONGESTION "file" as libsrt; a live listener refuses (MESSAGEAPI)', () => {
    const { response } = negotiateAsResponder(concl, parseConclusionRequest(concl), cfg(reply.socketId, concl.isn));
    expect(decodeSrtHs(findExtension(response, HsExt.HSRSP)!.body)!.flags).to.equal(decodeSrtHs(findExtension(reply, HsExt.HSRSP)!.body)!.flags);
    expect(decodeSrtHs(findExtension(response, HsExt.HSRSP)!.body)!.flags).to.equal(0xa4);
    expect(decodeHsString(findExtension(response, HsExt.CONGESTION)!.body)).to.equal('file');
    expect(response.extField).to.equal(reply.extField);
    const live = { ...cfg(1, concl.isn), fileMode: false, tlpktDrop: true, nakReport: true, rcvLatency: 120 };
    expect(() => negotiateAsResponder(concl, parseConclusionRequest(concl), live)).to.throw(HandshakeRejection).with.property('reason', RejectReason.MESSAGEAPI);
  });
});
