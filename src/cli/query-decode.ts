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
 * Never throws: invalid UTF-8 becomes U+FFFD, so no input can make a caller skip its work.
 */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  const input = Buffer.from(s, 'utf8');
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === 0x25 && i + 2 < input.length && isHex(input[i + 1]) && isHex(input[i + 2])) {
      bytes.push(parseInt(String.fromCharCode(input[i + 1], input[i + 2]), 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
