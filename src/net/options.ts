/**
 * Public options of SrtSocket / SrtServer. Names follow libsrt's socket options
 * (SRTO_*) in camelCase; units are libsrt's (latency in milliseconds).
 */
export interface SrtOptions {
  /** Sets both receiver latency and peer latency, in ms (SRTO_LATENCY). Default 120. */
  latency?: number;
  /** Receiver latency in ms (SRTO_RCVLATENCY). Default 120. */
  rcvLatency?: number;
  /** Minimum latency asked of the peer as sender, in ms (SRTO_PEERLATENCY). Default 0. */
  peerLatency?: number;
  /** Maximum payload per packet in bytes (SRTO_PAYLOADSIZE). Default 1316, max 1456. */
  payloadSize?: number;
  /** Maximum segment size in bytes (SRTO_MSS). Default 1500. */
  mss?: number;
  /** Flow-control window in packets (SRTO_FC). Default 25600. */
  fc?: number;
  /** Receive buffer in packets. Default 8192. */
  rcvBuf?: number;
  /** Send buffer in packets. Default 8192. */
  sndBuf?: number;
  /** Connect timeout in ms (SRTO_CONNTIMEO). Default 3000. */
  connectTimeout?: number;
  /** Peer idle timeout in ms (SRTO_PEERIDLETIMEO). Default 5000. */
  peerIdleTimeout?: number;
  /** Maximum send bandwidth in bytes/s; -1 = 1 Gbit/s as libsrt (SRTO_MAXBW). Default -1. */
  maxBw?: number;
  /** Too-late packet drop (SRTO_TLPKTDROP). Default true. */
  tlpktDrop?: boolean;
  /** Periodic NAK reports (SRTO_NAKREPORT). Default true. */
  nakReport?: boolean;
  /** Stream ID sent by a caller (SRTO_STREAMID), at most 512 bytes. */
  streamId?: string;
  /** Linger on end(): how long end() may wait for the peer to acknowledge everything, ms. Default 3000 (live). */
  linger?: number;
  /** Stream highWaterMark overrides. */
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
}

export interface ConnectOptions extends SrtOptions {
  host?: string;
  port: number;
  /** Local address/port to bind the caller's UDP socket to. */
  localAddress?: string;
  localPort?: number;
}

export interface ServerOptions extends SrtOptions {}
