/**
 * AcceptingSocket: a listener's side of a stream that outlives its callers (srt-live-transmit's
 * `-a` on a listener). It takes one caller of `server` at a time: when that caller leaves, the next
 * one that calls continues the same stream (an OBS user restarting its stream finds the listener
 * still there). Callers that come while one is connected are refused with SRT_REJ_BACKLOG.
 */
import { RejectReason } from '../protocol/reject-reason';
import type { ConnectionRequest } from './connection-request';
import type { ReconnectingSocketEvents } from './reconnecting-socket';
import type { SrtServer } from './srt-server';
import type { SrtSocket } from './srt-socket';
import { SuccessiveConnections, type SuccessiveOptions } from './successive-connections';
import type { TypedListener } from './typed-events';

/** ReconnectingSocket's events but 'reconnect': 'connect' per caller taken, 'disconnect' when it leaves. */
export type AcceptingSocketEvents = Omit<ReconnectingSocketEvents, 'reconnect'>;

/**
 * Typed listeners: a handler of the wrong shape does not compile. (Declared here, not inherited
 * from a generic interface: a class's own declarations may narrow its base class's methods.)
 */
export interface AcceptingSocket {
  on<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  once<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  off<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  addListener<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  removeListener<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  prependListener<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  prependOnceListener<E extends keyof AcceptingSocketEvents>(event: E, listener: TypedListener<AcceptingSocketEvents[E]>): this;
  emit<E extends keyof AcceptingSocketEvents>(event: E, ...args: AcceptingSocketEvents[E]): boolean;
}

export class AcceptingSocket extends SuccessiveConnections {
  private readonly onRequest: (req: ConnectionRequest) => void;
  private readonly onConnection: (sock: SrtSocket) => void;

  /** `server` may be listening already; its 'request' and 'connection' events are this stream's until it ends. */
  constructor(private readonly server: SrtServer, options: SuccessiveOptions = {}) {
    super(options);
    this.onRequest = (req) => {
      if (this.socket || this.stopping) req.reject(RejectReason.BACKLOG);
      else req.accept();
    };
    this.onConnection = (sock) => {
      if (this.socket || this.stopping) return void sock.destroy();
      this.adopt(sock, true);
    };
    server.on('request', this.onRequest);
    server.on('connection', this.onConnection);
  }

  /** The caller left: wait for the next one. */
  protected lost(): void {}

  protected stopped(): void {
    this.server.off('request', this.onRequest);
    this.server.off('connection', this.onConnection);
  }
}
