/**
 * Packet-filter configuration: parsing and checks as libsrt's SrtParseConfig and
 * FECFilterBuiltin::verifyConfig, merging as CheckFilterCompat / checkApplyFilterConfig,
 * and the FILTER handshake block between CallerHandshake and the responder functions.
 */
import { expect } from 'chai';
import {
  CallerHandshake,
  HandshakeConfig,
  HandshakeRejection,
  inductionResponse,
  negotiateAsResponder,
  parseConclusionRequest,
} from '../../src/protocol/handshake';
import { decodeHandshake, decodeHsString, encodeHandshake, encodeHsString, findExtension, HsExt, HsExtFlag, SrtFlag } from '../../src/protocol/handshake-packet';
import {
  fecConfigOf,
  filterMaxPayload,
  formatFilterConfig,
  negotiateFilter,
  parseFilterConfig,
  unusableFilter,
} from '../../src/protocol/packet-filter-config';
import { RejectReason } from '../../src/protocol/reject-reason';
import { resolveOptions } from '../../src/net/options';

function errorOf(s: string): string | undefined {
  const r = parseFilterConfig(s);
  return r.ok ? undefined : r.error;
}

describe('packet filter configuration (SRTO_PACKETFILTER)', () => {
  describe('parsing and checks, as libsrt', () => {
    it('reads the type and KEY:VALUE pairs; an empty value drops the key', () => {
      const r = parseFilterConfig('fec,cols:10,layout:staircase,arq:onreq,rows:');
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.config.type).to.equal('fec');
      expect(Object.fromEntries(r.config.params)).to.deep.equal({ cols: '10', layout: 'staircase', arq: 'onreq' });
    });

    it('accepts the documented forms: grid, row-only (rows:1), columns-only (rows < -1), bare "fec"', () => {
      for (const s of ['fec,cols:10,rows:5', 'fec,cols:10,rows:1', 'fec,cols:10,rows:-5,layout:staircase', 'fec', 'fec,cols:2,arq:never,layout:even']) {
        expect(errorOf(s), s).to.equal(undefined);
      }
    });

    it('refuses what verifyConfig refuses: cols < 2, rows in [-1, 0], unknown layout / arq / keys', () => {
      expect(errorOf('fec,cols:1')).to.match(/'cols' must be > 1/);
      expect(errorOf('fec,cols:abc')).to.match(/'cols'/); // atoi reads 0
      expect(errorOf('fec,cols:10,rows:0')).to.match(/'rows'/);
      expect(errorOf('fec,cols:10,rows:-1')).to.match(/'rows'/);
      expect(errorOf('fec,cols:10,layout:odd')).to.match(/'layout'/);
      expect(errorOf('fec,cols:10,arq:sometimes')).to.match(/'arq'/);
      expect(errorOf('fec,cols:10,depth:3')).to.match(/unknown parameter 'depth'/);
    });

    it('refuses another filter type, a malformed pair, an empty string and more than 64 bytes', () => {
      expect(errorOf('rs,cols:10')).to.match(/unknown filter type "rs"/);
      expect(errorOf('')).to.match(/unknown filter type ""/);
      expect(errorOf('fec,cols')).to.match(/not KEY:VALUE/);
      expect(errorOf('fec,cols:10:2')).to.match(/not KEY:VALUE/);
      expect(errorOf('fec,,cols:10')).to.match(/not KEY:VALUE/);
      expect(errorOf(`fec,cols:10,rows:${'1'.repeat(50)}`)).to.match(/longer than 64 bytes/);
    });

    it('formats as libsrt stores a merged configuration: keys sorted', () => {
      const r = parseFilterConfig('fec,rows:5,cols:10');
      expect(r.ok && formatFilterConfig(r.config)).to.equal('fec,cols:10,rows:5');
    });
  });

  describe('merge (checkApplyFilterConfig)', () => {
    it("responder with none takes the initiator's string as it is", () => {
      expect(negotiateFilter('responder', '', 'fec,rows:5,cols:10')).to.deep.equal({ ok: true, filter: 'fec,rows:5,cols:10' });
    });

    it("responder with a filter and an initiator without one: no filter (libsrt only warns)", () => {
      expect(negotiateFilter('responder', 'fec,cols:10', undefined)).to.deep.equal({ ok: true, filter: '' });
    });

    it("the documented split: one side the full configuration, the other just 'fec'; fec's defaults fill the rest", () => {
      expect(negotiateFilter('responder', 'fec', 'fec,cols:10,rows:-5,layout:staircase')).to.deep.equal({
        ok: true,
        filter: 'fec,arq:onreq,cols:10,layout:staircase,rows:-5',
      });
      expect(negotiateFilter('responder', 'fec,cols:10,rows:-5,layout:staircase', 'fec')).to.deep.equal({
        ok: true,
        filter: 'fec,arq:onreq,cols:10,layout:staircase,rows:-5',
      });
    });

    it('keys set on one side only are taken from it; equal values on both sides agree', () => {
      expect(negotiateFilter('responder', 'fec,cols:10,arq:always', 'fec,cols:10,rows:5')).to.deep.equal({
        ok: true,
        filter: 'fec,arq:always,cols:10,layout:staircase,rows:5',
      });
    });

    it('a key both sides set differently is a conflict (cols:10 vs cols:20)', () => {
      const r = negotiateFilter('responder', 'fec,cols:20', 'fec,cols:10');
      expect(r.ok).to.equal(false);
      expect(!r.ok && r.error).to.match(/collision on 'cols'/);
    });

    it("a value set on one side against fec's default on the other is no conflict (only set keys are compared)", () => {
      expect(negotiateFilter('responder', 'fec,cols:10,layout:even', 'fec,cols:10').ok).to.equal(true);
    });

    it('neither side naming cols leaves the filter unbuildable: refused', () => {
      const r = negotiateFilter('responder', 'fec,rows:5', 'fec');
      expect(!r.ok && r.error).to.match(/lacks the mandatory 'cols'/);
    });

    it("a peer string libsrt could not parse or verify is refused", () => {
      expect(negotiateFilter('responder', '', 'fec,cols:1').ok).to.equal(false);
      expect(negotiateFilter('responder', 'fec,cols:10', 'xor,cols:10').ok).to.equal(false);
    });

    it("initiator: the responder's values override its own, its other keys stay", () => {
      expect(negotiateFilter('initiator', 'fec,cols:10,rows:5', 'fec,arq:onreq,cols:20,layout:staircase,rows:5')).to.deep.equal({
        ok: true,
        filter: 'fec,arq:onreq,cols:20,layout:staircase,rows:5',
      });
    });

    it('initiator that asked for a filter and got no FILTER block back: refused; without one it takes what comes', () => {
      expect(negotiateFilter('initiator', 'fec,cols:10', undefined).ok).to.equal(false);
      expect(negotiateFilter('initiator', '', 'fec,cols:10')).to.deep.equal({ ok: true, filter: 'fec,cols:10' });
      expect(negotiateFilter('initiator', '', undefined)).to.deep.equal({ ok: true, filter: '' });
    });
  });

  describe('payload size', () => {
    it('the fec header takes 4 bytes: 1456 -> 1452; none without a filter', () => {
      expect(filterMaxPayload('fec,cols:10', 1456)).to.equal(1452);
      expect(filterMaxPayload('', 1456)).to.equal(1456);
    });

    it('options: a payload above 1452 is lowered, as libsrt\'s "SRTO_PAYLOADSIZE fixed to 1452 bytes"', () => {
      expect(resolveOptions({ packetFilter: 'fec,cols:10', payloadSize: 1456 }).payloadSize).to.equal(1452);
      expect(() => resolveOptions({ packetFilter: 'fec,cols:10', transType: 'file' })).to.throw(RangeError, /live mode only/);
      expect(resolveOptions({ packetFilter: 'fec,cols:10' }).payloadSize).to.equal(1316);
      expect(resolveOptions({ payloadSize: 1456 }).payloadSize).to.equal(1456);
    });

    it('options: a bad filter string is a RangeError naming the problem', () => {
      expect(() => resolveOptions({ packetFilter: 'fec,cols:1' })).to.throw(RangeError, /packetFilter "fec,cols:1": 'cols' must be > 1/);
      expect(resolveOptions({ packetFilter: '' }).packetFilter).to.equal('');
    });
  });

  describe("libsrt 1.5.1's own exchange (captured with tshark: slt listener 'fec,cols:10,rows:5', slt caller 'fec')", () => {
    // CONCLUSION bodies (after the 16-byte header): the caller's and the listener's reply.
    const CALLER =
      '000000050000000500000000000005dc00002000ffffffff1193c11da44085e70100007f0000000000000000000000000001000300010501000000bf007800000007000100636566';
    const LISTENER =
      '000000050000000500000000000005dc00002000ffffffff3d1f452aa44085e70100007f0000000000000000000000000002000300010501000000bf007800780007000c' +
      '2c6365663a71726165726e6f6f632c71313a736c616c2c3074756f796174733a61637269722c65733a73776f00000035';
    const MERGED = 'fec,arq:onreq,cols:10,layout:staircase,rows:5';

    it("the caller's block is 'fec' in one reversed word; the listener answers the merged, sorted, default-filled string", () => {
      const req = decodeHandshake(Buffer.from(CALLER, 'hex'))!;
      expect(req.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.CONFIG);
      expect(parseConclusionRequest(req).packetFilter).to.equal('fec');
      const reply = decodeHandshake(Buffer.from(LISTENER, 'hex'))!;
      expect(reply.extField).to.equal(HsExtFlag.HSREQ | HsExtFlag.CONFIG);
      expect(decodeHsString(findExtension(reply, HsExt.FILTER)!.body)).to.equal(MERGED);
    });

    it('our merge gives the same string, and our encoding of it the same block bytes', () => {
      expect(negotiateFilter('responder', 'fec,cols:10,rows:5', 'fec')).to.deep.equal({ ok: true, filter: MERGED });
      const reply = decodeHandshake(Buffer.from(LISTENER, 'hex'))!;
      expect(encodeHsString(MERGED).equals(findExtension(reply, HsExt.FILTER)!.body)).to.equal(true);
      // The caller, having asked for just 'fec', ends with the listener's string.
      expect(negotiateFilter('initiator', 'fec', MERGED)).to.deep.equal({ ok: true, filter: MERGED });
    });
  });

  describe('FILTER handshake block', () => {
    const base = (socketId: number, packetFilter?: string): HandshakeConfig => ({
      socketId,
      isn: 1000,
      mss: 1500,
      flightFlagSize: 8192,
      rcvLatency: 120,
      peerLatency: 0,
      tlpktDrop: true,
      nakReport: true,
      packetFilter,
    });

    function callerConclusion(filter?: string): { caller: CallerHandshake; req: ReturnType<typeof decodeHandshake> } {
      const caller = new CallerHandshake(base(11, filter), '127.0.0.1');
      const induction = inductionResponse(caller.current(), 0xc00c1e);
      const r = caller.handle(induction);
      if (r.kind !== 'send') throw new Error(r.kind);
      // Through the codec, as the listener would see it.
      return { caller, req: decodeHandshake(encodeHandshake(r.hs)) };
    }

    it('the string travels word-reversed, like the stream ID ("fec," goes on the wire as ",cef")', () => {
      const body = encodeHsString('fec,cols:10,rows:5');
      expect(body.subarray(0, 4).toString('latin1')).to.equal(',cef');
      expect(body.length).to.equal(20);
      expect(decodeHsString(body)).to.equal('fec,cols:10,rows:5');
    });

    it("the caller's CONCLUSION carries FILTER (type 7) and the CONFIG flag only when a filter is set", () => {
      const withFilter = callerConclusion('fec,cols:10,rows:5').req!;
      expect(withFilter.extField & HsExtFlag.CONFIG).to.equal(HsExtFlag.CONFIG);
      expect(decodeHsString(findExtension(withFilter, HsExt.FILTER)!.body)).to.equal('fec,cols:10,rows:5');
      expect(parseConclusionRequest(withFilter).packetFilter).to.equal('fec,cols:10,rows:5');
      const without = callerConclusion().req!;
      expect(findExtension(without, HsExt.FILTER)).to.equal(undefined);
      expect(without.extField & HsExtFlag.CONFIG).to.equal(0);
    });

    it('a FILTER block without the CONFIG flag is not read (libsrt reads config blocks only under CONFIG)', () => {
      const req = callerConclusion('fec,cols:10').req!;
      req.extField &= ~HsExtFlag.CONFIG;
      expect(parseConclusionRequest(req).packetFilter).to.equal(undefined);
    });

    it('a repeated FILTER block is refused FILTER; an empty one UNKNOWN', () => {
      const req = callerConclusion('fec,cols:10').req!;
      req.extensions.push({ type: HsExt.FILTER, body: encodeHsString('fec,cols:10') });
      expect(() => parseConclusionRequest(req)).to.throw(HandshakeRejection).with.property('reason', RejectReason.FILTER);
      const empty = callerConclusion('fec,cols:10').req!;
      findExtension(empty, HsExt.FILTER)!.body = Buffer.alloc(0);
      expect(() => parseConclusionRequest(empty)).to.throw(HandshakeRejection).with.property('reason', RejectReason.UNKNOWN);
    });

    it('mismatched configurations (cols:10 vs cols:20): the responder refuses with FILTER (14)', () => {
      const req = callerConclusion('fec,cols:10').req!;
      expect(() => negotiateAsResponder(req, parseConclusionRequest(req), base(22, 'fec,cols:20')))
        .to.throw(HandshakeRejection)
        .with.property('reason', RejectReason.FILTER);
    });

    it('a matching configuration is taken in live mode; in file mode it is refused FILTER (the fec filter is live only)', () => {
      expect(unusableFilter('', true)).to.equal(undefined);
      expect(unusableFilter('fec,cols:10', false)).to.equal(undefined);
      expect(unusableFilter('fec,cols:10', true)).to.match(/live mode only/);
      const req = callerConclusion('fec,cols:10').req!;
      const r = negotiateAsResponder(req, parseConclusionRequest(req), base(22, 'fec,cols:10'));
      expect(r.negotiated.packetFilter).to.equal('fec,arq:onreq,cols:10,layout:staircase,rows:1');
    });

    it('group sizes beyond 256 are refused (a peer could impose them): SRT_REJ_FILTER', () => {
      expect(parseFilterConfig('fec,cols:257').ok).to.equal(false);
      expect(parseFilterConfig('fec,cols:10,rows:-257').ok).to.equal(false);
      expect(parseFilterConfig('fec,cols:256,rows:-256').ok).to.equal(true);
      expect(negotiateFilter('responder', '', 'fec,cols:300')).to.deep.include({ ok: false });
    });

    it('fecConfigOf reads the negotiated string: rows 1 is rows only, negative rows columns only', () => {
      expect(fecConfigOf('')).to.equal(undefined);
      expect(fecConfigOf('fec,arq:onreq,cols:10,layout:staircase,rows:1')).to.deep.equal({ cols: 10, rows: 1, colsOnly: false, layout: 'staircase', arq: 'onreq' });
      expect(fecConfigOf('fec,arq:never,cols:10,layout:even,rows:-5')).to.deep.equal({ cols: 10, rows: 5, colsOnly: true, layout: 'even', arq: 'never' });
    });

    it('a listener filter with a caller that asked for none: no FILTER block in the reply, no filter', () => {
      const req = callerConclusion().req!;
      const { response, negotiated } = negotiateAsResponder(req, parseConclusionRequest(req), base(22, 'fec,cols:10'));
      expect(findExtension(response, HsExt.FILTER)).to.equal(undefined);
      expect(response.extField & HsExtFlag.CONFIG).to.equal(0);
      expect(negotiated.packetFilter).to.equal('');
    });

    it("caller: a reply without FILTER to a CONCLUSION that had one is refused FILTER, naming the listener's socket", () => {
      const { caller } = callerConclusion('fec,cols:10');
      const plain = callerConclusion().req!;
      const { response } = negotiateAsResponder(plain, parseConclusionRequest(plain), base(22));
      const r = caller.handle({ ...response, isn: 1000 });
      expect(r.kind).to.equal('rejected');
      expect(r.kind === 'rejected' && r.reason).to.equal(RejectReason.FILTER);
      expect(r.kind === 'rejected' && r.peerSocketId).to.equal(22);
    });

    it('caller: a reply carrying the merged filter is read, and that filter is the one applied', () => {
      const { caller } = callerConclusion('fec,cols:10');
      const reply = callerConclusion().req!;
      reply.extField |= HsExtFlag.CONFIG;
      reply.extensions = [
        { type: HsExt.HSRSP, body: Buffer.from([0, 1, 5, 1, 0, 0, 0, SrtFlag.TSBPDSND | SrtFlag.TSBPDRCV, 0, 0x78, 0, 0x78]) },
        { type: HsExt.FILTER, body: encodeHsString('fec,arq:onreq,cols:10,layout:staircase,rows:1') },
      ];
      const r = caller.handle(reply);
      expect(r.kind === 'connected' && r.negotiated.packetFilter).to.equal('fec,arq:onreq,cols:10,layout:staircase,rows:1');
    });

    it('a conflicting filter in the reply is refused FILTER as a conflict', () => {
      const { caller } = callerConclusion('fec,cols:10');
      const reply = callerConclusion().req!;
      reply.extField |= HsExtFlag.CONFIG;
      reply.extensions = [
        { type: HsExt.HSRSP, body: Buffer.from([0, 1, 5, 1, 0, 0, 0, 3, 0, 0x78, 0, 0x78]) },
        { type: HsExt.FILTER, body: encodeHsString('fec,cols:1') },
      ];
      const r = caller.handle(reply);
      expect(r.kind === 'rejected' && r.reason).to.equal(RejectReason.FILTER);
      expect(r.kind === 'rejected' && r.message).to.match(/peer's filter "fec,cols:1"/);
    });
  });
});
