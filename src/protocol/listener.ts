/**
 * The listener's decisions, sans I/O: what to do with each handshake addressed to socket ID 0.
 * Nothing is kept for a caller before its SYN cookie checks out. After that it remembers, each
 * bounded: the replies of accepted callers (a repeated CONCLUSION gets the same reply), the callers
 * the application is still deciding on (at most `backlog`), and refusals per address, port and
 * cookie (a repeat is refused without redoing the checks, PBKDF2 included). Time comes in as
 * `nowMs`; remembered entries expire when next looked at.
 */
import { CookieJar, HandshakeRejection, inductionResponse, parseConclusionRequest, type ConclusionRequest } from './handshake';
import { Handshake, HandshakeType } from './handshake-packet';
import { Refusal, RefusalCache } from './refusal-cache';
import { RejectReason } from './reject-reason';

/** An undecided caller is forgotten after its connect timeout could have run out. */
export const UNDECIDED_MS = 30_000;
/** A caller the application rejected is remembered this long, to repeat the refusal if our reply was lost. */
export const REJECTED_MS = 5_000;

export interface CallerAddress {
  address: string;
  port: number;
}

export type ListenerDecision =
  /** Not answered, and counted as dropped (malformed, bad cookie, not a listener's handshake). */
  | { kind: 'drop'; why: string }
  /** Not answered, not counted: a caller still waiting for the application, or a closing listener. */
  | { kind: 'silent' }
  /** Send this handshake (the induction reply) to the caller's socket ID. */
  | { kind: 'reply'; hs: Handshake }
  /** Send these bytes again (our reply to an earlier copy of this CONCLUSION). */
  | { kind: 'repeat'; datagram: Buffer }
  /** Refuse with a rejection reply; `shutdown`: also a SHUTDOWN (an HSv4 caller, as libsrt). */
  | { kind: 'refuse'; refusal: Refusal; fromCache: boolean; shutdown: boolean }
  /** A caller to admit: accept it now, or show it to the application first (`ask`). */
  | { kind: 'admit'; key: string; request: ConclusionRequest; ask: boolean };

export interface ListenerOptions {
  /** Undecided callers, at most. */
  backlog: number;
  /** Key length (bytes) advertised in the induction reply; 0 without a passphrase. */
  keyLen: number;
}

interface Undecided {
  expiresMs: number;
  /** Set once the application refused: repeats get this reply until expiresMs. */
  rejectReply?: Buffer;
}

export class Listener {
  /** Not accepting: inductions go unanswered, conclusions are refused with SRT_REJ_CLOSE. */
  closing = false;
  /** Open connections plus undecided callers, at most (SRT_REJ_BACKLOG beyond); undefined: no limit. */
  maxConnections?: number;
  private readonly cookies = new CookieJar();
  private readonly refusals = new RefusalCache();
  /** Accepted callers by address|port|socket ID, with the reply their CONCLUSION got. */
  private readonly accepted = new Map<string, Buffer>();
  private readonly pending = new Map<string, Undecided>();
  private undecidedCount = 0;

  constructor(private readonly opts: ListenerOptions) {}

  /** Open connections. */
  get connections(): number {
    return this.accepted.size;
  }

  /** Callers shown to the application and not yet decided. */
  get undecided(): number {
    return this.undecidedCount;
  }

  /**
   * Decides on one handshake from `from`. `asking`: the application wants to see each caller
   * before it is accepted (a 'request' listener).
   */
  handle(hs: Handshake, from: CallerAddress, nowMs: number, asking: boolean): ListenerDecision {
    if (hs.reqType === HandshakeType.INDUCTION) {
      if (this.closing) return { kind: 'silent' }; // let the caller time out, as a closed port would
      return { kind: 'reply', hs: inductionResponse(hs, this.cookies.bake(from.address, from.port, nowMs), this.opts.keyLen) };
    }
    if (hs.reqType !== HandshakeType.CONCLUSION) return { kind: 'drop', why: 'not a listener handshake' }; // rendezvous, stray agreement
    const key = `${from.address}|${from.port}|${hs.socketId}`;
    const reply = this.accepted.get(key);
    if (reply) return { kind: 'repeat', datagram: reply }; // our reply was lost: the caller repeats
    const waiting = this.lookupPending(key, nowMs);
    if (waiting) return waiting.rejectReply ? { kind: 'repeat', datagram: waiting.rejectReply } : { kind: 'silent' };
    if (!this.cookies.check(hs.cookie, from.address, from.port, nowMs)) return { kind: 'drop', why: 'bad cookie' };
    const cached = this.refusals.get(from.address, from.port, hs.cookie, nowMs);
    if (cached) return { kind: 'refuse', refusal: cached, fromCache: true, shutdown: false };
    if (hs.version < 5) {
      return this.refuse({ reason: RejectReason.VERSION, message: 'HSv4 (UDT) handshakes are not supported' }, { shutdown: true });
    }
    if (this.closing) return this.refuse({ reason: RejectReason.CLOSE });
    if (this.maxConnections !== undefined && this.accepted.size + this.undecidedCount >= this.maxConnections) {
      return this.refuse({ reason: RejectReason.BACKLOG, message: 'maxConnections reached' });
    }
    let request: ConclusionRequest;
    try {
      request = parseConclusionRequest(hs);
    } catch (err) {
      if (!(err instanceof HandshakeRejection)) throw err;
      return this.refuse({ reason: err.reason, message: err.message }, { cacheFor: { from, cookie: hs.cookie, nowMs } });
    }
    if (!asking) return { kind: 'admit', key, request, ask: false };
    if (this.undecidedCount >= this.opts.backlog) this.sweep(nowMs);
    if (this.undecidedCount >= this.opts.backlog) {
      return this.refuse({ reason: RejectReason.BACKLOG, streamId: request.streamId, message: 'backlog of undecided callers full' });
    }
    this.pending.set(key, { expiresMs: nowMs + UNDECIDED_MS });
    this.undecidedCount++;
    return { kind: 'admit', key, request, ask: true };
  }

  /**
   * The application decided on an undecided caller: accepted (no reply to remember), or refused
   * with `rejectReply` (repeated to copies of its CONCLUSION for a while; not cached by cookie: the
   * application may decide otherwise next time). False if the caller was already forgotten.
   */
  decided(key: string, nowMs: number, rejectReply?: Buffer): boolean {
    const entry = this.lookupPending(key, nowMs);
    if (!entry || entry.rejectReply) return false;
    this.undecidedCount--;
    if (rejectReply) {
      entry.rejectReply = rejectReply;
      entry.expiresMs = nowMs + REJECTED_MS;
    } else {
      this.pending.delete(key);
    }
    return true;
  }

  /** Whether `key` is a caller still waiting for the application's decision. */
  isUndecided(key: string, nowMs: number): boolean {
    const entry = this.lookupPending(key, nowMs);
    return !!entry && !entry.rejectReply;
  }

  /** A caller refused after it was admitted (the negotiation failed): refuse repeats from the cache. */
  refusedAfterAdmit(from: CallerAddress, cookie: number, refusal: Refusal, nowMs: number): void {
    this.refusals.set(from.address, from.port, cookie, refusal, nowMs);
  }

  /** A caller was accepted: a repeat of its CONCLUSION gets `reply`. */
  opened(key: string, reply: Buffer): void {
    this.accepted.set(key, reply);
  }

  /** An accepted connection closed. */
  closed(key: string): void {
    this.accepted.delete(key);
  }

  /** Forgets everything but open connections (the listener stopped). */
  clear(): void {
    this.pending.clear();
    this.undecidedCount = 0;
    this.refusals.clear();
  }

  private refuse(
    refusal: Refusal,
    o: { shutdown?: boolean; cacheFor?: { from: CallerAddress; cookie: number; nowMs: number } } = {},
  ): ListenerDecision {
    if (o.cacheFor) this.refusals.set(o.cacheFor.from.address, o.cacheFor.from.port, o.cacheFor.cookie, refusal, o.cacheFor.nowMs);
    return { kind: 'refuse', refusal, fromCache: false, shutdown: !!o.shutdown };
  }

  /** The pending entry for `key`, if any and not expired (an expired one is forgotten here). */
  private lookupPending(key: string, nowMs: number): Undecided | undefined {
    const entry = this.pending.get(key);
    if (!entry) return undefined;
    if (entry.expiresMs > nowMs) return entry;
    this.pending.delete(key);
    if (!entry.rejectReply) this.undecidedCount--;
    return undefined;
  }

  /** Forgets every expired pending entry (only when the backlog looks full: O(backlog)). */
  private sweep(nowMs: number): void {
    for (const key of [...this.pending.keys()]) this.lookupPending(key, nowMs);
  }
}
