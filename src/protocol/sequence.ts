/**
 * SRT sequence-number, message-number and timestamp arithmetic.
 * Sequence numbers are 31-bit and wrap 0x7FFFFFFF -> 0; two numbers are compared
 * within a 2^30 window as libsrt's CSeqNo does (srtcore/common.h).
 */

export const SEQ_MAX = 0x7fffffff;
const SEQ_SPAN = 0x80000000; // 2^31
/** libsrt's m_iSeqNoTH: comparisons are valid within this distance. */
const SEQ_THRESHOLD = 0x3fffffff;

/** Negative if a is before b, 0 if equal, positive if a is after b (within 2^30). */
export function seqCmp(a: number, b: number): number {
  const d = a - b;
  return Math.abs(d) < SEQ_THRESHOLD ? d : b - a;
}

/** Signed distance from a to b: how many increments take a to b. */
export function seqOffset(a: number, b: number): number {
  const d = b - a;
  if (Math.abs(d) < SEQ_THRESHOLD) return d;
  return d < 0 ? d + SEQ_SPAN : d - SEQ_SPAN;
}

/** Number of sequence numbers in the inclusive range [a, b], counting forward around the circle (libsrt seqlen). */
export function seqLen(a: number, b: number): number {
  return a <= b ? b - a + 1 : b - a + SEQ_SPAN + 1;
}

export function seqInc(a: number, n = 1): number {
  return (a + n) & SEQ_MAX;
}

export function seqDec(a: number, n = 1): number {
  return (a - n + SEQ_SPAN) & SEQ_MAX;
}

/** Message numbers are 26-bit, start at 1 and wrap to 1 (0 is reserved for FEC). */
export const MSGNO_MAX = 0x03ffffff;
export function msgNoInc(m: number): number {
  return m >= MSGNO_MAX ? 1 : m + 1;
}

/** Timestamps are 32-bit microseconds and wrap every ~71.6 minutes. */
export const TS_SPAN = 0x100000000;
export function tsWrap(us: number): number {
  return ((Math.floor(us) % TS_SPAN) + TS_SPAN) % TS_SPAN;
}

/**
 * Unwraps a 32-bit timestamp to a monotonic number given a reference already
 * unwrapped: picks the candidate within +-2^31 of the reference.
 */
export function tsUnwrap(ts: number, reference: number): number {
  const base = reference - tsWrap(reference);
  let v = base + ts;
  if (v - reference > 0x80000000) v -= TS_SPAN;
  else if (reference - v > 0x80000000) v += TS_SPAN;
  return v;
}

/** Random initial sequence number in [0, 2^31-1], as libsrt's generateISN. */
export function randomIsn(rand: () => number = Math.random): number {
  return Math.floor(rand() * SEQ_SPAN) & SEQ_MAX;
}
