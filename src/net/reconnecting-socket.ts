/**
 * ReconnectingSocket: a caller that keeps one Duplex flowing across connections, for pipelines
 * that must outlive a listener restart or a broken link (srt-live-transmit's `-a` on a caller).
 * When the connection breaks, the peer closes, or an attempt fails, it dials again with
 * exponential backoff. What it does with the stream and with writes during an outage is
 * SuccessiveConnections'.
 */
import { connect } from './connect';
import type { SrtError } from './errors';
import type { ConnectOptions } from './options';
import type { SrtSocket } from './srt-socket';
import { SuccessiveConnections } from './successive-connections';
import type { DuplexEvents, TypedListener } from './typed-events';

export interface RetryOptions {
  /** Delay before the first new attempt, ms. Default 250 (libsrt's handshake resend period). */
  minDelay?: number;
  /** Longest delay between attempts, ms. Default 5000. */
  maxDelay?: number;
  /** Each failed attempt multiplies the delay by this. Default 2. */
  factor?: number;
  /** Attempts in a row that may fail before the socket gives up with 'error'. Default Infinity. */
  maxAttempts?: number;
}

export interface ReconnectingOptions extends ConnectOptions {
  retry?: RetryOptions;
}

/** What a 'reconnect' event says: a new attempt starts after delayMs, because of error. */
export interface ReconnectInfo {
  /** Failed attempts in a row so far (1 for the first retry after a connection was lost). */
  attempt: number;
  delayMs: number;
  /** Why the last connection or attempt ended; undefined when the peer closed cleanly. */
  error?: SrtError;
}

/** Events of ReconnectingSocket and AcceptingSocket (an AcceptingSocket emits no 'reconnect'). */
export interface ReconnectingSocketEvents extends DuplexEvents<SrtError> {
  /** A connection is up (the first one and every later one). */
  connect: [socket: SrtSocket];
  /** The connection that was up ended: the peer closed (no error) or it broke. */
  disconnect: [error: SrtError | undefined];
  /** The connection was lost or an attempt failed; the next attempt is scheduled. */
  reconnect: [info: ReconnectInfo];
}

/**
 * Typed listeners: a handler of the wrong shape does not compile. (Declared here, not inherited
 * from a generic interface: a class's own declarations may narrow its base class's methods.)
 */
export interface ReconnectingSocket {
  on<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  once<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  off<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  addListener<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  removeListener<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  prependListener<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  prependOnceListener<E extends keyof ReconnectingSocketEvents>(event: E, listener: TypedListener<ReconnectingSocketEvents[E]>): this;
  emit<E extends keyof ReconnectingSocketEvents>(event: E, ...args: ReconnectingSocketEvents[E]): boolean;
}

export class ReconnectingSocket extends SuccessiveConnections {
  private readonly options: ConnectOptions;
  private readonly retry: Required<RetryOptions>;
  /** Attempts in a row that failed. */
  private failures = 0;
  private timer?: NodeJS.Timeout;

  constructor(options: ReconnectingOptions) {
    super(options);
    // The signal is the whole socket's (the base class's): an abort ends it, not one attempt.
    const { retry = {}, signal: _signal, ...connectOptions } = options;
    this.options = connectOptions;
    this.retry = {
      minDelay: retry.minDelay ?? 250,
      maxDelay: retry.maxDelay ?? 5000,
      factor: retry.factor ?? 2,
      maxAttempts: retry.maxAttempts ?? Infinity,
    };
    this.on('connect', () => (this.failures = 0));
    this.dial();
  }

  private dial(): void {
    if (this.stopping || this.destroyed) return;
    this.adopt(connect(this.options), false);
  }

  protected lost(error: SrtError | undefined, wasUp: boolean): void {
    if (!wasUp) this.failures++;
    if (this.failures >= this.retry.maxAttempts) {
      this.destroy(error ?? (Object.assign(new Error('SRT connection lost'), { code: 'ECONNRESET' }) as SrtError));
      return;
    }
    const delayMs = Math.min(this.retry.maxDelay, this.retry.minDelay * this.retry.factor ** Math.max(0, this.failures - 1));
    this.emit('reconnect', { attempt: Math.max(1, this.failures), delayMs, error });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dial();
    }, delayMs);
  }

  protected stopped(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
