import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RelayAccess } from '../../src/relay/relay-access';
import { ConfigError, DEFAULTS, readConfigFile, resolveConfig } from '../../src/relay/relay-config';

describe('relay: config', () => {
  it('defaults: SRT on :9000, the monitor on 127.0.0.1:8080, callers from loopback only', () => {
    const c = resolveConfig();
    expect(c).to.include({ srtPort: 9000, httpHost: '127.0.0.1', httpPort: 8080, takeover: false });
    expect(c.allow).to.deep.equal(DEFAULTS.allow);
    const access = new RelayAccess(c);
    expect(access.decide({ name: 'x', mode: 'play' }, '127.0.0.1')).to.not.have.property('reject');
    expect(access.decide({ name: 'x', mode: 'play' }, '::1')).to.not.have.property('reject');
    expect(access.decide({ name: 'x', mode: 'play' }, '::ffff:127.0.0.1')).to.not.have.property('reject');
    expect(access.decide({ name: 'x', mode: 'play' }, '192.168.1.5')).to.deep.include({ reject: 'SRT_REJX_FORBIDDEN' });
  });

  it('layers: file then flags; undefined flags leave the file alone', () => {
    const c = resolveConfig({ srtPort: 7000, latency: 300 }, { srtPort: 7001, latency: undefined });
    expect(c).to.include({ srtPort: 7001, latency: 300 });
  });

  it('refuses wrong types and ranges, naming the setting', () => {
    expect(() => resolveConfig({ srtPort: 70000 })).to.throw(ConfigError, /srtPort/);
    expect(() => resolveConfig({ latency: -1 })).to.throw(ConfigError, /latency/);
    expect(() => resolveConfig({ allow: 'x' as never })).to.throw(ConfigError, /allow/);
    expect(() => resolveConfig({ origin: 'http://x:1' })).to.throw(ConfigError, /origin/);
    expect(() => resolveConfig({ streams: { a: 'nope' as never } })).to.throw(ConfigError, /streams\.a/);
    expect(() => resolveConfig({ allow: ['10.0.0.0/x'] })).to.throw(ConfigError, /allow: not an address/);
    expect(() => resolveConfig({ deny: ['example.com'] })).to.throw(ConfigError, /deny: not an address/);
  });

  it('a file: JSON object with known keys only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-config-'));
    const f = path.join(dir, 'c.json');
    fs.writeFileSync(f, '{"srtPort": 9100, "streams": {"cam": {"passphrase": "0123456789"}}}');
    expect(readConfigFile(f)).to.deep.equal({ srtPort: 9100, streams: { cam: { passphrase: '0123456789' } } });
    fs.writeFileSync(f, '{"srtport": 9100}');
    expect(() => readConfigFile(f)).to.throw(ConfigError, /unknown setting srtport/);
    fs.writeFileSync(f, '[1]');
    expect(() => readConfigFile(f)).to.throw(ConfigError, /JSON object/);
    fs.writeFileSync(f, '{');
    expect(() => readConfigFile(f)).to.throw(ConfigError);
    expect(() => readConfigFile(path.join(dir, 'missing.json'))).to.throw(ConfigError, /missing\.json/);
  });

  it('stream rules and users have no prototype: "constructor" finds only what the config set', () => {
    const c = resolveConfig({ streams: { cam: {} }, allow: [] });
    const access = new RelayAccess(c);
    expect(access.decide({ name: 'constructor', mode: 'publish' }, '10.0.0.1')).to.deep.include({ reject: 'SRT_REJX_NOTFOUND' });
    expect(access.decide({ name: 'toString', mode: 'play', user: 'constructor', password: 'x' }, '10.0.0.1')).to.have.property('reject');
  });
});

describe('relay: access', () => {
  const c = resolveConfig({
    allow: ['10.0.0.0/8', '2001:db8::/32'],
    deny: ['10.1.2.3'],
    passphrase: 'default-pass-1',
    users: { alice: 'pw' },
    streams: { '*': {}, cam: { passphrase: 'cam-passphrase', publish: ['alice', 'bob'], play: ['*'] } },
  });
  const access = new RelayAccess(c);

  it('deny before allow; IPv6 ranges', () => {
    expect(access.decide({ name: 'x', mode: 'play' }, '10.1.2.3')).to.deep.include({ reject: 'SRT_REJX_FORBIDDEN' });
    expect(access.decide({ name: 'x', mode: 'play' }, '10.1.2.4')).to.not.have.property('reject');
    expect(access.decide({ name: 'x', mode: 'play' }, '2001:db8::7')).to.not.have.property('reject');
    expect(access.decide({ name: 'x', mode: 'play' }, '11.0.0.1')).to.deep.include({ reject: 'SRT_REJX_FORBIDDEN' });
  });

  it('passphrases: the stream\'s own, else the default', () => {
    expect(access.decide({ name: 'cam', mode: 'play' }, '10.0.0.1')).to.deep.include({ passphrase: 'cam-passphrase' });
    expect(access.decide({ name: 'other', mode: 'play' }, '10.0.0.1')).to.deep.include({ passphrase: 'default-pass-1' });
  });

  it('users: allowed publishers, a password when the config has one, anyone may play with "*"', () => {
    expect(access.decide({ name: 'cam', mode: 'publish' }, '10.0.0.1')).to.deep.include({ reject: 'SRT_REJX_UNAUTHORIZED' });
    expect(access.decide({ name: 'cam', mode: 'publish', user: 'bob' }, '10.0.0.1')).to.not.have.property('reject');
    expect(access.decide({ name: 'cam', mode: 'publish', user: 'carol' }, '10.0.0.1')).to.deep.include({ reject: 'SRT_REJX_FORBIDDEN' });
    expect(access.decide({ name: 'cam', mode: 'publish', user: 'alice' }, '10.0.0.1')).to.deep.include({ reject: 'SRT_REJX_UNAUTHORIZED' });
    expect(access.decide({ name: 'cam', mode: 'publish', user: 'alice', password: 'pw' }, '10.0.0.1')).to.not.have.property('reject');
    expect(access.decide({ name: 'cam', mode: 'play', user: 'anyone' }, '10.0.0.1')).to.not.have.property('reject');
  });

  it('a bad address list is refused with the config (a reload keeps the old rules)', () => {
    expect(() => resolveConfig({ allow: ['not-an-address'] })).to.throw(ConfigError, /not an address/);
  });
});
