/**
 * What a caller asks of the relay, read from its stream ID in the conventions encoders and players
 * already send:
 *  - libsrt's access control: `#!::r=NAME,m=publish` / `m=request` (the default), `u=USER`;
 *  - mediamtx: `publish:NAME` / `read:NAME`, optionally `:USER:PASS` after the name;
 *  - gosrt: `publish:/path` to publish, a bare `/path` to play.
 * A name is compared without its leading slashes: `publish:/live/cam` feeds `#!::r=live/cam`.
 */
import { parseStreamIdKeys } from '../protocol/stream-id';

export type RouteMode = 'publish' | 'play';

export interface Route {
  name: string;
  mode: RouteMode;
  user?: string;
  /** mediamtx's `publish:NAME:USER:PASS`: the password the caller gave (checked against the config). */
  password?: string;
}

/** Why a stream ID was not understood: libsrt's reject reason to answer with. */
export type RouteError = 'SRT_REJX_BAD_REQUEST' | 'SRT_REJX_BAD_MODE';

/** Longest stream name kept: what fits in a stream ID (512 bytes). */
const MAX_NAME = 512;

export function parseRoute(streamId: string): Route | RouteError {
  const keys = parseStreamIdKeys(streamId);
  if (keys) {
    const m = keys.m ?? 'request';
    // 'bidirectional' is a two-way session, which a fan-out relay does not have.
    if (m !== 'publish' && m !== 'request') return 'SRT_REJX_BAD_MODE';
    return named(keys.r ?? '', m === 'publish' ? 'publish' : 'play', keys.u || undefined);
  }
  const colon = /^(publish|read):/.exec(streamId);
  if (colon) {
    const [name, user, password] = streamId.slice(colon[0].length).split(':');
    if (user !== undefined && password === undefined) return 'SRT_REJX_BAD_REQUEST';
    return named(name, colon[1] === 'publish' ? 'publish' : 'play', user || undefined, password);
  }
  return named(streamId, 'play');
}

function named(raw: string, mode: RouteMode, user?: string, password?: string): Route | RouteError {
  const name = raw.replace(/^\/+/, '');
  if (name === '' || name.length > MAX_NAME) return 'SRT_REJX_BAD_REQUEST';
  const route: Route = { name, mode };
  if (user !== undefined) route.user = user;
  if (password !== undefined) route.password = password;
  return route;
}
