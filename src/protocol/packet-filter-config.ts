/**
 * Packet-filter configuration strings (SRTO_PACKETFILTER), as libsrt parses, checks and merges
 * them (common.cpp SrtParseConfig; fec.cpp FECFilterBuiltin::verifyConfig; packetfilter.cpp
 * CheckFilterCompat; core.cpp checkApplyFilterConfig). Format: `TYPE[,KEY:VALUE...]`.
 * Only libsrt's builtin "fec" type exists.
 */
import { ArqLevel, FecConfig, MAX_FEC_DIMENSION } from './fec/fec-config';

/** libsrt's CSrtConfig::MAX_PFILTER_LENGTH: longer strings do not fit its storage or a handshake block. */
export const MAX_FILTER_CONFIG = 64;
/** Bytes the fec filter takes from each data packet's payload (its ExtraSize(): the FEC header). */
export const FEC_EXTRA_SIZE = 4;

/** fec's defaults for keys neither side set (fec.cpp defaultConfig); cols has none, it is mandatory. */
const FEC_DEFAULTS: Readonly<Record<string, string>> = { rows: '1', layout: 'staircase', arq: 'onreq' };
const FEC_KEYS = new Set(['cols', 'rows', 'layout', 'arq']);

export interface FilterConfig {
  type: string;
  /** Key -> value, as written (libsrt compares values as strings); keys with an empty value are dropped. */
  params: Map<string, string>;
}

/** The reason a configuration string is refused, or the parsed configuration. */
export type FilterParse = { ok: true; config: FilterConfig } | { ok: false; error: string };

/** C's atoi, which libsrt applies to numeric values: leading digits count, anything else reads as 0. */
function atoi(s: string): number {
  const n = parseInt(s, 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Parses and checks a configuration string as libsrt does when the option is set or a peer's block arrives. */
export function parseFilterConfig(s: string): FilterParse {
  if (Buffer.byteLength(s) > MAX_FILTER_CONFIG) return { ok: false, error: `longer than ${MAX_FILTER_CONFIG} bytes` };
  const parts = s.split(',');
  const type = parts[0];
  const params = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const kv = part.split(':');
    if (kv.length !== 2) return { ok: false, error: `"${part}" is not KEY:VALUE` };
    if (kv[1] !== '') params.set(kv[0], kv[1]);
  }
  if (type !== 'fec') return { ok: false, error: `unknown filter type "${type}" (only "fec" is built in)` };
  const error = fecConfigError(params);
  return error ? { ok: false, error } : { ok: true, config: { type, params } };
}

/**
 * fec.cpp verifyConfig: cols > 1 when given, rows >= 1 or < -1, known layout and arq, no other
 * keys; and our bound on the group sizes (fec-config.ts MAX_FEC_DIMENSION).
 */
function fecConfigError(params: Map<string, string>): string | undefined {
  const layout = params.get('layout');
  if (layout !== undefined && layout !== 'even' && layout !== 'staircase') return "'layout' must be 'even' or 'staircase'";
  const cols = params.get('cols');
  if (cols !== undefined && atoi(cols) < 2) return "'cols' must be > 1";
  const rows = params.get('rows');
  if (rows !== undefined && atoi(rows) >= -1 && atoi(rows) < 1) return "'rows' must be >= 1 (rows and columns) or < -1 (columns only)";
  if (cols !== undefined && atoi(cols) > MAX_FEC_DIMENSION) return `'cols' above ${MAX_FEC_DIMENSION} is not supported here`;
  if (rows !== undefined && Math.abs(atoi(rows)) > MAX_FEC_DIMENSION) return `'rows' beyond ±${MAX_FEC_DIMENSION} is not supported here`;
  const arq = params.get('arq');
  if (arq !== undefined && arq !== 'never' && arq !== 'onreq' && arq !== 'always') return `'arq' must be never, onreq or always, not '${arq}'`;
  for (const k of params.keys()) if (!FEC_KEYS.has(k)) return `unknown parameter '${k}' (allowed: cols, rows, layout, arq)`;
  return undefined;
}

/** The string libsrt stores after a merge: the type, then every key in sorted order (a std::map). */
export function formatFilterConfig(c: FilterConfig): string {
  return [c.type, ...[...c.params.keys()].sort().map((k) => `${k}:${c.params.get(k)}`)].join(',');
}

/**
 * The responder's merge (CheckFilterCompat): a key set on one side only is taken, fec's defaults
 * fill keys set on neither, and a key both set to different values is a conflict. Returns the
 * merged configuration or the conflict.
 */
export function mergeAsResponder(ours: FilterConfig, peer: FilterConfig): { ok: true; config: FilterConfig } | { ok: false; error: string } {
  if (ours.type !== peer.type) return { ok: false, error: `filter type "${peer.type}" where we use "${ours.type}"` };
  for (const [k, v] of peer.params) {
    const mine = ours.params.get(k);
    if (mine !== undefined && mine !== v) return { ok: false, error: `collision on '${k}' (ours ${mine}, peer's ${v})` };
  }
  const params = new Map([...Object.entries(FEC_DEFAULTS), ...peer.params, ...ours.params]);
  return { ok: true, config: { type: ours.type, params } };
}

export type FilterNegotiation =
  | { ok: true; /** The effective configuration; '' when no filter applies. */ filter: string }
  | { ok: false; error: string };

/**
 * What a side applies once the peer's FILTER block (or its absence) is known, as libsrt's
 * checkApplyFilterConfig and interpretSrtHandshake do:
 * - responder without a filter: takes the initiator's string as it is;
 * - responder with one: merges (conflict -> refusal); if the initiator sent none, no filter;
 * - initiator: the responder's values override its own; a filter it asked for that the
 *   responder did not answer is a refusal.
 * Refusals are libsrt's SRT_REJ_FILTER.
 */
export function negotiateFilter(side: 'initiator' | 'responder', ours: string, peers: string | undefined): FilterNegotiation {
  if (peers === undefined) {
    if (ours !== '' && side === 'initiator') return { ok: false, error: 'we asked for a packet filter, the peer answered none' };
    return { ok: true, filter: '' };
  }
  const peer = parseFilterConfig(peers);
  if (!peer.ok) return { ok: false, error: `peer's filter "${peers}": ${peer.error}` };
  let filter: string;
  if (ours === '') {
    filter = peers;
  } else {
    const mine = parseFilterConfig(ours);
    if (!mine.ok) return { ok: false, error: `our filter "${ours}": ${mine.error}` };
    if (mine.config.type !== peer.config.type) return { ok: false, error: `filter type "${peer.config.type}" where we use "${mine.config.type}"` };
    if (side === 'initiator') {
      filter = formatFilterConfig({ type: mine.config.type, params: new Map([...mine.config.params, ...peer.config.params]) });
    } else {
      const merged = mergeAsResponder(mine.config, peer.config);
      if (!merged.ok) return merged;
      filter = formatFilterConfig(merged.config);
    }
  }
  // The filter is built from this string once connected; libsrt refuses (SRT_REJ_FILTER) when
  // that fails, which for fec means no 'cols' on either side.
  const final = parseFilterConfig(filter);
  if (!final.ok) return { ok: false, error: `negotiated filter "${filter}": ${final.error}` };
  if (!final.config.params.has('cols')) return { ok: false, error: `negotiated filter "${filter}" lacks the mandatory 'cols'` };
  return { ok: true, filter };
}

/** The payload a packet may carry under a filter (libsrt lowers SRTO_PAYLOADSIZE to this). */
export function filterMaxPayload(filter: string, maxPayload: number): number {
  return filter === '' ? maxPayload : maxPayload - FEC_EXTRA_SIZE;
}

/**
 * Why a negotiated filter cannot run here, or undefined. The fec filter rebuilds packets as live
 * mode's (one packet per message, delivered by TSBPD), as libsrt's does; file mode's stream
 * would take a rebuilt packet's made-up message boundaries for real ones, so a file-mode
 * connection with a filter is refused (SRT_REJ_FILTER), as libsrt refuses a filter it cannot build.
 */
export function unusableFilter(filter: string, fileMode: boolean): string | undefined {
  return filter !== '' && fileMode ? `packet filter "${filter}" negotiated, but the fec filter runs in live mode only` : undefined;
}

/** The fec filter's settings from a negotiated configuration string; undefined for none. */
export function fecConfigOf(filter: string): FecConfig | undefined {
  if (filter === '') return undefined;
  const parsed = parseFilterConfig(filter);
  if (!parsed.ok) return undefined;
  const p = parsed.config.params;
  const rows = atoi(p.get('rows') ?? '1');
  return {
    cols: atoi(p.get('cols') ?? '0'),
    rows: Math.abs(rows),
    colsOnly: rows < 0,
    layout: p.get('layout') === 'even' ? 'even' : 'staircase',
    arq: (p.get('arq') ?? 'onreq') as ArqLevel,
  };
}
