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

const REJX: Record<number, string> = {
  1000: 'SRT_REJX_FALLBACK',
  1001: 'SRT_REJX_KEY_NOTSUP',
  1002: 'SRT_REJX_FILEPATH',
  1003: 'SRT_REJX_HOSTNOTFOUND',
  1400: 'SRT_REJX_BAD_REQUEST',
  1401: 'SRT_REJX_UNAUTHORIZED',
  1402: 'SRT_REJX_OVERLOAD',
  1403: 'SRT_REJX_FORBIDDEN',
  1404: 'SRT_REJX_NOTFOUND',
  1405: 'SRT_REJX_BAD_MODE',
  1406: 'SRT_REJX_UNACCEPTABLE',
  1409: 'SRT_REJX_CONFLICT',
  1415: 'SRT_REJX_NOTSUP_MEDIA',
  1423: 'SRT_REJX_LOCKED',
  1424: 'SRT_REJX_FAILED_DEPEND',
  1500: 'SRT_REJX_ISE',
  1501: 'SRT_REJX_UNIMPLEMENTED',
  1502: 'SRT_REJX_GW',
  1503: 'SRT_REJX_DOWN',
  1505: 'SRT_REJX_VERSION',
  1507: 'SRT_REJX_NOROOM',
};

/** libsrt's symbolic name for a reject code, e.g. 2 -> 'SRT_REJ_PEER', 1403 -> 'SRT_REJX_FORBIDDEN'. */
export function rejectReasonName(code: number): string {
  for (const [name, value] of Object.entries(RejectReason)) if (value === code) return `SRT_REJ_${name}`;
  if (REJX[code]) return REJX[code];
  if (code >= 2000) return `SRT_REJX_USER_${code}`;
  if (code >= 1000) return `SRT_REJX_${code}`;
  return 'SRT_REJ_UNKNOWN';
}

/** SRT_REJ_E_SIZE: internal reasons are below this. */
export const REJECT_REASON_COUNT = 18;

/** ReqType values at or above this are rejections. */
export const REJECT_BASE = 1000;
