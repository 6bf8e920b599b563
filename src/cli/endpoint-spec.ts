import * as net from 'node:net';
import { resolveOptions, type SrtOptions } from '../net/options';
import { parseBoolParam, parseByteParam, parseIntParam } from './param-values';
import { PARAM_NAME_OF_OPTION, parseSrtParams } from './srt-params';
import { redactUri, shownParam, shownText } from './redact';
import { parseUri, type QueryParam } from './uri';
import { UsageError } from './usage-error';

/** What to open for INPUT or OUTPUT, fully validated; no I/O happens here. */

export type Role = 'input' | 'output';

export interface SrtSpec {
  kind: 'srt';
  mode: 'caller' | 'listener' | 'rendezvous';
  /** Caller: remote host. Listener: address to listen on ('' = all). */
  host: string;
  port: number;
  options: SrtOptions;
  localAddress?: string;
  localPort?: number;
  notes: string[];
  label: string;
}

/** udp:// parameters are srt-live-transmit's (apps/transmitmedia.cpp UdpCommon), plus port= for an output. */
export interface UdpSpec {
  kind: 'udp';
  /** Input: local address to bind ('' = all) or a multicast group. Output: destination. */
  host: string;
  port: number;
  multicast: boolean;
  /** ttl=: the unicast TTL, or the multicast TTL for a group. */
  ttl?: number;
  rcvBufBytes?: number;
  sndBufBytes?: number;
  /** Output: local bind address; multicast: interface address. */
  localAddress?: string;
  localPort?: number;
  /** mcloop=: whether multicast this socket sends comes back to local receivers (IP_MULTICAST_LOOP). */
  mcLoop?: boolean;
  /** source=: source-specific multicast (input): the group's datagrams from this sender only. */
  source?: string;
  notes: string[];
  label: string;
}

export interface TcpSpec {
  kind: 'tcp';
  mode: 'caller' | 'listener';
  host: string;
  port: number;
  label: string;
}

export type EndpointSpec =
  | { kind: 'stdio'; label: string }
  | { kind: 'file'; path: string; label: string }
  | SrtSpec
  | UdpSpec
  | TcpSpec;

/** 0.0.0.0 / :: mean "any local address": only meaningful for a listener. */
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

export function resolveEndpoint(given: string, role: Role): EndpointSpec {
  const uri = parseUri(given);
  // Below, `raw` only goes into messages: never with the passphrase in it.
  const raw = redactUri(given);
  switch (uri.scheme) {
    case 'stdio':
      return { kind: 'stdio', label: role === 'input' ? 'stdin' : 'stdout' };
    case 'file':
      // A mistyped URI (`srt:/h:9000?passphrase=…`) is a path too: shown, it is redacted like one.
      return { kind: 'file', path: uri.path, label: redactUri(uri.path) };
    case 'srt':
      return resolveSrt(uri.host, uri.port, uri.params, raw);
    case 'udp':
      return resolveUdp(uri.host, uri.port, uri.params, raw, role);
    case 'tcp':
      return resolveTcp(uri.host, uri.port, uri.params, raw);
  }
}

function resolveSrt(host: string, port: number, params: QueryParam[], raw: string): SrtSpec {
  const p = parseSrtParams(params);
  if (p.options.messageApi !== undefined && p.options.transType !== 'file') {
    // Live mode is always the message API on the wire; srt-pipe copies bytes either way.
    if (!p.options.messageApi) throw new UsageError(`messageapi=0 needs transtype=file in '${raw}' (live mode is message-based)`);
    delete p.options.messageApi;
  }
  checkWithLibrary(p.options, raw);
  // srt-live-transmit: empty host = listener, host = caller, host + adapter = rendezvous. We also treat a
  // wildcard host as listener: calling 0.0.0.0 is never what an ffmpeg-style `srt://0.0.0.0:9000` means.
  let mode = p.mode;
  if (!mode) mode = WILDCARDS.has(host) ? 'listener' : p.localAddress ? 'rendezvous' : 'caller';
  const label = `srt://${fmtHost(host)}:${port}`;
  if (mode === 'rendezvous') {
    // Both sides call each other; the local port is the remote one unless port= says otherwise.
    if (host === '' || WILDCARDS.has(host)) throw new UsageError(`mode=rendezvous needs the peer's host in '${raw}'`);
    if (port === 0) throw new UsageError(`bad port 0 for a rendezvous in '${raw}'`);
    return { kind: 'srt', mode, host, port, options: p.options, localAddress: p.localAddress, localPort: p.localPort, notes: p.notes, label };
  }
  if (mode === 'caller') {
    if (host === '') throw new UsageError(`mode=caller needs a host in '${raw}'`);
    if (port === 0) throw new UsageError(`bad port 0 for a caller in '${raw}'`);
    return { kind: 'srt', mode, host, port, options: p.options, localAddress: p.localAddress, localPort: p.localPort, notes: p.notes, label };
  }
  if (p.localPort !== undefined) p.notes.push(`note: port=${p.localPort} ignored for a listener (the URI's port is the listening port)`);
  if (host !== '' && p.localAddress !== undefined && p.localAddress !== host) {
    throw new UsageError(`listener address given twice ('${host}' and adapter=${p.localAddress}) in '${raw}'`);
  }
  return { kind: 'srt', mode, host: host || p.localAddress || '', port, options: p.options, notes: p.notes, label };
}

/** Cross-option limits (e.g. payloadsize <= mss - 44) are the library's: ask it now, so they are usage errors. */
function checkWithLibrary(options: SrtOptions, raw: string): void {
  try {
    resolveOptions(options);
  } catch (err) {
    const msg = (err as Error).message.replace(/options\.(\w+)/g, (_m, k: string) => PARAM_NAME_OF_OPTION[k] ?? k);
    throw new UsageError(`${msg} in '${raw}'`);
  }
}

function resolveUdp(host: string, port: number, params: QueryParam[], raw: string, role: Role): UdpSpec {
  const spec: UdpSpec = { kind: 'udp', host, port, multicast: isMulticast(host), notes: [], label: `udp://${fmtHost(host)}:${port}` };
  const unknown: string[] = [];
  let forcedMulticast = false;
  for (const { key, value } of params) {
    if (key === 'ttl') spec.ttl = parseIntParam(key, value, 1, 255);
    else if (key === 'rcvbuf') spec.rcvBufBytes = parseIntParam(key, value, 1, 0x7fffffff);
    else if (key === 'sndbuf') spec.sndBufBytes = parseIntParam(key, value, 1, 0x7fffffff);
    else if (key === 'adapter' || key === 'bind') spec.localAddress = value;
    else if (key === 'port') spec.localPort = parseIntParam(key, value, 0, 65535);
    else if (key === 'mcloop') spec.mcLoop = parseBoolParam(key, value);
    else if (key === 'source') spec.source = value.trim();
    else if (key === 'multicast') forcedMulticast = true; // srt-live-transmit: its presence, whatever its value
    else if (key === 'iptos') {
      parseByteParam(key, value);
      spec.notes.push(`note: ${shownParam(key, value)} has no effect (Node's dgram cannot set IP_TOS)`);
    } else unknown.push(key);
  }
  if (unknown.length) throw new UsageError(`unknown udp:// parameter${unknown.length > 1 ? 's' : ''}: ${unknown.map(shownText).join(', ')}`);
  if (forcedMulticast && !spec.multicast) throw new UsageError(`multicast= needs a multicast group address in '${raw}'`);
  if (spec.source !== undefined) {
    if (role === 'output') throw new UsageError(`source= (source-specific multicast) is for a udp:// input ('${raw}')`);
    if (!spec.multicast) throw new UsageError(`source= needs a multicast group address in '${raw}'`);
    if (net.isIP(spec.source) !== net.isIP(host)) throw new UsageError(`${shownParam('source', spec.source)}: expected an IP address of the group's family`);
  }
  if (role === 'output') {
    if (WILDCARDS.has(host)) throw new UsageError(`udp:// output needs a destination host in '${raw}'`);
    if (port === 0) throw new UsageError(`bad port 0 for a udp:// output in '${raw}'`);
  } else if (spec.localPort !== undefined) {
    throw new UsageError(`port= is for a udp:// output; an input binds the URI's port ('${raw}')`);
  }
  return spec;
}

function resolveTcp(host: string, port: number, params: QueryParam[], raw: string): TcpSpec {
  let mode: 'caller' | 'listener' | undefined;
  const unknown: string[] = [];
  for (const { key, value } of params) {
    if (key !== 'mode') { unknown.push(key); continue; }
    const m = value.trim().toLowerCase();
    if (m === 'caller' || m === 'client') mode = 'caller';
    else if (m === 'listener' || m === 'server') mode = 'listener';
    else throw new UsageError(`${shownParam('mode', value)}: expected caller or listener for tcp://`);
  }
  if (unknown.length) throw new UsageError(`unknown tcp:// parameter${unknown.length > 1 ? 's' : ''}: ${unknown.map(shownText).join(', ')}`);
  mode ??= WILDCARDS.has(host) ? 'listener' : 'caller';
  if (mode === 'caller' && (host === '' || port === 0)) throw new UsageError(`a tcp:// caller needs host:port in '${raw}'`);
  return { kind: 'tcp', mode, host, port, label: `tcp://${fmtHost(host)}:${port}` };
}

function isMulticast(host: string): boolean {
  const m = /^(\d+)\.\d+\.\d+\.\d+$/.exec(host);
  if (m) return Number(m[1]) >= 224 && Number(m[1]) <= 239;
  return /^ff[0-9a-f]{2}:/i.test(host);
}

export function fmtHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
