/**
 * ReconnectingSocket: a caller that keeps one Duplex flowing across connections, for pipelines
 * that must outlive a listener restart or a broken link (srt-live-transmit's `-a`). When the
 * connection breaks or the peer closes, it dials again with exponential backoff and carries on:
 * what arrives on the new connection is read from the same stream.
 *
 * Writes during an outage: in live mode they are dropped and counted (the data would be too late
 * to play anyway, and a live source must not be stalled); in file mode they wait for the next
 * connection (backpressure), since a file must not lose bytes silently.
 */
import { Duplex } from 'readable-stream';
import { connect } from './connect';
import { abortError, type SrtError } from './errors';
import type { ConnectOptions } from './options';
import type { SrtSocket } from './srt-socket';
import { emptyStats, type SrtStats } from '../protocol/stats';
import type { TypedListener } from './typed-listener';

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

export interface ReconnectingSocketEvents {
  /** A connection is up (the first one and every later one). */
  connect: [socket: SrtSocket];
  /** The connection was lost or an attempt failed; the next attempt is scheduled. */
  reconnect: [info: ReconnectInfo];
  data: [chunk: Buffer];
  readable: [];
  end: [];
  finish: [];
  drain: [];
  pause: [];
  resume: [];
  pipe: [src: NodeJS.ReadableStream];
  unpipe: [src: NodeJS.ReadableStream];
  /** Given up after retry.maxAttempts, or aborted (AbortError). */
  error: [err: SrtError];
  close: [hadError: boolean];
}

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

type Callback = (err?: Error | null) => void;

export class ReconnectingSocket extends Duplex {
  /** The connection in use, or the attempt in progress; undefined while waiting to retry. */
  socket?: SrtSocket;
  /** Connections established so far. */
  connections = 0;
  /** Live mode: bytes and writes dropped because no connection was up. */
  droppedBytes = 0;
  droppedWrites = 0;
  private readonly options: ReconnectingOptions;
  private readonly retry: Required<RetryOptions>;
  private readonly live: boolean;
  private up = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  /** File mode: a write waiting for a connection, or a live/file write waiting for 'drain'. */
  private held?: { chunk: Buffer; cb: Callback };
  private readonly onAbort = () => this.destroy(abortError(this.options.signal?.reason));

  constructor(options: ReconnectingOptions) {
    super({
      allowHalfOpen: false,
      objectMode: !!options.messageApi,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    const { retry = {}, signal, ...rest } = options;
    this.options = { ...rest, signal };
    this.retry = {
      minDelay: retry.minDelay ?? 250,
      maxDelay: retry.maxDelay ?? 5000,
      factor: retry.factor ?? 2,
      maxAttempts: retry.maxAttempts ?? Infinity,
    };
    this.live = (options.transType ?? 'live') === 'live';
    if (signal?.aborted) process.nextTick(this.onAbort);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
    this.dial();
  }

  /** True while a connection is up. */
  get connected(): boolean {
    return this.up;
  }

  /** The current connection's statistics (all 0 while none is up). */
  getStats(opts: { clear?: boolean } = {}): SrtStats {
    return this.up && this.socket ? this.socket.getStats(opts) : emptyStats();
  }

  private dial(): void {
    if (this.stopping || this.destroyed) return;
    // The signal is ours: an abort ends the whole socket, not one attempt.
    const sock = connect({ ...this.options, signal: undefined });
    this.socket = sock;
    let error: SrtError | undefined;
    sock.on('error', (err) => (error = err));
    sock.once('connect', () => {
      this.up = true;
      this.failures = 0;
      this.connections++;
      this.emit('connect', sock);
      this.flushHeld();
    });
    sock.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) sock.pause();
    });
    sock.on('drain', () => this.flushHeld());
    sock.once('close', () => this.lost(sock, error));
  }

  /** The connection (or the attempt) ended: dial again after the backoff, unless ending or given up. */
  private lost(sock: SrtSocket, error: SrtError | undefined): void {
    if (this.socket !== sock) return;
    const wasUp = this.up;
    this.up = false;
    this.socket = undefined;
    if (this.stopping || this.destroyed) return;
    if (!wasUp) this.failures++;
    if (this.failures >= this.retry.maxAttempts) {
      const err = error ?? (Object.assign(new Error('SRT connection lost'), { code: 'ECONNRESET' }) as SrtError);
      this.destroy(err);
      return;
    }
    // A write waiting for 'drain' on the lost connection: live data is dropped, file data waits.
    if (this.held && this.live) this.dropHeld();
    const delayMs = Math.min(this.retry.maxDelay, this.retry.minDelay * this.retry.factor ** Math.max(0, this.failures - 1));
    this.emit('reconnect', { attempt: Math.max(1, this.failures), delayMs, error });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dial();
    }, delayMs);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: Callback): void {
    const sock = this.socket;
    if (this.up && sock) {
      if (sock.write(chunk)) cb();
      else this.held = { chunk: Buffer.alloc(0), cb }; // written; its callback waits for 'drain'
      return;
    }
    if (this.live) {
      this.droppedBytes += chunk.length;
      this.droppedWrites++;
      cb();
      return;
    }
    this.held = { chunk, cb }; // file mode: waits for the next connection
  }

  /** A connection came up or drained: pass on what was held. */
  private flushHeld(): void {
    const h = this.held;
    const sock = this.socket;
    if (!h || !this.up || !sock) return;
    this.held = undefined;
    if (h.chunk.length === 0 || sock.write(h.chunk)) h.cb();
    else this.held = { chunk: Buffer.alloc(0), cb: h.cb };
  }

  private dropHeld(): void {
    const h = this.held!;
    this.held = undefined;
    if (h.chunk.length > 0) {
      this.droppedBytes += h.chunk.length;
      this.droppedWrites++;
    }
    h.cb();
  }

  override _read(): void {
    this.socket?.resume();
  }

  /** end(): flush to the current connection and close it; no reconnecting after that. */
  override _final(cb: Callback): void {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const sock = this.socket;
    const done = (err?: Error | null) => {
      this.push(null);
      if (this.readableLength === 0) this.read(0); // 'end' now, even when nobody reads
      cb(err);
    };
    if (!sock || !this.up) {
      sock?.destroy();
      return done();
    }
    sock.end((err?: Error | null) => done(err));
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.socket?.destroy();
    if (this.held) {
      const h = this.held;
      this.held = undefined;
      h.cb(err ?? Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
    }
    cb(err);
  }
}
