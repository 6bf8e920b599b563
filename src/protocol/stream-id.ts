/**
 * The access-control convention for stream IDs (libsrt docs/features/access-control.md):
 * "#!::" followed by comma-separated key=value pairs. Standard keys: u (user), r (resource),
 * h (host), s (session), t (type: stream, file, auth), m (mode: request, publish, bidirectional).
 */
export const STREAM_ID_PREFIX = '#!::';

/**
 * The #!:: keys of a stream ID, or null when it does not follow the convention.
 * The caller chooses the keys, so the object has no prototype: `keys.constructor` or
 * `keys.toString` are undefined unless the stream ID sets them, and `__proto__=x` is stored
 * as an ordinary key (with no Object.prototype, there is no `__proto__` setter to call).
 */
export function parseStreamIdKeys(streamId: string): Record<string, string> | null {
  if (!streamId.startsWith(STREAM_ID_PREFIX)) return null;
  const out: Record<string, string> = Object.create(null);
  for (const item of streamId.slice(STREAM_ID_PREFIX.length).split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) out[item] = '';
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
