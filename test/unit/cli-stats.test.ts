import { expect } from 'chai';
import type { SrtSocket } from '../../src';
import { cppDouble, cppInteger } from '../../src/cli/stats-formats/cpp-number';
import { CSV_HEADER, CsvFormat } from '../../src/cli/stats-formats/csv';
import { formatJson } from '../../src/cli/stats-formats/json';
import { SLT_FIELDS, type StatsReport } from '../../src/cli/stats-formats/slt-fields';
import { formatText } from '../../src/cli/stats-formats/text';
import { formatTimepoint } from '../../src/cli/stats-formats/timepoint';
import { parseStatsFormat, StatsPrinter } from '../../src/cli/stats-printer';
import { keyPaths, parseCsvStats, parseJsonStats, parseTextStats, TIMEPOINT } from '../support/slt-stats-parser';

// Lines srt-live-transmit 1.5.1 printed on this machine (udp:// -> srt:// listener, -s 100), and the
// srt_bstats values behind them: our formatters must reproduce them byte for byte.
const SLT_JSON = '{"sid":345582522,"timepoint":"2026-11-30T14:30:57.299772+0000","time":1354,' +
  '"window":{"flow":8080,"congestion":8192,"flight":9},"link":{"rtt":0.187,"bandwidth":10.728,"maxBandwidth":1000},' +
  '"send":{"packets":100,"packetsUnique":100,"packetsLost":0,"packetsDropped":0,"packetsRetransmitted":0,' +
  '"packetsFilterExtra":0,"bytes":136000,"bytesUnique":136000,"bytesDropped":0,"byteAvailBuf":12285000,"msBuf":2,' +
  '"mbitRate":10.1891,"sendPeriod":10},"recv":{"packets":0,"packetsUnique":0,"packetsLost":0,"packetsDropped":0,' +
  '"packetsRetransmitted":0,"packetsBelated":0,"packetsFilterExtra":0,"packetsFilterSupply":0,"packetsFilterLoss":0,' +
  '"bytes":0,"bytesUnique":0,"bytesLost":0,"bytesDropped":0,"byteAvailBuf":12286500,"msBuf":0,"mbitRate":0,' +
  '"msTsbPdDelay":120}}\n';
const JSON_SAMPLE: StatsReport = {
  sid: 345582522,
  timepoint: '2026-11-30T14:30:57.299772+0000',
  stats: {
    msTimeStamp: 1354, pktFlowWindow: 8080, pktCongestionWindow: 8192, pktFlightSize: 9,
    msRTT: 0.187, mbpsBandwidth: 10.728, mbpsMaxBW: 1000,
    pktSent: 100, pktSentUnique: 100, byteSent: 136000, byteSentUnique: 136000, byteAvailSndBuf: 12285000, msSndBuf: 2,
    mbpsSendRate: 10.189094, usPktSndPeriod: 10,
    byteAvailRcvBuf: 12286500, msRcvTsbPdDelay: 120,
    // getStats() keys slt does not print must not leak into the output
    pktSentTotal: 5000, pktRecvInvalid: 3, usRcvDrift: 17,
  },
};

const SLT_CSV_HEADER = 'Timepoint,Time,SocketID,Time,pktFlowWindow,pktCongestionWindow,pktFlightSize,msRTT,mbpsBandwidth,' +
  'mbpsMaxBW,pktSent,pktSentUnique,pktSndLoss,pktSndDrop,pktRetrans,pktSndFilterExtra,byteSent,byteSentUnique,byteSndDrop,' +
  'byteAvailSndBuf,msSndBuf,mbpsSendRate,usPktSndPeriod,pktRecv,pktRecvUnique,pktRcvLoss,pktRcvDrop,pktRcvRetrans,' +
  'pktRcvBelated,pktRcvFilterExtra,pktRcvFilterSupply,pktRcvFilterLoss,byteRecv,byteRecvUnique,byteRcvLoss,byteRcvDrop,' +
  'byteAvailRcvBuf,msRcvBuf,mbpsRecvRate,msRcvTsbPdDelay';
const SLT_CSV_ROW = '2026-11-30T14:31:10.233115+0000,1325,482902652,1325,8192,8192,0,0.168,12,1000,0,0,0,0,0,0,0,0,0,' +
  '12288000,0,0,12,210,210,0,0,0,0,0,0,0,285600,285600,0,0,12133500,21,1.72405,120';
const CSV_SAMPLE: StatsReport = {
  sid: 482902652,
  timepoint: '2026-11-30T14:31:10.233115+0000',
  stats: {
    msTimeStamp: 1325, pktFlowWindow: 8192, pktCongestionWindow: 8192, msRTT: 0.168, mbpsBandwidth: 12, mbpsMaxBW: 1000,
    byteAvailSndBuf: 12288000, usPktSndPeriod: 12, pktRecv: 210, pktRecvUnique: 210, byteRecv: 285600, byteRecvUnique: 285600,
    byteAvailRcvBuf: 12133500, msRcvBuf: 21, mbpsRecvRate: 1.724048, msRcvTsbPdDelay: 120,
  },
};

const SLT_TEXT = [
  '======= SRT STATS: sid=679964766',
  'PACKETS     SENT:         490  RECEIVED:             0',
  'LOST PKT    SENT:           0  RECEIVED:             0',
  'REXMIT      SENT:           0  RECEIVED:             0',
  'DROP PKT    SENT:           0  RECEIVED:             0',
  'FILTER EXTRA  TX:           0        RX:             0',
  'FILTER RX  SUPPL:           0  RX  LOSS:             0',
  'RATE     SENDING:      3.1946  RECEIVING:            0',
  'BELATED RECEIVED:           0  AVG TIME:             0',
  'REORDER DISTANCE:           0',
  'WINDOW      FLOW:        8080  CONGESTION:        8192  FLIGHT:           9',
  'LINK         RTT:     0.208ms  BANDWIDTH:   11.916Mb/s ',
  'BUFFERLEFT:  SND:    12282000  RCV:           12286500',
  '',
].join('\n');
const TEXT_SAMPLE: StatsReport = {
  sid: 679964766,
  timepoint: 'unused',
  stats: {
    pktSent: 490, mbpsSendRate: 3.194601, pktFlowWindow: 8080, pktCongestionWindow: 8192, pktFlightSize: 9,
    msRTT: 0.208, mbpsBandwidth: 11.916, byteAvailSndBuf: 12282000, byteAvailRcvBuf: 12286500,
  },
};

describe('cli stats: numbers as a C++ ostream prints them', () => {
  it('doubles as %g with 6 significant digits', () => {
    const cases: Array<[number, string]> = [
      [0, '0'], [-0, '0'], [12, '12'], [1000, '1000'], [0.187, '0.187'], [10.189094, '10.1891'], [0.7847013, '0.784701'],
      [999999, '999999'], [1234567, '1.23457e+06'], [999999.5, '1e+06'], [0.0001, '0.0001'], [0.00001234, '1.234e-05'],
      [-0.5, '-0.5'], [1e100, '1e+100'], [123.4565, '123.457'],
    ];
    for (const [x, want] of cases) expect(cppDouble(x), String(x)).to.equal(want);
  });

  it('non-finite doubles print as 0, so that JSON stays JSON', () => {
    for (const x of [NaN, Infinity, -Infinity]) expect(cppDouble(x)).to.equal('0');
  });

  it('integers in full, never in exponent form', () => {
    expect(cppInteger(12286500)).to.equal('12286500');
    expect(cppInteger(2 ** 60)).to.equal('1152921504606846976');
    expect(cppInteger(1.9)).to.equal('1');
    expect(cppInteger(NaN)).to.equal('0');
  });
});

describe('cli stats: srt-live-transmit 1.5 formats', () => {
  it('-pf json reproduces slt\'s line byte for byte; fields srt-stream lacks (packet filter) are 0', () => {
    expect(formatJson(JSON_SAMPLE)).to.equal(SLT_JSON);
  });

  it('-pf json: nested groups in slt\'s order, every value a number except the timepoint', () => {
    const [r] = parseJsonStats(formatJson({ ...JSON_SAMPLE, stats: {} }));
    expect(Object.keys(r)).to.deep.equal(['sid', 'timepoint', 'time', 'window', 'link', 'send', 'recv']);
    expect(keyPaths(r)).to.deep.equal(keyPaths(JSON.parse(SLT_JSON)));
    expect(keyPaths(r)).to.have.length(2 + SLT_FIELDS.length);
    for (const p of keyPaths(r).filter((k) => k !== 'timepoint')) {
      expect(typeof p.split('.').reduce<any>((o, k) => o[k], r), p).to.equal('number');
    }
  });

  it('-pf csv: slt\'s header (with its two "Time" columns) once, then rows of as many fields', () => {
    expect(CSV_HEADER).to.equal(SLT_CSV_HEADER);
    const csv = new CsvFormat();
    const first = csv.format(CSV_SAMPLE);
    expect(first).to.equal(`${SLT_CSV_HEADER}\n${SLT_CSV_ROW}\n`);
    expect(csv.format(CSV_SAMPLE)).to.equal(`${SLT_CSV_ROW}\n`);
    const parsed = parseCsvStats(first + csv.format({ ...CSV_SAMPLE, stats: {} }));
    expect(parsed.rows).to.have.length(2);
    for (const row of parsed.rows) expect(row).to.have.length(parsed.header.length);
  });

  it('-pf default: slt\'s two-column block, widths and all', () => {
    expect(formatText(TEXT_SAMPLE)).to.equal(SLT_TEXT);
    const [b] = parseTextStats(formatText(TEXT_SAMPLE));
    expect(b).to.include({ sid: '679964766', 'PACKETS SENT': '490', 'LINK RTT': '0.208ms', 'WINDOW FLOW/FLIGHT': '9', SND: '12282000' });
  });

  it('a value wider than its column pushes the line out, as setw does (never cut)', () => {
    const out = formatText({ sid: 1, timepoint: '', stats: { pktSent: 123456789012, msRTT: 123456.7 } });
    expect(out).to.include('PACKETS     SENT: 123456789012  RECEIVED:');
    expect(out).to.include('LINK         RTT:    123457ms');
  });
});

describe('cli stats: timepoint', () => {
  const savedTz = process.env.TZ;
  afterEach(() => { if (savedTz === undefined) delete process.env.TZ; else process.env.TZ = savedTz; });
  const at = Date.UTC(2026, 0, 31, 14, 30, 57) * 1000 + 42; // 42 µs past the second

  it('local time, 6-digit microseconds, numeric offset', () => {
    process.env.TZ = 'UTC';
    expect(formatTimepoint(at)).to.equal('2026-01-31T14:30:57.000042+0000');
    process.env.TZ = 'Asia/Kolkata';
    expect(formatTimepoint(at)).to.equal('2026-01-31T20:00:57.000042+0530');
    process.env.TZ = 'America/St_Johns';
    expect(formatTimepoint(at)).to.equal('2026-01-31T11:00:57.000042-0330');
    expect(formatTimepoint(at)).to.match(TIMEPOINT);
  });
});

describe('cli stats: parseStatsFormat', () => {
  it('slt\'s names; FORMAT,extras ignores the extras as slt 1.5.1', () => {
    expect(['json', 'csv', 'default', 'json,pretty', 'JSON'].map(parseStatsFormat)).to.deep.equal(['json', 'csv', 'default', 'json', 'json']);
    expect(['2cols', 'xml', ''].map(parseStatsFormat)).to.deep.equal([undefined, undefined, undefined]);
  });
});

describe('cli stats: StatsPrinter counts packets as srt-live-transmit', () => {
  interface FakeSocket { socketId: number; calls: boolean[]; getStats(o: { clear?: boolean }): Record<string, number> }
  function fakeSocket(socketId: number, payloadSize = 1316): FakeSocket & SrtSocket {
    const s = {
      socketId,
      calls: [] as boolean[],
      engine: { cfg: { payloadSize } },
      options: { payloadSize },
      getStats(o: { clear?: boolean }) { s.calls.push(!!o.clear); return { pktSent: s.calls.length }; },
    };
    return s as unknown as FakeSocket & SrtSocket;
  }
  function printer(every: number, format: 'json' | 'csv' | 'default' = 'json', full = false) {
    const out: string[] = [];
    return { out, p: new StatsPrinter((t) => out.push(t), format, every, full) };
  }

  it('-s 3 over 10 packets read from an SRT input: reports after packets 2, 5 and 8 (slt: counter % N === N - 1)', () => {
    const { out, p } = printer(3);
    const sock = fakeSocket(7);
    p.add('input', sock);
    const when: number[] = [];
    for (let i = 1; i <= 10; i++) { const before = out.length; p.onChunk(1316); if (out.length > before) when.push(i); }
    expect(when).to.deep.equal([2, 5, 8]);
    expect(parseJsonStats(out.join('')).map((r) => r.sid)).to.deep.equal([7, 7, 7]);
  });

  it('-s 1: a report for every packet', () => {
    const { out, p } = printer(1);
    p.add('input', fakeSocket(1));
    for (let i = 0; i < 5; i++) p.onChunk(100);
    expect(out).to.have.length(5);
  });

  it('a chunk for an SRT output counts the packets the socket cuts it into (64 KiB = 50 packets of 1316)', () => {
    const { out, p } = printer(10);
    p.add('output', fakeSocket(2));
    p.onChunk(65536);
    expect(out).to.have.length(5); // counters 9, 19, 29, 39, 49
    p.onChunk(0); // nothing to write, nothing counted
    expect(out).to.have.length(5);
  });

  it('each SRT side counts its own packets; one CSV header for both', () => {
    const { out, p } = printer(2, 'csv');
    p.add('input', fakeSocket(11));
    p.add('output', fakeSocket(22, 1000));
    // -s 2 reports at counters 1, 3, 5...
    p.onChunk(1500); // input packet 1: report; output packets 1 (report) and 2
    p.onChunk(1000); // input packet 2; output packet 3: report
    p.onChunk(1000); // input packet 3: report; output packet 4
    const csv = parseCsvStats(out.join(''));
    expect(csv.header.join(',')).to.equal(SLT_CSV_HEADER);
    expect(csv.rows.map((r) => r[2])).to.deep.equal(['11', '22', '22', '11']);
  });

  it('interval counters are cleared at each report unless -f', () => {
    for (const full of [false, true]) {
      const { p } = printer(1, 'json', full);
      const sock = fakeSocket(1);
      p.add('input', sock);
      p.onChunk(1); p.onChunk(1);
      expect(sock.calls, `full ${full}`).to.deep.equal([!full, !full]);
    }
  });

  it('nothing after stop(), and a socket whose getStats throws is skipped', () => {
    const { out, p } = printer(1);
    const sock = fakeSocket(1);
    p.add('input', sock);
    sock.getStats = () => { throw new Error('gone'); };
    p.onChunk(1);
    expect(out).to.have.length(0);
    p.stop();
    p.onChunk(1);
    expect(out).to.have.length(0);
  });
});
