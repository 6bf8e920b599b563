/**
 * Handshake rejection reasons (srtcore/srt.h SRT_REJECT_REASON, access_control.h).
 * On the wire a rejection travels in the handshake ReqType as 1000 + code.
 */

export const RejectReason = {
  UNKNOWN: 0,
  SYSTEM: 1,
  PEER: 2,
  RESOURCE: 3,
  ROGUE: 4,
  BACKLOG: 5,
  IPE: 6,
  CLOSE: 7,
  VERSION: 8,
  RDVCOOKIE: 9,
  BADSECRET: 10,
  UNSECURE: 11,
  MESSAGEAPI: 12,
  CONGESTION: 13,
  FILTER: 14,
  GROUP: 15,
  TIMEOUT: 16,
  CRYPTO: 17,
} as const;

/** libsrt's access-control codes (srtcore/access_control.h, SRT_REJX_*); applications may use 2000 and up. */
export const RejectX = {
  FALLBACK: 1000,
  KEY_NOTSUP: 1001,
  FILEPATH: 1002,
  HOSTNOTFOUND: 1003,
  BAD_REQUEST: 1400,
  UNAUTHORIZED: 1401,
  OVERLOAD: 1402,
  FORBIDDEN: 1403,
  NOTFOUND: 1404,
  BAD_MODE: 1405,
  UNACCEPTABLE: 1406,
  CONFLICT: 1409,
  NOTSUP_MEDIA: 1415,
  LOCKED: 1423,
  FAILED_DEPEND: 1424,
  ISE: 1500,
  UNIMPLEMENTED: 1501,
  GW: 1502,
  DOWN: 1503,
  VERSION: 1505,
  NOROOM: 1507,
} as const;

type Prefixed<T, P extends string> = { readonly [K in keyof T as `${P}${K & string}`]: T[K] };

function prefixed<T extends Record<string, number>, P extends string>(table: T, prefix: P): Prefixed<T, P> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}${k}`, v])) as Prefixed<T, P>;
}

/** Every reject code by libsrt's name: SRT_REJ_* (the handshake's) and SRT_REJX_* (access control). */
export const RejectCode = Object.freeze({ ...prefixed(RejectReason, 'SRT_REJ_'), ...prefixed(RejectX, 'SRT_REJX_') });
export type RejectCodeName = keyof typeof RejectCode;

const NAMES = new Map<number, string>(Object.entries(RejectCode).map(([name, code]) => [code, name]));

/** libsrt's symbolic name for a reject code, e.g. 2 -> 'SRT_REJ_PEER', 1403 -> 'SRT_REJX_FORBIDDEN'. */
export function rejectReasonName(code: number): string {
  const name = NAMES.get(code);
  if (name) return name;
  if (code >= 2000) return `SRT_REJX_USER_${code}`;
  if (code >= 1000) return `SRT_REJX_${code}`;
  return 'SRT_REJ_UNKNOWN';
}

/** SRT_REJ_E_SIZE: internal reasons are below this. */
export const REJECT_REASON_COUNT = 18;

/** ReqType values at or above this are rejections. */
export const REJECT_BASE = 1000;
