import { expect } from 'chai';
import { once } from 'node:events';
import type { SrtSocket } from '../../src/index';
import { normalizeArgv, parseCliArgs, type CliOptions } from '../../src/cli/args';
import { BandwidthReport, formatBandwidth } from '../../src/cli/bandwidth-report';
import { Chunker, fitPayloadToChunk } from '../../src/cli/chunker';
import { resolveEndpoint, type SrtSpec } from '../../src/cli/endpoint-spec';
import { logRejection } from '../../src/cli/endpoints';
import { formatLogLine, Logger, LogLevel, parseLogFas, parseLogLevel } from '../../src/cli/log';
import { describeReject, rejectText } from '../../src/cli/reject-text';
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

describe("cli: srt-live-transmit's run options", () => {
  it('defaults as srt-live-transmit: no timer, reconnect on, log level warning (16 chunks buffered, as before)', () => {
    expect(parseCliArgs(['a', 'b'])).to.include({
      timeoutS: 0, timeoutMode: 0, autoReconnect: true, bwReportEvery: 0, srcTime: false, buffering: 16, logLevel: LogLevel.warning,
    });
    const o = parseCliArgs(['a', 'b']);
    expect(o.chunkSize).to.equal(undefined);
    expect(o.logFas).to.equal(undefined);
    expect(o.logFile).to.equal(undefined);
  });

  it('takes every alias and value syntax srt-live-transmit takes', () => {
    const cases: Array<[string[], Partial<CliOptions>]> = [
      [['-t', '5'], { timeoutS: 5 }], [['-to:5'], { timeoutS: 5 }], [['--timeout=5'], { timeoutS: 5 }],
      [['-tm', '1'], { timeoutMode: 1 }], [['-timeout-mode:0'], { timeoutMode: 0 }],
      [['-a', 'no'], { autoReconnect: false }], [['-auto:yes'], { autoReconnect: true }], [['-autoreconnect', 'off'], { autoReconnect: false }],
      [['-c', '1316'], { chunkSize: 1316 }], [['-chunk:188'], { chunkSize: 188 }],
      [['-r', '100'], { bwReportEvery: 100 }], [['-report:10'], { bwReportEvery: 10 }], [['-bwreport', '1'], { bwReportEvery: 1 }],
      [['-bandwidth-report', '7'], { bwReportEvery: 7 }], [['-bitrate-report:3'], { bwReportEvery: 3 }],
      [['-st', 'yes'], { srcTime: true }], [['-srctime:1'], { srcTime: true }], [['-sourcetime', 'false'], { srcTime: false }],
      [['-buffering', '1'], { buffering: 1 }],
      [['-ll', 'debug'], { logLevel: LogLevel.debug }], [['-loglevel:note'], { logLevel: LogLevel.note }],
      [['-ll', 'ERROR'], { logLevel: LogLevel.error }], [['-ll', 'warn'], { logLevel: LogLevel.warning }],
      [['-ll', 'crit'], { logLevel: LogLevel.fatal }], [['-ll', '7'], { logLevel: LogLevel.debug }],
      [['-logfile', 'x.log'], { logFile: 'x.log' }],
    ];
    for (const [args, want] of cases) expect(parseCliArgs([...args, 'in', 'out']), args.join(' ')).to.include(want);
  });

  it('-lfa: a set of libsrt areas, general always on; all = every one', () => {
    expect([...parseCliArgs(['-lfa', 'conn,SOCKMGMT', 'a', 'b']).logFas!].sort()).to.deep.equal(['conn', 'general', 'sockmgmt']);
    expect(parseCliArgs(['-logfa:api_ctrl', 'a', 'b']).logFas!.has('api-ctrl')).to.equal(true);
    expect(parseCliArgs(['-lfa', 'all', 'a', 'b']).logFas!.size).to.equal(28);
  });

  it('-h logging asks for the logging help', () => {
    expect(parseCliArgs(['-h', 'logging'])).to.include({ help: true, helpTopic: 'logging' });
    expect(parseCliArgs(['-h']).helpTopic).to.equal(undefined);
  });

  it('bad values are usage errors that name the option', () => {
    const bad: Array<[string[], RegExp]> = [
      [['-t', 'soon'], /^-t soon: expected a number of seconds/],
      [['-t', '-5'], /ambiguous|-t/],
      [['-tm', '2'], /^-tm 2: expected 0/],
      [['-a', 'maybe'], /^-a maybe: expected yes or no/],
      [['-c', '0'], /^-c 0: expected a chunk size/],
      [['-c', '99999999'], /^-c 99999999: expected a chunk size/],
      [['-r', 'x'], /^-r x: expected a number of packets/],
      [['-buffering', '0'], /^-buffering 0: expected a positive number/],
      [['-st', 'perhaps'], /^-st perhaps: expected yes or no/],
      [['-ll', 'verbose'], /^-ll verbose: expected fatal, error, warning, note, info or debug/],
      [['-ll', '9'], /^-ll 9: expected/],
      [['-lfa', 'conn,nosuch,other'], /^-lfa: unknown functional areas nosuch, other/],
      [['-logfile', ''], /^-logfile: expected a file name/],
    ];
    for (const [args, re] of bad) expect(() => parseCliArgs([...args, 'a', 'b']), args.join(' ')).to.throw(UsageError, re);
  });

  it('an option that takes a value takes the next argument, as srt-live-transmit: `-a srt://...` is no yes/no', () => {
    expect(() => parseCliArgs(['-a', 'srt://:9000', '-'])).to.throw(UsageError, /-a srt:\/\/:9000: expected yes or no/);
  });

  it('-ll was read as -l -l before: now a known option', () => {
    expect(() => parseCliArgs(['-ll', 'debug', 'a', 'b'])).to.not.throw();
  });
});

describe('cli: the log', () => {
  it('level names and numbers as libsrt reads them', () => {
    expect(parseLogLevel('fatal')).to.equal(2);
    expect(parseLogLevel('Notice')).to.equal(5);
    expect(parseLogLevel('info')).to.equal(6);
    expect(parseLogLevel('alert')).to.equal(1); // below fatal: nothing is shown
    expect(parseLogLevel('1')).to.equal(undefined);
    expect(parseLogLevel('constructor')).to.equal(undefined);
  });

  it("lines in libsrt's shape: time with microseconds, severity mark, area tag", () => {
    const t = new Date(2026, 0, 2, 3, 4, 5, 678).getTime() + 0.9;
    expect(formatLogLine(t, LogLevel.warning, 'conn', 'hello')).to.equal('03:04:05.678900/srt-pipe!W:SRT.cn: hello');
    expect(formatLogLine(t, LogLevel.error, 'general', 'x')).to.match(/\/srt-pipe\*E:SRT\.gg: x$/);
    expect(formatLogLine(t, LogLevel.note, 'sockmgmt', 'x')).to.match(/\/srt-pipe\.N:SRT\.sm: x$/);
    expect(formatLogLine(t, LogLevel.debug, 'conn', 'x')).to.match(/\/srt-pipe D:SRT\.cn: x$/);
    expect(formatLogLine(t, LogLevel.fatal, 'conn', 'x')).to.match(/\/srt-pipe!!FATAL!!:SRT\.cn: x$/);
  });

  it('writes a line at its level or more severe, and in an area turned on (general always)', () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l), LogLevel.warning, new Set(['general', 'sockmgmt']), () => 0);
    log.error('sockmgmt', 'e');
    log.warn('general', 'w');
    log.note('general', 'n'); // below the level
    log.warn('conn', 'c'); // area off
    expect(lines.map((l) => l.slice(l.indexOf(': ') + 2))).to.deep.equal(['e', 'w']);
    expect(log.enabled(LogLevel.debug, 'general')).to.equal(false);
    expect(new Logger(() => {}, LogLevel.debug).enabled(LogLevel.debug, 'conn')).to.equal(true);
  });

  it('-lfa names: unknown ones are returned', () => {
    expect(parseLogFas('conn,,bogus')).to.deep.equal({ fas: new Set(['general', 'conn']), unknown: ['bogus'] });
  });

  it('refused callers: one line each with the reason, at most 20 a second (a flood says how many it left out)', () => {
    const lines: string[] = [];
    let now = 5000;
    const onReject = logRejection('srt://:9000', new Logger((l) => lines.push(l.slice(l.indexOf(': ') + 2)), LogLevel.warning, undefined, () => 0), () => now);
    const info = { address: '10.0.0.1', port: 4000, reason: 'SRT_REJ_BADSECRET', rejectCode: 10, streamId: 'a\nb', message: 'x\u001b[2J' };
    onReject(info);
    expect(lines).to.deep.equal(['srt://:9000: rejected caller 10.0.0.1:4000 streamid="a\\nb": 1010 - wrong passphrase (SRT_REJ_BADSECRET) (x\\u001b[2J)']);
    for (let i = 0; i < 24; i++) onReject({ ...info, streamId: undefined, message: undefined });
    expect(lines).to.have.length(20);
    now += 1000;
    onReject({ address: '::1', port: 1, reason: 'SRT_REJ_BACKLOG', rejectCode: 5 });
    expect(lines.slice(20)).to.deep.equal([
      'srt://:9000: 5 more callers rejected (not logged)',
      "srt://:9000: rejected caller [::1]:1: 1005 - listener's backlog full (SRT_REJ_BACKLOG)",
    ]);
  });

  it('reject codes read as libsrt logs them: wire value, text, name', () => {
    expect(describeReject(10)).to.equal('1010 - wrong passphrase (SRT_REJ_BADSECRET)');
    expect(describeReject(1403)).to.equal('2403 - forbidden (SRT_REJX_FORBIDDEN)');
    expect(describeReject(2001)).to.equal("3001 - the application's own reason (SRT_REJX_USER_2001)");
    expect(rejectText(99)).to.equal('unknown reason');
  });
});

describe('cli: -r bandwidth report', () => {
  it("srt-live-transmit's line, or JSON with -pf json", () => {
    expect(formatBandwidth(12.5, false)).to.equal('+++/+++SRT BANDWIDTH: 12.5');
    expect(formatBandwidth(12.5, true)).to.equal('{"bandwidth":12.5}');
    expect(formatBandwidth(1766.2412, false)).to.equal('+++/+++SRT BANDWIDTH: 1766.24'); // %g, 6 digits, as slt's
  });

  it('reports at packet N-1 and every N after, as srt-live-transmit counts, per SRT side', () => {
    const lines: string[] = [];
    const sock = (mbps: number) => ({ getStats: () => ({ mbpsBandwidth: mbps }), options: { payloadSize: 1000 } }) as unknown as SrtSocket;
    const r = new BandwidthReport(4, (l) => lines.push(l), false);
    r.add('input', sock(1));
    r.add('output', sock(2));
    const at: string[] = [];
    for (let i = 1; i <= 8; i++) {
      const before = lines.length;
      r.onChunk(1000); // one packet each side
      if (lines.length > before) at.push(`${i}:${lines.slice(before).join('|')}`);
    }
    expect(at).to.deep.equal(['3:+++/+++SRT BANDWIDTH: 1|+++/+++SRT BANDWIDTH: 2', '7:+++/+++SRT BANDWIDTH: 1|+++/+++SRT BANDWIDTH: 2']);
    lines.length = 0;
    r.onChunk(3500); // input: packet 9; output: packets 9..12 (11 is a report point)
    expect(lines).to.deep.equal(['+++/+++SRT BANDWIDTH: 2']);
  });
});

describe('cli: -c chunker', () => {
  const run = async (size: number, coalesce: boolean, inputs: Buffer[]): Promise<number[]> => {
    const c = new Chunker(size, coalesce);
    const out: Buffer[] = [];
    c.on('data', (b: Buffer) => out.push(b));
    for (const b of inputs) c.write(b);
    c.end();
    await once(c, 'end');
    expect(Buffer.concat(out).equals(Buffer.concat(inputs))).to.equal(true);
    return out.map((b) => b.length);
  };

  it('a byte stream is read in whole chunks, the last one shorter', async () => {
    expect(await run(188, true, [Buffer.alloc(100), Buffer.alloc(100), Buffer.alloc(500)])).to.deep.equal([188, 188, 188, 136]);
    expect(await run(188, true, [Buffer.alloc(376)])).to.deep.equal([188, 188]);
    expect(await run(188, true, [])).to.deep.equal([]);
  });

  it('datagrams keep their boundaries; only longer ones are split', async () => {
    expect(await run(1000, false, [Buffer.alloc(1316), Buffer.alloc(10), Buffer.alloc(1000)])).to.deep.equal([1000, 316, 10, 1000]);
  });

  it('-c above the default payload raises payloadsize on a live SRT output, within the MSS', () => {
    const spec = (raw: string) => resolveEndpoint(raw, 'output') as SrtSpec;
    const a = spec('srt://h:9000');
    fitPayloadToChunk(a, 1456);
    expect(a.options.payloadSize).to.equal(1456);
    const b = spec('srt://h:9000');
    fitPayloadToChunk(b, 188);
    expect(b.options.payloadSize).to.equal(undefined); // fits the default: one packet each already
    const c = spec('srt://h:9000?payloadsize=1000');
    fitPayloadToChunk(c, 1400);
    expect(c.options.payloadSize).to.equal(1000); // given: larger chunks are cut into packets
    const d = spec('srt://h:9000?transtype=file');
    fitPayloadToChunk(d, 100000);
    expect(() => fitPayloadToChunk(spec('srt://h:9000'), 1457)).to.throw(UsageError, /-c 1457: a live SRT packet carries at most 1456 bytes/);
    expect(() => fitPayloadToChunk(spec('srt://h:9000?mss=1000'), 1000)).to.throw(UsageError, /at most 956 bytes/);
  });
});
