/**
 * ARQ on a simulated impaired link (issue 3): two SrtConnection engines on a
 * virtual clock (test/support/sim-link.ts), no sockets, deterministic seeds.
 *
 * Delivery time: TSBPD plays a packet at base + timestamp + latency, where the
 * base is the arrival time of the handshake minus its timestamp. Our timestamps
 * count from socket start, so a packet submitted at S plays at
 *   S + hsDelay + latency
 * with hsDelay the one-way delay the handshake happened to take (one draw of the
 * jittered delay), until the drift tracer moves the base (it needs 1000 samples,
 * about 10 s of ACKACKs; every run here is shorter and checks it did not move).
 * "On time" below means |delivery − (S + hsDelay + latency)| ≤ 1 ms.
 */
import { expect } from 'chai';
import { ControlType, decodeLossList, Packet } from '../../src/protocol/packet';
import { seqOffset } from '../../src/protocol/sequence';
import { Delivery, Impairment, prng, SimLink, TraceEntry } from '../support/sim-link';

const TWO32 = 2 ** 32;
const TAIL = 30;

function log(line: string): void {
  // Measured numbers, printed under the test title.
  process.stdout.write(`        · ${line}\n`);
}

/** Writes n tagged packets, one every intervalUs, starting one interval from now. */
function stream(sim: SimLink, n: number, intervalUs = 1000, from = 0, each?: (i: number) => void): void {
  for (let i = from; i < from + n; i++) {
    sim.run(sim.now + intervalUs);
    each?.(i);
    sim.write(i);
  }
}

/** Delivery − (submission + hsDelay + latency), µs, per delivered packet. */
function timingErrors(sim: SimLink, d: Delivery[] = sim.delivered): number[] {
  const latencyUs = sim.b.cfg.rcvLatency * 1000;
  return d.map((x) => x.at - (x.submittedUs! + sim.hsDelayUs.ab + latencyUs));
}

function ids(sim: SimLink): number[] {
  return sim.delivered.map((d) => d.id!);
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** Retransmissions split into needed (every earlier copy was lost) and spurious (an earlier copy got through). */
function rexmitBreakdown(trace: TraceEntry[]): { needed: number; spurious: number } {
  const through = new Set<number>();
  let needed = 0;
  let spurious = 0;
  for (const t of trace) {
    if (t.dir !== 'ab' || t.type !== 'DATA') continue;
    if (t.retransmitted) {
      if (through.has(t.seq!)) spurious++;
      else needed++;
    }
    if (t.arrivals.length) through.add(t.seq!);
  }
  return { needed, spurious };
}

function maxAbs(xs: number[]): number {
  return xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

function driftUntouched(sim: SimLink): void {
  // pktRcvDriftCorrections: how many times the drift tracer moved the TSBPD base.
  const s = sim.b.stats(sim.now);
  expect(s.pktRcvDriftCorrections ?? 0, 'drift tracer moved the base').to.equal(0);
}

describe('ARQ on a simulated impaired link (virtual clock)', function () {
  this.timeout(10_000);

  // ------------------------------------------------------------------ random + burst loss, reorder, dup, jitter
  // 100 ms ± 20 ms each way (RTT ≈ 200 ms); control packets are impaired like data.
  const lossCases: { loss: number; latencyMs: number; seed: number }[] = [
    { loss: 0.02, latencyMs: 800, seed: 11 }, // 4 × RTT
    // At 10 % both ways, 800 ms (4 × RTT) loses ~1 packet in 3000 on half the seeds: 5 × RTT.
    { loss: 0.1, latencyMs: 1000, seed: 12 },
    // At 30 % both ways a NAK/retransmission round succeeds only 49 % of the time and
    // RTT samples are rare (the ACK point rarely advances): 2 s still loses 0-3 in 3000, 3 s none.
    { loss: 0.3, latencyMs: 3000, seed: 13 },
  ];
  for (const c of lossCases) {
    it(`${c.loss * 100} % random loss + 20-packet bursts + reordering + duplication, 100±20 ms delay, latency ${c.latencyMs} ms: every packet once, in order, on time`, () => {
      const n = 3000;
      const BURST_AT = 1000; // a forced 20-packet burst of first transmissions
      const imp = (): Impairment => ({
        delayUs: 100_000,
        jitterUs: 20_000,
        loss: c.loss,
        burstProbability: 0.0005,
        burstLength: 20,
        reorder: 0.02,
        reorderDelayUs: 30_000,
        duplicate: 0.01,
      });
      const isn = 5000;
      const ab = imp();
      ab.drop = (p) => p.kind === 'data' && !p.retransmitted && seqOffset(isn + BURST_AT, p.seq) >= 0 && seqOffset(isn + BURST_AT, p.seq) < 20;
      const sim = new SimLink({ clock: 'event', latencyMs: c.latencyMs, seed: c.seed, isn, ab, ba: imp(), trace: true });
      // The last packets go through clean: a lost tail packet is never NAKed (no
      // later packet reveals the gap; see 'tail loss' below).
      stream(sim, n - TAIL);
      sim.impair('ab', { loss: 0, burstProbability: 0, reorder: 0 });
      stream(sim, TAIL, 1000, n - TAIL);
      sim.run(sim.now + c.latencyMs * 1000 + 1_000_000);

      const got = ids(sim);
      expect(got.length, 'delivered count').to.equal(n);
      expect(got).to.deep.equal(range(n));
      const err = timingErrors(sim);
      expect(maxAbs(err), 'delivery-time error (µs)').to.be.at.most(1000);
      driftUntouched(sim);

      const ab_ = sim.counters('ab');
      const ba_ = sim.counters('ba');
      const as = sim.a.stats(sim.now);
      const bs = sim.b.stats(sim.now);
      expect(bs.pktRcvDrop).to.equal(0);
      expect(ab_.droppedOriginal).to.be.at.least(20 + n * c.loss * 0.7);
      expect(ab_.duplicated).to.be.greaterThan(0);
      expect(ab_.reordered).to.be.greaterThan(0);
      expect(ba_.control.NAK.dropped + ba_.control.ACK.dropped).to.be.greaterThan(0);
      expect(as.pktRetrans).to.equal(ab_.rexmitSent);
      expect(sim.a.flushed, 'sender buffer drained').to.equal(true);
      expect(sim.pastDeadlines, 'tick() returned a deadline not after now').to.equal(0);
      const { needed, spurious } = rexmitBreakdown(sim.trace);
      const ideal = 1 / (1 - c.loss);
      log(
        `lost originals ${ab_.droppedOriginal} (${ab_.droppedBurst} in bursts), retransmissions ${as.pktRetrans} ` +
          `= ${(as.pktRetrans / ab_.droppedOriginal).toFixed(2)} per loss (ideal ARQ ${ideal.toFixed(2)}; ` +
          `${needed} needed, ${spurious} spurious), retransmissions lost ${ab_.droppedRexmit}`,
      );
      log(
        `link A→B dup ${ab_.duplicated} reordered ${ab_.reordered}; B→A NAK lost ${ba_.control.NAK.dropped}/${ba_.control.NAK.sent}, ` +
          `ACK lost ${ba_.control.ACK.dropped}/${ba_.control.ACK.sent}; A→B ACKACK lost ${ab_.control.ACKACK?.dropped ?? 0}/${ab_.control.ACKACK?.sent ?? 0}`,
      );
      log(
        `delivery − (submit + hsDelay ${sim.hsDelayUs.ab} µs + latency): min ${Math.min(...err)} µs, max ${Math.max(...err)} µs; ` +
          `rcv belated/dup ${bs.pktRcvBelated}, srtt A ${(sim.a.rtt.srtt / 1000).toFixed(1)} ms B ${(sim.b.rtt.srtt / 1000).toFixed(1)} ms`,
      );
    });
  }

  it('netem-style jitter (100±20 ms, reordering) with 2 % loss: still exactly once, in order, on time; spurious retransmissions counted', () => {
    // Every packet overtaken by a later one opens a gap that is NAKed at once
    // (reorder tolerance 0, libsrt's SRTO_LOSSMAXTTL default), so most retransmissions are spurious.
    const n = 3000;
    const imp = (): Impairment => ({ delayUs: 100_000, jitterUs: 20_000, jitterReorders: true, loss: 0.02 });
    const sim = new SimLink({ clock: 'event', latencyMs: 800, seed: 14, ab: imp(), ba: imp(), trace: true });
    stream(sim, n - TAIL);
    sim.impair('ab', { loss: 0 });
    stream(sim, TAIL, 1000, n - TAIL);
    sim.run(sim.now + 2_000_000);
    expect(ids(sim)).to.deep.equal(range(n));
    expect(maxAbs(timingErrors(sim))).to.be.at.most(1000);
    const lost = sim.counters('ab').droppedOriginal;
    const rex = sim.a.stats(sim.now).pktRetrans;
    const { needed, spurious } = rexmitBreakdown(sim.trace);
    expect(needed).to.be.at.least(lost);
    log(`lost originals ${lost}, retransmissions ${rex} = ${(rex / lost).toFixed(1)} per loss (${needed} needed, ${spurious} spurious); NAKs ${sim.b.stats(sim.now).pktSentNAK}`);
  });

  // ------------------------------------------------------------------ latency too small
  it('latency 20 ms with 100 ms RTT and 10 % loss: every loss is a receiver drop, drops + delivered = sent, order kept, the stream reaches its end', () => {
    const n = 3000;
    const imp = (): Impairment => ({ delayUs: 50_000, jitterUs: 2000, loss: 0.1 });
    const sim = new SimLink({ clock: 'event', latencyMs: 20, seed: 21, ab: imp(), ba: imp() });
    stream(sim, n - TAIL);
    sim.impair('ab', { loss: 0 });
    stream(sim, TAIL, 1000, n - TAIL);
    sim.run(sim.now + 2_000_000);
    const got = ids(sim);
    const bs = sim.b.stats(sim.now);
    const lost = sim.counters('ab').droppedOriginal;
    expect(bs.pktRcvDrop).to.be.greaterThan(n * 0.1 * 0.8);
    // A retransmission needs one RTT (100 ms) > 20 ms: none is in time, each lost original is dropped.
    expect(bs.pktRcvDrop).to.equal(lost);
    expect(got.length + bs.pktRcvDrop).to.equal(n);
    expect(new Set(got).size, 'no duplicate delivery').to.equal(got.length);
    for (let i = 1; i < got.length; i++) expect(got[i], `order at ${i}`).to.be.greaterThan(got[i - 1]);
    expect(got[got.length - 1]).to.equal(n - 1);
    expect(maxAbs(timingErrors(sim)), 'what is delivered is on time').to.be.at.most(1000);
    const as = sim.a.stats(sim.now);
    log(`lost originals ${lost}, pktRcvDrop ${bs.pktRcvDrop}, delivered ${got.length}; retransmissions ${as.pktRetrans} (all too late: pktRcvBelated ${bs.pktRcvBelated}), pktSndDrop ${as.pktSndDrop}`);
  });

  it('tail loss: the last packet lost is never NAKed (no later packet shows the gap); the sender drops it after max(latency, 1 s) + 20 ms', () => {
    const isn = 100;
    const sim = new SimLink({ clock: 'event', latencyMs: 120, oneWayDelayUs: 10_000, isn, ab: { drop: (p) => p.kind === 'data' && p.seq === isn + 99 } });
    stream(sim, 100);
    const lastSubmit = sim.now;
    sim.run(lastSubmit + 1_020_000 - 1);
    expect(sim.a.stats(sim.now).pktSndDrop).to.equal(0);
    sim.run(lastSubmit + 1_020_000 + 1);
    expect(sim.a.stats(sim.now).pktSndDrop).to.equal(1);
    expect(sim.a.flushed).to.equal(true);
    expect(ids(sim)).to.deep.equal(range(99));
    const bs = sim.b.stats(sim.now);
    expect(bs.pktSentNAK).to.equal(0);
    expect(bs.pktRcvDrop).to.equal(0); // receiver-side accounting cannot see it
  });

  // ------------------------------------------------------------------ control packet loss
  it('a lost NAK is covered by the periodic NAK: the retransmission follows it, the packet plays on time', () => {
    const isn = 1000;
    const LOST = isn + 200;
    let sim!: SimLink;
    let firstNak = -1;
    let expectedInterval = -1;
    const nakHas = (p: Packet, seq: number) =>
      p.kind === 'control' && p.type === ControlType.NAK && (decodeLossList(p.body) ?? []).some(([a, b]) => seqOffset(a, seq) >= 0 && seqOffset(seq, b) >= 0);
    sim = new SimLink({
      clock: 'event', latencyMs: 500, oneWayDelayUs: 50_000, isn, trace: true,
      ab: { drop: (p) => p.kind === 'data' && p.seq === LOST && !p.retransmitted },
      ba: {
        drop: (p, now) => {
          if (!nakHas(p, LOST)) return false;
          // The period is taken with the RTT known when the periodic NAK goes out.
          if (firstNak >= 0) {
            if (expectedInterval < 0) expectedInterval = Math.max(20_000, (sim.b.rtt.srtt + 4 * sim.b.rtt.rttVar) / 2);
            return false;
          }
          firstNak = now;
          return true;
        },
      },
    });
    stream(sim, 500);
    sim.run(sim.now + 1_000_000);
    expect(ids(sim)).to.deep.equal(range(500));
    expect(maxAbs(timingErrors(sim))).to.be.at.most(1000);
    const naks = sim.trace.filter((t) => nakHas(t.pkt, LOST));
    log(`NAKs for it sent at +${naks.map((t) => ((t.sentUs - sim.submittedUs.get(200)!) / 1000).toFixed(1)).join(', +')} ms`);
    expect(naks.length).to.be.within(2, 3);
    expect(naks[0].arrivals).to.deep.equal([]);
    expect(naks[1].sentUs - naks[0].sentUs, 'periodic NAK interval').to.be.closeTo(expectedInterval, 1);
    const rex = sim.trace.filter((t) => t.type === 'DATA' && t.retransmitted);
    expect(rex.map((t) => t.seq)).to.deep.equal([LOST]);
    expect(rex[0].sentUs).to.equal(naks[1].arrivals[0]);
    log(`NAK lost at +${((firstNak - sim.submittedUs.get(200)!) / 1000).toFixed(1)} ms after submission; periodic NAK ${((naks[1].sentUs - naks[0].sentUs) / 1000).toFixed(1)} ms later (max(20 ms, (SRTT+4·RTTVar)/2) = ${(expectedInterval / 1000).toFixed(1)} ms); retransmission ${((rex[0].sentUs - sim.submittedUs.get(200)!) / 1000).toFixed(1)} ms after submission`);
  });

  it('2 s without any ACK (full or light): the sender keeps sending, nothing stalls, the buffer drains once ACKs return', () => {
    const n = 4000;
    let sim!: SimLink;
    const OUT_FROM = 2_000_000; // virtual µs
    const OUT_TO = 4_000_000;
    const newSends: number[] = [];
    sim = new SimLink({
      clock: 'event', latencyMs: 300, oneWayDelayUs: 20_000, seed: 31, trace: true,
      ab: { loss: 0.02, dataOnly: true },
      ba: { drop: (p, now) => p.kind === 'control' && p.type === ControlType.ACK && now >= OUT_FROM && now < OUT_TO },
    });
    sim.onSend = (from, p, now) => {
      if (from === 'a' && p.kind === 'data' && !p.retransmitted) newSends.push(now);
    };
    let maxFlight = 0;
    stream(sim, n - TAIL, 1000, 0, () => (maxFlight = Math.max(maxFlight, sim.a.stats(sim.now).pktFlightSize)));
    sim.impair('ab', { loss: 0 });
    stream(sim, TAIL, 1000, n - TAIL);
    sim.run(sim.now + 1_000_000);
    const inOutage = newSends.filter((t) => t >= OUT_FROM && t < OUT_TO).length;
    const writtenInOutage = [...sim.submittedUs.values()].filter((t) => t >= OUT_FROM && t < OUT_TO).length;
    expect(inOutage, 'new packets sent while no ACK came back').to.equal(writtenInOutage);
    expect(ids(sim)).to.deep.equal(range(n));
    expect(maxAbs(timingErrors(sim))).to.be.at.most(1000);
    expect(sim.a.flushed).to.equal(true);
    const as = sim.a.stats(sim.now);
    const ba = sim.counters('ba');
    expect(ba.control.ACK.dropped).to.be.greaterThan(0);
    log(`ACKs dropped ${ba.control.ACK.dropped}, light ACKs dropped ${ba.control.LIGHTACK?.dropped ?? 0}; max flight ${maxFlight}; ` +
      `sender drops of packets the receiver had (no ACK for > 1.02 s) ${as.pktSndDrop}; retransmissions ${as.pktRetrans} for ${sim.counters('ab').droppedOriginal} losses`);
  });

  it('30 % loss of every control packet (ACK, ACKACK, NAK, KEEPALIVE) both ways, 5 % data loss: all delivered on time, RTT still measured', () => {
    const n = 3000;
    const r = prng(99);
    const ctrlLoss = (p: Packet) => p.kind === 'control' && r() < 0.3;
    const sim = new SimLink({
      clock: 'event', latencyMs: 400, oneWayDelayUs: 20_000, seed: 32,
      ab: { loss: 0.05, dataOnly: true, drop: ctrlLoss },
      ba: { drop: ctrlLoss },
    });
    stream(sim, n - TAIL);
    sim.impair('ab', { loss: 0 });
    stream(sim, TAIL, 1000, n - TAIL);
    sim.run(sim.now + 1_000_000);
    expect(ids(sim)).to.deep.equal(range(n));
    expect(maxAbs(timingErrors(sim))).to.be.at.most(1000);
    expect(sim.a.flushed).to.equal(true);
    const ab = sim.counters('ab');
    const ba = sim.counters('ba');
    expect(ab.control.ACKACK.dropped).to.be.greaterThan(0);
    expect(ba.control.NAK.dropped).to.be.greaterThan(0);
    expect(sim.b.rtt.srtt).to.be.within(36_000, 44_000);
    const as = sim.a.stats(sim.now);
    log(`dropped: ACK ${ba.control.ACK.dropped}/${ba.control.ACK.sent}, NAK ${ba.control.NAK.dropped}/${ba.control.NAK.sent}, ACKACK ${ab.control.ACKACK.dropped}/${ab.control.ACKACK.sent}; ` +
      `retransmissions ${as.pktRetrans} for ${ab.droppedOriginal} losses (${(as.pktRetrans / ab.droppedOriginal).toFixed(2)}); srtt B ${(sim.b.rtt.srtt / 1000).toFixed(1)} ms`);
  });

  // ------------------------------------------------------------------ flow window
  it('a receiver whose buffer fills (reader paused) shrinks the flow window: the sender never has more in flight than the window', () => {
    const n = 2000;
    const RCVBUF = 200;
    let sim!: SimLink;
    const violations: string[] = [];
    let minWindow = Infinity;
    let sentWhilePaused = 0;
    sim = new SimLink({ clock: 'event', latencyMs: 60, oneWayDelayUs: 10_000, b: { rcvBufPackets: RCVBUF }, a: { flowWindow: RCVBUF } });
    sim.onSend = (from, p, now) => {
      if (from !== 'a' || p.kind !== 'data' || p.retransmitted) return;
      // Called inside the engine's send: the packet is already counted in flight.
      const s = sim.a.stats(now);
      minWindow = Math.min(minWindow, s.pktFlowWindow);
      if (s.pktFlightSize > s.pktFlowWindow) violations.push(`seq ${p.seq} at ${now}: flight ${s.pktFlightSize} > window ${s.pktFlowWindow}`);
      if (!sim.bReading) sentWhilePaused++;
    };
    stream(sim, n, 1000, 0, (i) => {
      if (i === 500) sim.bReading = false; // the application stops reading for 400 ms
      if (i === 900) sim.resumeB();
    });
    sim.run(sim.now + 2_000_000);
    expect(violations.slice(0, 5)).to.deep.equal([]);
    expect(minWindow).to.be.at.most(2 + 10);
    // Paused for 400 ms at 1 packet/ms: the sender held most of those back.
    expect(sentWhilePaused).to.be.lessThan(RCVBUF + 20);
    const got = ids(sim);
    const bs = sim.b.stats(sim.now);
    // The window never goes below 2 (libsrt's deadlock breaker): each ACK of a full buffer lets
    // 2 packets through, the receiver has no room and throws them away; by the time the reader
    // is back they are past their play time, so the gap is skipped. Nothing else is lost.
    const missing = range(n).filter((i) => !got.includes(i));
    expect(missing.length).to.be.at.most(4);
    for (let i = 1; i < got.length; i++) expect(got[i]).to.be.greaterThan(got[i - 1]);
    log(`min window ${minWindow}, new packets sent during the 400 ms pause ${sentWhilePaused} (buffer ${RCVBUF}); ` +
      `lost in the full buffer [${missing.join(', ')}], pktRcvDrop ${bs.pktRcvDrop}, retransmissions ${sim.a.stats(sim.now).pktRetrans}, sender drops ${sim.a.stats(sim.now).pktSndDrop}`);
  });

  // A packet refused by a full receive buffer is not a drop yet (it may be resent): it counts in
  // pktRcvDrop only when too-late drop skips it, so each undelivered packet counts once.
  it('pktRcvDrop counts each undelivered packet once when the receive buffer overflowed (delivered + pktRcvDrop = sent)', () => {
    const n = 2000;
    const sim = new SimLink({ clock: 'event', latencyMs: 60, oneWayDelayUs: 10_000, b: { rcvBufPackets: 200 }, a: { flowWindow: 200 } });
    stream(sim, n, 1000, 0, (i) => {
      if (i === 500) sim.bReading = false;
      if (i === 900) sim.resumeB();
    });
    sim.run(sim.now + 2_000_000);
    expect(sim.delivered.length + sim.b.stats(sim.now).pktRcvDrop).to.equal(n);
  });

  // ------------------------------------------------------------------ wraps
  it('crosses the 32-bit timestamp wrap (2^32 µs) with 10 % loss, reordering, duplication and a loss burst right at the wrap', () => {
    const n = 3000;
    const offset = TWO32 - 1_500_000; // timestamps wrap 1.5 s into the stream
    const nearWrap = (p: Packet) => p.kind === 'data' && !p.retransmitted && (p.timestamp >= TWO32 - 10_000 || p.timestamp < 10_000);
    const imp = (): Impairment => ({ delayUs: 20_000, jitterUs: 5000, loss: 0.1, reorder: 0.05, reorderDelayUs: 15_000, duplicate: 0.02 });
    const ab = { ...imp(), drop: nearWrap };
    const sim = new SimLink({ clock: 'event', latencyMs: 400, seed: 41, tsOffsetUs: offset, ab, ba: imp(), trace: true });
    stream(sim, n - TAIL);
    sim.impair('ab', { loss: 0, reorder: 0 });
    stream(sim, TAIL, 1000, n - TAIL);
    sim.run(sim.now + 1_000_000);
    expect(ids(sim)).to.deep.equal(range(n));
    expect(maxAbs(timingErrors(sim))).to.be.at.most(1000);
    const data = sim.trace.filter((t) => t.type === 'DATA' && t.dir === 'ab');
    const ts = data.map((t) => (t.pkt.kind === 'data' ? t.pkt.timestamp : 0));
    expect(Math.max(...ts)).to.be.above(TWO32 - 2000);
    expect(Math.min(...ts)).to.be.below(1000);
    const wrapRexmits = data.filter((t) => t.retransmitted && t.pkt.kind === 'data' && (t.pkt.timestamp >= TWO32 - 10_000 || t.pkt.timestamp < 10_000));
    expect(sim.counters('ab').droppedForced).to.equal(20);
    expect(wrapRexmits.length).to.be.at.least(20);
    driftUntouched(sim);
    log(`20 originals dropped across the wrap, ${wrapRexmits.length} retransmissions of them; lost originals ${sim.counters('ab').droppedOriginal}, retransmissions ${sim.a.stats(sim.now).pktRetrans}`);
  });

  it('crosses the 31-bit sequence-number wrap with 10 % loss and reordering', () => {
    const n = 3000;
    const isn = 0x7fffffff - 1000;
    const imp = (): Impairment => ({ delayUs: 20_000, jitterUs: 5000, loss: 0.1, reorder: 0.05, reorderDelayUs: 15_000, duplicate: 0.02 });
    const sim = new SimLink({ clock: 'event', latencyMs: 400, seed: 42, isn, ab: imp(), ba: imp() });
    stream(sim, n - TAIL);
    sim.impair('ab', { loss: 0, reorder: 0 });
    stream(sim, TAIL, 1000, n - TAIL);
    sim.run(sim.now + 1_000_000);
    expect(ids(sim)).to.deep.equal(range(n));
    expect(maxAbs(timingErrors(sim))).to.be.at.most(1000);
    expect(sim.a.flushed).to.equal(true);
  });

  // ------------------------------------------------------------------ DROPREQ
  it('DROPREQ: after a 1.5 s outage with latency 20 ms the sender answers NAKs for what it dropped, the receiver stops asking, the stream resumes', () => {
    const n = 4000;
    const OUT_FROM = 2_000_000;
    const OUT_TO = 3_500_000;
    // One-way 2 ms: the NAK → DROPREQ round trip (4 ms) beats the receiver's own
    // too-late drop of the gap (20 ms latency), so the DROPREQ is what clears it. (With
    // 10 ms one-way both happen at the same instant and the receiver's drop wins.)
    const isn = 1000;
    const sim = new SimLink({ clock: 'event', latencyMs: 20, oneWayDelayUs: 2000, seed: 51, isn, trace: true });
    sim.outage(OUT_FROM, OUT_TO);
    stream(sim, n);
    sim.run(sim.now + 1_000_000);
    const got = ids(sim);
    const bs = sim.b.stats(sim.now);
    const as = sim.a.stats(sim.now);
    const dropreqs = sim.trace.filter((t) => t.type === 'DROPREQ');
    const naks = sim.trace.filter((t) => t.type === 'NAK');
    expect(dropreqs.length, 'DROPREQ sent').to.be.greaterThan(0);
    expect(dropreqs.every((t) => t.sentUs >= OUT_TO)).to.equal(true);
    // The DROPREQ covers the first packet lost in the outage up to the oldest still buffered.
    const firstLost = Math.min(...sim.trace.filter((t) => t.type === 'DATA' && !t.retransmitted && !t.arrivals.length).map((t) => t.seq!));
    const dr = dropreqs[0].pkt.kind === 'control' ? [dropreqs[0].pkt.body.readUInt32BE(0), dropreqs[0].pkt.body.readUInt32BE(4)] : [];
    expect(dr[0]).to.equal(firstLost);
    const drSize = seqOffset(dr[0], dr[1]) + 1;
    // The sender goes on dropping the next few (submitted > 1.02 s ago) until the ACK arrives.
    expect(as.pktSndDrop).to.be.within(drSize, drSize + 20);
    expect(bs.pktRcvDrop, 'the receiver skipped exactly the DROPREQ range').to.equal(drSize);
    expect(bs.pktRcvLossRanges).to.equal(0);
    const lastNak = Math.max(...naks.map((t) => t.sentUs));
    expect(lastNak - OUT_TO, 'the receiver stopped asking').to.be.below(50_000);
    // Everything written after the outage arrives.
    const after = [...sim.submittedUs.entries()].filter(([, t]) => t >= OUT_TO).map(([id]) => id);
    const gotSet = new Set(got);
    expect(after.filter((id) => !gotSet.has(id))).to.deep.equal([]);
    expect(got.length + bs.pktRcvDrop).to.equal(n);
    for (let i = 1; i < got.length; i++) expect(got[i]).to.be.greaterThan(got[i - 1]);
    const err = timingErrors(sim);
    const late = err.filter((e) => e > 1000);
    log(`outage ${(OUT_TO - OUT_FROM) / 1000} ms: pktSndDrop ${as.pktSndDrop}, DROPREQs ${dropreqs.length} (range of ${drSize}), NAKs ${naks.length} (last ${((lastNak - OUT_TO) / 1000).toFixed(1)} ms after the outage), ` +
      `pktRcvDrop ${bs.pktRcvDrop}, delivered ${got.length}; retransmissions ${as.pktRetrans}; ` +
      `delivered after their play time ${late.length} (up to ${(Math.max(0, ...late) / 1000).toFixed(1)} ms late: retransmissions of packets the sender still held)`);
  });

  // ------------------------------------------------------------------ keepalive and peer idle
  it('keepalives every 1 s while idle but connected; a dead link breaks both engines within peerIdleTimeout + 1 s', () => {
    const sim = new SimLink({ clock: 'event', latencyMs: 120, oneWayDelayUs: 10_000, trace: true });
    stream(sim, 1000);
    const idleFrom = sim.now + 200_000; // after the last ACK/ACKACK exchange
    sim.run(idleFrom + 10_000_000);
    const kas = (dir: 'ab' | 'ba', from: number, to: number) =>
      sim.trace.filter((t) => t.type === 'KEEPALIVE' && t.dir === dir && t.sentUs >= from && t.sentUs < to).map((t) => t.sentUs);
    for (const dir of ['ab', 'ba'] as const) {
      const k = kas(dir, idleFrom, sim.now);
      expect(k.length, `${dir} keepalives in 10 s idle`).to.be.within(9, 10);
      for (let i = 1; i < k.length; i++) expect(k[i] - k[i - 1]).to.equal(1_000_000);
      const others = sim.trace.filter((t) => t.dir === dir && t.sentUs >= idleFrom && t.type !== 'KEEPALIVE');
      expect(others.map((t) => t.type)).to.deep.equal([]);
    }
    expect(sim.brokenAt).to.deep.equal({});
    expect(sim.pastDeadlines).to.equal(0);

    const dead = sim.now;
    sim.outage(dead, Infinity);
    sim.run(dead + 8_000_000);
    const timeout = sim.a.cfg.peerIdleTimeoutMs * 1000;
    for (const who of ['a', 'b'] as const) {
      const at = sim.brokenAt[who];
      expect(at, `${who} broken`).to.be.a('number');
      expect(at! - dead).to.be.at.most(timeout + 1_000_000);
      const lastHeard = Math.max(...sim.trace.filter((t) => t.dir === (who === 'a' ? 'ba' : 'ab')).flatMap((t) => t.arrivals));
      expect(at! - lastHeard).to.be.within(timeout, timeout + 2000);
    }
    const kaA = kas('ab', dead, Infinity).length;
    const kaB = kas('ba', dead, Infinity).length;
    expect(kaA).to.be.within(4, 5);
    expect(kaB).to.be.within(4, 5);
    log(`idle 10 s: ${kas('ab', idleFrom, dead).length} keepalives A→B, ${kas('ba', idleFrom, dead).length} B→A, 1.000 s apart; ` +
      `link dead at t: broken A at t+${((sim.brokenAt.a! - dead) / 1e6).toFixed(3)} s, B at t+${((sim.brokenAt.b! - dead) / 1e6).toFixed(3)} s; keepalives into the dead link ${kaA} / ${kaB}`);
  });

  // ------------------------------------------------------------------ RTT
  for (const c of [
    { name: 'symmetric 50/50 ms ± 5 ms, 2 % loss', ab: 50_000, ba: 50_000, jitter: 5000, loss: 0.02 },
    { name: 'asymmetric 20/80 ms, clean', ab: 20_000, ba: 80_000, jitter: 0, loss: 0 },
  ]) {
    it(`srtt converges to the link RTT within 10 % on both sides (${c.name})`, () => {
      const sim = new SimLink({
        clock: 'event', latencyMs: 500, seed: 61,
        ab: { delayUs: c.ab, jitterUs: c.jitter, loss: c.loss },
        ba: { delayUs: c.ba, jitterUs: c.jitter, loss: c.loss },
      });
      stream(sim, 3000);
      const rtt = c.ab + c.ba;
      expect(sim.b.rtt.srtt, 'receiver srtt (ACK/ACKACK)').to.be.within(rtt * 0.9, rtt * 1.1);
      expect(sim.a.rtt.srtt, 'sender srtt (from the ACK)').to.be.within(rtt * 0.9, rtt * 1.1);
      log(`link RTT ${rtt / 1000} ms: srtt B ${(sim.b.rtt.srtt / 1000).toFixed(2)} ms (rttvar ${(sim.b.rtt.rttVar / 1000).toFixed(2)}), A ${(sim.a.rtt.srtt / 1000).toFixed(2)} ms`);
    });
  }
});
