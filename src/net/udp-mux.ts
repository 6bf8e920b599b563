/**
 * One UDP socket shared by many SRT connections: incoming datagrams are routed
 * by destination socket ID (word 3 of the header); ID 0 means a connection
 * request and goes to the listener. A datagram that is malformed, unknown or
 * makes a handler throw is counted and dropped: it never reaches the event
 * loop as an exception and never disturbs other connections.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { destinationOf, HEADER_SIZE, isHandshake } from '../protocol/packet';

/**
 * No SRT peer sends a datagram larger than its MSS, at most 1500 bytes with the IP and UDP headers
 * (libsrt refuses more): anything bigger is not SRT, and dropping it bounds the work a control
 * packet can ask for (a loss report holds at most 371 words).
 */
export const MAX_DATAGRAM = 1500;

export interface MuxEndpoint {
  /** Called with a datagram addressed to this endpoint's socket ID. */
  onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void;
}

export interface MuxCounters {
  received: number;
  /** Shorter than a header, longer than MAX_DATAGRAM, or a non-handshake addressed to ID 0. */
  malformed: number;
  /** Addressed to a socket ID nobody owns. */
  unknownDestination: number;
  /** A handler threw; the datagram was dropped. */
  handlerErrors: number;
  /** ICMP errors (port unreachable) reported on a connected socket, ignored as libsrt does. */
  icmpErrors: number;
}

/**
 * dgram's address lookup for sends on an unconnected (server) socket. A peer's address is always
 * the numeric one it came from: answering at once sends synchronously, where dns.lookup() would
 * test it with regular expressions and call back on the next tick, once per datagram.
 */
function literalLookup(host: string, options: dns.LookupOptions, cb: (err: Error | null, address: string, family: number) => void): void {
  let family = literalFamily.get(host);
  if (family === undefined) {
    family = isIP(host);
    if (family === 0) return void dns.lookup(host, options, cb as never);
    if (literalFamily.size >= 4096) literalFamily.clear();
    literalFamily.set(host, family);
  }
  cb(null, host, family);
}
/** Family of the numeric addresses seen (isIP runs regular expressions), bounded. */
const literalFamily = new Map<string, number>();

export class UdpMux extends EventEmitter {
  readonly socket: dgram.Socket;
  private readonly endpoints = new Map<number, MuxEndpoint>();
  requestHandler?: (msg: Buffer, rinfo: dgram.RemoteInfo) => void;
  readonly counters: MuxCounters = { received: 0, malformed: 0, unknownDestination: 0, handlerErrors: 0, icmpErrors: 0 };
  private closed = false;
  /** Set once connect()ed: sends skip per-packet addressing and the kernel filters other sources. */
  private connected = false;
  /**
   * True while bind() runs: its rejection reports a failure (EADDRINUSE...), so 'error' must not as
   * well. Emitted twice, the second one found no listener (a caller binding a taken localPort, a
   * server awaiting once('listening')) and ended the process.
   */
  private binding = false;

  /** `ipTtl` (SRTO_IPTTL): the TTL / hop limit set once bound; -1 or absent keeps the system's. */
  constructor(type: 'udp4' | 'udp6', ipv6Only = false, private readonly ipTtl = -1) {
    super();
    // IPV6_V6ONLY means nothing to an IPv4 socket (libsrt sets it on IPv6 ones only); libuv refuses it there.
    this.socket = dgram.createSocket({ type, ipv6Only: type === 'udp6' && ipv6Only, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup as never });
    this.socket.on('message', (msg, rinfo) => this.route(msg, rinfo));
    this.socket.on('error', (err: Error & { code?: string }) => {
      if (this.binding) return;
      // A connected UDP socket sees ICMP "port unreachable" as ECONNREFUSED. libsrt never
      // does: an absent peer is a connect timeout or an idle timeout, not a refusal.
      if (this.connected && (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH')) {
        this.counters.icmpErrors++;
        return;
      }
      this.emit('error', err);
    });
  }

  bind(port: number, address: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.binding = false;
        reject(err);
      };
      this.binding = true;
      this.socket.once('error', onError);
      this.socket.bind({ port, address, exclusive: true }, () => {
        this.binding = false;
        this.socket.off('error', onError);
        // Ask for big kernel buffers; the kernel caps them at net.core.[rw]mem_max.
        try {
          this.socket.setRecvBufferSize(4 << 20);
          this.socket.setSendBufferSize(4 << 20);
        } catch {
          /* best effort */
        }
        // Validated (1..255) by the options; Node's setTTL sets IP_TTL, or IPV6_UNICAST_HOPS on udp6.
        if (this.ipTtl > 0) this.socket.setTTL(this.ipTtl);
        resolve();
      });
    });
  }

  /** Fixes the one peer of a caller's socket (dgram.connect). */
  connect(port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.connect(port, address, (err?: Error) => {
        if (err) return reject(err);
        this.connected = true;
        resolve();
      });
    });
  }

  private route(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.counters.received++;
    try {
      if (msg.length < HEADER_SIZE || msg.length > MAX_DATAGRAM) {
        this.counters.malformed++;
        return;
      }
      const dest = destinationOf(msg);
      if (dest === 0) {
        // Only handshakes may be addressed to ID 0.
        if (isHandshake(msg) && this.requestHandler) this.requestHandler(msg, rinfo);
        else this.counters.malformed++;
        return;
      }
      const ep = this.endpoints.get(dest);
      if (!ep) {
        this.counters.unknownDestination++;
        return;
      }
      ep.onDatagram(msg, rinfo);
    } catch (err) {
      this.counters.handlerErrors++;
      this.emit('handlerError', err);
    }
  }

  /** A fresh socket ID, unique on this mux, in [1, 2^30) like libsrt's. */
  allocateId(): number {
    for (;;) {
      const id = 1 + Math.floor(Math.random() * 0x3ffffffe);
      if (!this.endpoints.has(id)) return id;
    }
  }

  register(id: number, ep: MuxEndpoint): void {
    this.endpoints.set(id, ep);
  }

  unregister(id: number): void {
    this.endpoints.delete(id);
  }

  get size(): number {
    return this.endpoints.size;
  }

  send(packet: Buffer | Buffer[], port: number, address: string): void {
    if (this.closed) return;
    // No callback: a failed send is a lost packet, which ARQ already handles.
    if (this.connected) this.socket.send(packet);
    else this.socket.send(packet, port, address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endpoints.clear();
    // dgram.send() resolves the address on the next tick: closing now would
    // discard the last packets sent, such as a SHUTDOWN.
    setImmediate(() => this.socket.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
