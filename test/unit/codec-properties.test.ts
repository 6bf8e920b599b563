/**
 * Property tests of every wire codec (fast-check, fixed seed): well-formed values
 * survive encode then decode, decodable bytes survive decode then encode where the
 * codec is lossless, and no datagram (random, mutated, lying about its lengths)
 * makes a decoder throw. PROPS_SEED and PROPS_RUNS_SCALE override the seed and
 * scale the number of runs, for longer local fuzzing; the defaults keep CI reproducible.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as net from 'net';
import {
  AckInfo,
  ControlPacket,
  ControlType,
  DataHeaderFields,
  DataPacket,
  ExtType,
  HEADER_SIZE,
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
  writeDataHeader,
} from '../../src/protocol/packet';
import {
  HS_CIF_SIZE,
  Handshake,
  decodeHandshake,
  decodeHsString,
  decodePeerIp,
  decodeSrtHs,
  encodeHandshake,
  encodeHsString,
  encodePeerIp,
  encodeSrtHs,
} from '../../src/protocol/handshake-packet';
import { KmMessage, decodeKm, decodeKmState, encodeKm, encodeKmState } from '../../src/protocol/km-message';
import { parseStreamIdKeys } from '../../src/protocol/stream-id';
import { MSGNO_MAX, SEQ_MAX } from '../../src/protocol/sequence';
import { parseQuery, parseUri } from '../../src/cli/uri';
import { UsageError } from '../../src/cli/usage-error';
import {
  HOSTILE_KINDS,
  MAX_DATAGRAM,
  ackInfo,
  anyDatagram,
  bytes,
  controlFields,
  dataPacket,
  encodeControlFields,
  encodedPacket,
  handshake,
  hostileBytes,
  hostileKmBytes,
  hostileLossListBytes,
  hostilePacketCase,
  hsString,
  ipv4Text,
  ipv6Case,
  kmMessage,
  kmState,
  lossRanges,
  lyingHandshakeBody,
  randomDatagram,
  seqNumber,
  seqRange,
  srtHsBody,
  streamIdPairs,
  streamIdText,
  u16,
  u32,
  uriText,
} from '../support/wire-arbitraries';

const SEED = Number(process.env.PROPS_SEED ?? 0x5e7c0dec);
const RUNS_SCALE = Number(process.env.PROPS_RUNS_SCALE ?? 1);

function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)) };
}

/** A value with every Buffer replaced by its hex, so deep-equality failures are readable. */
function hexed(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(hexed);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexed(x)]));
  return v;
}

function padToWords(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length & 3)) & 3)]);
}

function controlBody(datagram: Buffer): Buffer {
  return (decodePacket(datagram) as ControlPacket).body;
}

function isU32(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

describe('codec properties (fast-check, seeded)', function () {
  // CPU-bound runs of a few hundred cases: mocha's 2 s default is tight on a loaded machine.
  this.timeout(20_000);

  describe('packet header: decodePacket / encodeDataPacket / writeDataHeader / encodeControl', () => {
    it('decode(encodeDataPacket(h, p)) gives back h and p', () => {
      fc.assert(
        fc.property(dataPacket(), ({ header, payload }) => {
          const p = decodePacket(encodeDataPacket(header, payload)) as DataPacket;
          const { kind, payload: got, ...fields } = p;
          expect(kind).to.equal('data');
          expect(fields).to.deep.equal(header);
          expect(got.equals(payload)).to.equal(true);
        }),
        runs(300),
      );
    });

    it('fields wider than the wire are masked to their bit widths, never spill into neighbours', () => {
      const wide = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
      fc.assert(
        fc.property(
          fc.record({ seq: wide, position: wide, inOrder: fc.boolean(), keyFlags: wide, retransmitted: fc.boolean(), msgNo: wide, timestamp: wide, destId: wide }),
          (h: DataHeaderFields) => {
            const { kind, payload, ...fields } = decodePacket(encodeDataPacket(h, Buffer.alloc(0))) as DataPacket;
            expect(kind).to.equal('data');
            expect(fields).to.deep.equal({
              seq: h.seq & SEQ_MAX,
              position: h.position & 3,
              inOrder: h.inOrder,
              keyFlags: h.keyFlags & 3,
              retransmitted: h.retransmitted,
              msgNo: h.msgNo & MSGNO_MAX,
              timestamp: h.timestamp >>> 0,
              destId: h.destId >>> 0,
            });
          },
        ),
        runs(300),
      );
    });

    it('writeDataHeader writes exactly 16 bytes at its offset', () => {
      fc.assert(
        fc.property(dataPacket(), bytes(64), fc.nat(48), ({ header }, around, offset) => {
          const target = Buffer.concat([Buffer.alloc(offset, 0x5a), Buffer.alloc(HEADER_SIZE), around]);
          const before = Buffer.from(target);
          writeDataHeader(target, offset, header);
          expect(target.subarray(0, offset).equals(before.subarray(0, offset))).to.equal(true);
          expect(target.subarray(offset + HEADER_SIZE).equals(before.subarray(offset + HEADER_SIZE))).to.equal(true);
          expect(target.subarray(offset, offset + HEADER_SIZE).equals(encodeDataPacket(header, Buffer.alloc(0)))).to.equal(true);
        }),
        runs(200),
      );
    });

    it('decode(encodeControl(...)) gives back every field; an empty body comes back as one zero word', () => {
      fc.assert(
        fc.property(controlFields(), fc.boolean(), (c, empty) => {
          const body = empty ? Buffer.alloc(0) : c.body;
          const p = decodePacket(encodeControlFields({ ...c, body }));
          expect(p && p.kind).to.equal('control');
          if (!p || p.kind !== 'control') return;
          expect([p.type, p.subtype, p.typeInfo, p.timestamp, p.destId]).to.deep.equal([c.type, c.subtype, c.typeInfo, c.timestamp, c.destId]);
          expect(p.body.toString('hex')).to.equal((body.length > 0 ? body : Buffer.alloc(4)).toString('hex'));
        }),
        runs(300),
      );
    });

    it('encode(decode(bytes)) reproduces any datagram of 16+ bytes (a bare control header gains its padding word)', () => {
      fc.assert(
        fc.property(fc.oneof(randomDatagram, encodedPacket(), anyDatagram(7)), (b) => {
          const p = decodePacket(b);
          if (b.length < HEADER_SIZE) {
            expect(p).to.equal(null);
            return;
          }
          const again =
            p!.kind === 'data'
              ? encodeDataPacket(p!, p!.payload)
              : encodeControl(p!.type, p!.typeInfo, p!.timestamp, p!.destId, p!.body, p!.subtype);
          const want = p!.kind === 'control' && b.length === HEADER_SIZE ? Buffer.concat([b, Buffer.alloc(4)]) : b;
          expect(again.toString('hex')).to.equal(want.toString('hex'));
        }),
        runs(300),
      );
    });

    it('never throws on any datagram; null exactly below 16 bytes; fields within their widths', () => {
      fc.assert(
        fc.property(anyDatagram(0x1234), (b) => {
          const p = decodePacket(b);
          expect(p === null).to.equal(b.length < HEADER_SIZE);
          if (!p) return;
          expect(p.timestamp).to.satisfy(isU32);
          expect(p.destId).to.satisfy(isU32);
          if (p.kind === 'data') {
            expect(p.seq).to.be.within(0, SEQ_MAX);
            expect(p.msgNo).to.be.within(0, MSGNO_MAX);
            expect(p.position).to.be.within(0, 3);
            expect(p.keyFlags).to.be.within(0, 3);
            expect(p.payload.length).to.equal(b.length - HEADER_SIZE);
          } else {
            expect(p.type).to.be.within(0, 0x7fff);
            expect(p.subtype).to.be.within(0, 0xffff);
            expect(p.typeInfo).to.satisfy(isU32);
            expect(p.body.length).to.equal(b.length - HEADER_SIZE);
          }
        }),
        runs(500),
      );
    });
  });

  describe('ACK: decodeAck / encodeAck', () => {
    it('decode(encode(ack)) = ack, light and full', () => {
      fc.assert(
        fc.property(ackInfo(), (ack) => {
          expect(decodeAck(encodeAck(ack))).to.deep.equal(ack);
        }),
        runs(300),
      );
    });

    it('an ACK with some fields missing goes out light (no RTT) or full with the missing fields as 0', () => {
      const partial = fc.record(
        { lastAckSeq: seqNumber(), rtt: u32, rttVar: u32, availBuf: u32, pktRecvRate: u32, linkCapacity: u32, recvRate: u32 },
        { requiredKeys: ['lastAckSeq'] },
      );
      fc.assert(
        fc.property(partial, (ack) => {
          const fields = ['rtt', 'rttVar', 'availBuf', 'pktRecvRate', 'linkCapacity', 'recvRate'] as const;
          const want: AckInfo = { lastAckSeq: ack.lastAckSeq };
          if (ack.rtt !== undefined) for (const f of fields) want[f] = ack[f] ?? 0;
          expect(decodeAck(encodeAck(ack))).to.deep.equal(want);
        }),
        runs(200),
      );
    });

    it('encode(decode(bytes)) reproduces any 1-word or 7-word body whose first word has a clear MSB', () => {
      fc.assert(
        fc.property(fc.oneof(bytes(4, 4), bytes(28, 28)), (b) => {
          b[0] &= 0x7f;
          expect(encodeAck(decodeAck(b)!).toString('hex')).to.equal(b.toString('hex'));
        }),
        runs(200),
      );
    });

    it('never throws; null below one word; reads at most 7 words, the first as a 31-bit sequence', () => {
      fc.assert(
        fc.property(hostileBytes(ackInfo().map(encodeAck)), (b) => {
          const ack = decodeAck(b);
          expect(ack === null).to.equal(b.length < 4);
          if (!ack) return;
          expect(ack.lastAckSeq).to.be.within(0, SEQ_MAX);
          const present = Object.values(ack).filter((v) => v !== undefined);
          expect(present.length).to.equal(Math.min(7, b.length >>> 2));
          expect(present.every(isU32)).to.equal(true);
        }),
        runs(300),
      );
    });
  });

  describe('NAK loss list: decodeLossList / encodeLossList', () => {
    it('decode(encode(ranges)) = ranges: singles, reversed, wrapping and huge ranges alike', () => {
      fc.assert(
        fc.property(fc.oneof(lossRanges(), lossRanges(0x7fffffc0, 400)), (ranges) => {
          expect(decodeLossList(encodeLossList(ranges))).to.deep.equal(ranges);
        }),
        runs(200),
      );
    });

    it('maxWords keeps the longest prefix that fits, never splits a range, and marks range starts with the MSB', () => {
      fc.assert(
        fc.property(lossRanges(), fc.nat(140), (ranges, maxWords) => {
          const enc = encodeLossList(ranges, maxWords);
          expect(enc.length / 4).to.be.at.most(maxWords);
          const kept: SeqRange[] = [];
          let used = 0;
          for (const [a, b] of ranges) {
            const need = a === b ? 1 : 2;
            if (used + need > maxWords) break;
            kept.push([a, b]);
            used += need;
          }
          expect(enc.length).to.equal(used * 4);
          let off = 0;
          for (const [a, b] of kept) {
            if (a === b) {
              expect(enc.readUInt32BE(off)).to.equal(a);
              off += 4;
            } else {
              expect(enc.readUInt32BE(off)).to.equal((a | 0x80000000) >>> 0);
              expect(enc.readUInt32BE(off + 4)).to.equal(b);
              off += 8;
            }
          }
          expect(decodeLossList(enc)).to.deep.equal(kept);
        }),
        runs(300),
      );
    });

    it('encode(decode(bytes)) reproduces the words, except that a range of one (x|MSB, x) comes back as the single x', () => {
      const canonical = (b: Buffer): Buffer => {
        const out: number[] = [];
        for (let i = 0; i + 4 <= b.length; i += 4) {
          const w = b.readUInt32BE(i);
          const next = i + 8 <= b.length ? b.readUInt32BE(i + 4) : -1;
          if (w & 0x80000000 && next === (w & SEQ_MAX)) {
            out.push(next);
            i += 4;
          } else if (w & 0x80000000) {
            out.push(w, next);
            i += 4;
          } else {
            out.push(w);
          }
        }
        const buf = Buffer.alloc(out.length * 4);
        out.forEach((w, i) => buf.writeUInt32BE(w, i * 4));
        return buf;
      };
      const pairOfOne = seqNumber().map((a) => {
        const b = Buffer.alloc(8);
        b.writeUInt32BE((a | 0x80000000) >>> 0, 0);
        b.writeUInt32BE(a, 4);
        return b;
      });
      fc.assert(
        fc.property(fc.oneof(hostileLossListBytes, lossRanges().map((r) => encodeLossList(r)), pairOfOne), (b) => {
          const ranges = decodeLossList(b);
          if (ranges === null) return;
          expect(encodeLossList(ranges).toString('hex')).to.equal(canonical(b).toString('hex'));
        }),
        runs(300),
      );
    });

    it('never throws on hostile lists (dangling starts, 400 words, odd lengths); every value is a 31-bit sequence', () => {
      fc.assert(
        fc.property(fc.oneof(hostileLossListBytes, hostileBytes(lossRanges().map((r) => encodeLossList(r)))), (b) => {
          const ranges = decodeLossList(b);
          if (ranges === null) return;
          for (const [a, z] of ranges) {
            expect(a).to.be.within(0, SEQ_MAX);
            expect(z).to.be.within(0, SEQ_MAX);
          }
        }),
        runs(300),
      );
    });
  });

  describe('DROPREQ: decodeDropReq / encodeDropReq', () => {
    it('decode(encode(first, last)) = [first, last]', () => {
      fc.assert(
        fc.property(seqRange(), ([a, b]) => {
          expect(decodeDropReq(encodeDropReq(a, b))).to.deep.equal([a, b]);
        }),
        runs(200),
      );
    });

    it('encode(decode(bytes)) reproduces the first two words with their MSBs cleared; null below 8 bytes', () => {
      fc.assert(
        fc.property(hostileBytes(seqRange().map(([a, b]) => encodeDropReq(a, b))), (b) => {
          const r = decodeDropReq(b);
          expect(r === null).to.equal(b.length < 8);
          if (!r) return;
          const want = Buffer.from(b.subarray(0, 8));
          want[0] &= 0x7f;
          want[4] &= 0x7f;
          expect(encodeDropReq(r[0], r[1]).toString('hex')).to.equal(want.toString('hex'));
        }),
        runs(300),
      );
    });
  });

  describe('handshake: decodeHandshake / encodeHandshake', () => {
    /** What the wire carries of a handshake: the peer IP field is 16 bytes, extension bodies whole words. */
    const onTheWire = (hs: Handshake) => ({
      ...hs,
      peerIp: Buffer.concat([hs.peerIp, Buffer.alloc(16)]).subarray(0, 16),
      extensions: hs.extensions.map((e) => ({ type: e.type, body: padToWords(e.body) })),
    });

    it('decode(encode(hs)) = hs, with extension blocks of every type', () => {
      fc.assert(
        fc.property(handshake, (hs) => {
          expect(hexed(decodeHandshake(encodeHandshake(hs)))).to.deep.equal(hexed(onTheWire(hs)));
        }),
        runs(300),
      );
    });

    it('extension bodies that are not whole words come back zero-padded', () => {
      const odd = fc.array(fc.record({ type: u16, body: bytes(41) }), { maxLength: 5 });
      fc.assert(
        fc.property(handshake, odd, (hs, extensions) => {
          const h = { ...hs, extensions };
          expect(hexed(decodeHandshake(encodeHandshake(h)))).to.deep.equal(hexed(onTheWire(h)));
        }),
        runs(200),
      );
    });

    it('encode(decode(bytes)) reproduces any decodable body (bar a trailing partial word)', () => {
      fc.assert(
        fc.property(fc.oneof(hostileBytes(handshake.map(encodeHandshake)), lyingHandshakeBody), (b) => {
          const hs = decodeHandshake(b);
          if (!hs) return;
          expect(encodeHandshake(hs).toString('hex')).to.equal(b.subarray(0, b.length & ~3).toString('hex'));
        }),
        runs(300),
      );
    });

    it('never throws, even when a block length points past the end; blocks exactly tile the body', () => {
      fc.assert(
        fc.property(fc.oneof(lyingHandshakeBody, hostileBytes(handshake.map(encodeHandshake))), (b) => {
          const hs = decodeHandshake(b);
          if (b.length < HS_CIF_SIZE) expect(hs).to.equal(null);
          if (!hs) return;
          expect(hs.peerIp.length).to.equal(16);
          const tiled = hs.extensions.reduce((n, e) => n + 4 + e.body.length, HS_CIF_SIZE);
          expect(tiled).to.equal(b.length & ~3);
          for (const e of hs.extensions) expect(e.type).to.be.within(0, 0xffff);
        }),
        runs(400),
      );
    });
  });

  describe('HSREQ / HSRSP: decodeSrtHs / encodeSrtHs', () => {
    it('decode(encode(x)) = x', () => {
      fc.assert(
        fc.property(srtHsBody, (x) => {
          expect(decodeSrtHs(encodeSrtHs(x))).to.deep.equal(x);
        }),
        runs(200),
      );
    });

    it('encode(decode(bytes)) reproduces the first 12 bytes; null below 12; never throws', () => {
      fc.assert(
        fc.property(hostileBytes(srtHsBody.map(encodeSrtHs)), (b) => {
          const x = decodeSrtHs(b);
          expect(x === null).to.equal(b.length < 12);
          if (x) expect(encodeSrtHs(x).toString('hex')).to.equal(b.subarray(0, 12).toString('hex'));
        }),
        runs(200),
      );
    });
  });

  describe('string extensions: encodeHsString / decodeHsString', () => {
    /** The wire carries UTF-8 (lone surrogates become U+FFFD) padded with NULs, so trailing NULs are lost. */
    const carried = (s: string) => Buffer.from(s, 'utf8').toString('utf8').replace(/\0+$/, '');

    it('decode(encode(s)) = s without its trailing NULs; the body is whole words', () => {
      fc.assert(
        fc.property(fc.oneof(hsString, fc.string({ unit: 'binary', maxLength: 64 }).map((s) => s + '\0'.repeat(s.length % 5))), (s) => {
          const enc = encodeHsString(s);
          expect(enc.length % 4).to.equal(0);
          expect(enc.length - Buffer.byteLength(s)).to.be.within(0, 3);
          expect(decodeHsString(enc)).to.equal(carried(s));
        }),
        runs(300),
      );
    });

    it('never throws on any body, and what it decodes survives another encode/decode', () => {
      fc.assert(
        fc.property(hostileBytes(hsString.map(encodeHsString)), (b) => {
          const s = decodeHsString(b);
          expect(decodeHsString(encodeHsString(s))).to.equal(s);
        }),
        runs(300),
      );
    });
  });

  describe('peer IP: encodePeerIp / decodePeerIp', () => {
    it('encode(decode(field)) reproduces any 16-byte field', () => {
      fc.assert(
        fc.property(bytes(16, 16), (f) => {
          expect(encodePeerIp(decodePeerIp(f)).toString('hex')).to.equal(f.toString('hex'));
        }),
        runs(300),
      );
    });

    it('decode(encode(a)) = a for dotted IPv4', () => {
      fc.assert(
        fc.property(ipv4Text, (a) => {
          expect(decodePeerIp(encodePeerIp(a))).to.equal(a);
        }),
        runs(200),
      );
    });

    it('IPv6 in every textual form encodes its 16 bytes (an ::ffff:a.b.c.d peer as plain IPv4)', () => {
      const reversedWords = (b: Buffer) => Buffer.concat([0, 4, 8, 12].map((i) => Buffer.from(b.subarray(i, i + 4)).reverse()));
      fc.assert(
        fc.property(ipv6Case, ({ text, bytes: addr }) => {
          expect(net.isIPv6(text.replace(/%.*$/, '')), text).to.equal(true);
          const mappedV4 = /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(text); // how Node prints an IPv4 peer of a dual-stack socket
          const want = mappedV4 ? Buffer.concat([addr.subarray(12), Buffer.alloc(12)]) : addr;
          expect(encodePeerIp(text).toString('hex'), text).to.equal(reversedWords(want).toString('hex'));
        }),
        runs(400),
      );
    });

    it('decodePeerIp never throws and always prints a valid address', () => {
      fc.assert(
        fc.property(fc.oneof(bytes(16, 16), bytes(40)), (f) => {
          expect(net.isIP(decodePeerIp(f))).to.not.equal(0);
        }),
        runs(300),
      );
    });
  });

  describe('KM message: decodeKm / encodeKm, encodeKmState / decodeKmState', () => {
    /** The bytes encodeKm writes for what decodeKm read: reserved bits zero, no block padding. */
    const canonicalKm = (b: Buffer, km: KmMessage): Buffer => {
      const out = Buffer.from(b.subarray(0, 16 + km.salt.length + km.wrapped.length));
      out[3] &= 0x3;
      out.fill(0, 4, 8); // KEKI
      out.fill(0, 11, 14); // reserved
      return out;
    };

    it('decode(encode(m)) = m', () => {
      fc.assert(
        fc.property(kmMessage, (m) => {
          expect(hexed(decodeKm(encodeKm(m)))).to.deep.equal(hexed(m));
        }),
        runs(300),
      );
    });

    it('encode(decode(bytes)) reproduces every byte decodeKm reads', () => {
      fc.assert(
        fc.property(fc.oneof(hostileKmBytes, hostileBytes(kmMessage.map(encodeKm))), (b) => {
          const km = decodeKm(b);
          if (km) expect(encodeKm(km).toString('hex')).to.equal(canonicalKm(b, km).toString('hex'));
        }),
        runs(400),
      );
    });

    it('never throws; what it accepts is consistent and does not alias the datagram', () => {
      fc.assert(
        fc.property(fc.oneof(hostileKmBytes, hostileBytes(kmMessage.map(encodeKm))), (b) => {
          const km = decodeKm(b);
          if (!km) return;
          expect(km.keys).to.be.within(1, 3);
          expect([16, 24, 32]).to.include(km.keyLen);
          expect([4, 8, 12, 16]).to.include(km.salt.length);
          expect(km.wrapped.length).to.equal((km.keys === 3 ? 2 : 1) * km.keyLen + 8);
          const salt = km.salt.toString('hex');
          b.fill(0xee);
          expect(km.salt.toString('hex')).to.equal(salt);
        }),
        runs(300),
      );
    });

    it('KM state word: decode(encode(s)) = s; encode(decode(bytes)) reproduces the first word; never throws', () => {
      fc.assert(
        fc.property(kmState, (s) => {
          expect(decodeKmState(encodeKmState(s))).to.equal(s);
        }),
        runs(200),
      );
      fc.assert(
        fc.property(bytes(12), (b) => {
          const s = decodeKmState(b);
          expect(s === null).to.equal(b.length < 4);
          if (s !== null) expect(encodeKmState(s).toString('hex')).to.equal(b.subarray(0, 4).toString('hex'));
        }),
        runs(200),
      );
    });
  });

  describe('stream ID: parseStreamIdKeys', () => {
    it('never throws; null exactly when the #!:: prefix is missing; never touches Object.prototype', () => {
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
      fc.assert(
        fc.property(streamIdText, (s) => {
          const keys = parseStreamIdKeys(s);
          expect(keys === null).to.equal(!s.startsWith('#!::'));
          if (keys) expect([Object.prototype, null]).to.include(Object.getPrototypeOf(keys));
          expect(Object.getOwnPropertyNames(Object.prototype).join()).to.equal(prototypeKeys);
        }),
        runs(300),
      );
    });

    it('every key=value comes back, the last one winning', () => {
      fc.assert(
        fc.property(streamIdPairs, (pairs) => {
          const keys = parseStreamIdKeys('#!::' + pairs.map(([k, v]) => `${k}=${v}`).join(','))!;
          const want = new Map(pairs);
          // A '__proto__' key can only be held by a null-prototype result.
          const ordinary = Object.getPrototypeOf(keys) !== null;
          if (ordinary) want.delete('__proto__');
          expect(Object.keys(keys).sort()).to.deep.equal([...want.keys()].sort());
          for (const [k, v] of want) expect(keys[k], k).to.equal(v);
        }),
        runs(300),
      );
    });
  });

  describe('srt-pipe URI: parseUri', () => {
    it('throws only UsageError, on any string', () => {
      fc.assert(
        fc.property(uriText, (s) => {
          let parsed;
          try {
            parsed = parseUri(s);
          } catch (e) {
            expect(e).to.be.instanceOf(UsageError);
            return;
          }
          expect(parsed.raw).to.equal(s);
          if (parsed.scheme === 'srt' || parsed.scheme === 'udp' || parsed.scheme === 'tcp') {
            expect(parsed.port).to.be.within(0, 65535);
            for (const p of parsed.params) expect([typeof p.key, typeof p.value]).to.deep.equal(['string', 'string']);
          }
        }),
        runs(500),
      );
    });

    it('a well-formed srt:// URI gives back its host, port and %-encoded parameters (keys lower-cased)', () => {
      const host = fc.oneof(ipv4Text, ipv6Case.map((c) => `[${c.text}]`), fc.domain(), fc.constant(''));
      const param = fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 24 }));
      fc.assert(
        fc.property(host, fc.integer({ min: 0, max: 65535 }), fc.array(param, { maxLength: 5 }), fc.boolean(), (h, port, params, slash) => {
          const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          const raw = `srt://${h}:${port}${slash ? '/' : ''}${query ? '?' + query : ''}`;
          const u = parseUri(raw);
          expect(u).to.deep.include({ scheme: 'srt', host: h.replace(/^\[(.*)\]$/, '$1'), port, raw });
          expect(u.scheme === 'srt' && u.params).to.deep.equal(params.map(([key, value]) => ({ key: key.toLowerCase(), value })));
          expect(parseQuery(query)).to.deep.equal(params.map(([key, value]) => ({ key: key.toLowerCase(), value })));
        }),
        runs(200),
      );
    });
  });

  describe('hostile packets for a connection (the generator itself)', () => {
    it('every kind decodes as what it claims, addressed to the given socket ID', () => {
      const addressed = fc
        .tuple(u32, fc.option(seqNumber()))
        .chain(([destId, around]) => hostilePacketCase(destId, around ?? undefined).map((c) => ({ destId, ...c })));
      const seen = new Set<string>();
      fc.assert(
        fc.property(addressed, ({ destId, kind, bytes: b }) => {
          seen.add(kind);
          expect(b.length).to.be.at.most(MAX_DATAGRAM);
          const p = decodePacket(b)!;
          expect(p.destId, kind).to.equal(destId);
          if (kind === 'data' || kind === 'fec') {
            expect(p.kind).to.equal('data');
            if (kind === 'fec' && p.kind === 'data') expect(p.msgNo).to.equal(0);
            return;
          }
          if (p.kind !== 'control') throw new Error(`${kind} decoded as data`);
          const type = {
            ack: ControlType.ACK,
            nak: ControlType.NAK,
            dropreq: ControlType.DROPREQ,
            ackack: ControlType.ACKACK,
            keepalive: ControlType.KEEPALIVE,
            shutdown: ControlType.SHUTDOWN,
            kmreq: ControlType.EXT,
            kmrsp: ControlType.EXT,
            handshake: ControlType.HANDSHAKE,
          }[kind];
          expect(p.type, kind).to.equal(type);
          if (kind === 'kmreq') expect(p.subtype).to.equal(ExtType.KMREQ);
          if (kind === 'kmrsp') expect(p.subtype).to.equal(ExtType.KMRSP);
          if (kind === 'ack') expect(decodeAck(p.body)).to.not.equal(null);
          if (kind === 'nak') expect(decodeLossList(p.body)).to.have.length.greaterThan(0);
          if (kind === 'dropreq') expect(decodeDropReq(p.body)).to.not.equal(null);
          if (kind === 'handshake') expect(p.body.length).to.be.at.least(HS_CIF_SIZE);
        }),
        runs(400),
      );
      expect([...seen].sort()).to.deep.equal([...HOSTILE_KINDS].sort());
    });

    it('sequence numbers cluster around the hint (across the 2^31 wrap) and also land far away', () => {
      const around = SEQ_MAX - 10;
      const seqs = fc
        .sample(hostilePacketCase(42, around, ['data']), { seed: SEED, numRuns: 400 })
        .map((c) => (decodePacket(c.bytes) as DataPacket).seq);
      const distance = (s: number) => Math.min((s - around) & SEQ_MAX, (around - s) & SEQ_MAX);
      const near = seqs.filter((s) => distance(s) <= 64);
      expect(near.length).to.be.greaterThan(seqs.length / 4);
      expect(near.some((s) => s < around - 64 || s > around)).to.equal(true); // both sides, wrapped ones included
      expect(seqs.some((s) => s < 64)).to.equal(true);
      expect(seqs.some((s) => distance(s) > 1 << 20)).to.equal(true);
    });

    it('ACK carries 0xFFFFFFFF RTTs and NAKs carry reversed and wrapping ranges', () => {
      const sample = fc.sample(hostilePacketCase(1, 1000, ['ack', 'nak']), { seed: SEED, numRuns: 400 });
      const acks = sample.filter((c) => c.kind === 'ack').map((c) => decodeAck(controlBody(c.bytes))!);
      expect(acks.some((a) => a.rtt === 0xffffffff)).to.equal(true);
      expect(acks.some((a) => a.rtt === undefined)).to.equal(true);
      const ranges = sample
        .filter((c) => c.kind === 'nak')
        .flatMap((c) => decodeLossList(controlBody(c.bytes))!);
      expect(ranges.some(([a, b]) => a > b)).to.equal(true);
      expect(ranges.some(([a, b]) => a > SEQ_MAX - 100 && b < 100)).to.equal(true);
      expect(ranges.some(([a, b]) => b - a >= 1 << 20)).to.equal(true);
    });
  });

  describe('regressions found by these properties', () => {
    it('decodePeerIp of a field shorter than 16 bytes reads it zero-filled instead of throwing RangeError', () => {
      expect(decodePeerIp(Buffer.alloc(0))).to.equal('0.0.0.0');
      expect(decodePeerIp(Buffer.from([1, 0, 0, 127]))).to.equal('127.0.0.1');
      expect(decodePeerIp(Buffer.from('b80d0120010000000000', 'hex'))).to.equal('2001:db8:0:1:0:0:0:0');
    });

    it('decodeKmState of a body shorter than one word is null instead of throwing RangeError', () => {
      expect(decodeKmState(Buffer.alloc(0))).to.equal(null);
      expect(decodeKmState(Buffer.from([4, 0, 0]))).to.equal(null);
      expect(decodeKmState(Buffer.from([4, 0, 0, 0]))).to.equal(4); // BADSECRET
    });

    it('encodePeerIp reads a dotted IPv4 tail as the last two groups, not as hex "1"', () => {
      // fast-check's counterexample; Node prints IPv4-compatible addresses this way (::a.b.c.d).
      expect(decodePeerIp(encodePeerIp('0:0:0:0:0:0:0.1.0.0'))).to.equal('0:0:0:0:0:0:1:0');
      expect(encodePeerIp('::1.2.3.4').toString('hex')).to.equal('0'.repeat(24) + '04030201');
      expect(decodePeerIp(encodePeerIp('64:ff9b::192.0.2.33'))).to.equal('64:ff9b:0:0:0:0:c000:221');
      expect(encodePeerIp('::1.2.3.256').equals(Buffer.alloc(16))).to.equal(true);
    });

    it('encodePeerIp refuses a hex group with trailing garbage instead of encoding its prefix', () => {
      expect(encodePeerIp('2001:db8::12zz').equals(Buffer.alloc(16))).to.equal(true);
      expect(encodePeerIp('2001:db8::-1').equals(Buffer.alloc(16))).to.equal(true);
    });
  });
});
