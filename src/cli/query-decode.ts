import { unescape } from 'node:querystring';

/**
 * How srt-pipe reads the parts of a URI query. The parser (uri.ts) and the redaction of the
 * passphrase (redact.ts) both use these, so that whatever spelling the parser takes for a
 * parameter name, the redaction recognises too.
 */

/** Parameters are separated by '&' only (a raw '#', ';' or ',' is data). */
export const PARAM_SEPARATOR = '&';

/** One `&`-separated part, split at its first '=': still %-encoded; no '=' means no value. */
export function splitParam(part: string): { rawKey: string; rawValue: string | undefined } {
  const eq = part.indexOf('=');
  return eq < 0 ? { rawKey: part, rawValue: undefined } : { rawKey: part.slice(0, eq), rawValue: part.slice(eq + 1) };
}

/** A parameter's name as it is looked up: %XX-decoded, then lower-cased (`PassPhrase`, `pass%70hrase`). */
export function paramKey(rawKey: string): string {
  return percentDecode(rawKey).toLowerCase();
}

/**
 * Decodes valid `%XX` escapes as UTF-8 bytes; a stray `%` stays literal. `+` is kept (not form encoding).
 * Never throws: querystring.unescape falls back from decodeURIComponent to a byte-wise decoding
 * where invalid UTF-8 becomes U+FFFD, so no input can make a caller skip its work.
 */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  // That fallback reads the string as one byte per character, which would mangle a raw non-ASCII
  // character next to a stray '%' (`café%`): it gets those as escapes of their UTF-8 bytes.
  return unescape(s.replace(/[^\x00-\x7f]+/g, escapeUtf8));
}

function escapeUtf8(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex').replace(/../g, '%$&');
}
