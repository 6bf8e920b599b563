import { expect } from 'chai';
import { normalizeArgv, parseCliArgs } from '../../src/cli/args';
import { CsvFormatter, formatDefault, formatJson } from '../../src/cli/stats-printer';
import { describeError } from '../../src/cli/srt-pipe';
import { UsageError } from '../../src/cli/usage-error';

describe('cli: options', () => {
  it('normalises srt-live-transmit single-dash long options', () => {
    expect(normalizeArgv(['-statsout', 'f', '-pf', 'json', '-s:1000', '--stats=5', '-fullstats', '-', 'x'])).to.deep.equal([
      '--statsout', 'f', '--pf', 'json', '--stats=1000', '--stats=5', '--fullstats', '-', 'x',
    ]);
    expect(normalizeArgv(['-qv', '--', '-statsout'])).to.deep.equal(['-qv', '--', '-statsout']);
  });

  it('parses stats options', () => {
    const o = parseCliArgs(['-s', '500', '-pf', 'csv', '-statsout', 'st.csv', 'srt://:9000', '-']);
    expect(o).to.include({ statsMs: 500, statsFormat: 'csv', statsOut: 'st.csv', input: 'srt://:9000', output: '-' });
    expect(parseCliArgs(['--stats', '1000', 'a', 'b']).statsMs).to.equal(1000);
    expect(parseCliArgs(['-pf', 'json', 'a', 'b'])).to.include({ statsMs: 1000, statsFormat: 'json' });
    expect(parseCliArgs(['a', 'b']).statsMs).to.equal(undefined);
    expect(parseCliArgs(['-q', '-v', 'a', 'b'])).to.include({ quiet: true, verbose: true });
    expect(parseCliArgs(['-h']).help).to.equal(true);
    expect(parseCliArgs(['-help']).help).to.equal(true);
  });

  it('reports usage errors', () => {
    expect(() => parseCliArgs([])).to.throw(UsageError, /expected INPUT and OUTPUT/);
    expect(() => parseCliArgs(['a'])).to.throw(UsageError, /expected INPUT and OUTPUT/);
    expect(() => parseCliArgs(['a', 'b', 'c'])).to.throw(UsageError, /too many arguments: c/);
    expect(() => parseCliArgs(['-x', 'a', 'b'])).to.throw(UsageError, /Unknown option '-x'/);
    expect(() => parseCliArgs(['-s', 'often', 'a', 'b'])).to.throw(UsageError, /-s often/);
    expect(() => parseCliArgs(['-pf', 'xml', 'a', 'b'])).to.throw(UsageError, /-pf xml/);
  });

  it('knows its own option names only, not Object.prototype\'s', () => {
    expect(normalizeArgv(['-constructor', '--constructor=1', '-toString'])).to.deep.equal(['-constructor', '--constructor=1', '-toString']);
    expect(() => parseCliArgs(['--constructor', 'a', 'b'])).to.throw(UsageError, /Unknown option '--constructor'/);
  });
});

describe('cli: stats formatting', () => {
  const t = new Date('2026-01-01T00:00:00.000Z');
  const s = { msRTT: 1.234, mbpsRecvRate: 4.5, pktRecv: 100, pktRcvLoss: 2, pktRcvDrop: 1, msRcvBuf: 120, pktSent: 7 };

  it('one compact line per direction', () => {
    expect(formatDefault('input', 'srt://:9000', s)).to.equal(
      'stats srt://:9000 recv 4.50 Mbps, 100 pkts, lost 2, dropped 1, rtt 1.2 ms, buf 120 ms',
    );
    expect(formatDefault('output', 'x', { pktSent: 7 })).to.match(/^stats x send 0\.00 Mbps, 7 pkts, lost 0, retrans 0/);
  });

  it('JSON lines', () => {
    expect(JSON.parse(formatJson(t, 'input', 'l', s))).to.deep.equal({ time: t.toISOString(), direction: 'input', endpoint: 'l', ...s });
  });

  it('CSV with one header line and fixed columns', () => {
    const f = new CsvFormatter();
    expect(f.format(t, 'input', 'a,b', { x: 1, y: 'q"z' })).to.deep.equal([
      'Time,Direction,Endpoint,x,y',
      `${t.toISOString()},input,"a,b",1,"q""z"`,
    ]);
    expect(f.format(t, 'output', 'o', { y: 2, z: 3 })).to.deep.equal([`${t.toISOString()},output,o,,2`]);
  });
});

describe('cli: error messages', () => {
  it('message (code, reason)', () => {
    const e = Object.assign(new Error('connection rejected'), { code: 'ECONNREFUSED', reason: 'SRT_REJ_PEER' });
    expect(describeError(e)).to.equal('connection rejected (ECONNREFUSED, SRT_REJ_PEER)');
    expect(describeError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }))).to.equal('timed out (ETIMEDOUT)');
    expect(describeError(new Error('plain'))).to.equal('plain');
  });
});
