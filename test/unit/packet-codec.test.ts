/**
 * Packet and handshake codecs built from scratch: every control type, every
 * handshake extension, data header bits, string padding, and malformed input.
 */
import { expect } from 'chai';
import {
  ControlPacket,
  ControlType,
  DataHeaderFields,
  DataPacket,
  ExtType,
  HEADER_SIZE,
  KeyFlags,
  Position,
  SeqRange,
  decodeAck,
  decodeDropReq,
  decodeLossList,
  decodePacket,
  encodeAck,
  encodeControl,
  encodeDataPacket,
  encodeDropReq,
  encodeLossList,
  msgNoWord,
  writeDataHeader,
} from '../../src/protocol/packet';
import {
  HS_CIF_SIZE,
  HS_V5_MAGIC,
  Handshake,
  HandshakeType,
  HsExt,
  HsExtFlag,
  decodeHandshake,
  decodeHsString,
  decodePeerIp,
  decodeSrtHs,
  encodeHandshake,
  encodeHsString,
  encodePeerIp,
  encodeSrtHs,
  findExtension,
} from '../../src/protocol/handshake-packet';
import { loadCapture } from '../support/fixtures';
import { prng } from '../../src/tools/prng';

function ctl(buf: Buffer): ControlPacket {
  const p = decodePacket(buf);
  expect(p).to.not.equal(null);
  expect(p!.kind).to.equal('control');
  return p as ControlPacket;
}

function words(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readUInt32BE(i));
  return out;
}

/** A 56-byte AES-128 KM message (§2.4): raw bytes, never reversed. */
function kmMessage(): Buffer {
  const km = Buffer.alloc(56);
  km[0] = 0x12;
  km.writeUInt16BE(0x2029, 1);
  km[3] = KeyFlags.EVEN;
  km[8] = 2; // AES-CTR
  km[10] = 2; // SE = SRT
  km[14] = 4;
  km[15] = 4;
  for (let i = 16; i < 56; i++) km[i] = (i * 37 + 11) & 0xff;
  return km;
}

describe('packet codec (from scratch)', () => {
  describe('control header', () => {
    it('packs type and subtype into word 0 and round-trips typeInfo, timestamp, destId', () => {
      const buf = encodeControl(ControlType.ACK, 0x7fffffff, 0xfffffffe, 0xdeadbeef, Buffer.alloc(4, 0xaa));
      expect(buf.readUInt32BE(0)).to.equal(0x80020000);
      const p = ctl(buf);
      expect(p).to.include({ type: ControlType.ACK, subtype: 0, typeInfo: 0x7fffffff, timestamp: 0xfffffffe, destId: 0xdeadbeef });
      expect(p.body.toString('hex')).to.equal('aaaaaaaa');
    });

    for (const [name, type] of [
      ['KEEPALIVE', ControlType.KEEPALIVE],
      ['CGWARNING', ControlType.CGWARNING],
      ['SHUTDOWN', ControlType.SHUTDOWN],
      ['ACKACK', ControlType.ACKACK],
    ] as const) {
      it(`${name}: no body given -> 4-byte zero body, as libsrt pads it`, () => {
        const info = type === ControlType.ACKACK ? 42 : 0;
        for (const body of [undefined, Buffer.alloc(0)]) {
          const buf = encodeControl(type, info, 1000, 0x1234, body);
          expect(buf.length).to.equal(HEADER_SIZE + 4);
          expect(buf.readUInt32BE(0)).to.equal((0x80000000 | (type << 16)) >>> 0);
          const p = ctl(buf);
          expect(p).to.include({ type, subtype: 0, typeInfo: info, timestamp: 1000, destId: 0x1234 });
          expect(p.body.toString('hex')).to.equal('00000000');
          expect(encodeControl(p.type, p.typeInfo, p.timestamp, p.destId, p.body, p.subtype).equals(buf)).to.equal(true);
        }
      });
    }

    it('PEERERROR carries the error code in word 1', () => {
      const p = ctl(encodeControl(ControlType.PEERERROR, 4000, 5, 6));
      expect(p.type).to.equal(ControlType.PEERERROR);
      expect(p.typeInfo).to.equal(4000);
      expect(p.body.toString('hex')).to.equal('00000000');
    });

    it('EXT subtypes 1-4 go out as 0xFFFF000n and decode to type 0x7FFF + subtype', () => {
      const bodies: Record<number, Buffer> = {
        [ExtType.HSREQ]: encodeSrtHs({ srtVersion: 0x010501, flags: 0xbf, rcvLatency: 0, sndLatency: 120 }),
        [ExtType.HSRSP]: encodeSrtHs({ srtVersion: 0x010501, flags: 0xbf, rcvLatency: 0, sndLatency: 120 }),
        [ExtType.KMREQ]: kmMessage(),
        [ExtType.KMRSP]: kmMessage(),
      };
      for (const sub of [ExtType.HSREQ, ExtType.HSRSP, ExtType.KMREQ, ExtType.KMRSP]) {
        const buf = encodeControl(ControlType.EXT, 0, 77, 88, bodies[sub], sub);
        expect(buf.readUInt32BE(0)).to.equal((0xffff0000 | sub) >>> 0);
        const p = ctl(buf);
        expect(p).to.include({ type: ControlType.EXT, subtype: sub, typeInfo: 0, timestamp: 77, destId: 88 });
        expect(p.body.equals(bodies[sub])).to.equal(true);
        expect(encodeControl(p.type, p.typeInfo, p.timestamp, p.destId, p.body, p.subtype).equals(buf)).to.equal(true);
      }
      // The KM body is carried as-is: first byte 0x12, no per-word reversal.
      expect(ctl(encodeControl(ControlType.EXT, 0, 0, 0, kmMessage(), ExtType.KMREQ)).body[0]).to.equal(0x12);
    });

    it('a bare 16-byte control packet decodes with an empty body', () => {
      const buf = Buffer.alloc(16);
      buf.writeUInt32BE(0x80010000, 0);
      const p = ctl(buf);
      expect(p.type).to.equal(ControlType.KEEPALIVE);
      expect(p.body.length).to.equal(0);
    });
  });

  describe('ACK', () => {
    it('light ACK: one word, ACK number 0', () => {
      const body = encodeAck({ lastAckSeq: 0x7fffffff });
      expect(body.toString('hex')).to.equal('7fffffff');
      const p = ctl(encodeControl(ControlType.ACK, 0, 1, 2, body));
      expect(decodeAck(p.body)).to.deep.equal({ lastAckSeq: 0x7fffffff });
    });

    it('full ACK: 7 words in libsrt order', () => {
      const ack = { lastAckSeq: 1000, rtt: 100000, rttVar: 50000, availBuf: 8192, pktRecvRate: 1234, linkCapacity: 5678, recvRate: 0xfffffff0 };
      const body = encodeAck(ack);
      expect(words(body)).to.deep.equal([1000, 100000, 50000, 8192, 1234, 5678, 0xfffffff0]);
      expect(decodeAck(ctl(encodeControl(ControlType.ACK, 7, 0, 0, body)).body)).to.deep.equal(ack);
    });

    it('small (4-word) ACK decodes the first four fields; extra words past 7 are ignored', () => {
      const small = Buffer.alloc(16);
      [5, 20000, 10000, 100].forEach((w, i) => small.writeUInt32BE(w, i * 4));
      expect(decodeAck(small)).to.deep.equal({ lastAckSeq: 5, rtt: 20000, rttVar: 10000, availBuf: 100 });
      // The old 1.0.2 8-word form: the 8th word is not a field.
      const eight = Buffer.alloc(32, 1);
      expect(Object.keys(decodeAck(eight)!)).to.have.length(7);
    });

    it('a body under 4 bytes is not an ACK', () => {
      for (let n = 0; n < 4; n++) expect(decodeAck(Buffer.alloc(n))).to.equal(null);
    });
  });

  describe('NAK loss list', () => {
    it('singles as one word, every range (even of 2) as first|MSB, last', () => {
      const ranges: SeqRange[] = [[5, 5], [10, 11], [20, 30], [0x7fffffff, 0x7fffffff], [0x7ffffffe, 1]];
      const body = encodeLossList(ranges);
      expect(words(body)).to.deep.equal([5, 0x8000000a, 11, 0x80000014, 30, 0x7fffffff, 0xfffffffe, 1]);
      const p = ctl(encodeControl(ControlType.NAK, 0, 0, 0, body));
      expect(decodeLossList(p.body)).to.deep.equal(ranges);
    });

    it('maxWords never splits a range', () => {
      const ranges: SeqRange[] = [[5, 5], [10, 11], [20, 20]];
      expect(words(encodeLossList(ranges, 2))).to.deep.equal([5]);
      expect(words(encodeLossList(ranges, 3))).to.deep.equal([5, 0x8000000a, 11]);
      expect(encodeLossList([], 10).length).to.equal(0);
    });

    it('a dangling range start is malformed -> null', () => {
      const w = (...ws: number[]) => {
        const b = Buffer.alloc(ws.length * 4);
        ws.forEach((x, i) => b.writeUInt32BE(x >>> 0, i * 4));
        return b;
      };
      expect(decodeLossList(w(0x80000005))).to.equal(null);
      expect(decodeLossList(w(1, 2, 0x80000005))).to.equal(null);
      expect(decodeLossList(w(0x80000005, 0x80000007))).to.equal(null); // range end with the range bit
      expect(decodeLossList(w(1, 2, 3))).to.deep.equal([[1, 1], [2, 2], [3, 3]]);
      expect(decodeLossList(Buffer.alloc(0))).to.deep.equal([]);
    });
  });

  describe('DROPREQ', () => {
    it('round-trips msgno in word 1 and [first, last] in the body', () => {
      const buf = encodeControl(ControlType.DROPREQ, 0x3ffffff, 9, 10, encodeDropReq(0x7ffffff0, 0x10));
      const p = ctl(buf);
      expect(p.type).to.equal(ControlType.DROPREQ);
      expect(p.typeInfo).to.equal(0x3ffffff);
      expect(decodeDropReq(p.body)).to.deep.equal([0x7ffffff0, 0x10]);
      expect(encodeControl(p.type, p.typeInfo, p.timestamp, p.destId, p.body).equals(buf)).to.equal(true);
    });

    it('a body under 8 bytes is ignored -> null (libsrt test_control_packets)', () => {
      for (let n = 0; n < 8; n++) expect(decodeDropReq(Buffer.alloc(n, 0x11)), `${n} bytes`).to.equal(null);
    });
  });

  describe('handshake', () => {
    function fullHandshake(): Handshake {
      const group = Buffer.alloc(8);
      group.writeUInt32BE(0x40000001, 0); // group ID
      group.writeUInt32BE(((2 << 24) | (0 << 16) | 10) >>> 0, 4); // backup, flags 0, weight 10
      return {
        version: 5,
        encryption: 4,
        extField: HsExtFlag.HSREQ | HsExtFlag.KMREQ | HsExtFlag.CONFIG,
        isn: 0x7fffffff,
        mss: 1500,
        flightFlagSize: 8192,
        reqType: HandshakeType.CONCLUSION,
        socketId: 0xfedcba98,
        cookie: 0xffffffff,
        peerIp: encodePeerIp('192.168.1.2'),
        extensions: [
          { type: HsExt.HSREQ, body: encodeSrtHs({ srtVersion: 0x010501, flags: 0xbf, rcvLatency: 200, sndLatency: 120 }) },
          { type: HsExt.HSRSP, body: encodeSrtHs({ srtVersion: 0x010505, flags: 0xe4, rcvLatency: 0, sndLatency: 0 }) },
          { type: HsExt.KMREQ, body: kmMessage() },
          { type: HsExt.KMRSP, body: Buffer.from([0, 0, 0, 3]) }, // one-word NOSECRET state
          { type: HsExt.SID, body: encodeHsString('#!::r=live/cam7,m=publish') },
          { type: HsExt.CONGESTION, body: encodeHsString('file') },
          { type: HsExt.FILTER, body: encodeHsString('fec,cols:10,rows:5') },
          { type: HsExt.GROUP, body: group },
          { type: 0x1234, body: Buffer.alloc(0) }, // unknown and empty: kept, skipped by users
        ],
      };
    }

    it('round-trips the CIF and every extension type, in order', () => {
      const hs = fullHandshake();
      const pkt = encodeControl(ControlType.HANDSHAKE, 0, 123, 0, encodeHandshake(hs));
      const back = decodeHandshake(ctl(pkt).body)!;
      expect(back).to.not.equal(null);
      const { extensions, peerIp, ...cif } = back;
      const { extensions: extWant, peerIp: ipWant, ...cifWant } = hs;
      expect(cif).to.deep.equal(cifWant);
      expect(peerIp.equals(ipWant)).to.equal(true);
      expect(extensions.map((e) => e.type)).to.deep.equal(extWant.map((e) => e.type));
      extensions.forEach((e, i) => expect(e.body.toString('hex'), `ext ${e.type}`).to.equal(extWant[i].body.toString('hex')));
      expect(encodeHandshake(back).equals(ctl(pkt).body)).to.equal(true);
    });

    it('writes block headers as (cmd << 16) | size in words', () => {
      const body = encodeHandshake(fullHandshake());
      let off = HS_CIF_SIZE;
      const headers: number[] = [];
      while (off < body.length) {
        const h = body.readUInt32BE(off);
        headers.push(h);
        off += 4 + (h & 0xffff) * 4;
      }
      expect(off).to.equal(body.length);
      expect(headers).to.deep.equal([0x00010003, 0x00020003, 0x0003000e, 0x00040001, 0x00050007, 0x00060001, 0x00070005, 0x00080002, 0x12340000]);
    });

    it('Type word = encryption << 16 | extField; ReqType is signed', () => {
      const hs = fullHandshake();
      const body = encodeHandshake({ ...hs, extensions: [] });
      expect(body.length).to.equal(HS_CIF_SIZE);
      expect(body.readUInt32BE(4)).to.equal(0x00040007);
      expect(body.readInt32BE(20)).to.equal(-1);
      for (const reqType of [HandshakeType.WAVEAHAND, HandshakeType.INDUCTION, HandshakeType.CONCLUSION, HandshakeType.AGREEMENT, 1010, 1011, 2403]) {
        expect(decodeHandshake(encodeHandshake({ ...hs, reqType, extensions: [] }))!.reqType).to.equal(reqType);
      }
      const ind = decodeHandshake(encodeHandshake({ ...hs, encryption: 2, extField: HS_V5_MAGIC, extensions: [] }))!;
      expect([ind.encryption, ind.extField]).to.deep.equal([2, HS_V5_MAGIC]);
    });

    it('pads an extension body that is not a whole number of words', () => {
      const hs = { ...fullHandshake(), extensions: [{ type: HsExt.SID, body: Buffer.from('abcde') }] };
      const body = encodeHandshake(hs);
      expect(body.length).to.equal(HS_CIF_SIZE + 4 + 8);
      expect(body.readUInt32BE(HS_CIF_SIZE)).to.equal(0x00050002);
      expect(decodeHandshake(body)!.extensions[0].body.toString('latin1')).to.equal('abcde\0\0\0');
    });

    it('HSREQ/HSRSP: latency word rcv << 16 | snd', () => {
      const b = encodeSrtHs({ srtVersion: 0x010501, flags: 0xbf, rcvLatency: 120, sndLatency: 0 });
      expect(b.toString('hex')).to.equal('00010501000000bf00780000');
      expect(decodeSrtHs(b)).to.deep.equal({ srtVersion: 0x010501, flags: 0xbf, rcvLatency: 120, sndLatency: 0 });
      expect(decodeSrtHs(Buffer.alloc(11))).to.equal(null);
    });

    it('findExtension returns the first block of a type', () => {
      const hs = fullHandshake();
      expect(findExtension(hs, HsExt.GROUP)!.body.length).to.equal(8);
      expect(findExtension(hs, 99)).to.equal(undefined);
    });
  });

  describe('string extensions (SID, CONGESTION, FILTER)', () => {
    it('"live" goes on the wire as "evil"', () => {
      expect(encodeHsString('live').toString('latin1')).to.equal('evil');
      expect(decodeHsString(Buffer.from('evil', 'latin1'))).to.equal('live');
    });

    it('pads to a multiple of 4 (no extra word when aligned) and reverses each word, lengths 1..9', () => {
      const src = 'abcdefghi';
      const want: Record<number, string> = {
        1: '\0\0\0a',
        2: '\0\0ba',
        3: '\0cba',
        4: 'dcba',
        5: 'dcba\0\0\0e',
        6: 'dcba\0\0fe',
        7: 'dcba\0gfe',
        8: 'dcbahgfe',
        9: 'dcbahgfe\0\0\0i',
      };
      for (let n = 1; n <= 9; n++) {
        const s = src.slice(0, n);
        const enc = encodeHsString(s);
        expect(enc.length, s).to.equal(Math.ceil(n / 4) * 4);
        expect(enc.toString('latin1'), s).to.equal(want[n]);
        expect(decodeHsString(enc), s).to.equal(s);
      }
    });

    it('handles the 512-byte SID maximum', () => {
      const s = Array.from({ length: 512 }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join('');
      const enc = encodeHsString(s);
      expect(enc.length).to.equal(512);
      expect(enc.subarray(0, 4).toString('latin1')).to.equal(s.slice(0, 4).split('').reverse().join(''));
      expect(decodeHsString(enc)).to.equal(s);
      const hs = decodeHandshake(encodeHandshake({ ...baseCif(), extensions: [{ type: HsExt.SID, body: enc }] }))!;
      expect(hs.extensions[0].body.length).to.equal(512);
      expect(decodeHsString(hs.extensions[0].body)).to.equal(s);
    });

    it('empty string -> empty body; UTF-8 survives', () => {
      expect(encodeHsString('').length).to.equal(0);
      expect(decodeHsString(Buffer.alloc(0))).to.equal('');
      expect(decodeHsString(encodeHsString('cam-é-📷'))).to.equal('cam-é-📷');
    });
  });

  describe('peer IP field', () => {
    it('IPv4 in the first word, reversed per word as libsrt on little-endian hosts', () => {
      expect(encodePeerIp('192.168.1.2').toString('hex')).to.equal('0201a8c0' + '0'.repeat(24));
      expect(decodePeerIp(encodePeerIp('192.168.1.2'))).to.equal('192.168.1.2');
      expect(decodePeerIp(encodePeerIp('::ffff:10.0.0.1'))).to.equal('10.0.0.1');
    });

    it('IPv6 uses all 16 bytes', () => {
      const f = encodePeerIp('2001:db8::1');
      expect(f.toString('hex')).to.equal('b80d0120' + '00000000' + '00000000' + '01000000');
      expect(decodePeerIp(f)).to.equal('2001:db8:0:0:0:0:0:1');
    });
  });

  describe('data header', () => {
    const base: DataHeaderFields = {
      seq: 1,
      position: Position.SOLO,
      inOrder: false,
      keyFlags: KeyFlags.NONE,
      retransmitted: false,
      msgNo: 1,
      timestamp: 0,
      destId: 0,
    };
    const word1 = (f: Partial<DataHeaderFields>) => {
      const b = Buffer.alloc(16);
      writeDataHeader(b, 0, { ...base, ...f });
      return b.readUInt32BE(4);
    };

    it('PP bits: solo 11, first 10, middle 00, last 01', () => {
      expect(word1({ position: Position.SOLO, msgNo: 0 })).to.equal(0xc0000000);
      expect(word1({ position: Position.FIRST, msgNo: 0 })).to.equal(0x80000000);
      expect(word1({ position: Position.MIDDLE, msgNo: 0 })).to.equal(0x00000000);
      expect(word1({ position: Position.LAST, msgNo: 0 })).to.equal(0x40000000);
    });

    it('O, KK even/odd, R and the 26-bit msgno occupy their own bits', () => {
      expect(word1({ position: 0, msgNo: 0, inOrder: true })).to.equal(0x20000000);
      expect(word1({ position: 0, msgNo: 0, keyFlags: KeyFlags.EVEN })).to.equal(0x08000000);
      expect(word1({ position: 0, msgNo: 0, keyFlags: KeyFlags.ODD })).to.equal(0x10000000);
      expect(word1({ position: 0, msgNo: 0, retransmitted: true })).to.equal(0x04000000);
      expect(word1({ position: 0, msgNo: 0x3ffffff })).to.equal(0x03ffffff);
      // An out-of-range msgno must not leak into R/KK.
      expect(word1({ position: 0, msgNo: 0x4000001 })).to.equal(1);
      // libsrt live: solo | even key | retransmitted | msgno.
      expect(word1({ keyFlags: KeyFlags.EVEN, retransmitted: true, msgNo: 5 })).to.equal(0xcc000005);
      expect(msgNoWord({ position: 3, inOrder: true, keyFlags: 3, retransmitted: true, msgNo: 0x3ffffff })).to.equal(0xffffffff);
    });

    it('round-trips every bit combination through decodePacket', () => {
      const payload = Buffer.from('0123456789abcdef');
      for (const position of [0, 1, 2, 3])
        for (const inOrder of [false, true])
          for (const keyFlags of [0, 1, 2, 3])
            for (const retransmitted of [false, true])
              for (const msgNo of [0, 1, 0x3ffffff]) {
                const f: DataHeaderFields = { seq: 0x7fffffff, position, inOrder, keyFlags, retransmitted, msgNo, timestamp: 0xffffffff, destId: 0x80000001 };
                const buf = encodeDataPacket(f, payload);
                const p = decodePacket(buf) as DataPacket;
                expect(p.kind).to.equal('data');
                const { kind, payload: pl, ...fields } = p;
                expect(fields).to.deep.equal(f);
                expect(pl.equals(payload)).to.equal(true);
              }
    });

    it('the sequence number never sets the control bit; the payload is a view, not a copy', () => {
      const buf = encodeDataPacket({ ...base, seq: 0x80000005 }, Buffer.alloc(4));
      expect(buf[0] & 0x80).to.equal(0);
      const p = decodePacket(buf) as DataPacket;
      expect(p.seq).to.equal(5);
      buf[HEADER_SIZE] = 0x99;
      expect(p.payload[0]).to.equal(0x99);
    });

    it('writeDataHeader writes at an offset without touching the rest', () => {
      const b = Buffer.alloc(40, 0xee);
      writeDataHeader(b, 8, { ...base, seq: 0x01020304, msgNo: 2, timestamp: 3, destId: 4 });
      expect(b.subarray(0, 8).toString('hex')).to.equal('ee'.repeat(8));
      expect(b.subarray(8, 24).toString('hex')).to.equal('01020304c0000002' + '00000003' + '00000004');
      expect(b.subarray(24).toString('hex')).to.equal('ee'.repeat(16));
    });
  });

  describe('malformed input', () => {
    it('buffers of 0..15 bytes are not packets', () => {
      for (let n = 0; n < 16; n++) {
        expect(decodePacket(Buffer.alloc(n)), `${n} zero bytes`).to.equal(null);
        expect(decodePacket(Buffer.alloc(n, 0xff)), `${n} 0xff bytes`).to.equal(null);
      }
      expect(decodePacket(Buffer.alloc(16))).to.not.equal(null);
    });

    it('a handshake body under 48 bytes is null', () => {
      for (let n = 0; n < HS_CIF_SIZE; n++) expect(decodeHandshake(Buffer.alloc(n))).to.equal(null);
      expect(decodeHandshake(Buffer.alloc(HS_CIF_SIZE))).to.not.equal(null);
    });

    it('a truncated extension block makes the handshake null', () => {
      // The real live-plain CONCLUSION (HSREQ + 7-word SID), cut anywhere inside a block.
      const body = decodePacket(loadCapture('live-plain')[2].bytes)!;
      const full = (body as ControlPacket).body;
      expect(full.length).to.equal(96);
      expect(decodeHandshake(full)).to.not.equal(null);
      const blockEnds = [HS_CIF_SIZE, HS_CIF_SIZE + 16, 96];
      for (let n = HS_CIF_SIZE + 4; n < full.length; n++) {
        const hs = decodeHandshake(full.subarray(0, n));
        // Up to 3 stray bytes after a whole block are ignored; anything else is truncation.
        const clean = blockEnds.some((e) => n >= e && n < e + 4);
        if (clean) expect(hs, `cut at ${n}`).to.not.equal(null);
        else expect(hs, `cut at ${n}`).to.equal(null);
      }
      // A header claiming more words than follow.
      const liar = Buffer.concat([Buffer.alloc(HS_CIF_SIZE), Buffer.from([0, 1, 0xff, 0xff]), Buffer.alloc(12)]);
      expect(decodeHandshake(liar)).to.equal(null);
    });

    it('fuzz: 10,000 random buffers never throw', () => {
      const rnd = prng(0x5e7);
      const buf = Buffer.alloc(1500);
      let packets = 0;
      let hss = 0;
      for (let i = 0; i < 10000; i++) {
        const r = rnd();
        const len = r < 0.3 ? Math.floor(rnd() * 20) : r < 0.9 ? Math.floor(rnd() * 200) : Math.floor(rnd() * 1500);
        for (let j = 0; j < len; j++) buf[j] = (rnd() * 256) | 0;
        // Make the structured paths likely: sometimes small extension headers, sometimes control.
        if (len > 4 && rnd() < 0.5) buf[0] |= 0x80;
        if (len >= HS_CIF_SIZE + 4 && rnd() < 0.5) buf.writeUInt32BE(((((rnd() * 9) | 0) << 16) | ((rnd() * 8) | 0)) >>> 0, HS_CIF_SIZE);
        const b = buf.subarray(0, len);
        try {
          if (decodePacket(b)) packets++;
          const hs = decodeHandshake(b);
          if (hs) {
            hss++;
            // Whatever decodes re-encodes to the bytes it consumed (all but < 4 trailing bytes).
            if (!encodeHandshake(hs).equals(b.subarray(0, len & ~3))) expect.fail(`handshake re-encode differs, len ${len}`);
            for (const e of hs.extensions) decodeHsString(e.body), decodeSrtHs(e.body);
            decodePeerIp(hs.peerIp);
          }
          decodeAck(b);
          decodeLossList(b);
          decodeDropReq(b);
        } catch (err) {
          expect.fail(`threw on ${b.toString('hex')}: ${(err as Error).message}`);
        }
      }
      expect(packets).to.be.greaterThan(5000);
      expect(hss).to.be.greaterThan(100);
    });

    it('fuzz: byte-flipped captured packets never throw', () => {
      const rnd = prng(42);
      const caps = ['live-plain', 'live-aes128', 'loss', 'rendezvous'].flatMap((n) => loadCapture(n).slice(0, 60));
      for (let i = 0; i < 2000; i++) {
        const src = caps[(rnd() * caps.length) | 0].bytes;
        const b = Buffer.from(src.subarray(0, Math.max(0, src.length - ((rnd() * 8) | 0))));
        for (let k = 0; k < 3; k++) if (b.length) b[(rnd() * b.length) | 0] ^= 1 << ((rnd() * 8) | 0);
        const p = decodePacket(b);
        if (p && p.kind === 'control') {
          decodeHandshake(p.body);
          decodeAck(p.body);
          decodeLossList(p.body);
          decodeDropReq(p.body);
        }
      }
    });
  });
});

function baseCif(): Handshake {
  return {
    version: 5,
    encryption: 0,
    extField: HsExtFlag.HSREQ | HsExtFlag.CONFIG,
    isn: 1,
    mss: 1500,
    flightFlagSize: 8192,
    reqType: HandshakeType.CONCLUSION,
    socketId: 1,
    cookie: 2,
    peerIp: encodePeerIp('127.0.0.1'),
    extensions: [],
  };
}
