/**
 * What the libsrt options behind srt-pipe's URL parameters do to the protocol, on a virtual clock
 * and on libsrt 1.5.1's captured handshakes: SRTO_SNDDROPDELAY, SRTO_RETRANSMITALGO,
 * SRTO_TSBPDMODE, SRTO_DRIFTTRACER, SRTO_MINVERSION; and their validation and file-mode defaults.
 */
import { expect } from 'chai';
import { FILE_DEFAULTS, resolveOptions } from '../../src/net/options';
import {
  CallerHandshake,
  HandshakeConfig,
  HandshakeRejection,
  hsreqFlags,
  negotiateAsResponder,
  parseConclusionRequest,
  versionString,
} from '../../src/protocol/handshake';
import { decodeSrtHs, findExtension, Handshake, HsExt, SrtFlag } from '../../src/protocol/handshake-packet';
import { ControlPacket, ControlType, DataPacket, decodePacket, encodeAck, encodeControl, encodeLossList } from '../../src/protocol/packet';
import { RejectReason } from '../../src/protocol/reject-reason';
import { handshakes } from '../support/fixtures';
import { LONE_ISN, LoneEngine } from '../support/lone-engine';
import { SimLink } from '../support/sim-link';

const SRT_1_5_1 = 0x010501;

/** The caller's CONCLUSION and the listener's reply of a capture's first attempt. */
function captured(name: string): { ind: Handshake; indReply: Handshake; concl: Handshake; reply: Handshake } {
  const [ind, indReply, concl, reply] = handshakes(name).map((h) => h.hs);
  return { ind, indReply, concl, reply };
}

function listenerCfg(over: Partial<HandshakeConfig> = {}): HandshakeConfig {
  return { socketId: 7, isn: 1, mss: 1500, flightFlagSize: 8192, rcvLatency: 120, peerLatency: 0, tlpktDrop: true, nakReport: true, ...over };
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

/** Our caller, brought to the conclusion state by the capture's induction reply. */
function callerInConclusion(name: string, over: Partial<HandshakeConfig> = {}): { caller: CallerHandshake; reply: Handshake } {
  const c = captured(name);
  const caller = new CallerHandshake(
    { socketId: c.ind.socketId, isn: c.ind.isn, mss: 1500, flightFlagSize: 8192, rcvLatency: 120, peerLatency: 0, tlpktDrop: true, nakReport: true, ...over },
    '127.0.0.1',
  );
  expect(caller.handle(c.indReply).kind).to.equal('send');
  return { caller, reply: c.reply };
}

function hsrspOf(hs: Handshake) {
  return decodeSrtHs(findExtension(hs, HsExt.HSRSP)!.body)!;
}

describe('SRTO_MINVERSION (minVersion)', () => {
  it('versionString: 0x010501 -> 1.5.1', () => {
    expect(versionString(SRT_1_5_1)).to.equal('1.5.1');
    expect(versionString(0x010300)).to.equal('1.3.0');
  });

  it("listener: a 1.5.1 caller's CONCLUSION is refused with VERSION (8) below minVersion 1.5.2, accepted at 1.5.1", () => {
    const { concl } = captured('live-plain');
    const parsed = parseConclusionRequest(concl);
    expect(parsed.hsreqVersion).to.equal(SRT_1_5_1);
    const rej = rejectionOf(() => negotiateAsResponder(concl, parsed, listenerCfg({ minVersion: 0x010502 })));
    expect(rej.reason).to.equal(RejectReason.VERSION);
    expect(rej.message).to.equal('peer version 1.5.1 is older than the minimum 1.5.2');
    expect(negotiateAsResponder(concl, parsed, listenerCfg({ minVersion: SRT_1_5_1 })).negotiated.peerSrtVersion).to.equal(SRT_1_5_1);
  });

  it('listener: the version is checked first, as libsrt (a file-mode caller to a live listener gets VERSION, not MESSAGEAPI)', () => {
    const { concl } = captured('file-mode');
    const parsed = parseConclusionRequest(concl);
    expect(rejectionOf(() => negotiateAsResponder(concl, parsed, listenerCfg())).reason).to.equal(RejectReason.MESSAGEAPI);
    expect(rejectionOf(() => negotiateAsResponder(concl, parsed, listenerCfg({ minVersion: 0x010600 }))).reason).to.equal(RejectReason.VERSION);
  });

  it("caller: a 1.5.1 listener's HSRSP is refused with VERSION, naming its socket (to be told with SHUTDOWN); accepted at 1.5.1", () => {
    const refused = callerInConclusion('live-plain', { minVersion: 0x010502 });
    expect(refused.caller.handle(refused.reply)).to.deep.equal({
      kind: 'rejected', reason: RejectReason.VERSION, message: 'peer version 1.5.1 is older than the minimum 1.5.2', peerSocketId: refused.reply.socketId,
    });
    const ok = callerInConclusion('live-plain', { minVersion: SRT_1_5_1 });
    expect(ok.caller.handle(ok.reply).kind).to.equal('connected');
  });

  it("caller: the HSRSP's version comes before its KMRSP (no passphrase here, an encrypted listener: VERSION, not UNSECURE)", () => {
    const unsecure = callerInConclusion('live-aes128');
    expect(unsecure.caller.handle(unsecure.reply)).to.include({ kind: 'rejected', reason: RejectReason.UNSECURE });
    const old = callerInConclusion('live-aes128', { minVersion: 0x010502 });
    expect(old.caller.handle(old.reply)).to.include({ kind: 'rejected', reason: RejectReason.VERSION });
  });
});

describe('SRTO_TSBPDMODE (tsbpdMode: false)', () => {
  it('HSREQ without TSBPDSND, TSBPDRCV and TLPKTDROP (0xB4 instead of 0xBF), as libsrt fillSrtHandshake_HSREQ', () => {
    expect(hsreqFlags({ tlpktDrop: true, nakReport: true, tsbpd: false })).to.equal(0xb4);
    expect(hsreqFlags({ tlpktDrop: true, nakReport: true, tsbpd: true })).to.equal(0xbf);
  });

  it('caller: its CONCLUSION asks for no latency either way', () => {
    const { caller } = callerInConclusion('live-plain', { tsbpd: false, rcvLatency: 300, peerLatency: 300 });
    const hsreq = decodeSrtHs(findExtension(caller.current(), HsExt.HSREQ)!.body)!;
    expect(hsreq).to.deep.include({ flags: 0xb4, rcvLatency: 0, sndLatency: 0 });
  });

  it('caller: receives without latency whatever the HSRSP offers', () => {
    const { caller, reply } = callerInConclusion('live-plain', { tsbpd: false });
    const r = caller.handle(reply);
    expect(r.kind).to.equal('connected');
    expect(r.kind === 'connected' && r.negotiated).to.include({ rcvLatency: 0, sndLatency: hsrspOf(reply).rcvLatency });
  });

  it("listener: no TSBPDRCV and rcv latency 0 in the HSRSP; the caller's own TSBPD receive is still served (TSBPDSND, its latency)", () => {
    const { concl } = captured('live-plain'); // 1.5.1 caller, 200/200 ms
    const { response, negotiated } = negotiateAsResponder(concl, parseConclusionRequest(concl), listenerCfg({ tsbpd: false }));
    const rsp = hsrspOf(response);
    expect(rsp.flags & (SrtFlag.TSBPDRCV | SrtFlag.TSBPDSND)).to.equal(SrtFlag.TSBPDSND);
    expect(rsp).to.include({ rcvLatency: 0, sndLatency: 200 });
    expect(negotiated).to.include({ rcvLatency: 0, sndLatency: 200 });
  });

  it('receiver: delivers each packet on arrival, in order, and never drops one too late (10 % loss, 5 ms latency, 20 ms one way)', () => {
    const run = (tsbpd: boolean) => {
      const sim = new SimLink({ latencyMs: 5, oneWayDelayUs: 20_000, loss: 0.1, seed: 3, b: { tsbpd } });
      for (let i = 0; i < 500; i++) {
        sim.run(sim.now + 1000);
        const b = Buffer.alloc(188);
        b.writeUInt32BE(i, 0);
        sim.a.write(b, sim.now);
      }
      sim.run(sim.now + 1_000_000);
      return { ids: sim.delivered.map((d) => d.payload.readUInt32BE(0)), drops: sim.b.stats(sim.now).pktRcvDrop, sim };
    };
    const live = run(true);
    expect(live.drops, 'with TSBPD, the retransmissions come too late for 5 ms').to.be.greaterThan(0);
    const off = run(false);
    expect(off.drops).to.equal(0);
    expect(off.ids).to.deep.equal([...Array(500).keys()]);
  });

  it('receiver: a packet that arrives in order is delivered at its arrival, not at timestamp + latency', () => {
    const sim = new SimLink({ clock: 'event', latencyMs: 2000, oneWayDelayUs: 20_000, b: { tsbpd: false } });
    const sentAt = sim.now;
    sim.a.write(Buffer.alloc(188, 1), sim.now);
    sim.run(sim.now + 100_000);
    expect(sim.delivered.map((d) => d.at - sentAt)).to.deep.equal([20_000]);
  });

  it('file mode has it off by default, as libsrt SRTO_TRANSTYPE file', () => {
    expect(FILE_DEFAULTS).to.include({ tsbpdMode: false, sndDropDelay: -1, retransmitAlgo: 0 });
    expect(resolveOptions({ transType: 'file' })).to.include({ tsbpdMode: false, sndDropDelay: -1, retransmitAlgo: 0 });
    expect(resolveOptions({})).to.include({ tsbpdMode: true, sndDropDelay: 0, retransmitAlgo: 1, driftTracer: true, minVersion: 0x010000 });
  });
});

describe('SRTO_SNDDROPDELAY (sndDropDelay)', () => {
  /** A sender whose peer never acknowledges: when (µs after its write, on a 1 ms tick) is its one packet dropped? -1: never. */
  function dropTime(over: { sndLatency: number; sndDropDelay?: number }): { at: number; drops: number } {
    const e = new LoneEngine({ peerIdleTimeoutMs: 60_000, ...over });
    e.engine.write(Buffer.alloc(188), e.now);
    const submitted = e.now;
    const drops = () => e.engine.stats(e.now).pktSndDropTotal;
    let at = -1;
    for (let t = 1000; t <= 30_000_000 && at < 0; t += 1000) {
      e.now = submitted + t;
      e.engine.tick(e.now);
      if (drops() > 0) at = t;
    }
    return { at, drops: drops() };
  }

  it('0 (default): dropped once older than max(peer latency, 1000) + 20 ms', () => {
    expect(dropTime({ sndLatency: 120 }).at).to.equal(1_021_000);
    expect(dropTime({ sndLatency: 3000 }).at).to.equal(3_021_000);
  });

  it('adds to the peer latency inside the 1 s floor: 120 + 1500 -> 1640 ms; 120 + 500 stays at the floor', () => {
    expect(dropTime({ sndLatency: 120, sndDropDelay: 1500 }).at).to.equal(1_641_000);
    expect(dropTime({ sndLatency: 120, sndDropDelay: 500 }).at).to.equal(1_021_000);
  });

  it('-1: the sender never drops (30 s without an ACK)', () => {
    const r = dropTime({ sndLatency: 120, sndDropDelay: -1 });
    expect(r.at).to.equal(-1);
    expect(r.drops).to.equal(0);
  });

  it('the exact threshold: not at 1640 ms after submission, 1 µs later yes', () => {
    const e = new LoneEngine({ peerIdleTimeoutMs: 60_000, sndLatency: 120, sndDropDelay: 1500 });
    e.engine.write(Buffer.alloc(188), e.now);
    const submitted = e.now;
    e.now = submitted + 1_640_000;
    e.engine.tick(e.now);
    expect(e.engine.stats(e.now).pktSndDropTotal).to.equal(0);
    e.now += 1;
    e.engine.tick(e.now);
    expect(e.engine.stats(e.now).pktSndDropTotal).to.equal(1);
  });
});

describe('SRTO_RETRANSMITALGO (retransmitAlgo)', () => {
  /**
   * One packet sent, an RTT of 100 ms (variance 1 ms) taken from the peer's ACK, then the same
   * loss reported twice 10 ms apart: how many retransmissions?
   */
  function rexmitsForRepeatedNak(over: { retransmitAlgo?: 0 | 1; peerNakReport?: boolean }): number {
    const e = new LoneEngine(over);
    e.engine.write(Buffer.alloc(188), e.now);
    e.control(ControlType.ACK, encodeAck({ lastAckSeq: LONE_ISN, rtt: 100_000, rttVar: 1000, availBuf: 8192 }), 1);
    const nak = encodeLossList([[LONE_ISN, LONE_ISN]]);
    for (let i = 0; i < 2; i++) {
      e.advance(10_000);
      e.control(ControlType.NAK, nak);
      e.advance(100);
    }
    return e.sent.filter((p): p is DataPacket => p.kind === 'data' && p.retransmitted).length;
  }

  it('1 (default): the second NAK within SRTT - 4·RTTVar (96 ms) of the retransmission is not served', () => {
    expect(rexmitsForRepeatedNak({})).to.equal(1);
    expect(rexmitsForRepeatedNak({ retransmitAlgo: 1 })).to.equal(1);
  });

  it('0: every NAK is served', () => {
    expect(rexmitsForRepeatedNak({ retransmitAlgo: 0 })).to.equal(2);
  });

  it('1 applies only when the peer sends periodic NAKs (libsrt m_bPeerNakReport): without, every NAK is served', () => {
    expect(rexmitsForRepeatedNak({ retransmitAlgo: 1, peerNakReport: false })).to.equal(2);
  });
});

describe('SRTO_DRIFTTRACER (driftTracer)', () => {
  /** 1000 keepalives whose timestamps say they arrive 8 ms late: does the TSBPD base move? */
  function correctionsAfterLateKeepalives(driftTracer?: boolean): number {
    const e = new LoneEngine({ peerIdleTimeoutMs: 60_000, ...(driftTracer === undefined ? {} : { driftTracer }) });
    const base = e.now; // the LoneEngine's TSBPD base: the peer's timestamp 0 happened now
    for (let i = 0; i < 1000; i++) {
      e.now = base + i * 1000 + 8000;
      e.engine.receive(decodePacket(encodeControl(ControlType.KEEPALIVE, 0, i * 1000, 2)) as ControlPacket, e.now);
    }
    return e.engine.stats(e.now).pktRcvDriftCorrections;
  }

  it('on (default): the base moves by 5 ms after 1000 samples 8 ms late', () => {
    expect(correctionsAfterLateKeepalives()).to.equal(1);
    expect(correctionsAfterLateKeepalives(true)).to.equal(1);
  });

  it('off: the samples are ignored, the base stays', () => {
    expect(correctionsAfterLateKeepalives(false)).to.equal(0);
  });
});

describe('options validation (RangeError, as the other options)', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['sndDropDelay -2', { sndDropDelay: -2 }, /options\.sndDropDelay must be an integer in \[-1, /],
    ['retransmitAlgo 2', { retransmitAlgo: 2 }, /options\.retransmitAlgo must be an integer in \[0, 1\]/],
    ['minVersion above 255.255.255', { minVersion: 0x1000000 }, /options\.minVersion/],
    ['minVersion 1.5 (not an integer)', { minVersion: 1.5 }, /options\.minVersion/],
    ['ipTtl 0', { ipTtl: 0 }, /options\.ipTtl must be an integer in \[1, 255\], got 0/],
    ['ipTtl 256', { ipTtl: 256 }, /options\.ipTtl/],
  ];
  for (const [what, o, re] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => resolveOptions(o)).to.throw(RangeError, re);
    });
  }

  it('accepts the edges: sndDropDelay -1, ipTtl -1 (system), 1 and 255, minVersion 0', () => {
    expect(resolveOptions({ sndDropDelay: -1, ipTtl: -1, minVersion: 0 })).to.include({ sndDropDelay: -1, ipTtl: -1, minVersion: 0 });
    expect(resolveOptions({ ipTtl: 1 }).ipTtl).to.equal(1);
    expect(resolveOptions({ ipTtl: 255, ipv6Only: true })).to.include({ ipTtl: 255, ipv6Only: true });
  });
});
