/**
 * A caller asking to connect, shown to the application before it is accepted
 * (server 'request' event): it sees who is calling and the stream ID, then
 * accepts (optionally with its own options, e.g. a per-user passphrase) or
 * rejects with a libsrt reject code, now or later (the caller keeps resending
 * its handshake until the connect timeout).
 */
import { RejectReason } from '../protocol/reject-reason';
import { parseStreamIdKeys } from '../protocol/stream-id';
import type { SrtOptions } from './options';

/** libsrt's access-control codes (srtcore/access_control.h); users may use 2000 and up. */
export const RejectCode = {
  ...Object.fromEntries(Object.entries(RejectReason).map(([k, v]) => [`SRT_REJ_${k}`, v])),
  SRT_REJX_FALLBACK: 1000,
  SRT_REJX_KEY_NOTSUP: 1001,
  SRT_REJX_FILEPATH: 1002,
  SRT_REJX_HOSTNOTFOUND: 1003,
  SRT_REJX_BAD_REQUEST: 1400,
  SRT_REJX_UNAUTHORIZED: 1401,
  SRT_REJX_OVERLOAD: 1402,
  SRT_REJX_FORBIDDEN: 1403,
  SRT_REJX_NOTFOUND: 1404,
  SRT_REJX_BAD_MODE: 1405,
  SRT_REJX_UNACCEPTABLE: 1406,
  SRT_REJX_CONFLICT: 1409,
  SRT_REJX_NOTSUP_MEDIA: 1415,
  SRT_REJX_LOCKED: 1423,
  SRT_REJX_FAILED_DEPEND: 1424,
  SRT_REJX_ISE: 1500,
  SRT_REJX_UNIMPLEMENTED: 1501,
  SRT_REJX_GW: 1502,
  SRT_REJX_DOWN: 1503,
  SRT_REJX_VERSION: 1505,
  SRT_REJX_NOROOM: 1507,
} as Record<string, number>;

/** A code as a number: a libsrt name ('SRT_REJX_FORBIDDEN') or a number (1403, 2001...). */
export function toRejectCode(code: number | string): number {
  // Own names only: 'constructor' or 'toString' are not codes.
  const n = typeof code === 'string' ? (Object.hasOwn(RejectCode, code) ? RejectCode[code] : undefined) : code;
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0x7fffffff - 1000) {
    const err = new RangeError(`unknown reject code ${String(code)}`) as RangeError & { code: string };
    err.code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
  return n;
}

/** The keys of a stream ID without "#!::": none, and no prototype either (as parseStreamIdKeys). */
const NO_KEYS: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

export interface RequestDecider {
  accept(options: SrtOptions | undefined): void;
  reject(code: number): void;
}

export class ConnectionRequest {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  /** The stream ID the caller sent, raw ('' if none). */
  readonly streamId: string;
  /** Its "#!::" keys (u, r, h, s, t, m, ...); empty when it does not use the convention. */
  readonly params: Readonly<Record<string, string>>;
  #decider: RequestDecider | undefined;

  constructor(address: string, port: number, streamId: string, decider: RequestDecider) {
    this.remoteAddress = address;
    this.remotePort = port;
    this.remoteFamily = address.includes(':') ? 'IPv6' : 'IPv4';
    this.streamId = streamId;
    this.params = parseStreamIdKeys(streamId) ?? NO_KEYS;
    this.#decider = decider;
  }

  /** "#!::u=" */
  get user(): string | undefined {
    return this.params.u;
  }

  /** "#!::r=", or the whole stream ID when it does not use the convention. */
  get resource(): string | undefined {
    return this.params.r ?? (this.streamId && !this.streamId.startsWith('#!::') ? this.streamId : undefined);
  }

  /** "#!::m=": 'request' (play), 'publish' or 'bidirectional'; libsrt's default is 'request'. */
  get mode(): string {
    return this.params.m ?? 'request';
  }

  /** True once accept() or reject() was called. */
  get decided(): boolean {
    return this.#decider === undefined;
  }

  /** Accepts the caller; `options` override the server's for this connection (passphrase, latency...). */
  accept(options?: SrtOptions): void {
    const d = this.#pending();
    d.accept(options); // throws on bad options, leaving the request undecided
    this.#decider = undefined;
  }

  /**
   * Refuses the caller with a libsrt reject code (default SRT_REJ_RESOURCE, libsrt's default for
   * a listener callback); the caller sees it as ECONNREFUSED with err.reason.
   */
  reject(code: number | string = RejectReason.RESOURCE): void {
    const n = toRejectCode(code);
    const d = this.#pending();
    this.#decider = undefined;
    d.reject(n);
  }

  #pending(): RequestDecider {
    const d = this.#decider;
    if (!d) {
      const err = new Error('this connection request was already accepted or rejected') as Error & { code: string };
      err.code = 'ERR_SRT_REQUEST_DECIDED';
      throw err;
    }
    return d;
  }
}
