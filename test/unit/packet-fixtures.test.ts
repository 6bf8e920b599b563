/**
 * Every datagram of every libsrt 1.5.1 capture must decode, agree with
 * Wireshark's reading, and re-encode to the exact captured bytes.
 */
import { expect } from 'chai';
import {
  ControlPacket,
  ControlType,
  DataPacket,
  ExtType,
  HEADER_SIZE,
  Position,
  SeqRange,
  decodeAck,
  decodeLossList,
  decodePacket,
  encodeAck,
  encodeControl,
  encodeLossList,
  writeDataHeader,
} from '../../src/protocol/packet';
import { decodeHandshake, encodeHandshake } from '../../src/protocol/handshake-packet';
import { CAPTURES, CapturedDatagram, loadCapture, loadControlDissection } from '../support/fixtures';

const CONTROL_NAMES: Record<string, number> = {
  HANDSHAKE: ControlType.HANDSHAKE,
  KEEPALIVE: ControlType.KEEPALIVE,
  ACK: ControlType.ACK,
  LOSSREPORT: ControlType.NAK,
  CGWARNING: ControlType.CGWARNING,
  SHUTDOWN: ControlType.SHUTDOWN,
  ACKACK: ControlType.ACKACK,
  DROPREQ: ControlType.DROPREQ,
  PEERERROR: ControlType.PEERERROR,
  EXT: ControlType.EXT,
};
const EXT_NAMES: Record<string, number> = {
  HSREQ: ExtType.HSREQ,
  HSRSP: ExtType.HSRSP,
  KMREQ: ExtType.KMREQ,
  KMRSP: ExtType.KMRSP,
};

/** What Wireshark's one-liner says; the formats seen in the captures. */
type WsLine =
  | { kind: 'data'; seq: number; msgNo: number; socket: number }
  | { kind: 'control'; type: number; subtype: number; number?: number; ackSeq?: number; socket: number };

function parseWireshark(s: string): WsLine {
  let m = /^DATA: seqno: (\d+)\s+msgno: (\d+)\s+socket: 0x([0-9a-f]+)$/.exec(s);
  if (m) return { kind: 'data', seq: +m[1], msgNo: +m[2], socket: parseInt(m[3], 16) };
  m = /^Control: UMSG_([A-Z_]+)(?: (\d+))?(?: ackseq: (\d+))?\s+socket: 0x([0-9a-f]+)$/.exec(s);
  if (m) {
    const type = CONTROL_NAMES[m[1]];
    if (type === undefined) throw new Error(`unknown control name in ${JSON.stringify(s)}`);
    return {
      kind: 'control',
      type,
      subtype: 0,
      number: m[2] === undefined ? undefined : +m[2],
      ackSeq: m[3] === undefined ? undefined : +m[3],
      socket: parseInt(m[4], 16),
    };
  }
  m = /^Control\/ext: SRT_CMD_([A-Z]+)\s+socket: 0x([0-9a-f]+)$/.exec(s);
  if (m && EXT_NAMES[m[1]] !== undefined) {
    return { kind: 'control', type: ControlType.EXT, subtype: EXT_NAMES[m[1]], socket: parseInt(m[2], 16) };
  }
  throw new Error(`unparsed wireshark line ${JSON.stringify(s)}`);
}

function where(name: string, d: CapturedDatagram): string {
  return `${name}#${d.index} (${d.wireshark})`;
}

function reencode(p: DataPacket | ControlPacket): Buffer {
  if (p.kind === 'data') {
    const buf = Buffer.alloc(HEADER_SIZE + p.payload.length);
    writeDataHeader(buf, 0, p);
    p.payload.copy(buf, HEADER_SIZE);
    return buf;
  }
  return encodeControl(p.type, p.typeInfo, p.timestamp, p.destId, p.body, p.subtype);
}

function controls(name: string, type: number): { d: CapturedDatagram; p: ControlPacket }[] {
  const out: { d: CapturedDatagram; p: ControlPacket }[] = [];
  for (const d of loadCapture(name)) {
    const p = decodePacket(d.bytes);
    if (p && p.kind === 'control' && p.type === type) out.push({ d, p });
  }
  return out;
}

describe('packet codec against libsrt 1.5.1 captures', () => {
  for (const name of CAPTURES) {
    describe(name, () => {
      it('decodes every datagram; kind, type, seq, msgno, numbers and socket agree with Wireshark', () => {
        const caps = loadCapture(name);
        expect(caps.length).to.be.greaterThan(0);
        for (const d of caps) {
          const p = decodePacket(d.bytes);
          const at = where(name, d);
          expect(p, at).to.not.equal(null);
          const ws = parseWireshark(d.wireshark);
          expect(p!.kind, at).to.equal(ws.kind);
          expect(p!.destId, at).to.equal(ws.socket);
          if (p!.kind === 'data' && ws.kind === 'data') {
            expect(p!.seq, at).to.equal(ws.seq);
            expect(p!.msgNo, at).to.equal(ws.msgNo);
            // libsrt live and file both send one message per packet (PP=11).
            expect(p!.position, at).to.equal(Position.SOLO);
          } else if (p!.kind === 'control' && ws.kind === 'control') {
            expect(p!.type, at).to.equal(ws.type);
            expect(p!.subtype, at).to.equal(ws.subtype);
            if (ws.number !== undefined) expect(p!.typeInfo, at).to.equal(ws.number);
            if (ws.ackSeq !== undefined) expect(decodeAck(p!.body)!.lastAckSeq, at).to.equal(ws.ackSeq);
          }
        }
      });

      it('re-encodes every packet to the exact captured bytes', () => {
        for (const d of loadCapture(name)) {
          const p = decodePacket(d.bytes)!;
          expect(reencode(p).equals(d.bytes), where(name, d)).to.equal(true);
        }
      });

      it('re-encodes every handshake body via encodeHandshake(decodeHandshake(body))', () => {
        const hs = controls(name, ControlType.HANDSHAKE);
        expect(hs.length).to.be.greaterThan(0);
        for (const { d, p } of hs) {
          const h = decodeHandshake(p.body);
          expect(h, where(name, d)).to.not.equal(null);
          const body = encodeHandshake(h!);
          expect(body.toString('hex'), where(name, d)).to.equal(p.body.toString('hex'));
          const whole = encodeControl(ControlType.HANDSHAKE, p.typeInfo, p.timestamp, p.destId, body);
          expect(whole.equals(d.bytes), where(name, d)).to.equal(true);
        }
      });

      it('decodes and re-encodes every ACK body (light 1-word, full 7-word)', () => {
        for (const { d, p } of controls(name, ControlType.ACK)) {
          const at = where(name, d);
          // The captures hold only light (4 B) and full (28 B) ACKs.
          expect([4, 28], at).to.include(p.body.length);
          const ack = decodeAck(p.body)!;
          expect(ack, at).to.not.equal(null);
          if (p.body.length === 4) {
            expect(p.typeInfo, `${at}: a light ACK carries ACK number 0`).to.equal(0);
            expect(ack.rtt, at).to.equal(undefined);
          } else {
            expect(p.typeInfo, at).to.be.greaterThan(0);
            expect(ack.recvRate, at).to.be.a('number');
          }
          expect(encodeAck(ack).toString('hex'), at).to.equal(p.body.toString('hex'));
        }
      });

      it('sends 4-byte zero bodies in KEEPALIVE, SHUTDOWN and ACKACK', () => {
        for (const type of [ControlType.KEEPALIVE, ControlType.SHUTDOWN, ControlType.ACKACK]) {
          for (const { d, p } of controls(name, type)) {
            expect(p.body.toString('hex'), where(name, d)).to.equal('00000000');
            if (type !== ControlType.ACKACK) expect(p.typeInfo, where(name, d)).to.equal(0);
          }
        }
      });
    });
  }

  describe('ACK fields', () => {
    it('live-plain: the full ACK matches the Wireshark dissection field by field', () => {
      const [{ p }] = controls('live-plain', ControlType.ACK);
      expect(p.typeInfo).to.equal(1);
      expect(decodeAck(p.body)).to.deep.equal({
        lastAckSeq: 1877960443, // ISN 1877960438 + 5 data packets: exclusive
        rtt: 100000, // libsrt's initial 100 ms / 50 ms: no ACKACK seen yet
        rttVar: 50000,
        availBuf: 8186,
        pktRecvRate: 1,
        linkCapacity: 1000,
        recvRate: 1374,
      });
    });

    it('file-mode: a light ACK (ACK number 0, one word) between full ACKs', () => {
      const light = controls('file-mode', ControlType.ACK).filter(({ p }) => p.body.length === 4);
      expect(light).to.have.length(1);
      expect(light[0].p.typeInfo).to.equal(0);
      expect(decodeAck(light[0].p.body)).to.deep.equal({ lastAckSeq: 1886665740 });
    });

    it('every ACKACK echoes the number of an earlier full ACK', () => {
      for (const name of CAPTURES) {
        const acked = new Set<number>();
        for (const d of loadCapture(name)) {
          const p = decodePacket(d.bytes)!;
          if (p.kind !== 'control') continue;
          if (p.type === ControlType.ACK && p.typeInfo !== 0) acked.add(p.typeInfo);
          if (p.type === ControlType.ACKACK) expect(acked.has(p.typeInfo), where(name, d)).to.equal(true);
        }
      }
    });
  });

  describe('NAK loss lists (loss capture)', () => {
    const naks = () => controls('loss', ControlType.NAK);

    it('decodes every NAK and re-encodes it byte-exact', () => {
      let singles = 0;
      let ranges = 0;
      let pairs = 0;
      for (const { d, p } of naks()) {
        const list = decodeLossList(p.body);
        expect(list, where('loss', d)).to.not.equal(null);
        expect(list!.length, where('loss', d)).to.be.greaterThan(0);
        for (const [a, b] of list!) {
          if (a === b) singles++;
          else ranges++;
          if (b === a + 1) pairs++;
          expect(b, where('loss', d)).to.be.at.least(a);
        }
        expect(encodeLossList(list!).toString('hex'), where('loss', d)).to.equal(p.body.toString('hex'));
      }
      expect(singles, 'single-seq entries').to.be.greaterThan(0);
      expect(ranges, 'range entries').to.be.greaterThan(0);
      // libsrt codes two consecutive losses as a range, not as two singles.
      expect(pairs, '2-long ranges').to.be.greaterThan(0);
    });

    it('matches the Wireshark dissection for known NAKs (range, 2-long range, singles)', () => {
      const byTs = new Map(naks().map(({ p }) => [p.timestamp, p]));
      const expectList = (ts: number, want: SeqRange[]) => {
        const p = byTs.get(ts);
        expect(p, `NAK with timestamp ${ts}`).to.not.equal(undefined);
        expect(decodeLossList(p!.body)).to.deep.equal(want);
      };
      // Values read from loss.control.txt ("Loss sequence range: a-b" / "Loss sequence: a").
      expectList(327041, [[910168427, 910168431]]); // b640116b 3640116f
      expectList(1236331, [[910168521, 910168522]]); // b64011c9 364011ca: two losses, range-coded
      expectList(626331, [[910168430, 910168430], [910168447, 910168447]]);
    });

    it('agrees with every NAK in loss.control.txt (when ../shared/fixtures is present)', function () {
      const text = loadControlDissection('loss');
      if (!text) this.skip();
      // One block per SRT packet; keep only the loss reports, in capture order.
      const blocks = text!.split(/^SRT Protocol$/m).slice(1).filter((b) => /Msg Type: UMSG_LOSSREPORT/.test(b));
      const ours = naks();
      expect(blocks.length).to.equal(ours.length);
      blocks.forEach((b, i) => {
        const ts = +/Time Stamp: (\d+)/.exec(b)![1];
        const want: SeqRange[] = [];
        for (const m of b.matchAll(/^ {4}Loss sequence(?: range)?: (\d+)(?:-(\d+))?$/gm)) {
          want.push([+m[1], m[2] === undefined ? +m[1] : +m[2]]);
        }
        expect(ours[i].p.timestamp, `NAK #${i}`).to.equal(ts);
        expect(decodeLossList(ours[i].p.body), `NAK #${i} ts ${ts}`).to.deep.equal(want);
      });
    });

    it('every retransmission (R flag) answers an earlier NAK', () => {
      const reported = new Set<number>();
      let rexmits = 0;
      for (const d of loadCapture('loss')) {
        const p = decodePacket(d.bytes)!;
        if (p.kind === 'control' && p.type === ControlType.NAK) {
          for (const [a, b] of decodeLossList(p.body)!) for (let s = a; s <= b; s++) reported.add(s);
        } else if (p.kind === 'data' && p.retransmitted) {
          rexmits++;
          expect(reported.has(p.seq), where('loss', d)).to.equal(true);
        }
      }
      expect(rexmits).to.be.greaterThan(0);
    });
  });

  describe('data header bits', () => {
    const dataOf = (name: string) =>
      loadCapture(name)
        .map((d) => decodePacket(d.bytes))
        .filter((p): p is DataPacket => p !== null && p.kind === 'data');

    it('plain live data: solo, not in-order, clear, msgno counting from 1', () => {
      const data = dataOf('live-plain');
      expect(data.map((p) => p.msgNo)).to.deep.equal([1, 2, 3, 4, 5]);
      for (const p of data) {
        expect(p.inOrder).to.equal(false);
        expect(p.keyFlags).to.equal(0);
        expect(p.retransmitted).to.equal(false);
        expect(p.payload.length).to.equal(1456);
      }
    });

    it('live-plain payloads concatenate to the generator stream', () => {
      const stream = Buffer.concat(dataOf('live-plain').map((p) => p.payload));
      for (let off = 0; off < stream.length; off++) {
        const i = Math.floor(off / 188);
        const k = off % 188;
        const want = k === 0 ? 0x47 : k <= 4 ? (i >>> (8 * (4 - k))) & 0xff : (i + k) & 0xff;
        if (stream[off] !== want) expect.fail(`byte ${off}: ${stream[off]} != ${want}`);
      }
    });

    it('aes128 data switches from the even key (KK=1) to the odd key (KK=2)', () => {
      const kk = dataOf('live-aes128').map((p) => p.keyFlags);
      expect(kk[0]).to.equal(1);
      expect(kk).to.include(2);
      expect(kk).to.not.include(0);
    });

    it('ffmpeg sets the O (in-order) flag that srt-live-transmit leaves clear', () => {
      const data = dataOf('ffmpeg-caller');
      expect(data.length).to.equal(8);
      for (const p of data) expect(p.inOrder).to.equal(true);
      // pkt_size=1316: whole TS packets, at most 7 x 188 (752 and 376 occur too).
      for (const p of data) {
        expect(p.payload.length % 188).to.equal(0);
        expect(p.payload.length).to.be.at.most(1316);
      }
      expect(data[0].payload.length).to.equal(1316);
    });
  });
});
