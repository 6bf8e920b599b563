import { expect } from 'chai';
import fc from 'fast-check';
import { AIM_SEQ, ENGINE_SETUPS, listenerHandles } from '../support/hostile-targets';
import { handshake, hostileBytes, hostilePacket, lyingHandshakeBody } from '../support/wire-arbitraries';
import { ControlType, encodeControl } from '../../src/protocol/packet';
import { encodeHandshake } from '../../src/protocol/handshake-packet';

/**
 * Random sequences of well-formed but hostile packets against established engines. Nothing may
 * throw, and no call may take long: the limit is generous (GC pauses fit in it many times over)
 * because the failures it guards against took seconds per datagram.
 */
const CALL_LIMIT_MS = 100;
const RUNS = Number(process.env.PROPS_RUNS_SCALE ?? 1) * 40;
const SEED = Number(process.env.PROPS_SEED ?? 0x5eed);

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

describe('engine under hostile control packets (property)', function () {
  this.timeout(120_000);

  for (const [name, setup] of Object.entries(ENGINE_SETUPS)) {
    it(`${name}: never throws, every call bounded (< ${CALL_LIMIT_MS} ms)`, () => {
      let slowest = 0;
      fc.assert(
        fc.property(fc.array(hostilePacket(2, AIM_SEQ), { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 40, maxLength: 40 }), (packets, gaps) => {
          const e = setup();
          packets.forEach((p, i) => {
            const ms = timed(() => {
              e.now += gaps[i];
              e.datagram(p);
            });
            slowest = Math.max(slowest, ms);
            expect(ms, `packet ${i} of ${packets.length}`).to.be.below(CALL_LIMIT_MS);
          });
        }),
        { seed: SEED, numRuns: RUNS },
      );
      expect(slowest).to.be.below(CALL_LIMIT_MS);
      console.log(`        · slowest call ${(slowest * 1000).toFixed(0)} µs`);
    });
  }

  it('the listener handshake path (parse, negotiate, KM) never throws on lying or mutated handshakes', () => {
    const asDatagram = (body: Buffer) => encodeControl(ControlType.HANDSHAKE, 0, 0, 0, body);
    fc.assert(
      fc.property(fc.oneof(lyingHandshakeBody, hostileBytes(handshake.map(encodeHandshake))).map(asDatagram), (d) => {
        expect(['ignored', 'refused', 'accepted']).to.include(listenerHandles(d));
      }),
      { seed: SEED, numRuns: RUNS * 25 },
    );
  });
});
