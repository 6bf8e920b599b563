import { expect } from 'chai';
import { normalizeArgv, parseCliArgs } from '../../src/cli/args';
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
    expect(o).to.include({ statsEvery: 500, statsFormat: 'csv', statsOut: 'st.csv', input: 'srt://:9000', output: '-' });
    expect(parseCliArgs(['--stats', '1000', 'a', 'b']).statsEvery).to.equal(1000);
    expect(parseCliArgs(['-stats-report-frequency', '7', '-fullstats', 'a', 'b'])).to.include({ statsEvery: 7, fullStats: true });
    expect(parseCliArgs(['-pf', 'json,pretty', 'a', 'b']).statsFormat).to.equal('json');
    expect(parseCliArgs(['a', 'b']).statsEvery).to.equal(undefined);
    expect(parseCliArgs(['-q', '-v', 'a', 'b'])).to.include({ quiet: true, verbose: true });
    expect(parseCliArgs(['-h']).help).to.equal(true);
    expect(parseCliArgs(['-help']).help).to.equal(true);
  });

  it('as srt-live-transmit, no stats without -s N > 0: -s 0, or -pf / -statsout / -f alone', () => {
    expect(parseCliArgs(['-s', '0', 'a', 'b']).statsEvery).to.equal(undefined);
    const pf = parseCliArgs(['-pf', 'json', 'a', 'b']);
    expect(pf.statsFormat).to.equal('json');
    expect(pf.statsEvery).to.equal(undefined);
    const file = parseCliArgs(['-statsout', 'x', '-f', 'a', 'b']);
    expect(file).to.include({ statsOut: 'x', fullStats: true });
    expect(file.statsEvery).to.equal(undefined);
  });

  it('reports usage errors', () => {
    expect(() => parseCliArgs([])).to.throw(UsageError, /expected INPUT and OUTPUT/);
    expect(() => parseCliArgs(['a'])).to.throw(UsageError, /expected INPUT and OUTPUT/);
    expect(() => parseCliArgs(['a', 'b', 'c'])).to.throw(UsageError, /too many arguments: c/);
    expect(() => parseCliArgs(['-x', 'a', 'b'])).to.throw(UsageError, /Unknown option '-x'/);
    expect(() => parseCliArgs(['-s', 'often', 'a', 'b'])).to.throw(UsageError, /-s often/);
    expect(() => parseCliArgs(['-s:-1', 'a', 'b'])).to.throw(UsageError, /-s -1: expected a number of packets/);
    expect(() => parseCliArgs(['-pf', 'xml', 'a', 'b'])).to.throw(UsageError, /-pf xml/);
    expect(() => parseCliArgs(['-pf', '2cols', 'a', 'b'])).to.throw(UsageError, /-pf 2cols/); // slt 1.5.1 refuses it too
  });

  it('knows its own option names only, not Object.prototype\'s', () => {
    expect(normalizeArgv(['-constructor', '--constructor=1', '-toString'])).to.deep.equal(['-constructor', '--constructor=1', '-toString']);
    expect(() => parseCliArgs(['--constructor', 'a', 'b'])).to.throw(UsageError, /Unknown option '--constructor'/);
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
