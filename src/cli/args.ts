import { parseArgs } from 'node:util';
import { redactUri } from './redact';
import { parseRunOptions, RUN_ALIASES, RUN_DEFAULTS, RUN_PARSE_OPTIONS, type RunOptions } from './run-options';
import { parseStatsFormat, type StatsFormat } from './stats-printer';
import { UsageError } from './usage-error';

/** The run options (timer, chunks, logging...) are in run-options.ts. */
export interface CliOptions extends RunOptions {
  help: boolean;
  /** `-h logging`: the logging help. */
  helpTopic?: 'logging';
  version: boolean;
  input: string;
  output: string;
  /** A stats report every this many packets (srt-live-transmit's -s); undefined = no stats. */
  statsEvery?: number;
  statsFormat: StatsFormat;
  statsOut?: string;
  fullStats: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** srt-live-transmit spellings (single dash, `-name:value`) → our canonical long option. */
const ALIASES: Readonly<Record<string, string>> = {
  s: 'stats', stats: 'stats', 'stats-report-frequency': 'stats',
  pf: 'pf', statspf: 'pf',
  statsout: 'statsout',
  f: 'fullstats', fullstats: 'fullstats',
  q: 'quiet', quiet: 'quiet',
  v: 'verbose', verbose: 'verbose',
  h: 'help', help: 'help',
  version: 'version',
  ...RUN_ALIASES,
};

/**
 * Rewrites `-statsout f`, `-pf:json`, `-s:1000`, `--stats=1000` into `--name[=value]` for parseArgs.
 * Unknown options are left alone so parseArgs reports them; `-` and everything after `--` are positionals.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.push(...argv.slice(i)); break; }
    const m = /^--?([A-Za-z][A-Za-z0-9-]*)(?:[:=](.*))?$/s.exec(a);
    // Own names only: `-constructor` is an unknown option, not Object.prototype.constructor.
    const canonical = m && Object.hasOwn(ALIASES, m[1].toLowerCase()) ? ALIASES[m[1].toLowerCase()] : undefined;
    if (!m || !canonical) { out.push(a); continue; }
    out.push(m[2] === undefined ? `--${canonical}` : `--${canonical}=${m[2]}`);
  }
  return out;
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: normalizeArgv(argv),
      allowPositionals: true,
      strict: true,
      options: {
        stats: { type: 'string', short: 's' },
        pf: { type: 'string' },
        statsout: { type: 'string' },
        fullstats: { type: 'boolean', short: 'f' },
        quiet: { type: 'boolean', short: 'q' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...RUN_PARSE_OPTIONS,
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values: v, positionals } = parsed;
  const base = {
    help: !!v.help, version: !!v.version, fullStats: !!v.fullstats, quiet: !!v.quiet, verbose: !!v.verbose,
    statsFormat: 'default' as StatsFormat, input: '', output: '', ...RUN_DEFAULTS,
  };
  if (base.help) return { ...base, ...(positionals[0]?.toLowerCase() === 'logging' ? { helpTopic: 'logging' as const } : {}) };
  if (base.version) return base;
  const run = parseRunOptions(v); // before the positionals: `-a srt://...` is about -a
  if (positionals.length !== 2) {
    throw new UsageError(positionals.length < 2 ? 'expected INPUT and OUTPUT' : `too many arguments: ${positionals.slice(2).map(redactUri).join(' ')}`);
  }
  const opts: CliOptions = { ...base, ...run, input: positionals[0], output: positionals[1], statsOut: v.statsout };
  if (v.pf !== undefined) {
    const f = parseStatsFormat(v.pf);
    if (!f) throw new UsageError(`-pf ${redactUri(v.pf)}: expected json, csv or default`);
    opts.statsFormat = f;
  }
  if (v.stats !== undefined) {
    if (!/^\d+$/.test(v.stats)) throw new UsageError(`-s ${redactUri(v.stats)}: expected a number of packets`);
    // As srt-live-transmit: 0 is off, and -pf, -statsout, -f alone print nothing.
    if (Number(v.stats) > 0) opts.statsEvery = Number(v.stats);
  }
  return opts;
}

export const USAGE = `Usage: srt-pipe [options] INPUT OUTPUT

Copies INPUT to OUTPUT until INPUT ends; either side may be SRT (a pure-JS srt-live-transmit).

Endpoints:
  srt://HOST:PORT?PARAMS    SRT caller
  srt://:PORT?PARAMS        SRT listener (also mode=listener, or host 0.0.0.0 / [::]);
                            one caller at a time (with -a no: the first caller only)
  srt://HOST:PORT?mode=rendezvous  SRT rendezvous (also inferred from a host plus adapter=);
                            binds port= locally, by default the remote PORT
  udp://HOST:PORT           input: bind HOST:PORT (empty host = all; multicast joins the group),
                            one datagram per chunk; output: datagrams of <= 1316 bytes to HOST:PORT
                            (params: ttl, adapter (multicast: the interface), port (output's local
                            port), mcloop (0/1), source (input: source-specific multicast),
                            multicast, rcvbuf, sndbuf; iptos accepted, no effect)
  tcp://HOST:PORT           TCP caller; tcp://:PORT or mode=listener: first connection only
  PATH, file://PATH, file:///ABS/PATH    a file
  -, file://con             stdin (as INPUT) / stdout (as OUTPUT)
  IPv6: srt://[::1]:9000. Quote URIs in the shell (& ? #).

SRT parameters (srt-live-transmit names and units):
  latency, rcvlatency, peerlatency   ms; or with a unit: 200ms, 200000us, 2s
                                     (ffmpeg's latency=200000 is us: write 200000us here)
  streamid=#!::r=live/cam,m=publish  raw '#' is data; %XX escapes are decoded
  payloadsize (bytes, <= 1456)   mss   fc (packets)   maxbw (bytes/s, -1 = default)
  rcvbuf, sndbuf (bytes)   conntimeo, peeridletimeo (ms)   linger (s)
  tlpktdrop, nakreport (0/1, true/false, on/off)
  lossmaxttl (packets, default 0)   reorder tolerance: a gap waits for up to this many later
                                     packets before it is NAKed (for links that reorder)
  mode=caller|listener   adapter, bind (local address)   port (caller's local port)
  inputbw, mininputbw (bytes/s), oheadbw (%)   used when maxbw=0
  passphrase (10..80 bytes), pbkeylen (0/16/24/32), enforcedencryption (0/1),
  kmrefreshrate, kmpreannounce (packets), cryptomode (1/aes-ctr, 2/aes-gcm)
  transtype=live|file (file: as srt-file-transmit)   messageapi
  tsbpdmode=0 (or tsbpd=0): deliver on arrival, no latency, no too-late drop   drifttracer (0/1)
  snddropdelay (ms added to the sender drop threshold; -1 = never drop)
  retransmitalgo (1: no repeat within SRTT - 4 RTTVar, the default; 0: resend on every NAK)
  minversion=0x010300 or 1.3.0 (older peers refused: SRT_REJ_VERSION)
  ipttl (1..255)   ipv6only (0/1: a [::] listener takes IPv6 callers only)
  iptos (accepted, no effect: Node cannot set IP_TOS)
  blocking, timeout (accepted, no effect, as in srt-live-transmit)
  packetfilter=fec,cols:10,rows:5   libsrt's FEC (live mode); keys: cols, rows (1: rows only,
                                     negative: columns only), layout (staircase, even),
                                     arq (onreq: NAK what FEC cannot rebuild; always; never)
  Unknown parameters are an error.

Options:
  -s, -stats N          SRT statistics every N packets of each SRT side, as srt-live-transmit:
                        on stdout (stderr when OUTPUT is stdout); 0 = none (default)
  -pf FORMAT            stats format: default (text block), json (a JSON object per line),
                        csv (header + rows); srt-live-transmit's fields and layout
  -statsout FILE        write stats to FILE instead
  -f, -fullstats        counters since the connection started instead of since the last report
  -t, -to, -timeout S   exit (status 0) after S seconds; 0 = never (default)
  -tm, -timeout-mode M  0: counted from the start (default); 1: cancelled once an SRT
                        connection is up
  -c, -chunk N          cut the input into chunks of at most N bytes: a byte stream (file,
                        stdin, tcp) is read in whole N-byte chunks, a longer datagram (udp, srt)
                        is split; a live SRT output sends each chunk as one packet (N above 1316
                        raises payloadsize to N unless payloadsize= is given; at most 1456).
                        Default: as read (SRT outputs send payloadsize packets, 1316 bytes)
  -r, -report, -bandwidth-report, -bitrate-report N
                        every N packets of an SRT endpoint, print its link bandwidth estimate
                        (stderr): +++/+++SRT BANDWIDTH: <Mbps> (-pf json: {"bandwidth":<Mbps>})
  -buffering N          chunks held between input and output (default 16; srt-live-transmit
                        reads up to N packets, default 10, before writing them)
  -st, -srctime, -sourcetime yes|no
                        accepted; source time is not passed on (packets are stamped when sent)
  -a, -auto, -autoreconnect yes|no
                        yes (default): an SRT caller dials again (backoff 250 ms .. 5 s) when its
                        connection ends or an attempt fails; a listener takes the next caller into
                        the same output. Live data meanwhile is dropped. no: end with the connection
  -ll, -loglevel LEVEL  log level: fatal, error, warning (default), note, info, debug
  -lfa, -logfa AREAS    log only these functional areas (comma-separated; 'all')
  -logfile FILE         log lines to FILE instead of stderr
  -q, -quiet            none of srt-pipe's own notes and warnings (the log stays as -ll says)
  -v, -verbose          connection events on stderr
  -h, -help             this help; -h logging: log levels and areas
  -version              print the version
  (Options may be written -name, --name, -name:value or --name=value.)

Log (-ll): lines as libsrt's, HH:MM:SS.uuuuuu/srt-pipe!W:SRT.cn: ... At the default level
(warning): callers our listener refused and calls refused, with the reason
(e.g. 1010 - wrong passphrase (SRT_REJ_BADSECRET)); connections broken, with the reason.
note adds connections made, accepted and closed; debug adds socket options and counters.

Differences from srt-live-transmit:
  srt-pipe ends when INPUT ends (srt-live-transmit waits); with -a no, also when a connection
  ends, and exit status 1 on a connection error or refusal (srt-live-transmit: 0). A caller's
  retries back off (srt-live-transmit dials again every connect timeout).
  Connection events ("Accepted SRT source connection", "TIMEOUT: ...") are printed with -v only.
  srt-pipe also takes file paths and tcp://.
  Chunks: see -c (srt-live-transmit's default chunk is 1456 bytes, so 1456-byte packets).
  Bad option values are usage errors (srt-live-transmit falls back to a default).

Exit status: 0 done (input ended, peer closed, -t, or SIGINT/SIGTERM), 1 runtime or connection error,
2 usage error.

Examples:
  srt-pipe udp://:5000 'srt://example.net:9000?streamid=#!::r=live/cam,m=publish'
  srt-pipe 'srt://:9000?latency=200' - | ffplay -
  srt-pipe -s 1000 -pf csv -statsout stats.csv srt://:9000 out.ts
`;
