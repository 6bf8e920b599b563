import { expect } from 'chai';
import { CallerHandshake } from '../../src/protocol/handshake';
import { Handshake, HandshakeType } from '../../src/protocol/handshake-packet';
import { Listener, REJECTED_MS, UNDECIDED_MS } from '../../src/protocol/listener';
import { RejectReason } from '../../src/protocol/reject-reason';

const FROM = { address: '10.0.0.7', port: 4000 };
const T0 = 1_700_000_000_000;

function caller(socketId = 0x1234): CallerHandshake {
  return new CallerHandshake({ socketId, isn: 77, mss: 1500, flightFlagSize: 8192, rcvLatency: 120, peerLatency: 0, tlpktDrop: true, nakReport: true }, FROM.address);
}

/** Induction with the listener, then the caller's CONCLUSION (with the listener's cookie). */
function conclusionFor(l: Listener, c = caller(), now = T0): Handshake {
  const d = l.handle(c.current(), FROM, now, false);
  if (d.kind !== 'reply') throw new Error(`induction: ${d.kind}`);
  c.handle(d.hs);
  return c.current();
}

describe('Listener decisions (sans I/O)', () => {
  it('answers an induction with a cookie and nothing kept; a CONCLUSION with that cookie is admitted', () => {
    const l = new Listener({ backlog: 4, keyLen: 0 });
    const hs = conclusionFor(l);
    const d = l.handle(hs, FROM, T0 + 10, false);
    expect(d.kind).to.equal('admit');
    expect(l.undecided).to.equal(0);
    expect(l.connections).to.equal(0);
  });

  it('drops a CONCLUSION with a wrong cookie, or from another port, and what is not a listener handshake', () => {
    const l = new Listener({ backlog: 4, keyLen: 0 });
    const hs = conclusionFor(l);
    expect(l.handle({ ...hs, cookie: hs.cookie ^ 1 }, FROM, T0, false).kind).to.equal('drop');
    expect(l.handle(hs, { ...FROM, port: 4001 }, T0, false).kind).to.equal('drop');
    expect(l.handle({ ...hs, reqType: HandshakeType.WAVEAHAND }, FROM, T0, false).kind).to.equal('drop');
    // The cookie is good for the minute it was baked and the next, not after.
    expect(l.handle(hs, FROM, T0 + 180_000, false).kind).to.equal('drop');
  });

  it('repeats the stored reply to a repeated CONCLUSION of an accepted caller', () => {
    const l = new Listener({ backlog: 4, keyLen: 0 });
    const hs = conclusionFor(l);
    const d = l.handle(hs, FROM, T0, false);
    if (d.kind !== 'admit') throw new Error(d.kind);
    const reply = Buffer.from('reply');
    l.opened(d.key, reply);
    expect(l.handle(hs, FROM, T0 + 300, false)).to.deep.equal({ kind: 'repeat', datagram: reply });
    expect(l.connections).to.equal(1);
    l.closed(d.key);
    expect(l.connections).to.equal(0);
  });

  it('an HSv4 caller is refused with VERSION and a SHUTDOWN; a closing listener refuses with CLOSE and ignores inductions', () => {
    const l = new Listener({ backlog: 4, keyLen: 0 });
    const hs = conclusionFor(l);
    const v4 = l.handle({ ...hs, version: 4 }, FROM, T0, false);
    expect(v4).to.include({ kind: 'refuse', shutdown: true });
    expect(v4.kind === 'refuse' && v4.refusal.reason).to.equal(RejectReason.VERSION);
    l.closing = true;
    expect(l.handle(caller(9).current(), FROM, T0, false).kind).to.equal('silent');
    const closed = l.handle({ ...hs, socketId: 0x999 }, FROM, T0, false);
    expect(closed.kind === 'refuse' && closed.refusal.reason).to.equal(RejectReason.CLOSE);
  });

  it('keeps at most `backlog` undecided callers; a decision frees a place; an undecided caller expires', () => {
    const l = new Listener({ backlog: 2, keyLen: 0 });
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = l.handle(conclusionFor(l, caller(100 + i)), FROM, T0, true);
      if (d.kind !== 'admit' || !d.ask) throw new Error(d.kind);
      keys.push(d.key);
    }
    const third = conclusionFor(l, caller(102));
    const full = l.handle(third, FROM, T0, true);
    expect(full.kind === 'refuse' && full.refusal.reason).to.equal(RejectReason.BACKLOG);
    // Still deciding: a repeat of an undecided caller's CONCLUSION is not answered.
    expect(l.handle(conclusionFor(l, caller(100)), FROM, T0, true).kind).to.equal('silent');
    // Rejected by the application: its refusal repeated for REJECTED_MS, and a place is free.
    const refusal = Buffer.from('refused');
    expect(l.decided(keys[0], T0, refusal)).to.equal(true);
    expect(l.undecided).to.equal(1);
    expect(l.handle(conclusionFor(l, caller(100)), FROM, T0 + 100, true)).to.deep.equal({ kind: 'repeat', datagram: refusal });
    expect(l.handle(third, FROM, T0 + 100, true)).to.include({ kind: 'admit', ask: true });
    // Undecided callers are forgotten after UNDECIDED_MS; the rejected one after REJECTED_MS.
    expect(l.isUndecided(keys[1], T0 + UNDECIDED_MS + 1)).to.equal(false);
    expect(l.decided(keys[1], T0 + UNDECIDED_MS + 1)).to.equal(false);
    expect(l.handle(conclusionFor(l, caller(100), T0 + REJECTED_MS + 1), FROM, T0 + REJECTED_MS + 1, true).kind).to.equal('admit');
  });

  it('refuses maxConnections beyond its open connections plus undecided callers', () => {
    const l = new Listener({ backlog: 8, keyLen: 0 });
    l.maxConnections = 1;
    const d = l.handle(conclusionFor(l, caller(1)), FROM, T0, false);
    if (d.kind !== 'admit') throw new Error(d.kind);
    l.opened(d.key, Buffer.from('r'));
    const second = l.handle(conclusionFor(l, caller(2)), FROM, T0, false);
    expect(second.kind === 'refuse' && second.refusal.reason).to.equal(RejectReason.BACKLOG);
  });

  it('a refused CONCLUSION is refused again from the cache for the same address, port and cookie, whatever its socket ID', () => {
    const l = new Listener({ backlog: 8, keyLen: 0 });
    const hs = conclusionFor(l);
    // No HSREQ: ROGUE at parse time, cached.
    const rogue = l.handle({ ...hs, extField: 0, extensions: [] }, FROM, T0, false);
    expect(rogue).to.include({ kind: 'refuse', fromCache: false });
    const again = l.handle({ ...hs, socketId: 0x777 }, FROM, T0 + 1000, false);
    expect(again).to.include({ kind: 'refuse', fromCache: true });
    expect(again.kind === 'refuse' && again.refusal.reason).to.equal(RejectReason.ROGUE);
    // Refusals found only after admission (the negotiation) are cached by the server's report.
    const from2 = { ...FROM, port: 4002 };
    const c2 = caller(0x555);
    const ind = l.handle(c2.current(), from2, T0, false);
    if (ind.kind !== 'reply') throw new Error(ind.kind);
    c2.handle(ind.hs);
    const other = c2.current();
    expect(l.handle(other, from2, T0, false).kind).to.equal('admit');
    l.refusedAfterAdmit(from2, other.cookie, { reason: RejectReason.BADSECRET }, T0);
    expect(l.handle({ ...other, socketId: 0x556 }, from2, T0 + 10, false)).to.include({ kind: 'refuse', fromCache: true });
  });
});
