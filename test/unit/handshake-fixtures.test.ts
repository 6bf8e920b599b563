/**
 * The libsrt 1.5.1 handshake facts seen in the captures (SRT-PROTOCOL.md §2.2-2.4, §6),
 * asserted field by field: what our caller/listener must send and accept.
 */
import { expect } from 'chai';
import { ControlPacket, ControlType, ExtType, decodePacket } from '../../src/protocol/packet';
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
  decodePeerIp,
  decodeSrtHs,
  encodePeerIp,
  findExtension,
} from '../../src/protocol/handshake-packet';
import { REJECT_BASE, RejectReason, rejectReasonName } from '../../src/protocol/reject-reason';
import { CAPTURES, CapturedDatagram, Hs, handshakes, loadCapture } from '../support/fixtures';

function extTypes(hs: Handshake): number[] {
  return hs.extensions.map((e) => e.type);
}

function srtHs(hs: Handshake, type: number) {
  const e = findExtension(hs, type);
  expect(e, `extension ${type}`).to.not.equal(undefined);
  expect(e!.body.length).to.equal(12);
  return decodeSrtHs(e!.body)!;
}

const LIVE_FLAGS = 0xbf;
const SRT_1_5_1 = 0x00010501;
const CALLER_LISTENER = CAPTURES.filter((n) => n !== 'rendezvous');

describe('libsrt 1.5.1 handshakes (captures)', () => {
  describe('every caller-listener capture', () => {
    for (const name of CALLER_LISTENER) {
      it(`${name}: induction, induction reply, CONCLUSION to dest 0 with the cookie`, () => {
        const all = handshakes(name);
        const attempts = name.startsWith('reject-') ? 2 : 1;
        expect(all).to.have.length(4 * attempts);
        for (let a = 0; a < attempts; a++) {
          const [ind, indReply, concl, conclReply] = all.slice(4 * a, 4 * a + 4);
          expect([ind, indReply, concl, conclReply].map((h) => h.d.from)).to.deep.equal(['caller', 'listener', 'caller', 'listener']);
          const callerId = ind.hs.socketId;

          // 1. Caller induction: UDT-style version 4, Type = UDT_DGRAM, no cookie, dest 0, bare CIF.
          expect(ind.p.destId).to.equal(0);
          expect(ind.p.body.length).to.equal(HS_CIF_SIZE);
          expect(ind.hs).to.include({ version: 4, encryption: 0, extField: UDT_DGRAM, reqType: HandshakeType.INDUCTION, cookie: 0 });
          expect(ind.hs).to.include({ mss: 1500, flightFlagSize: 8192 });
          expect(callerId).to.not.equal(0);

          // 2. Listener reply: version 5, the 0x4A17 magic, a SYN cookie, and the caller's own ID echoed.
          expect(indReply.p.destId).to.equal(callerId);
          expect(indReply.p.body.length).to.equal(HS_CIF_SIZE);
          expect(indReply.hs).to.include({ version: 5, extField: HS_V5_MAGIC, reqType: HandshakeType.INDUCTION });
          expect(indReply.hs.socketId, 'induction reply echoes the caller ID (DOC≠CODE)').to.equal(callerId);
          expect(indReply.hs.isn, 'ISN echoed').to.equal(ind.hs.isn);
          expect(indReply.hs.cookie).to.not.equal(0);

          // 3. Caller CONCLUSION: to dest ID 0 (not the listener's ID), the cookie from step 2, HSREQ first.
          expect(concl.p.destId, 'CONCLUSION goes to dest ID 0').to.equal(0);
          expect(concl.hs).to.include({ version: 5, reqType: HandshakeType.CONCLUSION, socketId: callerId, isn: ind.hs.isn });
          expect(concl.hs.cookie).to.equal(indReply.hs.cookie);
          expect(concl.hs.encryption, 'same key length as advertised').to.equal(indReply.hs.encryption);
          expect(concl.hs.extField & HsExtFlag.HSREQ).to.equal(HsExtFlag.HSREQ);
          expect(concl.hs.extensions[0].type).to.equal(HsExt.HSREQ);
          expect(srtHs(concl.hs, HsExt.HSREQ).srtVersion).to.equal(SRT_1_5_1);
          // CONFIG flag iff a SID/CONGESTION/FILTER/GROUP block; KMREQ flag iff a KMREQ block.
          const types = extTypes(concl.hs);
          const hasConfig = types.some((t) => t >= HsExt.SID);
          expect((concl.hs.extField & HsExtFlag.CONFIG) !== 0, 'CONFIG flag').to.equal(hasConfig);
          expect((concl.hs.extField & HsExtFlag.KMREQ) !== 0, 'KMREQ flag').to.equal(types.includes(HsExt.KMREQ));

          // 4. Listener reply to the caller's ID, the caller's ISN, a new socket ID.
          expect(conclReply.p.destId).to.equal(callerId);
          expect(conclReply.hs.version).to.equal(5);
          expect(conclReply.hs.isn, 'reply carries the caller ISN').to.equal(ind.hs.isn);
          expect(conclReply.hs.socketId).to.not.equal(callerId);
          expect(conclReply.hs.socketId).to.not.equal(0);
          expect(conclReply.hs.cookie, 'reply echoes the request cookie').to.equal(concl.hs.cookie);
          expect(conclReply.hs.encryption).to.equal(concl.hs.encryption);
        }
      });

      if (!name.startsWith('reject-')) {
        it(`${name}: after the handshake each side addresses the other's socket ID`, () => {
          const all = handshakes(name);
          const callerId = all[0].hs.socketId;
          const acceptedId = all[3].hs.socketId;
          for (const d of loadCapture(name).slice(all[3].d.index + 1)) {
            const p = decodePacket(d.bytes)!;
            expect(p.destId, `${name}#${d.index}`).to.equal(d.from === 'caller' ? acceptedId : callerId);
          }
        });

        it(`${name}: the first data packet carries the caller ISN`, () => {
          const isn = handshakes(name)[0].hs.isn;
          const first = loadCapture(name)
            .map((d) => decodePacket(d.bytes)!)
            .find((p) => p.kind === 'data');
          expect(first && first.kind === 'data' && first.seq).to.equal(isn);
        });
      }
    }

    it('the peer IP is 127.0.0.1, each 4-byte group reversed on the wire', () => {
      for (const name of CAPTURES) {
        for (const { d, hs } of handshakes(name)) {
          expect(hs.peerIp.toString('hex'), `${name}#${d.index}`).to.equal('0100007f' + '0'.repeat(24));
          expect(decodePeerIp(hs.peerIp)).to.equal('127.0.0.1');
        }
      }
      expect(encodePeerIp('127.0.0.1').toString('hex')).to.equal('0100007f' + '0'.repeat(24));
    });
  });

  describe('live-plain', () => {
    const hs = () => handshakes('live-plain');

    it('HSREQ: version 0x00010501, flags 0xBF, latency 200/200 (caller 200, listener 120)', () => {
      const concl = hs()[2].hs;
      expect(concl.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.CONFIG);
      expect(extTypes(concl)).to.deep.equal([HsExt.HSREQ, HsExt.SID]);
      expect(srtHs(concl, HsExt.HSREQ)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 200, sndLatency: 200 });
      // 0xBF = everything but STREAM.
      expect(LIVE_FLAGS).to.equal(
        SrtFlag.TSBPDSND | SrtFlag.TSBPDRCV | SrtFlag.HAICRYPT | SrtFlag.TLPKTDROP | SrtFlag.NAKREPORT | SrtFlag.REXMITFLG | SrtFlag.FILTERCAP,
      );
    });

    it('SID "#!::r=live/cam7,m=publish": 25 bytes padded to 28, each word reversed', () => {
      const sid = findExtension(hs()[2].hs, HsExt.SID)!;
      expect(sid.body.length).to.equal(28);
      expect(sid.body.subarray(0, 4).toString('latin1')).to.equal('::!#'); // "#!::" reversed
      expect(sid.body.subarray(20, 24).toString('latin1')).to.equal('silb'); // "blis" reversed
      expect(sid.body.subarray(24, 28).toString('hex')).to.equal('00000068'); // "h\0\0\0" reversed
      expect(decodeHsString(sid.body)).to.equal('#!::r=live/cam7,m=publish');
    });

    it('HSRSP: 200/200 (max of both sides), only HSRSP, no CONFIG flag', () => {
      const reply = hs()[3].hs;
      expect(reply.extField).to.equal(HsExtFlag.HSREQ);
      expect(extTypes(reply)).to.deep.equal([HsExt.HSRSP]);
      expect(srtHs(reply, HsExt.HSRSP)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 200, sndLatency: 200 });
      expect(reply.mss).to.equal(1500);
      expect(reply.reqType).to.equal(HandshakeType.CONCLUSION);
    });
  });

  describe('encrypted captures: KMREQ/KMRSP', () => {
    const cases = [
      { name: 'live-aes128', enc: 2, klen: 16, kmLen: 56 },
      { name: 'live-aes192', enc: 3, klen: 24, kmLen: 64 },
      { name: 'live-aes256', enc: 4, klen: 32, kmLen: 72 },
    ];
    for (const c of cases) {
      it(`${c.name}: encryption field ${c.enc} (pbkeylen/8), one ${c.kmLen}-byte KM, echoed byte-exact`, () => {
        const [, indReply, concl, reply] = handshakes(c.name);
        expect(indReply.hs.encryption).to.equal(c.enc);
        expect(concl.hs.encryption).to.equal(c.enc);
        expect(reply.hs.encryption).to.equal(c.enc);
        expect(concl.hs.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.KMREQ);
        expect(reply.hs.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.KMREQ);
        expect(extTypes(concl.hs)).to.deep.equal([HsExt.HSREQ, HsExt.KMREQ]);
        expect(extTypes(reply.hs)).to.deep.equal([HsExt.HSRSP, HsExt.KMRSP]);
        // Plain libsrt defaults: HSREQ 0x00780000 (rcv 120, peer 0), HSRSP 120/120.
        expect(srtHs(concl.hs, HsExt.HSREQ)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 120, sndLatency: 0 });
        expect(srtHs(reply.hs, HsExt.HSRSP)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 120, sndLatency: 120 });

        const km = findExtension(concl.hs, HsExt.KMREQ)!.body;
        expect(km.length).to.equal(c.kmLen); // 16 header + 16 salt + klen + 8
        expect(km.length).to.equal(16 + 16 + c.klen + 8);
        // Not reversed per word: the KM is byte-exact big-endian (0x12 first, then "HAI" = 0x2029).
        expect(km[0]).to.equal(0x12);
        expect(km.readUInt16BE(1)).to.equal(0x2029);
        expect(km[3] & 3, 'KK = even key only').to.equal(1);
        expect(km.readUInt32BE(4), 'KEKI').to.equal(0);
        expect([km[8], km[9], km[10]], 'cipher AES-CTR, no auth, SE=SRT').to.deep.equal([2, 0, 2]);
        expect(km[14], 'salt length / 4').to.equal(4);
        expect(km[15], 'key length / 4').to.equal(c.klen / 4);
        expect(findExtension(reply.hs, HsExt.KMRSP)!.body.equals(km), 'KMRSP echoes KMREQ').to.equal(true);
      });
    }

    it('live-aes128: key refresh as EXT KMREQ (0xFFFF0003) with both keys, echoed in EXT KMRSP', () => {
      const [, , concl, reply] = handshakes('live-aes128');
      const hsKm = findExtension(concl.hs, HsExt.KMREQ)!.body;
      const ext = loadCapture('live-aes128')
        .map((d) => ({ d, p: decodePacket(d.bytes)! }))
        .filter((x): x is { d: CapturedDatagram; p: ControlPacket } => x.p.kind === 'control' && x.p.type === ControlType.EXT);
      expect(ext.map((x) => x.p.subtype)).to.deep.equal([3, 4, 3, 4, 3, 4]);
      for (let i = 0; i < ext.length; i += 2) {
        const req = ext[i];
        const rsp = ext[i + 1];
        expect(req.d.bytes.readUInt32BE(0)).to.equal(0xffff0003);
        expect(req.p.subtype).to.equal(ExtType.KMREQ);
        expect(rsp.p.subtype).to.equal(ExtType.KMRSP);
        expect(req.d.from).to.equal('caller');
        expect(req.p.destId).to.equal(reply.hs.socketId);
        expect(rsp.p.destId).to.equal(concl.hs.socketId);
        expect(req.p.typeInfo).to.equal(0);
        const km = req.p.body;
        expect(km.length).to.equal(72); // 16 + 16 + 2 x 16 + 8
        expect(km[0]).to.equal(0x12);
        expect(km[3] & 3, 'KK = both keys').to.equal(3);
        expect(km.subarray(16, 32).equals(hsKm.subarray(16, 32)), 'same salt as the handshake KM').to.equal(true);
        expect(rsp.p.body.equals(km), 'KMRSP echoes KMREQ').to.equal(true);
      }
    });
  });

  describe('rejections', () => {
    const cases = [
      { name: 'reject-badsecret', reqType: 1010, reason: RejectReason.BADSECRET, flags: HsExtFlag.HSREQ | HsExtFlag.KMREQ },
      { name: 'reject-unsecure', reqType: 1011, reason: RejectReason.UNSECURE, flags: HsExtFlag.HSREQ },
    ];
    for (const c of cases) {
      it(`${c.name}: reply ReqType ${c.reqType}, bare 48-byte CIF, both attempts`, () => {
        const all = handshakes(c.name);
        expect(c.reqType).to.equal(REJECT_BASE + c.reason);
        for (const i of [3, 7]) {
          const { p, hs } = all[i];
          expect(hs.reqType).to.equal(c.reqType);
          expect(rejectReasonName(hs.reqType - REJECT_BASE)).to.equal(`SRT_REJ_${c.name === 'reject-badsecret' ? 'BADSECRET' : 'UNSECURE'}`);
          expect(p.body.length, 'only the CIF on rejection').to.equal(HS_CIF_SIZE);
          expect(hs.extensions).to.deep.equal([]);
          expect(hs.version).to.equal(5);
          // Surprise: the ext flags of the CONCLUSION stay set although no block follows.
          expect(hs.extField).to.equal(c.flags);
          expect(all[i - 1].hs.extField).to.equal(c.flags);
        }
        // libsrt hands out socket IDs counting down: the retry gets ID - 1 on both sides.
        expect(all[4].hs.socketId).to.equal(all[0].hs.socketId - 1);
        expect(all[7].hs.socketId).to.equal(all[3].hs.socketId - 1);
      });
    }

    it('reject-badsecret: both passphrases set but no pbkeylen, so encryption field 0 and a 128-bit KM', () => {
      const all = handshakes('reject-badsecret');
      expect(all[1].hs.encryption).to.equal(0);
      expect(all[2].hs.encryption).to.equal(0);
      const km = findExtension(all[2].hs, HsExt.KMREQ)!.body;
      expect(km.length).to.equal(56);
      expect(km[15]).to.equal(4);
    });

    it('reject-unsecure: the caller without passphrase sends no KMREQ', () => {
      const concl = handshakes('reject-unsecure')[2].hs;
      expect(extTypes(concl)).to.deep.equal([HsExt.HSREQ]);
    });
  });

  describe('file-mode', () => {
    it('HSREQ flags 0xE4 (STREAM, no TSBPD), SID = file name, CONGESTION "file"', () => {
      const concl = handshakes('file-mode')[2].hs;
      expect(concl.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.CONFIG);
      expect(extTypes(concl)).to.deep.equal([HsExt.HSREQ, HsExt.SID, HsExt.CONGESTION]);
      const req = srtHs(concl, HsExt.HSREQ);
      expect(req).to.deep.equal({ srtVersion: SRT_1_5_1, flags: 0xe4, rcvLatency: 0, sndLatency: 0 });
      expect(req.flags).to.equal(SrtFlag.HAICRYPT | SrtFlag.REXMITFLG | SrtFlag.STREAM | SrtFlag.FILTERCAP);
      const sid = findExtension(concl, HsExt.SID)!.body;
      expect(sid.toString('latin1'), 'exactly 4 bytes: no NUL word added').to.equal('bolb');
      expect(decodeHsString(sid)).to.equal('blob');
      expect(decodeHsString(findExtension(concl, HsExt.CONGESTION)!.body)).to.equal('file');
    });

    it('HSRSP flags 0xA4 (no STREAM), CONGESTION "file" back, no SID', () => {
      const reply = handshakes('file-mode')[3].hs;
      expect(reply.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.CONFIG);
      expect(extTypes(reply)).to.deep.equal([HsExt.HSRSP, HsExt.CONGESTION]);
      expect(srtHs(reply, HsExt.HSRSP)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: 0xa4, rcvLatency: 0, sndLatency: 0 });
      expect(findExtension(reply, HsExt.CONGESTION)!.body.toString('latin1')).to.equal('elif');
      expect(decodeHsString(findExtension(reply, HsExt.CONGESTION)!.body)).to.equal('file');
    });
  });

  describe('ffmpeg-caller', () => {
    it('latency=250000 µs arrives as 250 ms both ways; SID "ffcam"', () => {
      const [, , concl, reply] = handshakes('ffmpeg-caller');
      expect(extTypes(concl.hs)).to.deep.equal([HsExt.HSREQ, HsExt.SID]);
      expect(srtHs(concl.hs, HsExt.HSREQ)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 250, sndLatency: 250 });
      expect(srtHs(reply.hs, HsExt.HSRSP)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 250, sndLatency: 250 });
      const sid = findExtension(concl.hs, HsExt.SID)!.body;
      expect(sid.toString('hex')).to.equal(Buffer.from('acff\0\0\0m', 'latin1').toString('hex'));
      expect(decodeHsString(sid)).to.equal('ffcam');
    });
  });

  describe('rendezvous', () => {
    const hs = () => handshakes('rendezvous');
    const rq = (h: Hs) => `${h.d.from}:${h.hs.reqType}`;

    it('WAVEAHAND, CONCLUSION, AGREEMENT sequence; B initiates, A responds', () => {
      const all = hs();
      const W = HandshakeType.WAVEAHAND;
      const C = HandshakeType.CONCLUSION;
      expect(all.slice(0, 7).map(rq)).to.deep.equal([`B:${W}`, `A:${W}`, `B:${W}`, `A:${C}`, `B:${C}`, `A:${C}`, `B:${HandshakeType.AGREEMENT}`]);
      const [bWave, aWave, bWave2, aConcl, bConcl, aConclRsp, bAgree] = all;
      const aId = aWave.hs.socketId;
      const bId = bWave.hs.socketId;

      for (const w of [bWave, aWave, bWave2]) {
        expect(w.hs).to.include({ version: 5, encryption: 0, extField: 0 });
        expect(w.p.body.length).to.equal(HS_CIF_SIZE);
        expect(w.hs.cookie).to.not.equal(0);
      }
      // Dest ID is 0 until the peer's ID is known.
      expect(bWave.p.destId).to.equal(0);
      expect(aWave.p.destId).to.equal(0);
      expect(bWave2.p.destId).to.equal(aId);

      // Cookie contest: (mine - theirs) with bit 31 set means Responder.
      const responder = (mine: number, theirs: number) => ((mine - theirs) >>> 0) >= 0x80000000;
      expect(responder(aWave.hs.cookie, bWave.hs.cookie), 'A responds').to.equal(true);
      expect(responder(bWave.hs.cookie, aWave.hs.cookie), 'B initiates').to.equal(false);

      // Responder's first CONCLUSION is empty; the Initiator's carries HSREQ.
      expect(aConcl.p.destId).to.equal(bId);
      expect(aConcl.hs.extField).to.equal(0);
      expect(aConcl.p.body.length).to.equal(HS_CIF_SIZE);
      expect(extTypes(bConcl.hs)).to.deep.equal([HsExt.HSREQ]);
      expect(bConcl.p.destId).to.equal(aId);
      expect(srtHs(bConcl.hs, HsExt.HSREQ)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 120, sndLatency: 0 });
      expect(extTypes(aConclRsp.hs)).to.deep.equal([HsExt.HSRSP]);
      expect(srtHs(aConclRsp.hs, HsExt.HSRSP)).to.deep.equal({ srtVersion: SRT_1_5_1, flags: LIVE_FLAGS, rcvLatency: 120, sndLatency: 120 });
      // AGREEMENT: bare CIF, no ext flags. Each side keeps its own ISN (no adoption in rendezvous).
      expect(bAgree.p.body.length).to.equal(HS_CIF_SIZE);
      expect(bAgree.hs.extField).to.equal(0);
      expect(bAgree.p.destId).to.equal(aId);
      expect(aConclRsp.hs.isn).to.equal(aWave.hs.isn);
      expect(bAgree.hs.isn).to.equal(bWave.hs.isn);
      const firstData = loadCapture('rendezvous')
        .map((d) => ({ d, p: decodePacket(d.bytes)! }))
        .find((x) => x.p.kind === 'data')!;
      expect(firstData.d.from).to.equal('B');
      expect(firstData.p.kind === 'data' && firstData.p.seq, 'B sends from its own ISN').to.equal(bWave.hs.isn);
      expect(firstData.p.destId).to.equal(aId);
    });

    it('A starting over: WAVEAHAND to dest 0 with a new socket ID (ID - 1), a new ISN, the same cookie', () => {
      const all = hs();
      const [, aWave] = all;
      const retries = all.slice(7);
      expect(retries.length).to.be.greaterThan(1);
      for (const r of retries) {
        expect(r.d.from).to.equal('A');
        expect(r.hs.reqType).to.equal(HandshakeType.WAVEAHAND);
        expect(r.p.destId).to.equal(0);
        expect(r.hs.socketId).to.equal(aWave.hs.socketId - 1);
        expect(r.hs.isn).to.not.equal(aWave.hs.isn);
        expect(r.hs.cookie).to.equal(aWave.hs.cookie);
      }
    });
  });
});
