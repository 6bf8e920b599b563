import { PARAM_SEPARATOR, paramKey, percentDecode, splitParam } from './query-decode';
import { redactUri } from './redact';
import { UsageError } from './usage-error';

export { percentDecode } from './query-decode';
export { redactUri } from './redact';

/** One `key=value` from a URI query, value already %XX-decoded. Order is kept (later wins). */
export interface QueryParam {
  key: string;
  value: string;
}

export type ParsedUri =
  | { scheme: 'stdio'; raw: string }
  | { scheme: 'file'; path: string; raw: string }
  | { scheme: 'srt' | 'udp' | 'tcp'; host: string; port: number; params: QueryParam[]; raw: string };

const NET_SCHEMES = new Set(['srt', 'udp', 'tcp']);

/**
 * Parses an srt-pipe endpoint: `-`, a path, `file://…`, or `srt|udp|tcp://host:port?query`.
 * Parsed by hand, not with WHATWG URL: a raw `#` (e.g. `streamid=#!::r=live/cam`) is data, not a fragment.
 * Messages show the URI through redactUri only: it may hold a passphrase.
 */
export function parseUri(raw: string): ParsedUri {
  if (raw === '') throw new UsageError('empty endpoint');
  if (raw === '-') return { scheme: 'stdio', raw };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(raw);
  if (!m) return { scheme: 'file', path: raw, raw }; // plain path (also `C:\x`, which has no `://`)
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (scheme === 'file') return parseFile(rest, raw);
  if (!NET_SCHEMES.has(scheme)) {
    throw new UsageError(`unsupported scheme '${scheme}://' in '${redactUri(raw)}' (use srt://, udp://, tcp://, file:// or a path)`);
  }
  const q = rest.indexOf('?');
  const authority = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const { host, port } = parseAuthority(authority, raw);
  return { scheme: scheme as 'srt' | 'udp' | 'tcp', host, port, params: parseQuery(query), raw };
}

function parseFile(rest: string, raw: string): ParsedUri {
  if (rest === 'con' || rest === 'con/') return { scheme: 'stdio', raw };
  // file:///abs -> /abs; file://rel/path -> rel/path (srt-live-transmit style). Paths may be %-encoded.
  const path = percentDecode(rest);
  if (path === '') throw new UsageError(`missing path in '${redactUri(raw)}'`);
  return { scheme: 'file', path, raw };
}

function parseAuthority(authority: string, raw: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) throw new UsageError(`unterminated '[' in IPv6 address in '${redactUri(raw)}'`);
    host = authority.slice(1, end);
    const after = authority.slice(end + 1);
    if (!after.startsWith(':')) throw new UsageError(`missing port in '${redactUri(raw)}' (expected [addr]:port)`);
    portText = after.slice(1);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon < 0) throw new UsageError(`missing port in '${redactUri(raw)}' (expected host:port or :port)`);
    host = authority.slice(0, colon);
    portText = authority.slice(colon + 1);
    if (host.includes(':')) throw new UsageError(`IPv6 address must be in brackets in '${redactUri(raw)}' (e.g. srt://[::1]:9000)`);
  }
  if (portText.endsWith('/')) portText = portText.slice(0, -1); // tolerate `srt://host:9000/?latency=…`
  if (portText.includes('/')) throw new UsageError(`unexpected path after the port in '${redactUri(raw)}'`);
  // No host has '&' or '='; this is a query whose '?' was forgotten, maybe with a passphrase in it.
  if (/[&=]/.test(host)) throw new UsageError(`bad host '${redactUri(host)}' in '${redactUri(raw)}' (parameters go after '?')`);
  return { host, port: parsePort(portText, raw) };
}

export function parsePort(text: string, raw: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new UsageError(`bad port '${redactUri(text)}' in '${redactUri(raw)}'`);
  const port = Number(text);
  if (port > 65535) throw new UsageError(`bad port '${text}' in '${redactUri(raw)}' (must be 0-65535)`);
  return port;
}

/** Splits `a=1&b=2`; keys are case-insensitive (lower-cased); `key` alone means `key=` (empty value). */
export function parseQuery(query: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (query === '') return out;
  for (const part of query.split(PARAM_SEPARATOR)) {
    if (part === '') continue; // `?a=1&&b=2`
    const { rawKey, rawValue } = splitParam(part);
    out.push({ key: paramKey(rawKey), value: rawValue === undefined ? '' : percentDecode(rawValue) });
  }
  return out;
}
