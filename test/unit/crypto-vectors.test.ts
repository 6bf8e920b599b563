/**
 * Known-answer tests of the SRT crypto primitives (src/protocol/srt-crypto.ts):
 * - RFC 3394 §4 AES key wrap, all six vectors (128/192/256-bit KEK × 128/192/256-bit key data), wrap and
 *   unwrap; unwrap with a wrong KEK or a tampered blob → null;
 * - RFC 6070 PBKDF2-HMAC-SHA1 (the fast ones; the 16,777,216-iteration vector is skipped), through the
 *   very primitive deriveKek uses (node:crypto pbkdf2Sync 'sha1'), and the SRT 2048-iteration vectors of
 *   libsrt's test/test_cryspr.cpp (pbkdf2_tv[0..2]) through deriveKek itself (salt = last 8 bytes of the
 *   16-byte KM salt), then test_cryspr.cpp's UTV_cryspr_km_wrap (wrap of a zero SEK with those KEKs);
 * - NIST SP 800-38A F.5.1 / F.5.3 / F.5.5 AES-CTR through aesCtr(): SRT's IV puts a 16-bit block counter
 *   starting at 0 in bytes 14..15, so the NIST initial counter block f0f1..fdfeff is block 0xfeff of
 *   the SRT stream whose IV is f0f1..fd0000: the test encrypts 0xfeff blocks of zeros before the NIST
 *   plaintext and compares the tail (this also exercises the carry from byte 15 into byte 14);
 *   libsrt's UTV_cryspr_aes_ctr (zero key, zero IV) for 128/192/256;
 * - ctrIv / gcmIv layouts (SRT-PROTOCOL.md §2.5).
 */
import { expect } from 'chai';
import { pbkdf2Sync } from 'node:crypto';
import {
  aesCtr, ctrIv, deriveKek, gcmIv, gcmOpen, gcmSeal, GCM_TAG_LEN, PBKDF2_ITERATIONS, PBKDF2_SALT_LEN, unwrapKey, wrapKey,
} from '../../src/protocol/srt-crypto';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('crypto vectors', function () {
  describe('RFC 3394 §4 AES key wrap', function () {
    const KEK128 = h('000102030405060708090A0B0C0D0E0F');
    const KEK192 = h('000102030405060708090A0B0C0D0E0F1011121314151617');
    const KEK256 = h('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');
    const KEY128 = h('00112233445566778899AABBCCDDEEFF');
    const KEY192 = h('00112233445566778899AABBCCDDEEFF0001020304050607');
    const KEY256 = h('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F');
    const vectors = [
      { sec: '4.1', what: '128 bits of key data with a 128-bit KEK', kek: KEK128, key: KEY128, wrapped: '1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5' },
      { sec: '4.2', what: '128 bits of key data with a 192-bit KEK', kek: KEK192, key: KEY128, wrapped: '96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D' },
      { sec: '4.3', what: '128 bits of key data with a 256-bit KEK', kek: KEK256, key: KEY128, wrapped: '64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7' },
      { sec: '4.4', what: '192 bits of key data with a 192-bit KEK', kek: KEK192, key: KEY192, wrapped: '031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2' },
      { sec: '4.5', what: '192 bits of key data with a 256-bit KEK', kek: KEK256, key: KEY192, wrapped: 'A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1' },
      { sec: '4.6', what: '256 bits of key data with a 256-bit KEK', kek: KEK256, key: KEY256, wrapped: '28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21' },
    ];
    for (const v of vectors) {
      it(`§${v.sec}: wraps ${v.what}`, function () {
        expect(wrapKey(v.kek, v.key).toString('hex')).to.equal(h(v.wrapped).toString('hex'));
      });
      it(`§${v.sec}: unwraps ${v.what}`, function () {
        const out = unwrapKey(v.kek, h(v.wrapped));
        expect(out, 'unwrap failed').to.not.equal(null);
        expect(out!.toString('hex')).to.equal(v.key.toString('hex'));
      });
      it(`§${v.sec}: unwrap with a wrong KEK or a tampered blob gives null`, function () {
        const wrongKek = Buffer.from(v.kek);
        wrongKek[wrongKek.length - 1] ^= 0x01;
        expect(unwrapKey(wrongKek, h(v.wrapped))).to.equal(null);
        const tampered = h(v.wrapped);
        tampered[tampered.length - 1] ^= 0x80;
        expect(unwrapKey(v.kek, tampered)).to.equal(null);
        const iv = h(v.wrapped);
        iv[0] ^= 0x01; // the integrity check value A
        expect(unwrapKey(v.kek, iv)).to.equal(null);
      });
    }
    it('unwrap of a blob that is not a whole number of 64-bit blocks, or too short, gives null, not an exception', function () {
      expect(unwrapKey(KEK128, h('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CF'))).to.equal(null);
      for (const n of [8, 16, 23]) expect(unwrapKey(KEK128, Buffer.alloc(n)), `${n} bytes`).to.equal(null);
    });
    it('unwrap of an empty blob gives null', function () {
      expect(unwrapKey(KEK128, Buffer.alloc(0))).to.equal(null);
    });
  });

  describe('RFC 6070 PBKDF2-HMAC-SHA1 (the primitive deriveKek is built on)', function () {
    const vectors = [
      { p: 'password', s: 'salt', c: 1, dkLen: 20, dk: '0c60c80f961f0e71f3a9b524af6012062fe037a6' },
      { p: 'password', s: 'salt', c: 2, dkLen: 20, dk: 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957' },
      { p: 'password', s: 'salt', c: 4096, dkLen: 20, dk: '4b007901b765489abead49d926f721d065a429c1' },
      { p: 'passwordPASSWORDpassword', s: 'saltSALTsaltSALTsaltSALTsaltSALTsalt', c: 4096, dkLen: 25, dk: '3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038' },
      { p: 'pass\0word', s: 'sa\0lt', c: 4096, dkLen: 16, dk: '56fa6aa75548099dcc37d7f03425e0c3' },
    ];
    for (const v of vectors) {
      it(`P=${JSON.stringify(v.p)} S=${JSON.stringify(v.s)} c=${v.c} dkLen=${v.dkLen}`, function () {
        expect(pbkdf2Sync(Buffer.from(v.p, 'latin1'), Buffer.from(v.s, 'latin1'), v.c, v.dkLen, 'sha1').toString('hex')).to.equal(v.dk);
      });
    }
    it.skip('P="password" S="salt" c=16777216 dkLen=20 (too slow for a unit test)');
  });

  describe("SRT PBKDF2 (2048 iterations, salt = last 8 bytes of the KM salt): libsrt test_cryspr.cpp pbkdf2_tv", function () {
    const KEK256 = 'b6bf5f0cdd25e85823fd847ab2b67f7990abca6ef002f1ad1959cf18ac91533d';
    it('uses 2048 iterations and an 8-byte salt', function () {
      expect(PBKDF2_ITERATIONS).to.equal(2048);
      expect(PBKDF2_SALT_LEN).to.equal(8);
    });
    for (const [len, name] of [[16, 'tv1.128'], [24, 'tv1.192'], [32, 'tv1.256']] as const) {
      it(`${name}: passphrase "000000000000", salt "00000000" → ${len}-byte KEK`, function () {
        // The KM salt is 16 bytes; only its last 8 enter PBKDF2: the first 8 must not matter.
        const kmSalt = Buffer.concat([Buffer.from('ffeeddccbbaa9988', 'hex'), Buffer.from('00000000', 'latin1')]);
        expect(deriveKek('000000000000', kmSalt, len).toString('hex')).to.equal(KEK256.slice(0, len * 2));
        const other = Buffer.concat([Buffer.alloc(8), Buffer.from('00000000', 'latin1')]);
        expect(deriveKek('000000000000', other, len).toString('hex')).to.equal(KEK256.slice(0, len * 2));
      });
    }
    it('a different passphrase or salt tail gives another KEK', function () {
      const kmSalt = Buffer.concat([Buffer.alloc(8), Buffer.from('00000000', 'latin1')]);
      expect(deriveKek('000000000001', kmSalt, 16).toString('hex')).to.not.equal(KEK256.slice(0, 32));
      const salt2 = Buffer.from(kmSalt);
      salt2[15] ^= 1;
      expect(deriveKek('000000000000', salt2, 16).toString('hex')).to.not.equal(KEK256.slice(0, 32));
    });
    const wraps = [
      { name: 'tv1.128', len: 16, wrap: 'F8B6121BF20362408032608DED0B8E4B297E80174E8968F1' },
      { name: 'tv1.192', len: 24, wrap: 'C1A6589EC0526D37843CBD3B02DD793FE6142D81694B8E07264FCD86D66A7062' },
      { name: 'tv1.256', len: 32, wrap: '94BE9CA67A272056EDEAA08F71B1F185F6C567F4A9C21E784936A5AE60D01C3068274F66565A55AA' },
    ];
    for (const w of wraps) {
      it(`UTV_cryspr_km_wrap ${w.name}: zero SEK wrapped with the ${w.len * 8}-bit PBKDF2 KEK, and back`, function () {
        const kek = h(KEK256.slice(0, w.len * 2));
        expect(wrapKey(kek, Buffer.alloc(w.len)).toString('hex')).to.equal(w.wrap.toLowerCase());
        expect(unwrapKey(kek, h(w.wrap))!.toString('hex')).to.equal('00'.repeat(w.len));
      });
    }
  });

  describe('AES-CTR through aesCtr()', function () {
    const PLAIN = h(`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                     30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);
    const nist = [
      { sec: 'F.5.1', bits: 128, key: '2b7e151628aed2a6abf7158809cf4f3c',
        ct: '874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee' },
      { sec: 'F.5.3', bits: 192, key: '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
        ct: '1abc932417521ca24f2b0459fe7e6e0b 090339ec0aa6faefd5ccc2c6f4ce8e94 1e36b26bd1ebc670d1bd1d665620abf7 4f78a7f6d29809585a97daec58c6b050' },
      { sec: 'F.5.5', bits: 256, key: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
        ct: '601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6' },
    ];
    const SKIP = 0xfeff * 16; // blocks before the NIST initial counter f0f1..fdfeff
    for (const v of nist) {
      it(`NIST SP 800-38A ${v.sec} CTR-AES${v.bits} encrypt and decrypt (salt f0..fd, seq 0)`, function () {
        const salt = Buffer.concat([h('f0f1f2f3f4f5f6f7f8f9fafbfcfd'), h('eeee')]); // salt bytes 14..15 are not used
        const ct = aesCtr(h(v.key), salt, 0, Buffer.concat([Buffer.alloc(SKIP), PLAIN])).subarray(SKIP);
        expect(ct.toString('hex')).to.equal(h(v.ct).toString('hex'));
        const back = aesCtr(h(v.key), salt, 0, Buffer.concat([Buffer.alloc(SKIP), h(v.ct)])).subarray(SKIP);
        expect(back.toString('hex')).to.equal(PLAIN.toString('hex'));
      });
      it(`NIST ${v.sec} with the counter prefix coming from salt XOR packet sequence number`, function () {
        const seq = 0x12345678;
        const salt = h('f0f1f2f3f4f5f6f7f8f9fafbfcfd0000');
        salt.writeUInt32BE((salt.readUInt32BE(10) ^ seq) >>> 0, 10);
        const ct = aesCtr(h(v.key), salt, seq, Buffer.concat([Buffer.alloc(SKIP), PLAIN])).subarray(SKIP);
        expect(ct.toString('hex')).to.equal(h(v.ct).toString('hex'));
      });
    }
    const libsrt = [
      { name: 'tv1.128', len: 16, ct: '56D97BE4DFBA1C0BB87CCA69FA041B1E68D2CCFECA4E0051' },
      { name: 'tv1.192', len: 24, ct: '9AD059A29C8F6293D8C4995EF9003BE7FD0382BAF743C77B' },
      { name: 'tv1.256', len: 32, ct: 'ECA5F0489270B9B99D789224A2B410B7633FBACBF7750689' },
    ];
    for (const v of libsrt) {
      it(`libsrt UTV_cryspr_aes_ctr ${v.name}: zero key, zero IV, "000000000000000000000000"`, function () {
        const plain = Buffer.from('000000000000000000000000', 'latin1');
        expect(aesCtr(Buffer.alloc(v.len), Buffer.alloc(16), 0, plain).toString('hex')).to.equal(v.ct.toLowerCase());
        expect(aesCtr(Buffer.alloc(v.len), Buffer.alloc(16), 0, h(v.ct)).toString('latin1')).to.equal('000000000000000000000000');
      });
    }
    it('ciphertext length equals plaintext length (no padding), any length 0..1456', function () {
      const key = Buffer.alloc(16, 7);
      for (const n of [0, 1, 15, 16, 17, 188, 1316, 1456]) expect(aesCtr(key, Buffer.alloc(16), 5, Buffer.alloc(n)).length).to.equal(n);
    });
  });

  describe('IV layouts', function () {
    it('ctrIv: zeros, seq big-endian in bytes 10..13, XOR salt bytes 0..13, bytes 14..15 = block counter 0', function () {
      expect(ctrIv(Buffer.alloc(16), 0x01020304).toString('hex')).to.equal('00000000000000000000' + '01020304' + '0000');
      const salt = h('000102030405060708090a0b0c0d0e0f');
      expect(ctrIv(salt, 0).toString('hex')).to.equal('000102030405060708090a0b0c0d0000');
      expect(ctrIv(salt, 0x7fffffff).toString('hex')).to.equal('00010203040506070809' + '75f4f3f2' + '0000');
      expect(ctrIv(Buffer.alloc(16, 0xff), 0x80000001 >>> 0).toString('hex')).to.equal('ff'.repeat(10) + '7ffffffe' + '0000');
    });
    it('gcmIv: 12 bytes, zeros, seq big-endian in bytes 8..11, XOR salt bytes 0..11', function () {
      expect(gcmIv(Buffer.alloc(16), 0x01020304).toString('hex')).to.equal('0000000000000000' + '01020304');
      const salt = h('000102030405060708090a0b0c0d0e0f');
      expect(gcmIv(salt, 0).toString('hex')).to.equal('000102030405060708090a0b');
      expect(gcmIv(salt, 0x11223344).toString('hex')).to.equal('0001020304050607' + '192b394f');
    });
    it('gcmSeal/gcmOpen: 16-byte tag appended, header is authenticated, tampering detected', function () {
      const key = Buffer.alloc(32, 3);
      const salt = Buffer.alloc(16, 9);
      const hdr = h('0000002a e8000001 00000164 11223344');
      const plain = Buffer.alloc(1316, 0x47);
      const sealed = gcmSeal(key, salt, 42, hdr, plain);
      expect(sealed.length).to.equal(1316 + GCM_TAG_LEN);
      expect(gcmOpen(key, salt, 42, hdr, sealed)!.equals(plain)).to.equal(true);
      const t = Buffer.from(sealed); t[10] ^= 1;
      expect(gcmOpen(key, salt, 42, hdr, t)).to.equal(null);
      const hdr2 = Buffer.from(hdr); hdr2[4] ^= 0x04; // the R flag
      expect(gcmOpen(key, salt, 42, hdr2, sealed)).to.equal(null);
      expect(gcmOpen(key, salt, 43, hdr, sealed)).to.equal(null);
      expect(gcmOpen(key, salt, 42, hdr, sealed.subarray(0, 10))).to.equal(null);
    });
  });
});
