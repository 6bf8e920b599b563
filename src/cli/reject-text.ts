import { RejectReason, RejectX, rejectReasonName } from '../protocol/reject-reason';

/**
 * What a handshake rejection code means, for log lines: `1010 - wrong passphrase (SRT_REJ_BADSECRET)`,
 * the wire value first as libsrt's logs show it.
 */

const REASON_TEXT: Readonly<Record<number, string>> = {
  [RejectReason.UNKNOWN]: 'unknown reason',
  [RejectReason.SYSTEM]: 'system call failed',
  [RejectReason.PEER]: 'rejected by the peer',
  [RejectReason.RESOURCE]: 'out of resources',
  [RejectReason.ROGUE]: 'rogue peer or invalid handshake',
  [RejectReason.BACKLOG]: "listener's backlog full",
  [RejectReason.IPE]: 'internal error',
  [RejectReason.CLOSE]: 'socket closing',
  [RejectReason.VERSION]: 'peer version too old',
  [RejectReason.RDVCOOKIE]: 'rendezvous cookie collision',
  [RejectReason.BADSECRET]: 'wrong passphrase',
  [RejectReason.UNSECURE]: 'passphrase on one side only',
  [RejectReason.MESSAGEAPI]: 'message API mismatch',
  [RejectReason.CONGESTION]: 'congestion control (transtype) mismatch',
  [RejectReason.FILTER]: 'packet filter mismatch',
  [RejectReason.GROUP]: 'group settings mismatch',
  [RejectReason.TIMEOUT]: 'connection timed out',
  [RejectReason.CRYPTO]: 'cipher mode mismatch',
  [RejectX.FALLBACK]: 'rejected by access control',
  [RejectX.KEY_NOTSUP]: 'stream ID key not supported',
  [RejectX.FILEPATH]: 'bad file path',
  [RejectX.HOSTNOTFOUND]: 'host not found',
  [RejectX.BAD_REQUEST]: 'bad request',
  [RejectX.UNAUTHORIZED]: 'unauthorized',
  [RejectX.OVERLOAD]: 'server overloaded',
  [RejectX.FORBIDDEN]: 'forbidden',
  [RejectX.NOTFOUND]: 'resource not found',
  [RejectX.BAD_MODE]: 'mode not allowed',
  [RejectX.UNACCEPTABLE]: 'parameters unacceptable',
  [RejectX.CONFLICT]: 'resource in use',
  [RejectX.NOTSUP_MEDIA]: 'media type not supported',
  [RejectX.LOCKED]: 'resource locked',
  [RejectX.FAILED_DEPEND]: 'dependency failed',
  [RejectX.ISE]: 'server internal error',
  [RejectX.UNIMPLEMENTED]: 'not implemented',
  [RejectX.GW]: 'gateway error',
  [RejectX.DOWN]: 'service down',
  [RejectX.VERSION]: 'version not supported',
  [RejectX.NOROOM]: 'no room',
};

/** Human text of a reject code; codes from 2000 up are the application's own. */
export function rejectText(code: number): string {
  if (Object.hasOwn(REASON_TEXT, code)) return REASON_TEXT[code];
  return code >= 2000 ? "the application's own reason" : 'unknown reason';
}

/** `1010 - wrong passphrase (SRT_REJ_BADSECRET)`: wire value (1000 + code), text, libsrt's name. */
export function describeReject(code: number): string {
  return `${1000 + code} - ${rejectText(code)} (${rejectReasonName(code)})`;
}
