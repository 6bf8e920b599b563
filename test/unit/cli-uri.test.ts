import { expect } from 'chai';
import { parseCliArgs } from '../../src/cli/args';
import { resolveEndpoint, type SrtSpec, type TcpSpec, type UdpSpec } from '../../src/cli/endpoint-spec';
import { parseDurationParam } from '../../src/cli/param-values';
import { parseSrtParams } from '../../src/cli/srt-params';
import { parseQuery, parseUri, percentDecode, redactUri } from '../../src/cli/uri';
import { UsageError } from '../../src/cli/usage-error';
import { prng } from '../../src/tools/prng';

const srt = (raw: string, role: 'input' | 'output' = 'input'): SrtSpec => {
  const s = resolveEndpoint(raw, role);
  expect(s.kind).to.equal('srt');
  return s as SrtSpec;
};
const usageError = (fn: () => unknown, re: RegExp): void => {
  expect(fn).to.throw(UsageError, re);
};

describe('cli: URI parsing', () => {
  it('parses host, port and query', () => {
    expect(parseUri('srt://example.net:9000?latency=200&streamid=abc')).to.deep.equal({
      scheme: 'srt', host: 'example.net', port: 9000, raw: 'srt://example.net:9000?latency=200&streamid=abc',
      params: [{ key: 'latency', value: '200' }, { key: 'streamid', value: 'abc' }],
    });
  });

  it('parses bracketed IPv6 hosts', () => {
    const u = parseUri('srt://[::1]:9000?latency=1');
    expect(u).to.include({ scheme: 'srt', host: '::1', port: 9000 });
    expect(parseUri('udp://[ff02::1]:5000')).to.include({ host: 'ff02::1', port: 5000 });
    expect(parseUri('srt://[::]:9000')).to.include({ host: '::', port: 9000 });
  });

  it('rejects an unbracketed IPv6 host and an unterminated bracket', () => {
    usageError(() => parseUri('srt://::1:9000'), /brackets/);
    usageError(() => parseUri('srt://[::1:9000'), /unterminated/);
  });

  it('keeps a raw # in the query as data (not a URL fragment)', () => {
    const u = parseUri('srt://h:9000?streamid=#!::r=live/cam,m=publish&latency=200');
    expect(u.scheme === 'srt' && u.params).to.deep.equal([
      { key: 'streamid', value: '#!::r=live/cam,m=publish' },
      { key: 'latency', value: '200' },
    ]);
  });

  it('decodes %XX escapes in values (and keeps stray %, + as is)', () => {
    expect(parseQuery('streamid=%23!%3A%3Ar%3Dlive%2Fcam%2Cm%3Dpublish')).to.deep.equal([
      { key: 'streamid', value: '#!::r=live/cam,m=publish' },
    ]);
    expect(parseQuery('streamid=a%26b%3Dc')[0].value).to.equal('a&b=c');
    expect(percentDecode('100%')).to.equal('100%');
    expect(percentDecode('%zz%4')).to.equal('%zz%4');
    expect(percentDecode('a+b')).to.equal('a+b');
    expect(percentDecode('caf%C3%A9')).to.equal('café');
    // Raw non-ASCII next to a stray or broken escape: kept whole (decoding falls back byte-wise there).
    expect(percentDecode('café%')).to.equal('café%');
    expect(percentDecode('€%E2%82x😀')).to.equal('€\uFFFDx😀');
    expect(percentDecode('é%zz%C3%A9')).to.equal('é%zzé');
  });

  it('lower-cases keys, skips empty parts, treats a bare key as empty value', () => {
    expect(parseQuery('Latency=1&&nakreport')).to.deep.equal([
      { key: 'latency', value: '1' },
      { key: 'nakreport', value: '' },
    ]);
  });

  it('rejects bad ports', () => {
    usageError(() => parseUri('srt://h:99999'), /bad port '99999'/);
    usageError(() => parseUri('srt://h:abc'), /bad port 'abc'/);
    usageError(() => parseUri('srt://h:'), /bad port ''/);
    usageError(() => parseUri('srt://h:-1'), /bad port/);
    usageError(() => parseUri('srt://h'), /missing port/);
    usageError(() => parseUri('srt://[::1]'), /missing port/);
    usageError(() => resolveEndpoint('srt://h:0', 'output'), /port 0 for a caller/);
  });

  it('tolerates a trailing slash but rejects a path', () => {
    expect(parseUri('srt://h:9000/?latency=1')).to.include({ port: 9000 });
    usageError(() => parseUri('srt://h:9000/live'), /unexpected path/);
  });

  it('rejects unknown schemes', () => {
    usageError(() => parseUri('rtmp://h:1935/live'), /unsupported scheme 'rtmp:\/\/'/);
  });

  it('maps file forms and stdio', () => {
    expect(parseUri('-')).to.deep.equal({ scheme: 'stdio', raw: '-' });
    expect(parseUri('file://con').scheme).to.equal('stdio');
    expect(parseUri('file:///abs/path.ts')).to.include({ scheme: 'file', path: '/abs/path.ts' });
    expect(parseUri('file://rel/out.ts')).to.include({ scheme: 'file', path: 'rel/out.ts' });
    expect(parseUri('file:///tmp/a%20b.ts')).to.include({ path: '/tmp/a b.ts' });
    expect(parseUri('out.ts')).to.include({ scheme: 'file', path: 'out.ts' });
    expect(parseUri('./a?b#c')).to.include({ scheme: 'file', path: './a?b#c' });
    usageError(() => parseUri('file://'), /missing path/);
    usageError(() => parseUri(''), /empty/);
    expect(resolveEndpoint('-', 'input')).to.deep.equal({ kind: 'stdio', label: 'stdin' });
    expect(resolveEndpoint('file://con', 'output')).to.deep.equal({ kind: 'stdio', label: 'stdout' });
  });
});

describe('cli: SRT mode inference', () => {
  it('empty host = listener, host = caller (srt-live-transmit)', () => {
    expect(srt('srt://:9000')).to.include({ mode: 'listener', host: '', port: 9000 });
    expect(srt('srt://10.0.0.1:9000')).to.include({ mode: 'caller', host: '10.0.0.1', port: 9000 });
    expect(srt('srt://[::1]:9000')).to.include({ mode: 'caller', host: '::1' });
  });

  it('wildcard hosts listen', () => {
    expect(srt('srt://0.0.0.0:9000')).to.include({ mode: 'listener', host: '0.0.0.0' });
    expect(srt('srt://[::]:9000')).to.include({ mode: 'listener', host: '::' });
  });

  it('mode= overrides the inference', () => {
    expect(srt('srt://127.0.0.1:9000?mode=listener')).to.include({ mode: 'listener', host: '127.0.0.1' });
    expect(srt('srt://h:9000?mode=caller&adapter=10.0.0.2&port=5000')).to.include({
      mode: 'caller', localAddress: '10.0.0.2', localPort: 5000,
    });
    expect(srt('srt://:9000?mode=listener&adapter=127.0.0.1')).to.include({ mode: 'listener', host: '127.0.0.1' });
    usageError(() => srt('srt://:9000?mode=caller'), /needs a host/);
    usageError(() => srt('srt://h:9000?mode=bogus'), /mode=bogus/);
  });

  it('rendezvous: explicit, or inferred from a host plus adapter= (srt-live-transmit); port= is the local port', () => {
    expect(srt('srt://h:9000?mode=rendezvous')).to.include({ mode: 'rendezvous', host: 'h', port: 9000 });
    expect(srt('srt://h:9000?adapter=10.0.0.2&port=9001')).to.include({ mode: 'rendezvous', localAddress: '10.0.0.2', localPort: 9001 });
    usageError(() => srt('srt://:9000?mode=rendezvous'), /needs the peer's host/);
  });

  it('notes port= on a listener as ignored', () => {
    expect(srt('srt://:9000?port=1234').notes.join()).to.match(/port=1234 ignored/);
  });
});

describe('cli: SRT parameters', () => {
  const p = (q: string) => parseSrtParams(parseQuery(q));

  it('maps srt-live-transmit names to SrtOptions', () => {
    const r = p(
      'latency=200&rcvlatency=300&peerlatency=100&streamid=cam&payloadsize=1316&conntimeo=5000&peeridletimeo=8000' +
        '&maxbw=1000000&mss=1400&fc=8192&tlpktdrop=0&nakreport=off&linger=2',
    );
    expect(r.options).to.deep.equal({
      latency: 200, rcvLatency: 300, peerLatency: 100, streamId: 'cam', payloadSize: 1316, connectTimeout: 5000,
      peerIdleTimeout: 8000, maxBw: 1000000, mss: 1400, fc: 8192, tlpktDrop: false, nakReport: false, linger: 2000,
    });
    expect(r.notes).to.deep.equal([]);
  });

  it('accepts unit suffixes on durations', () => {
    expect(p('latency=200ms').options.latency).to.equal(200);
    expect(p('latency=200000us').options.latency).to.equal(200);
    expect(p('latency=2s').options.latency).to.equal(2000);
    expect(p('latency=1.5s').options.latency).to.equal(1500);
    expect(p('conntimeo=2s').options.connectTimeout).to.equal(2000);
    expect(p('linger=500ms').options.linger).to.equal(500);
    expect(p('linger=0').options.linger).to.equal(0);
    expect(parseDurationParam('x', '250000 us', 'ms')).to.deep.equal({ ms: 250, plain: false });
    usageError(() => p('latency=fast'), /latency=fast: expected a duration/);
    usageError(() => p('latency=-5'), /expected a duration/);
  });

  it('warns when a plain latency looks like ffmpeg microseconds, errors above 65535 ms', () => {
    const r = p('latency=61000');
    expect(r.options.latency).to.equal(61000);
    expect(r.notes[0]).to.match(/warning: latency=61000 .*microseconds.*latency=61ms or latency=61000us/);
    expect(p('latency=60000').notes).to.deep.equal([]);
    usageError(() => p('rcvlatency=3000000'), /above the protocol limit.*rcvlatency=3000ms or rcvlatency=3000000us/);
    expect(p('latency=61000ms').notes).to.deep.equal([]); // explicit unit: the user meant it
  });

  it('converts rcvbuf/sndbuf bytes to packets of mss - 28 bytes', () => {
    expect(p('rcvbuf=12058624&sndbuf=47104').options).to.include({ rcvBuf: 8192, sndBuf: 32 });
    expect(p('rcvbuf=47105').options.rcvBuf).to.equal(33);
    usageError(() => p('rcvbuf=1472'), /rcvbuf=1472 is in bytes: at least 47104 \(32 packets of 1472 bytes\)/);
    // mss given after rcvbuf still applies (order-independent)
    expect(p('rcvbuf=45000&mss=1400').options.rcvBuf).to.equal(33);
  });

  it('parses booleans in all the usual spellings', () => {
    for (const t of ['1', 'true', 'on', 'yes', 'TRUE']) expect(p(`tlpktdrop=${t}`).options.tlpktDrop).to.equal(true);
    for (const f of ['0', 'false', 'off', 'no']) expect(p(`nakreport=${f}`).options.nakReport).to.equal(false);
    usageError(() => p('nakreport=maybe'), /nakreport=maybe/);
  });

  it('validates ranges', () => {
    usageError(() => p('payloadsize=1500'), /payloadsize=1500: must be between 1 and 1456/);
    usageError(() => p('mss=2000'), /mss=2000/);
    usageError(() => p('fc=abc'), /fc=abc: expected an integer/);
    usageError(() => p('streamid=' + 'x'.repeat(513)), /513 bytes, the limit is 512/);
    expect(p('streamid=' + 'x'.repeat(512)).options.streamId).to.have.length(512);
    expect(p('maxbw=-1').options.maxBw).to.equal(-1);
  });

  it('reports cross-option limits (the library\'s) as usage errors in URI terms', () => {
    usageError(() => srt('srt://h:9000?mss=1000&payloadsize=1316'), /^payloadsize must be an integer in \[1, 956\], got 1316 in 'srt:/);
  });

  it('names every unknown parameter, with ffmpeg spelling hints', () => {
    usageError(() => p('latency=1&foo=1&bar=2'), /unknown srt:\/\/ parameters: foo, bar$/);
    usageError(() => p('pkt_size=1316'), /unknown srt:\/\/ parameter: pkt_size \(.*pkt_size -> payloadsize/);
  });

  it('names Object.prototype members as unknown parameters, with no hint from the prototype', () => {
    usageError(() => p('constructor=1&__proto__=2&tostring=3'), /unknown srt:\/\/ parameters: constructor, __proto__, tostring$/);
  });

  it('reports an unknown parameter before an unsupported one', () => {
    usageError(() => p('messageapi=1&typo=1'), /unknown srt:\/\/ parameter: typo/);
  });

  it('file mode: transtype=file (congestion=file alone selects it too), messageapi only with it', () => {
    expect(p('transtype=file').options).to.deep.equal({ transType: 'file' });
    expect(p('congestion=file').options).to.deep.equal({ transType: 'file' });
    expect(p('transtype=file&messageapi=1').options).to.deep.equal({ transType: 'file', messageApi: true });
    usageError(() => p('transtype=live&congestion=file'), /contradicts transtype=live/);
    usageError(() => p('transtype=bulk'), /must be live or file/);
    expect(srt('srt://h:9000?messageapi=1').options).to.deep.equal({});
    usageError(() => srt('srt://h:9000?messageapi=0'), /messageapi=0 needs transtype=file/);
  });

  it('maps the encryption and input-rate parameters (srt-live-transmit names)', () => {
    const r = p('passphrase=0123456789ab&pbkeylen=24&enforcedencryption=0&kmrefreshrate=2000&kmpreannounce=500&cryptomode=1&maxbw=0&inputbw=1000000&mininputbw=500000&oheadbw=50');
    expect(r.options).to.deep.equal({
      passphrase: '0123456789ab', pbKeyLen: 24, enforcedEncryption: false, kmRefreshRate: 2000, kmPreAnnounce: 500,
      cryptoMode: 'aes-ctr', maxBw: 0, inputBw: 1_000_000, minInputBw: 500_000, overheadBw: 50,
    });
    usageError(() => p('pbkeylen=20'), /pbkeylen=20: must be 0, 16, 24 or 32/);
    usageError(() => p('cryptomode=3'), /cryptomode=3/);
  });

  it('lossmaxttl: the reorder tolerance in packets (lossMaxTtl)', () => {
    expect(p('lossmaxttl=20').options).to.deep.equal({ lossMaxTtl: 20 });
    expect(p('lossmaxttl=0').options).to.deep.equal({ lossMaxTtl: 0 });
    usageError(() => p('lossmaxttl=-1'), /lossmaxttl/);
    usageError(() => p('lossmaxttl=many'), /lossmaxttl/);
  });

  it('packetfilter: checked as libsrt checks SRTO_PACKETFILTER, kept as written', () => {
    expect(p('packetfilter=fec,cols:10,rows:5').options).to.deep.equal({ packetFilter: 'fec,cols:10,rows:5' });
    // cols is mandatory only for the negotiated result: the peer may supply it.
    expect(p('packetfilter=fec').options).to.deep.equal({ packetFilter: 'fec' });
    usageError(() => p('packetfilter=fec,cols:1'), /packetfilter=fec,cols:1: 'cols' must be > 1/);
    usageError(() => p('packetfilter=rs,cols:10'), /unknown filter type "rs"/);
    usageError(() => p('packetfilter=fec,cols:10,size:3'), /unknown parameter 'size'/);
  });

  it('fails clearly on known but unsupported parameters, without echoing secrets', () => {
    for (const q of ['groupconnect=1']) {
      const key = q.split('=')[0];
      usageError(() => p(q), new RegExp(`^${key}.*not supported yet in srt-stream`));
    }
    expect(p('transtype=live&congestion=live').options).to.deep.equal({ transType: 'live' });
  });

  it('accepts blocking and timeout with a note', () => {
    const r = p('blocking=true&timeout=5000');
    expect(r.options).to.deep.equal({});
    expect(r.notes).to.have.length(2);
    expect(r.notes[1]).to.match(/timeout=5000 ignored/);
  });

  it('later values win', () => {
    expect(p('latency=100&latency=300').options.latency).to.equal(300);
  });
});

describe('cli: udp:// and tcp:// endpoints', () => {
  it('udp input binds, output needs a destination', () => {
    expect(resolveEndpoint('udp://:5000', 'input')).to.include({ kind: 'udp', host: '', port: 5000, multicast: false });
    expect(resolveEndpoint('udp://239.1.1.1:5000?adapter=10.0.0.1', 'input')).to.include({ multicast: true, localAddress: '10.0.0.1' });
    const out = resolveEndpoint('udp://127.0.0.1:5000?ttl=4&port=6000&sndbuf=100000', 'output') as UdpSpec;
    expect(out).to.include({ host: '127.0.0.1', ttl: 4, localPort: 6000, sndBufBytes: 100000 });
    usageError(() => resolveEndpoint('udp://:5000', 'output'), /needs a destination host/);
    usageError(() => resolveEndpoint('udp://h:5000?latency=1', 'output'), /unknown udp:\/\/ parameter: latency/);
    usageError(() => resolveEndpoint('udp://:5000?port=1', 'input'), /port= is for a udp:\/\/ output/);
  });

  it('tcp mode inference and mode=', () => {
    expect(resolveEndpoint('tcp://:7000', 'input')).to.include({ kind: 'tcp', mode: 'listener', port: 7000 });
    expect(resolveEndpoint('tcp://localhost:7000', 'output')).to.include({ mode: 'caller', host: 'localhost' });
    expect((resolveEndpoint('tcp://127.0.0.1:7000?mode=listener', 'input') as TcpSpec).mode).to.equal('listener');
    usageError(() => resolveEndpoint('tcp://:7000?mode=caller', 'input'), /needs host:port/);
    usageError(() => resolveEndpoint('tcp://h:7000?nodelay=1', 'input'), /unknown tcp:\/\/ parameter: nodelay/);
  });
});

describe('cli: the passphrase never reaches a message', () => {
  const SECRET = 'SECRET123456';
  /** Runs fn, which must fail with a UsageError; returns its message. */
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).to.be.instanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected a UsageError');
  };
  /** Every spelling parseQuery takes for the passphrase: any case, any letter %-encoded (either hex case). */
  const SPELLINGS = [
    'passphrase', 'PASSPHRASE', 'PassPhrase', 'pAsSpHrAsE',
    'pass%70hrase', '%70assphrase', 'passphras%65', 'Pass%70hrase', 'pass%50hrase', 'PASS%50HRASE',
    '%70%61%73%73%70%68%72%61%73%65', '%50%41%53%53%50%48%52%41%53%45', '%70%41%73%53%70%48%72%41%73%45',
    '%70ass%70hr%61se', 'p%61ssphr%61se', 'pa%73%73phrase', '%70%61%73%73phrase', 'passphras%45',
  ];

  it('every spelling in the list is the passphrase to the parser (the premise of the tests below)', () => {
    for (const name of SPELLINGS) {
      expect(parseQuery(`${name}=${SECRET}`), name).to.deep.equal([{ key: 'passphrase', value: SECRET }]);
      expect(srt(`srt://h:9000?${name}=${SECRET}`).options.passphrase, name).to.equal(SECRET);
    }
  });

  it('redactUri hides the value under every spelling, keeping the rest of the URI', () => {
    for (const name of SPELLINGS) {
      expect(redactUri(`srt://h:9000?latency=200&${name}=${SECRET}&streamid=cam`), name)
        .to.equal(`srt://h:9000?latency=200&${name}=***&streamid=cam`);
    }
  });

  it('hides the value up to the next raw &, whatever it holds; hides every occurrence', () => {
    const cases: Array<[string, string]> = [
      [`srt://h:1?passphrase=${SECRET}`, 'srt://h:1?passphrase=***'],
      [`srt://h:1?passphrase=${SECRET}&`, 'srt://h:1?passphrase=***&'],
      [`srt://h:1?&&passphrase=${SECRET}&&latency=1`, 'srt://h:1?&&passphrase=***&&latency=1'],
      [`srt://h:1?passphrase=SECRET%26123456&latency=1`, 'srt://h:1?passphrase=***&latency=1'], // encoded & is value
      [`srt://h:1?passphrase=SECRET=123456`, 'srt://h:1?passphrase=***'], // so is a second '='
      [`srt://h:1?passphrase=SECRET?123#456`, 'srt://h:1?passphrase=***'], // and '?', '#'
      [`srt://h:1?passphrase=a${SECRET}&PASSPHRASE=b${SECRET}`, 'srt://h:1?passphrase=***&PASSPHRASE=***'],
      [`srt://h:1?passphrase=`, 'srt://h:1?passphrase=***'],
      [`srt://h:1?passphrase`, 'srt://h:1?passphrase'], // no value to hide
      [`srt://h:1?streamid=a%26passphrase%3D${SECRET}`, 'srt://h:1?streamid=a&passphrase=***'], // encoded assignment
      [`srt://h:1?streamid=#!::u=a,passphrase=${SECRET}`, 'srt://h:1?streamid=#!::u=a,passphrase=***'],
    ];
    for (const [raw, shown] of cases) expect(redactUri(raw), raw).to.equal(shown);
  });

  it('a malformed %-escape neither throws nor stops the redaction', () => {
    const raws = [
      `srt://h:1?x=%&pass%70hrase=${SECRET}`, `srt://h:1?%ZZ=1&passphrase=${SECRET}%`, `srt://h:1?passphrase=${SECRET}%E0%A4%A`,
      `srt://h:1?%E0%A4=%C3&%70assphrase=${SECRET}&%`, `srt://h:1?\uD800=1&passphrase=${SECRET}`, `srt://h:1?pass%7phrase=1&passphrase=${SECRET}`,
      `srt://%:1?passphrase=${SECRET}`, `%%%?passphrase=${SECRET}`,
    ];
    for (const raw of raws) {
      expect(() => redactUri(raw), raw).to.not.throw();
      expect(redactUri(raw), raw).to.not.include(SECRET);
      expect(redactUri(raw), raw).to.include('=***');
    }
  });

  it('a passphrase before the ?, where the parser reads none (a mistyped URI), is hidden with all that follows', () => {
    expect(redactUri(`srt://h:9000&passphrase=${SECRET}`)).to.equal('srt://h:9000&passphrase=***');
    expect(redactUri(`srt://h:9000&Pass%70hrase=SEC?RET123456&latency=1`)).to.equal('srt://h:9000&Pass%70hrase=***');
    expect(redactUri(`srt://h:9000/passphrase=${SECRET}?latency=1`)).to.equal('srt://h:9000/passphrase=***');
    expect(redactUri(`srt:/h:9000?passphrase=${SECRET}`)).to.equal('srt:/h:9000?passphrase=***');
    // A host with '&' or '=' is such a query: refused before any lookup could show it.
    usageError(() => parseUri('srt://h&latency=1:9000'), /^bad host 'h&latency=1' in .*parameters go after '\?'/);
    usageError(() => parseUri(`srt://h&passphrase=${SECRET}:9000`), /^bad host 'h&passphrase=\*\*\*' in 'srt:\/\/h&passphrase=\*\*\*'/);
  });

  it('random spellings and values: whatever parseQuery takes for the passphrase, redactUri hides', () => {
    const rnd = prng(20240601);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    const spell = (): string => [...'passphrase'].map((c) => {
      const ch = rnd() < 0.5 ? c : c.toUpperCase();
      if (rnd() < 0.7) return ch;
      const hex = ch.charCodeAt(0).toString(16);
      return `%${rnd() < 0.5 ? hex : hex.toUpperCase()}`;
    }).join('');
    const valueChars = ['a', 'Z', '9', '%', '%2', '%26', '%3D', '=', '?', '#', '/', ':', ',', ';', '+', ' ', 'é', '%E0', '%zz'];
    for (let i = 0; i < 2000; i++) {
      const secret = `S${Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pick(valueChars)).join('')}X${i}`;
      const parts = [`${spell()}=${secret}`, 'latency=200', 'streamid=cam', '', 'nakreport', `x=${pick(valueChars)}`];
      parts.sort(() => rnd() - 0.5);
      const raw = `srt://h:9000?${parts.join('&')}`;
      const query = raw.slice(raw.indexOf('?') + 1);
      expect(parseQuery(query).find((p) => p.key === 'passphrase')?.value, raw).to.equal(percentDecode(secret));
      expect(redactUri(raw), raw).to.not.include(secret);
    }
  });

  it('usage errors from bad URLs never include the passphrase, however it is spelled', () => {
    for (const name of ['passphrase', 'PassPhrase', 'Pass%70hrase', '%70%61%73%73%70%68%72%61%73%65']) {
      const q = `${name}=${SECRET}`;
      const bad = [
        `srt://h:99999?${q}`, `srt://h:abc?${q}`, `srt://h?${q}`, `srt://[::1?${q}`, `srt://::1:9000?${q}`,
        `srt://h:9000/live?${q}`, `rtmp://h:1935?${q}`, `srt://:9000?mode=rendezvous&${q}`, `srt://h:0?${q}`,
        `srt://h:9000?${q}&latency=fast`, `srt://h:9000?${q}&typo=1`, `srt://h:9000?${q}&packetfilter=fec,cols:1`,
        `srt://h:9000?${q}&mss=1000&payloadsize=1316`, `srt://h:9000?mode=bogus&${q}`, `srt://h:9000?messageapi=0&${q}`,
        `srt://5.6.7.8:9000?mode=listener&adapter=1.2.3.4&${q}`,
        `srt://h:9000&${q}`, `srt://h:9000/&${q}`, `srt://h&${q}:9000`, `srt://[::1&${q}]:9000`,
        `srt://h:9000?latency=1%26${q.replace('=', '%3D')}`, `srt://h:9000?${q.replace('=', '%3D')}`,
        `srt://h:9000?blocking=1%26${q.replace('=', '%3D')}&latency=x`,
        `udp://h:5000?${q}`, `udp://:5000?${q}`, `tcp://h:7000?${q}`, `tcp://h:7000?mode=x%26${q.replace('=', '%3D')}`,
      ];
      for (const raw of bad) {
        const msg = messageOf(() => resolveEndpoint(raw, 'output'));
        expect(msg.toUpperCase(), `${raw} -> ${msg}`).to.not.include(SECRET);
      }
    }
  });

  it('notes and warnings do not echo it either', () => {
    const s = srt(`srt://h:9000?blocking=1%26passphrase%3D${SECRET}&latency=61000`);
    expect(s.notes.join('\n')).to.match(/blocking=1&passphrase=\*\*\* ignored/);
    expect(s.notes.join('\n')).to.not.include(SECRET);
  });

  it('too many arguments, -s and -pf values are shown redacted', () => {
    const url = `srt://h:1?Pass%70hrase=${SECRET}`;
    for (const argv of [['-', '-', url], ['-s', url, '-', '-'], ['-pf', url, '-', '-']]) {
      const msg = messageOf(() => parseCliArgs(argv));
      expect(msg).to.include('Pass%70hrase=***');
      expect(msg).to.not.include(SECRET);
    }
  });

  it('a mistyped URI taken for a file path is redacted in its label', () => {
    const spec = resolveEndpoint(`srt:/h:9000?passphrase=${SECRET}`, 'input');
    expect(spec).to.deep.include({ kind: 'file', path: `srt:/h:9000?passphrase=${SECRET}`, label: 'srt:/h:9000?passphrase=***' });
  });
});
