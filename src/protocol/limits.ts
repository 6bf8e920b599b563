/**
 * The protocol's fixed limits, each defined once: the handshake, the engine, the options and
 * srt-pipe import them from here.
 */

/** MSS bounds: libsrt refuses more than the Ethernet MTU, and SRTO_MSS cannot go below 76. */
export const MIN_MSS = 76;
export const MAX_MSS = 1500;
export const DEFAULT_MSS = 1500;
/** IPv4 and UDP headers, which the MSS includes. */
export const UDP_IP_HEADERS = 28;
/** Largest payload of one packet: MSS 1500 - 28 (IP/UDP) - 16 (SRT header). */
export const MAX_PAYLOAD = 1456;
/** Largest stream ID, bytes (SRTO_STREAMID). */
export const MAX_STREAM_ID = 512;
/** Latencies travel in 16-bit millisecond fields of the handshake. */
export const MAX_LATENCY_MS = 65535;

/** A RangeError with Node's `ERR_OUT_OF_RANGE` code: an option or argument outside its limits. */
export function outOfRange(message: string): RangeError & { code: string } {
  const err = new RangeError(message) as RangeError & { code: string };
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}
