/**
 * Origin → edge: a relay started with an origin pulls, from that relay, each stream its players ask
 * for and nobody publishes here, as an SRT caller playing the same name; the pull stops when the
 * last player leaves. Relays chain this way to serve more players than one machine can.
 */
import { EventEmitter } from 'node:events';
import { ReconnectingSocket } from '../net/reconnecting-socket';
import type { StreamHub } from './stream-hub';

export class OriginPulls extends EventEmitter {
  private readonly host: string;
  private readonly port: number;
  private readonly pulls = new Map<string, ReconnectingSocket>();
  private readonly onWanted = (name: string) => this.start(name);
  private readonly onUnwanted = (name: string) => this.stop(name);

  constructor(origin: string, private readonly latency: number, private readonly hub: StreamHub, private readonly packetFilter?: string) {
    super();
    const u = new URL(origin);
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port);
    hub.on('wanted', this.onWanted);
    hub.on('unwanted', this.onUnwanted);
  }

  private start(name: string): void {
    if (this.pulls.has(name)) return;
    // Retried while players wait: the origin may not have the stream yet.
    const sock = new ReconnectingSocket({
      host: this.host,
      port: this.port,
      latency: this.latency,
      ...(this.packetFilter ? { packetFilter: this.packetFilter } : {}),
      streamId: `#!::r=${name},m=request`,
      retry: { minDelay: 250, maxDelay: 2000 },
    });
    sock.on('connect', () => this.emit('log', 'note', `${JSON.stringify(name)}: pulling from origin ${this.host}:${this.port}`));
    sock.on('reconnect', ({ error }) => {
      if (error) this.emit('log', 'warn', `${JSON.stringify(name)}: origin ${this.host}:${this.port}: ${error.message}`);
    });
    sock.on('data', (chunk: Buffer) => this.hub.feed(name, chunk));
    sock.on('error', () => undefined);
    this.pulls.set(name, sock);
  }

  private stop(name: string): void {
    const sock = this.pulls.get(name);
    if (!sock) return;
    this.pulls.delete(name);
    sock.destroy();
    this.emit('log', 'note', `${JSON.stringify(name)}: last player left; origin pull stopped`);
  }

  close(): void {
    this.hub.off('wanted', this.onWanted);
    this.hub.off('unwanted', this.onUnwanted);
    for (const name of [...this.pulls.keys()]) this.stop(name);
  }
}
