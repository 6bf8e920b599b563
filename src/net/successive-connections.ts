/**
 * One Duplex over a series of SRT connections, one at a time: what arrives on each is read from the
 * same stream, and writes go to the one that is up. Where the connections come from is the
 * subclass's: ReconnectingSocket dials again (a caller), AcceptingSocket takes the next caller of a
 * server (a listener). Both are what srt-live-transmit's `-a` does.
 *
 * Writes while no connection is up: in live mode they are dropped and counted (the data would be
 * too late to play anyway, and a live source must not be stalled); in file mode they wait for the
 * next connection (backpressure), since a file must not lose bytes silently.
 */
import { Duplex } from 'readable-stream';
import { emptyStats, type SrtStats } from '../protocol/stats';
import { abortError, type SrtError } from './errors';
import type { SrtSocket } from './srt-socket';

type Callback = (err?: Error | null) => void;

export interface SuccessiveOptions {
  /** 'file' holds writes during an outage; 'live' (default) drops them. */
  transType?: 'live' | 'file';
  messageApi?: boolean;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  /** Aborting destroys the stream and its connection with an AbortError. */
  signal?: AbortSignal;
}

export abstract class SuccessiveConnections extends Duplex {
  /** The connection in use (or, for a caller, the attempt in progress). */
  socket?: SrtSocket;
  /** Connections established so far. */
  connections = 0;
  /** Live mode: bytes and writes dropped because no connection was up. */
  droppedBytes = 0;
  droppedWrites = 0;
  private readonly live: boolean;
  private up = false;
  /** end() or destroy() was called: no further connection is taken. */
  protected stopping = false;
  /** File mode: a write waiting for a connection; or a write whose callback waits for 'drain'. */
  private held?: { chunk: Buffer; cb: Callback };
  private readonly signal?: AbortSignal;
  private readonly onAbort = () => this.destroy(abortError(this.signal?.reason));

  constructor(options: SuccessiveOptions) {
    super({
      allowHalfOpen: false,
      objectMode: !!options.messageApi,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    this.live = (options.transType ?? 'live') === 'live';
    this.signal = options.signal;
    if (this.signal?.aborted) process.nextTick(this.onAbort);
    else this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True while a connection is up. */
  get connected(): boolean {
    return this.up;
  }

  /** The current connection's statistics (all 0 while none is up). */
  getStats(opts: { clear?: boolean } = {}): SrtStats {
    return this.up && this.socket ? this.socket.getStats(opts) : emptyStats();
  }

  /** The connection just lost, and why (undefined: the peer closed); `wasUp` false for a failed attempt. */
  protected abstract lost(error: SrtError | undefined, wasUp: boolean): void;

  /** Takes `sock` as the current connection (connected now, or once it emits 'connect'). */
  protected adopt(sock: SrtSocket, connected: boolean): void {
    this.socket = sock;
    let error: SrtError | undefined;
    sock.on('error', (err) => (error = err));
    const up = () => {
      this.up = true;
      this.connections++;
      this.emit('connect', sock);
      this.flushHeld();
    };
    if (connected) up();
    else sock.once('connect', up);
    sock.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) sock.pause();
    });
    sock.on('drain', () => this.flushHeld());
    sock.once('close', () => {
      if (this.socket !== sock) return;
      const wasUp = this.up;
      this.up = false;
      this.socket = undefined;
      if (this.stopping || this.destroyed) return;
      // A write waiting for 'drain' on the lost connection: live data is dropped, file data waits.
      if (this.held && this.live) this.dropHeld();
      if (wasUp) this.emit('disconnect', error);
      this.lost(error, wasUp);
    });
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

  /** end(): flush into the current connection and close it; no connection is taken after that. */
  override _final(cb: Callback): void {
    this.stopping = true;
    this.stopped();
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
    this.stopped();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket?.destroy();
    if (this.held) {
      const h = this.held;
      this.held = undefined;
      h.cb(err ?? Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
    }
    cb(err);
  }

  /** end() or destroy(): the subclass stops taking connections (timers, servers). */
  protected abstract stopped(): void;
}
