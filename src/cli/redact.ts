import { PARAM_SEPARATOR, paramKey, percentDecode, splitParam } from './query-decode';

/**
 * Hiding the passphrase in what srt-pipe prints. URIs and parameters reach messages (usage
 * errors, notes, logs); the passphrase must not, however its name was spelled. In a query, names
 * are decoded and compared exactly as the parser does (not matched as text), so every spelling
 * the parser takes for the passphrase is hidden. Elsewhere, where the parser reads no parameter
 * but a mistyped URI may still hold one, the rule is generous.
 */

/** The parameter whose value is never shown. */
export const SECRET_PARAM = 'passphrase';
const HIDDEN = '***';
/** Longest raw spelling of SECRET_PARAM: every letter as a %XX escape. */
const MAX_SECRET_NAME = SECRET_PARAM.length * 3;

/**
 * A URI (or any piece of one: a host, a port text) as it may be shown. From the first '?' (where
 * the parser's query starts too) it is read as the parser reads a query; before it, a mistyped
 * URI (`srt://h:9000&passphrase=…`, '?' forgotten) has everything after the name's '=' hidden.
 */
export function redactUri(raw: string): string {
  try {
    const q = raw.indexOf('?');
    const head = q < 0 ? raw : raw.slice(0, q);
    const shownHead = redactLoose(head);
    // A passphrase before the '?' may go on past it (its value may hold a '?'): nothing after it is shown.
    if (shownHead !== head || q < 0) return shownHead;
    return `${head}?${redactQuery(raw.slice(q + 1))}`;
  } catch {
    return HIDDEN; // decoding never throws; should a bug make it, show nothing rather than the secret
  }
}

/** A query (what follows '?'), each `&`-separated parameter redacted on its own. */
export function redactQuery(query: string): string {
  return query.split(PARAM_SEPARATOR).map(redactParam).join(PARAM_SEPARATOR);
}

/** `key=value` for a message about one parameter (both decoded), hiding any passphrase inside it. */
export function shownParam(key: string, value: string): string {
  return shownText(`${key}=${value}`);
}

/**
 * Decoded text from a query (a parameter's name or value) for a message: an encoded
 * `%26passphrase%3D…` inside it is a passphrase assignment once decoded, so it is hidden too.
 */
export function shownText(decoded: string): string {
  try {
    return redactLoose(decoded);
  } catch {
    return HIDDEN;
  }
}

function redactParam(part: string): string {
  const { rawKey, rawValue } = splitParam(part);
  // What the parser takes for the passphrase: the name's own spelling stays, the value goes.
  if (rawValue !== undefined && paramKey(rawKey) === SECRET_PARAM) return `${rawKey}=${HIDDEN}`;
  // Some other parameter, unless an encoded '&' or '=' hides a passphrase inside it.
  return redactLoose(part);
}

/** Text hidden after a passphrase name's '=', looked for as written, then %-decoded. */
function redactLoose(text: string): string {
  const hidden = hideAfterSecretName(text);
  if (hidden !== text) return hidden;
  const decoded = percentDecode(text);
  const hiddenDecoded = hideAfterSecretName(decoded);
  return hiddenDecoded !== decoded ? hiddenDecoded : text;
}

/** Everything after the first `name=` whose name ends in a spelling of the passphrase, hidden. */
function hideAfterSecretName(text: string): string {
  for (let eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
    for (let start = Math.max(0, eq - MAX_SECRET_NAME); start <= eq - SECRET_PARAM.length; start++) {
      if (paramKey(text.slice(start, eq)) === SECRET_PARAM) return `${text.slice(0, eq + 1)}${HIDDEN}`;
    }
  }
  return text;
}
