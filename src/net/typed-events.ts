/**
 * Typed events for SrtSocket, SrtServer and the connection series: each declares its event map and
 * its listener methods over it.
 *
 * A listener for an event whose arguments are A (SrtSocketEvents, SrtServerEvents). For an event
 * without arguments a function of one optional argument fits too, so that
 * `new Promise((resolve) => sock.once('end', resolve))` compiles.
 */
export type TypedListener<A extends unknown[]> = A extends [] ? (_?: undefined) => void : (...args: A) => void;

/** The events every Duplex of this package emits, as Node's. */
export interface DuplexEvents<Err> {
  data: [chunk: Buffer];
  readable: [];
  /** Everything received was read: the peer closed (or, for a series, end() was called). */
  end: [];
  /** end() completed. */
  finish: [];
  drain: [];
  pause: [];
  resume: [];
  pipe: [src: NodeJS.ReadableStream];
  unpipe: [src: NodeJS.ReadableStream];
  error: [err: Err];
  close: [hadError: boolean];
}
