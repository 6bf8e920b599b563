/**
 * `srt-relay [options]`: publish and play by stream ID on one SRT port, with a monitor page and
 * Prometheus metrics on an HTTP port. See RELAY_USAGE. Sets process.exitCode (0 ok, 1 runtime, 2 usage).
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ConfigError, readConfigFile, resolveConfig, type RelayConfig } from '../relay/relay-config';
import { createMonitorServer, type MonitorServer } from '../relay/monitor/http-server';
import { SrtRelay } from '../relay/relay';
import { startLoopDelayReport } from './loop-delay-report';

export const RELAY_USAGE = `Usage: srt-relay [options]

Publish and play live streams by stream ID on one SRT port (a pure-JS SRT relay).
  publish:  srt://HOST:9000?streamid=publish:cam1       (or #!::r=cam1,m=publish, or publish:/cam1)
  play:     srt://HOST:9000?streamid=read:cam1          (or #!::r=cam1,m=request, or /cam1)
With no options: SRT on 0.0.0.0:9000, the monitor on http://127.0.0.1:8080, callers from this
machine only (loopback): say who else may connect with --allow or in the config file.

Options (each also a key of the JSON config file, named as in brackets):
  --config FILE             JSON settings; options given here override the file's. SIGHUP reads it
                            again: access rules apply to callers from then on, connections stay
  --srt-port N              SRT port (srtPort, default 9000)    --srt-host ADDR (srtHost, 0.0.0.0)
  --http-port N             monitor page, /api/streams, /metrics (httpPort, default 8080; 0 = any
                            free port; --no-http for none)      --http-host ADDR (httpHost, 127.0.0.1)
  --latency MS              receiver latency of every connection (latency, default 120)
  --allow ADDR[/BITS]       callers allowed from there (allow; repeatable; default loopback only;
                            --allow 0.0.0.0/0 --allow ::/0 for anyone)
  --deny ADDR[/BITS]        callers refused from there, before --allow (deny; repeatable)
  --passphrase TEXT         passphrase of every stream without its own (passphrase)
  (config only) streams     { "NAME" or "*": { "passphrase", "publish": [users], "play": [users] } };
                            with streams and no "*", other names are refused (SRT_REJX_NOTFOUND)
  (config only) users       { "USER": "PASSWORD" } for publish:NAME:USER:PASSWORD callers
  --max-players N           players per stream at most (maxPlayersPerStream, default 500)
  --max-connections N       connections at most, all streams together (maxConnections, default 2000;
                            then SRT_REJ_BACKLOG)
  --player-backlog BYTES    a player's unsent bytes at most; beyond, its packets are dropped and
                            counted (playerBacklogBytes, default 4194304)
  --stall-timeout MS        a player stuck at its backlog this long is disconnected (stallTimeoutMs, 5000)
  --grace MS                a publisher back within this time feeds the same players (publisherGraceMs, 5000)
  --prebuffer MS            the stream's last MS sent at once to a new player (prebufferMs, 1000; 0 = none)
  --wait MS                 a player of a stream not yet published waits this long (waitForPublisherMs,
                            10000); 0 = refused at once (SRT_REJX_NOTFOUND)
  --takeover                a second publisher of a name replaces the first (takeover; default: it
                            is refused with SRT_REJX_CONFLICT)
  --origin srt://HOST:PORT  pull streams nobody publishes here from that relay while they have players
  --packet-filter FILTER    FEC of the listener and origin pulls, e.g. fec,cols:10,rows:5 (packetFilter;
                            merged with each caller's as libsrt does; default: whatever the caller asks)
  -q, --quiet               only warnings (refusals, stalls)
  -h, --help                this help

Refusals use libsrt's codes: 1400 bad request, 1401 unauthorized, 1403 forbidden, 1404 not found,
1405 bad mode, 1409 conflict, 1402 overload; a wrong passphrase is the handshake's 1010.
SIGTERM / SIGINT: SHUTDOWN to every connection, then exit 0.
SRT_RELAY_ELD=1 in the environment: event-loop delay (p50/p99/max) on stderr at exit and on SIGUSR2.
`;

const say = (msg: string): void => {
  process.stderr.write(`srt-relay: ${msg}\n`);
};

interface CliRelayArgs {
  help: boolean;
  quiet: boolean;
  configFile?: string;
  flags: Partial<RelayConfig>;
}

export function parseRelayArgs(argv: readonly string[]): CliRelayArgs {
  const { values: v, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      'srt-port': { type: 'string' },
      'srt-host': { type: 'string' },
      'http-port': { type: 'string' },
      'http-host': { type: 'string' },
      'no-http': { type: 'boolean' },
      latency: { type: 'string' },
      allow: { type: 'string', multiple: true },
      deny: { type: 'string', multiple: true },
      passphrase: { type: 'string' },
      'max-players': { type: 'string' },
      'max-connections': { type: 'string' },
      'player-backlog': { type: 'string' },
      'stall-timeout': { type: 'string' },
      grace: { type: 'string' },
      prebuffer: { type: 'string' },
      wait: { type: 'string' },
      takeover: { type: 'boolean' },
      origin: { type: 'string' },
      'packet-filter': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const num = (name: string, s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s)) throw new ConfigError(`--${name} ${JSON.stringify(s)}: expected a number`);
    return Number(s);
  };
  const flags: Partial<RelayConfig> = {
    srtPort: num('srt-port', v['srt-port']),
    srtHost: v['srt-host'],
    httpPort: v['no-http'] ? null : num('http-port', v['http-port']),
    httpHost: v['http-host'],
    latency: num('latency', v.latency),
    allow: v.allow,
    deny: v.deny,
    passphrase: v.passphrase,
    maxPlayersPerStream: num('max-players', v['max-players']),
    maxConnections: num('max-connections', v['max-connections']),
    playerBacklogBytes: num('player-backlog', v['player-backlog']),
    stallTimeoutMs: num('stall-timeout', v['stall-timeout']),
    publisherGraceMs: num('grace', v.grace),
    prebufferMs: num('prebuffer', v.prebuffer),
    waitForPublisherMs: num('wait', v.wait),
    takeover: v.takeover,
    origin: v.origin,
    packetFilter: v['packet-filter'],
  };
  return { help: !!v.help, quiet: !!v.quiet, configFile: v.config, flags };
}

function loadConfig(args: CliRelayArgs): RelayConfig {
  return resolveConfig(args.configFile ? readConfigFile(args.configFile) : {}, args.flags);
}

export function main(argv: string[]): void {
  let args: CliRelayArgs;
  let config: RelayConfig;
  try {
    args = parseRelayArgs(argv);
    if (args.help) {
      process.stdout.write(RELAY_USAGE);
      return;
    }
    config = loadConfig(args);
  } catch (err) {
    say((err as Error).message);
    process.stderr.write(`Try 'srt-relay --help' for more information.\n`);
    process.exitCode = 2;
    return;
  }
  void run(args, config).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      say(`internal error: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 1;
    },
  );
}

async function run(args: CliRelayArgs, config: RelayConfig): Promise<number> {
  const relay = new SrtRelay(config);
  const stopLoopDelay = startLoopDelayReport(say);
  relay.on('log', (level, msg) => {
    if (level === 'warn' || !args.quiet) say(msg);
  });
  const failed = once(relay, 'error').then(([err]) => err as Error);
  relay.listen();
  const up = await Promise.race([once(relay, 'listening').then(() => undefined), failed]);
  if (up) {
    say(`SRT port ${config.srtHost}:${config.srtPort}: ${up.message}`);
    return 1;
  }
  const a = relay.server.address();
  say(`SRT on ${a?.address}:${a?.port}` + (config.allow.length ? `, callers from ${config.allow.join(', ')}` : ', callers from anywhere'));
  const monitor = await startMonitor(relay, config);
  if (monitor instanceof Error) {
    say(`HTTP port ${config.httpHost}:${config.httpPort}: ${monitor.message}`);
    await relay.close();
    return 1;
  }
  const onHup = () => {
    if (!args.configFile) return say('SIGHUP: no --config file to read again');
    try {
      relay.reconfigure(loadConfig(args));
      say(`SIGHUP: ${args.configFile} read again; new callers get its rules`);
    } catch (err) {
      say(`SIGHUP: ${(err as Error).message}; the previous settings stay`);
    }
  };
  process.on('SIGHUP', onHup);
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), failed]);
  process.off('SIGHUP', onHup);
  if (signal instanceof Error) say(signal.message);
  else say('stopping: SHUTDOWN to every connection');
  await Promise.all([relay.close(), monitor?.close()]);
  stopLoopDelay?.();
  return signal instanceof Error ? 1 : 0;
}

/** The HTTP side, when configured: resolves once listening, or with the error that stopped it. */
async function startMonitor(relay: SrtRelay, config: RelayConfig): Promise<MonitorServer | Error | undefined> {
  if (config.httpPort === null) return undefined;
  const monitor = createMonitorServer({ snapshot: () => relay.snapshot(), host: config.httpHost, port: config.httpPort });
  try {
    const a = await monitor.listen();
    say(`monitor on http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/ (metrics: /metrics, streams: /api/streams)`);
    return monitor;
  } catch (err) {
    return err as Error;
  }
}
