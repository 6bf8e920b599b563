/**
 * The encrypted libsrt 1.5.1 captures (test/fixtures/README.md: live-aes128 with key rotation every 100
 * packets, pre-announce 20; live-aes192; live-aes256) against our KM codec and crypto:
 * - every KM block (handshake KMREQ/KMRSP, EXT KMREQ/KMRSP refreshes) decodes, re-encodes byte-exact, has
 *   the length libsrt computes (16 + 16 + n·klen + 8), and fails decodeKm when its length is malformed
 *   (as libsrt's test_crypto.cpp CryptoKMRSP.RejectsMalformedLengths: 0, 3, 7, oversized; plus one byte
 *   short / a word too long / a header lying about the key length);
 * - with the README passphrases every data packet decrypts, by its KK bits, to the generator stream
 *   (chunk i: 188 bytes, byte 0 = 0x47, bytes 1..4 = i, byte k = (i + k) & 0xff): once with the bare
 *   primitives (deriveKek / unwrapKey / aesCtr) and once through CryptoControl acting as the receiving
 *   responder (processHsKmReq, processExtKmReq, decrypt), following the rotations of live-aes128;
 * - a wrong passphrase fails the unwrap (and CryptoControl answers BADSECRET).
 */
import { expect } from 'chai';
import { CryptoControl } from '../../src/protocol/crypto-control';
import { decodeKm, encodeKm, KmCipher, KmKeys, KmState } from '../../src/protocol/km-message';
import { ControlType, DataPacket, decodePacket, ExtType, HEADER_SIZE, KeyFlags } from '../../src/protocol/packet';
import { findExtension, HsExt } from '../../src/protocol/handshake-packet';
import { RejectReason } from '../../src/protocol/reject-reason';
import { aesCtr, deriveKek, unwrapKey } from '../../src/protocol/srt-crypto';
import { handshakes, loadCapture } from '../support/fixtures';

const CAPS = [
  { name: 'live-aes128', passphrase: 'fixture-passphrase-16', keyLen: 16, packets: 300, rotations: 3 },
  { name: 'live-aes192', passphrase: 'fixture-passphrase-24', keyLen: 24, packets: 5, rotations: 0 },
  { name: 'live-aes256', passphrase: 'fixture-passphrase-32', keyLen: 32, packets: 5, rotations: 0 },
] as const;

/** The generator stream's first n bytes (README "Payload content"). */
function generatorStream(n: number): Buffer {
  const chunks = Math.ceil(n / 188);
  const out = Buffer.alloc(chunks * 188);
  for (let i = 0; i < chunks; i++) {
    const o = i * 188;
    out[o] = 0x47;
    out.writeUInt32BE(i, o + 1);
    for (let k = 5; k < 188; k++) out[o + k] = (i + k) & 0xff;
  }
  return out.subarray(0, n);
}

interface KmBlock { where: string; body: Buffer; kind: 'hs-kmreq' | 'hs-kmrsp' | 'ext-kmreq' | 'ext-kmrsp'; index: number }

function kmBlocks(name: string): KmBlock[] {
  const out: KmBlock[] = [];
  for (const { d, hs } of handshakes(name)) {
    for (const e of hs.extensions) {
      if (e.type === HsExt.KMREQ) out.push({ where: `${name}#${d.index} HS KMREQ`, body: e.body, kind: 'hs-kmreq', index: d.index });
      if (e.type === HsExt.KMRSP) out.push({ where: `${name}#${d.index} HS KMRSP`, body: e.body, kind: 'hs-kmrsp', index: d.index });
    }
  }
  for (const d of loadCapture(name)) {
    const p = decodePacket(d.bytes);
    if (p?.kind === 'control' && p.type === ControlType.EXT && (p.subtype === ExtType.KMREQ || p.subtype === ExtType.KMRSP)) {
      out.push({ where: `${name}#${d.index} EXT ${p.subtype === ExtType.KMREQ ? 'KMREQ' : 'KMRSP'}`, body: p.body,
        kind: p.subtype === ExtType.KMREQ ? 'ext-kmreq' : 'ext-kmrsp', index: d.index });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

function dataPackets(name: string): Array<{ pkt: DataPacket; index: number; header: Buffer }> {
  const out = [];
  for (const d of loadCapture(name)) {
    const p = decodePacket(d.bytes);
    if (p?.kind === 'data') out.push({ pkt: p, index: d.index, header: d.bytes.subarray(0, HEADER_SIZE) });
  }
  return out;
}

describe('crypto against the libsrt 1.5.1 encrypted captures', function () {
  for (const cap of CAPS) {
    describe(cap.name, function () {
      const blocks = kmBlocks(cap.name);

      it(`has a handshake KMREQ/KMRSP pair${cap.rotations ? ` and ${cap.rotations} EXT KMREQ/KMRSP refreshes` : ''}`, function () {
        expect(blocks.filter((b) => b.kind === 'hs-kmreq').length).to.be.at.least(1);
        expect(blocks.filter((b) => b.kind === 'hs-kmrsp').length).to.be.at.least(1);
        expect(blocks.filter((b) => b.kind === 'ext-kmreq').length).to.equal(cap.rotations);
        expect(blocks.filter((b) => b.kind === 'ext-kmrsp').length).to.equal(cap.rotations);
      });

      it('every KM block decodes with the capture parameters and re-encodes byte-exact', function () {
        for (const b of blocks) {
          const km = decodeKm(b.body);
          expect(km, `${b.where}: ${b.body.toString('hex')}`).to.not.equal(null);
          const dual = b.kind.startsWith('ext');
          expect(km!.keys, b.where).to.equal(dual ? KmKeys.BOTH : KmKeys.EVEN);
          expect(km!.cipher, b.where).to.equal(KmCipher.CTR);
          expect(km!.auth, b.where).to.equal(0);
          expect(km!.se, b.where).to.equal(2);
          expect(km!.keyLen, b.where).to.equal(cap.keyLen);
          expect(km!.salt.length, b.where).to.equal(16);
          expect(km!.wrapped.length, b.where).to.equal((dual ? 2 : 1) * cap.keyLen + 8);
          expect(b.body.length, `${b.where}: libsrt's KM length 16 + 16 + n·klen + 8`).to.equal(16 + 16 + (dual ? 2 : 1) * cap.keyLen + 8);
          expect(encodeKm(km!).toString('hex'), b.where).to.equal(b.body.toString('hex'));
        }
      });

      it('every KMRSP echoes its KMREQ byte for byte; refreshes keep the salt of the handshake KM', function () {
        const reqs = blocks.filter((b) => b.kind.endsWith('kmreq'));
        const rsps = blocks.filter((b) => b.kind.endsWith('kmrsp'));
        for (const rsp of rsps) {
          const req = [...reqs].reverse().find((r) => r.index < rsp.index && r.kind.slice(0, 3) === rsp.kind.slice(0, 3));
          expect(req, rsp.where).to.not.equal(undefined);
          expect(rsp.body.toString('hex'), `${rsp.where} vs ${req!.where}`).to.equal(req!.body.toString('hex'));
        }
        const salt0 = decodeKm(reqs[0].body)!.salt.toString('hex');
        for (const r of reqs) expect(decodeKm(r.body)!.salt.toString('hex'), r.where).to.equal(salt0);
      });

      it("malformed KM lengths are rejected (libsrt test_crypto.cpp: 0, 3, 7, oversized; and more)", function () {
        const km = blocks[0].body;
        const SRT_CMD_MAXSZ = 16 + 16 + 2 * 32 + 8; // HCRYPT_MSG_KM_MAX_SZ
        const bad: Array<[string, Buffer]> = [
          ['empty', Buffer.alloc(0)],
          ['3 bytes', km.subarray(0, 3)],
          ['7 bytes', km.subarray(0, 7)],
          ['header only (16 bytes)', km.subarray(0, 16)],
          ['one byte short', km.subarray(0, km.length - 1)],
          ['one word short', km.subarray(0, km.length - 4)],
          ['a word too long', Buffer.concat([km, Buffer.alloc(4)])],
          ['oversized (SRT_CMD_MAXSZ + 4)', Buffer.concat([km, Buffer.alloc(SRT_CMD_MAXSZ + 4 - km.length)])],
        ];
        const lie = (i: number, v: number) => { const b = Buffer.from(km); b[i] = v; return b; };
        bad.push(['header says KK=3 but one key', lie(3, 3)]);
        bad.push(['key length 20', lie(15, 5)]);
        bad.push(['key length 0', lie(15, 0)]);
        bad.push(['salt length 20', lie(14, 5)]);
        bad.push(['salt length 0', lie(14, 0)]);
        bad.push(['KK=0', lie(3, 0)]);
        bad.push(['bad signature', lie(1, 0x21)]);
        bad.push(['version 2', lie(0, 0x22)]);
        bad.push(['packet type 1 (media stream)', lie(0, 0x11)]);
        for (const [what, buf] of bad) expect(decodeKm(buf), `${what} (${buf.length} bytes)`).to.equal(null);
      });

      it('with the fixture passphrase every data packet decrypts (by its KK bits) to the generator stream — bare primitives', function () {
        const keys: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
        let salt: Buffer | undefined;
        const install = (body: Buffer) => {
          const km = decodeKm(body)!;
          const plain = unwrapKey(deriveKek(cap.passphrase, km.salt, km.keyLen), km.wrapped);
          expect(plain, 'unwrap with the fixture passphrase').to.not.equal(null);
          salt = km.salt;
          if (km.keys === KmKeys.BOTH) { keys[0] = plain!.subarray(0, km.keyLen); keys[1] = plain!.subarray(km.keyLen); }
          else keys[km.keys - 1] = plain!;
        };
        const events = [
          ...blocks.filter((b) => b.kind === 'hs-kmreq' || b.kind === 'ext-kmreq').map((b) => ({ index: b.index, km: b })),
          ...dataPackets(cap.name).map((d) => ({ index: d.index, data: d })),
        ].sort((a, b) => a.index - b.index) as Array<{ index: number; km?: KmBlock; data?: ReturnType<typeof dataPackets>[number] }>;
        const bySeq = new Map<number, Buffer>();
        const kkSeen = new Set<number>();
        for (const ev of events) {
          if (ev.km) { install(ev.km.body); continue; }
          const { pkt, index } = ev.data!;
          expect([KeyFlags.EVEN, KeyFlags.ODD], `#${index} KK`).to.include(pkt.keyFlags);
          kkSeen.add(pkt.keyFlags);
          const key = keys[pkt.keyFlags - 1];
          expect(key, `#${index}: no key for KK=${pkt.keyFlags}`).to.not.equal(undefined);
          if (!bySeq.has(pkt.seq)) bySeq.set(pkt.seq, aesCtr(key!, salt!, pkt.seq, pkt.payload));
        }
        const seqs = [...bySeq.keys()].sort((a, b) => a - b);
        expect(seqs.length).to.equal(cap.packets);
        expect(seqs[seqs.length - 1] - seqs[0] + 1, 'no gap in the captured sequence').to.equal(seqs.length);
        const stream = Buffer.concat(seqs.map((s) => bySeq.get(s)!));
        const want = generatorStream(stream.length);
        expect(stream.equals(want), `decrypted stream of ${stream.length} bytes differs from the generator`).to.equal(true);
        expect([...kkSeen].sort()).to.deep.equal(cap.rotations ? [1, 2] : [1]);
      });

      it('through CryptoControl as the receiving responder: HS KMREQ echoed, EXT refreshes installed and echoed, all data decrypts', function () {
        const cc = new CryptoControl({ passphrase: cap.passphrase, pbKeyLen: 0, enforcedEncryption: true, kmRefreshRate: 1 << 24, kmPreAnnounce: 1 << 12, gcm: false });
        const hsReq = blocks.find((b) => b.kind === 'hs-kmreq')!;
        const d = cc.processHsKmReq(hsReq.body);
        expect(d.ok, JSON.stringify(d)).to.equal(true);
        if (!d.ok) return;
        expect(d.kmrsp!.toString('hex'), 'the HS KMRSP is an echo, as libsrt sent').to.equal(blocks.find((b) => b.kind === 'hs-kmrsp')!.body.toString('hex'));
        expect(cc.keyLen).to.equal(cap.keyLen);
        expect(cc.sndKmState).to.equal(KmState.SECURED);
        expect(cc.rcvKmState).to.equal(KmState.SECURED);
        const extRsps = blocks.filter((b) => b.kind === 'ext-kmrsp');
        const events = [
          ...blocks.filter((b) => b.kind === 'ext-kmreq').map((b) => ({ index: b.index, km: b })),
          ...dataPackets(cap.name).map((x) => ({ index: x.index, data: x })),
        ].sort((a, b) => a.index - b.index) as Array<{ index: number; km?: KmBlock; data?: ReturnType<typeof dataPackets>[number] }>;
        const bySeq = new Map<number, Buffer>();
        let ext = 0;
        for (const ev of events) {
          if (ev.km) {
            const rsp = cc.processExtKmReq(ev.km.body);
            expect(rsp.toString('hex'), `${ev.km.where}: our KMRSP must echo it as libsrt did`).to.equal(extRsps[ext++].body.toString('hex'));
            continue;
          }
          const { pkt, index, header } = ev.data!;
          const plain = cc.decrypt(pkt.seq, pkt.keyFlags, pkt.payload, header);
          expect(plain, `#${index} seq ${pkt.seq} KK=${pkt.keyFlags} did not decrypt`).to.not.equal(null);
          bySeq.set(pkt.seq, plain!);
        }
        const seqs = [...bySeq.keys()].sort((a, b) => a - b);
        const stream = Buffer.concat(seqs.map((s) => bySeq.get(s)!));
        expect(stream.equals(generatorStream(stream.length))).to.equal(true);
        expect(seqs.length).to.equal(cap.packets);
        // KK=0 (clear) or KK=3 data cannot be decrypted by a secured receiver.
        const first = dataPackets(cap.name)[0];
        expect(cc.decrypt(first.pkt.seq, KeyFlags.NONE, first.pkt.payload, first.header)).to.equal(null);
        expect(cc.decrypt(first.pkt.seq, KeyFlags.BOTH, first.pkt.payload, first.header)).to.equal(null);
      });

      it('a wrong passphrase fails the unwrap; CryptoControl answers BADSECRET (rejects when enforced)', function () {
        for (const b of blocks.filter((x) => x.kind.endsWith('kmreq'))) {
          const km = decodeKm(b.body)!;
          expect(unwrapKey(deriveKek(cap.passphrase + 'x', km.salt, km.keyLen), km.wrapped), b.where).to.equal(null);
          expect(unwrapKey(deriveKek('fixture-passphrase-00', km.salt, km.keyLen), km.wrapped), b.where).to.equal(null);
        }
        const hsReq = blocks.find((b) => b.kind === 'hs-kmreq')!.body;
        const mk = (enforced: boolean) => new CryptoControl({ passphrase: 'not-the-fixture-passphrase', pbKeyLen: 0, enforcedEncryption: enforced, kmRefreshRate: 1 << 24, kmPreAnnounce: 1 << 12, gcm: false });
        const strict = mk(true).processHsKmReq(hsReq);
        expect(strict.ok).to.equal(false);
        if (!strict.ok) expect(strict.reason).to.equal(RejectReason.BADSECRET);
        const lax = mk(false);
        const r = lax.processHsKmReq(hsReq);
        expect(r.ok).to.equal(true);
        if (r.ok) expect(r.kmrsp!.toString('hex')).to.equal('04000000'); // one word: SRT_KM_S_BADSECRET, little-endian as libsrt sends it
        expect(lax.rcvKmState).to.equal(KmState.BADSECRET);
        expect(lax.receivesEncrypted).to.equal(false);
        const pk = dataPackets(cap.name)[0];
        expect(lax.decrypt(pk.pkt.seq, pk.pkt.keyFlags, pk.pkt.payload, pk.header)).to.equal(null);
        // An EXT refresh with the wrong passphrase: a one-word BADSECRET answer, nothing installed.
        const extReq = blocks.find((b) => b.kind === 'ext-kmreq');
        if (extReq) expect(lax.processExtKmReq(extReq.body).toString('hex')).to.equal('04000000');
      });
    });
  }

  it('the handshake KMREQ flag and block sit where SRT-PROTOCOL.md §2.3 says (live-aes128 conclusion)', function () {
    const hs = handshakes('live-aes128');
    const conc = hs.find((x) => x.hs.reqType === -1 && x.d.from === 'caller')!;
    expect(conc.hs.extField & 2, 'KMREQ ext flag').to.equal(2);
    expect(conc.hs.encryption, 'Type high half = pbkeylen / 8').to.equal(2);
    expect(findExtension(conc.hs, HsExt.KMREQ)!.body.length).to.equal(56);
  });
});
