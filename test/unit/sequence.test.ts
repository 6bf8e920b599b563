/**
 * 31-bit sequence, 26-bit message-number and 32-bit timestamp arithmetic.
 * The seq cases follow libsrt's test/test_seqno.cpp (CSeqNo), whose threshold
 * m_iSeqNoTH is 0x3FFFFFFF with a strict "<".
 */
import { expect } from 'chai';
import {
  MSGNO_MAX,
  SEQ_MAX,
  TS_SPAN,
  msgNoInc,
  randomIsn,
  seqCmp,
  seqDec,
  seqInc,
  seqLen,
  seqOffset,
  tsUnwrap,
  tsWrap,
} from '../../src/protocol/sequence';

const TH = 0x40000000; // 2^30

describe('sequence arithmetic', () => {
  it('constants', () => {
    expect(SEQ_MAX).to.equal(0x7fffffff);
    expect(MSGNO_MAX).to.equal(0x03ffffff);
    expect(TS_SPAN).to.equal(2 ** 32);
  });

  describe('seqCmp (libsrt CSeqNo::seqcmp)', () => {
    it('libsrt test_seqno cases', () => {
      expect(seqCmp(0x7fffffff, 0x7fffffff)).to.equal(0);
      expect(seqCmp(128, 1)).to.equal(127);
      expect(seqCmp(1, 128)).to.equal(-127);
      // Far apart numerically: the wrap makes 0x7FFFFFFF come before 1.
      expect(seqCmp(0x7fffffff, 1)).to.equal(-2147483646);
      expect(seqCmp(1, 0x7fffffff)).to.equal(2147483646);
    });

    it('orders numbers across the 0x7FFFFFFF -> 0 wrap', () => {
      expect(seqCmp(0, 0x7fffffff)).to.be.greaterThan(0);
      expect(seqCmp(0x7fffffff, 0)).to.be.lessThan(0);
      expect(seqCmp(5, 0x7ffffffb)).to.be.greaterThan(0);
      expect(seqCmp(0x7ffffffb, 5)).to.be.lessThan(0);
    });

    it('sign follows the true circular distance up to just under 2^30, from any base', () => {
      const bases = [0, 1, 2, 0x3fffffff, 0x40000000, 0x7ffffff0, 0x7ffffffe, 0x7fffffff, 0x12345678];
      const ks = [1, 2, 15, 16, 17, 1000, 0x10000, TH / 2, TH - 2];
      for (const base of bases) {
        expect(seqCmp(base, base)).to.equal(0);
        for (const k of ks) {
          const ahead = seqInc(base, k);
          const behind = seqDec(base, k);
          expect(Math.sign(seqCmp(ahead, base)), `${base}+${k}`).to.equal(1);
          expect(Math.sign(seqCmp(base, ahead)), `${base} vs +${k}`).to.equal(-1);
          expect(Math.sign(seqCmp(behind, base)), `${base}-${k}`).to.equal(-1);
        }
      }
    });

    it('beyond 2^30 the farther number counts as behind (it wrapped)', () => {
      expect(seqCmp(TH + 5, 0)).to.be.lessThan(0);
      expect(seqCmp(0, TH + 5)).to.be.greaterThan(0);
      expect(seqCmp(0x7fffffff, TH - 5)).to.be.lessThan(0);
    });
  });

  describe('seqOffset (libsrt CSeqNo::seqoff)', () => {
    it('libsrt test_seqno cases', () => {
      expect(seqOffset(0x7fffffff, 0x7fffffff)).to.equal(0);
      expect(seqOffset(125, 1)).to.equal(-124);
      expect(seqOffset(1, 0x7fffffff)).to.equal(-2);
      expect(seqOffset(0x7fffffff, 1)).to.equal(2);
    });

    it('is the inverse of seqInc/seqDec within the window, across the wrap', () => {
      for (const base of [0, 1, 0x7fffffff, 0x7ffffff0, 0x3fffffff, 0x40000000]) {
        for (const k of [0, 1, 2, 100, 0x7fff, TH - 2]) {
          expect(seqOffset(base, seqInc(base, k)), `${base}+${k}`).to.equal(k);
          expect(seqOffset(base, seqDec(base, k)), `${base}-${k}`).to.equal(-k);
        }
      }
    });

    it('a distance beyond 2^30 is folded back through the wrap', () => {
      expect(seqOffset(0, TH + 5)).to.equal(TH + 5 - 2 ** 31);
      expect(seqOffset(TH + 5, 0)).to.equal(2 ** 31 - TH - 5);
    });

    // libsrt uses m_iSeqNoTH = 0x3FFFFFFF with "<" in both seqcmp and seqoff.
    it('seqCmp and seqOffset agree in sign at the threshold, as libsrt (TH = 0x3FFFFFFF)', () => {
      expect(Math.sign(seqOffset(0, 0x40000000))).to.equal(Math.sign(seqCmp(0x40000000, 0)));
      expect(seqOffset(0, 0x40000000)).to.equal(-0x40000000);
      expect(seqCmp(0, 0x3fffffff)).to.equal(0x3fffffff);
      expect(seqOffset(0, 0x3fffffff)).to.equal(0x3fffffff - 2 ** 31);
    });
  });

  describe('seqLen (inclusive range length)', () => {
    it('libsrt test_seqno cases within the window', () => {
      expect(seqLen(125, 125)).to.equal(1);
      expect(seqLen(125, 126)).to.equal(2);
      expect(seqLen(2147483647, 0)).to.equal(2);
      expect(seqLen(0x7ffffff0, 0x0f)).to.equal(32);
    });

    // libsrt CSeqNo::seqlen is the forward circular length (test_seqno.cpp).
    it('seqLen(0, 0x7FFFFFFF) = 2^31 as libsrt (forward circular length)', () => {
      expect(seqLen(0, 0x7fffffff)).to.equal(2 ** 31);
      expect(seqLen(0, TH + 10)).to.equal(TH + 11);
    });
  });

  describe('seqInc / seqDec', () => {
    it('libsrt incseq/decseq cases', () => {
      expect(seqInc(1)).to.equal(2);
      expect(seqInc(125)).to.equal(126);
      expect(seqInc(0x7fffffff)).to.equal(0);
      expect(seqInc(0x3fffffff)).to.equal(0x40000000);
      expect(seqInc(0x3fffffff, 0x3fffffff)).to.equal(0x7ffffffe);
      expect(seqInc(0x3fffffff, 0x40000000)).to.equal(0x7fffffff);
      expect(seqInc(0x3fffffff, 0x40000001)).to.equal(0);
      expect(seqDec(1)).to.equal(0);
      expect(seqDec(125)).to.equal(124);
      expect(seqDec(0)).to.equal(0x7fffffff);
      expect(seqDec(0x40000000)).to.equal(0x3fffffff);
      expect(seqDec(0, 1)).to.equal(0x7fffffff);
    });

    it('wraps by larger steps and stays in [0, 2^31)', () => {
      expect(seqInc(0x7ffffff0, 0x20)).to.equal(0x10);
      expect(seqDec(0x10, 0x20)).to.equal(0x7ffffff0);
      expect(seqInc(0x7fffffff, 0x7fffffff)).to.equal(0x7ffffffe);
      expect(seqDec(0, 0x7fffffff)).to.equal(1);
      expect(seqInc(12345, 2 ** 31)).to.equal(12345);
      expect(seqDec(12345, 2 ** 31)).to.equal(12345);
      for (const s of [0, 1, 0x7fffffff, 0x40000000]) {
        expect(seqDec(seqInc(s))).to.equal(s);
        expect(seqInc(seqDec(s))).to.equal(s);
      }
    });
  });

  describe('msgNoInc (26-bit, 0 reserved)', () => {
    it('counts 1, 2, ... and wraps 0x3FFFFFF -> 1, never 0', () => {
      expect(msgNoInc(1)).to.equal(2);
      expect(msgNoInc(0x3fffffe)).to.equal(0x3ffffff);
      expect(msgNoInc(0x3ffffff)).to.equal(1);
      expect(msgNoInc(0)).to.equal(1);
    });
  });

  describe('tsWrap / tsUnwrap (32-bit µs)', () => {
    const W = 2 ** 32;

    it('tsWrap reduces modulo 2^32, both directions', () => {
      expect(tsWrap(0)).to.equal(0);
      expect(tsWrap(W - 1)).to.equal(W - 1);
      expect(tsWrap(W)).to.equal(0);
      expect(tsWrap(W + 5)).to.equal(5);
      expect(tsWrap(3 * W + 7)).to.equal(7);
      expect(tsWrap(-1)).to.equal(W - 1);
      expect(tsWrap(1.9)).to.equal(1);
    });

    it('tsUnwrap crosses 2^32 forward', () => {
      expect(tsUnwrap(5, W - 10)).to.equal(W + 5);
      expect(tsUnwrap(0, W - 1)).to.equal(W);
      expect(tsUnwrap(100, 5 * W - 100)).to.equal(5 * W + 100);
    });

    it('tsUnwrap crosses 2^32 backward (a late packet from before the wrap)', () => {
      expect(tsUnwrap(W - 10, W + 5)).to.equal(W - 10);
      expect(tsUnwrap(W - 1, W)).to.equal(W - 1);
      expect(tsUnwrap(W - 50, 3 * W + 50)).to.equal(3 * W - 50);
    });

    it('tsUnwrap leaves nearby values in the same epoch', () => {
      expect(tsUnwrap(1000, 900)).to.equal(1000);
      expect(tsUnwrap(900, 1000)).to.equal(900);
      expect(tsUnwrap(1000, 2 * W + 900)).to.equal(2 * W + 1000);
      // ±(2^31 - 1) is still resolved toward the reference.
      expect(tsUnwrap(2 ** 31 - 1, 0)).to.equal(2 ** 31 - 1);
      expect(tsUnwrap(W - (2 ** 31 - 1), W)).to.equal(W - (2 ** 31 - 1));
    });

    it('reordered arrivals around the wrap unwrap to the true send times', () => {
      // True send times straddling 2^32, delivered out of order by up to a few ms.
      const truth = [W - 3000, W - 1000, W + 500, W - 2000, W + 2500, W + 1000, W - 10, W + 4000];
      let ref = W - 5000; // unwrapped time of the previous packet
      for (const t of truth) {
        const got = tsUnwrap(tsWrap(t), ref);
        expect(got, `ts ${t}`).to.equal(t);
        ref = Math.max(ref, got);
      }
      // Same with the reference being the last arrival rather than the maximum.
      ref = W - 5000;
      for (const t of truth) {
        ref = tsUnwrap(tsWrap(t), ref);
        expect(ref).to.equal(t);
      }
    });

    it('round-trips tsWrap over many epochs', () => {
      for (let epoch = 0; epoch < 5; epoch++) {
        for (const off of [0, 1, 123456, W / 2 - 1, W - 1]) {
          const t = epoch * W + off;
          expect(tsUnwrap(tsWrap(t), t - 1000)).to.equal(t);
          expect(tsUnwrap(tsWrap(t), t + 1000)).to.equal(t);
        }
      }
    });
  });

  describe('randomIsn', () => {
    it('stays in [0, 2^31 - 1]', () => {
      expect(randomIsn(() => 0)).to.equal(0);
      expect(randomIsn(() => 0.9999999999999999)).to.equal(0x7fffffff);
      expect(randomIsn(() => 0.5)).to.equal(0x40000000);
      for (let i = 0; i < 1000; i++) {
        const v = randomIsn();
        expect(Number.isInteger(v) && v >= 0 && v <= 0x7fffffff, String(v)).to.equal(true);
      }
    });
  });
});
