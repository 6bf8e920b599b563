/**
 * srt-pipe's URL parameters for libsrt's protocol options (tsbpdmode, drifttracer, snddropdelay,
 * retransmitalgo, minversion, ipttl, ipv6only, iptos, timeout, blocking) and srt-live-transmit's
 * udp:// ones (ttl, mcloop, source, multicast, iptos): names, values and refusals.
 */
import { expect } from 'chai';
import { resolveEndpoint, type SrtSpec, type UdpSpec } from '../../src/cli/endpoint-spec';
import { parseVersionParam } from '../../src/cli/param-values';
import { parseSrtParams } from '../../src/cli/srt-params';
import { parseQuery } from '../../src/cli/uri';
import { UsageError } from '../../src/cli/usage-error';

const p = (q: string) => parseSrtParams(parseQuery(q));
const srt = (raw: string): SrtSpec => resolveEndpoint(raw, 'input') as SrtSpec;
const udp = (raw: string, role: 'input' | 'output' = 'input'): UdpSpec => {
  const s = resolveEndpoint(raw, role);
  expect(s.kind).to.equal('udp');
  return s as UdpSpec;
};
const usageError = (fn: () => unknown, re: RegExp): void => {
  expect(fn).to.throw(UsageError, re);
};

describe('cli: libsrt protocol parameters', () => {
  it('maps them to the library options with libsrt names and units, without notes', () => {
    const r = p('tsbpdmode=0&drifttracer=off&snddropdelay=500&retransmitalgo=0&minversion=0x010300&ipttl=7&ipv6only=1');
    expect(r.options).to.deep.equal({
      tsbpdMode: false, driftTracer: false, sndDropDelay: 500, retransmitAlgo: 0, minVersion: 0x010300, ipTtl: 7, ipv6Only: true,
    });
    expect(r.notes).to.deep.equal([]);
  });

  it("tsbpd= is srt-live-transmit's own spelling of tsbpdmode", () => {
    expect(p('tsbpd=false').options).to.deep.equal({ tsbpdMode: false });
    expect(p('tsbpd=1').options).to.deep.equal({ tsbpdMode: true });
  });

  it('snddropdelay: -1 turns sender drop off; below -1 is refused', () => {
    expect(p('snddropdelay=-1').options.sndDropDelay).to.equal(-1);
    expect(p('snddropdelay=0').options.sndDropDelay).to.equal(0);
    usageError(() => p('snddropdelay=-2'), /snddropdelay=-2: must be between -1 and/);
    usageError(() => p('snddropdelay=1s'), /snddropdelay=1s: expected an integer/);
  });

  it('retransmitalgo: 0 or 1 only', () => {
    expect(p('retransmitalgo=1').options.retransmitAlgo).to.equal(1);
    usageError(() => p('retransmitalgo=2'), /retransmitalgo=2: must be between 0 and 1/);
  });

  it('minversion: hex as srt-live-transmit reads it, its decimal value, or dotted', () => {
    expect(parseVersionParam('minversion', '0x010502')).to.equal(0x010502);
    expect(parseVersionParam('minversion', '0X10300')).to.equal(0x010300);
    expect(parseVersionParam('minversion', '66818')).to.equal(0x010502);
    expect(parseVersionParam('minversion', '1.5.2')).to.equal(0x010502);
    expect(parseVersionParam('minversion', '1.4')).to.equal(0x010400);
    expect(parseVersionParam('minversion', '0')).to.equal(0);
  });

  it('minversion: refuses a leading zero (srt-live-transmit would read 010300 as octal), out-of-range parts, junk', () => {
    for (const v of ['010300', '1.256.0', '0x1000000', '1.5.2.1', 'v1.5', '-1', '', '1.']) {
      usageError(() => p(`minversion=${v}`), /expected a version such as 0x010300 or 1\.3\.0/);
    }
  });

  it('ipttl: 1..255, or -1 for the system default; 0 is refused (by the library, in URI terms)', () => {
    expect(p('ipttl=255').options.ipTtl).to.equal(255);
    expect(srt('srt://h:9000?ipttl=-1').options).to.deep.equal({ ipTtl: -1 });
    usageError(() => srt('srt://h:9000?ipttl=0'), /^ipttl must be an integer in \[1, 255\], got 0 in 'srt:\/\/h:9000\?ipttl=0'/);
    usageError(() => p('ipttl=256'), /ipttl=256: must be between -1 and 255/);
  });

  it("ipv6only: 0/1 (any boolean spelling); -1 is libsrt's 'system default', here dual stack", () => {
    expect(p('ipv6only=0').options).to.deep.equal({ ipv6Only: false });
    expect(p('ipv6only=yes').options).to.deep.equal({ ipv6Only: true });
    expect(p('ipv6only=-1').options).to.deep.equal({});
    usageError(() => p('ipv6only=2'), /ipv6only=2: expected 0\/1/);
  });

  it('iptos: accepted (decimal or hex, -1) with a note that it has no effect; junk refused', () => {
    for (const v of ['184', '0xB8', '0', '-1']) {
      const r = p(`iptos=${v}`);
      expect(r.options).to.deep.equal({});
      expect(r.notes).to.deep.equal([`note: iptos=${v} has no effect (Node's dgram cannot set IP_TOS)`]);
    }
    usageError(() => p('iptos=256'), /iptos=256: must be between 0 and 255/);
    usageError(() => p('iptos=0x100'), /iptos=0x100: expected an integer/);
  });

  it('timeout and blocking: accepted with a note saying srt-live-transmit does nothing with them either', () => {
    const r = p('timeout=5000&blocking=1');
    expect(r.options).to.deep.equal({});
    expect(r.notes[0]).to.equal(
      'note: timeout=5000 ignored (as in srt-live-transmit, whose sockets are non-blocking; see conntimeo / peeridletimeo)',
    );
    expect(r.notes[1]).to.equal('note: blocking=1 ignored (srt-live-transmit ignores it too; srt-pipe is never blocking)');
  });

  it('a listener on [::] with ipv6only=1 keeps the option', () => {
    expect(srt('srt://[::]:9000?ipv6only=1')).to.deep.include({ mode: 'listener', host: '::', options: { ipv6Only: true } });
  });
});

describe('cli: udp:// parameters (srt-live-transmit UdpCommon)', () => {
  it('input: multicast group with adapter (the interface), source (SSM), mcloop, ttl', () => {
    expect(udp('udp://232.1.2.3:5000?adapter=127.0.0.1&source=10.0.0.9&mcloop=0&ttl=4')).to.deep.include({
      host: '232.1.2.3', multicast: true, localAddress: '127.0.0.1', source: '10.0.0.9', mcLoop: false, ttl: 4, notes: [],
    });
    expect(udp('udp://[ff15::1234]:5000?source=fd00::9')).to.include({ multicast: true, source: 'fd00::9' });
  });

  it('output: mcloop and ttl to a group, adapter as its interface', () => {
    expect(udp('udp://239.1.2.3:5000?adapter=192.0.2.2&mcloop=1&ttl=16', 'output')).to.deep.include({
      multicast: true, localAddress: '192.0.2.2', mcLoop: true, ttl: 16,
    });
  });

  it('source= only for a multicast input, with an address of the group family', () => {
    usageError(() => udp('udp://232.1.2.3:5000?source=10.0.0.9', 'output'), /source= \(source-specific multicast\) is for a udp:\/\/ input/);
    usageError(() => udp('udp://127.0.0.1:5000?source=10.0.0.9'), /source= needs a multicast group address/);
    usageError(() => udp('udp://232.1.2.3:5000?source=fd00::9'), /source=fd00::9: expected an IP address of the group's family/);
    usageError(() => udp('udp://232.1.2.3:5000?source=somehost'), /source=somehost: expected an IP address/);
  });

  it('multicast= (its presence, as srt-live-transmit) insists on a group address', () => {
    expect(udp('udp://239.1.2.3:5000?multicast').multicast).to.equal(true);
    usageError(() => udp('udp://127.0.0.1:5000?multicast=1'), /multicast= needs a multicast group address/);
  });

  it('iptos: accepted with a note (no effect in Node); mcloop takes booleans only', () => {
    expect(udp('udp://127.0.0.1:5000?iptos=0x2e', 'output').notes).to.deep.equal([
      "note: iptos=0x2e has no effect (Node's dgram cannot set IP_TOS)",
    ]);
    usageError(() => udp('udp://239.1.2.3:5000?mcloop=maybe'), /mcloop=maybe: expected 0\/1/);
  });
});
