/**
 * A caller asking to connect, shown to the application before it is accepted
 * (server 'request' event): it sees who is calling and the stream ID, then
 * accepts (optionally with its own options, e.g. a per-user passphrase) or
 * rejects with a libsrt reject code, now or later (the caller keeps resending
 * its handshake until the connect timeout).
 */
import { outOfRange } from '../protocol/limits';
import { RejectCode, RejectCodeName, RejectReason } from '../protocol/reject-reason';
import { parseStreamIdKeys } from '../protocol/stream-id';
import type { SrtOptions } from './options';

export { RejectCode } from '../protocol/reject-reason';

/** A code as a number: a libsrt name ('SRT_REJX_FORBIDDEN') or a number (1403, 2001...). */
export function toRejectCode(code: number | string): number {
  // Own names only: 'constructor' or 'toString' are not codes.
  const n = typeof code === 'string' ? (Object.hasOwn(RejectCode, code) ? RejectCode[code as RejectCodeName] : undefined) : code;
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0x7fffffff - 1000) throw outOfRange(`unknown reject code ${String(code)}`);
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
