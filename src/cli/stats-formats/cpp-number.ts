/**
 * Numbers as a C++ ostream prints them with default flags (what srt-live-transmit's stats writers
 * use): integers in full, doubles as printf's %g with 6 significant digits ("0.784701", "12",
 * "1.23457e+06"). Non-finite values print as 0: libsrt never has them, and "inf" would break JSON.
 */

/** An integer field (int, int64_t, uint64_t in CBytePerfMon). */
export function cppInteger(n: number): string {
  return Number.isFinite(n) ? BigInt(Math.trunc(n)).toString() : '0';
}

/** A double field, as `std::cout << x` (%g, precision 6). */
export function cppDouble(x: number): string {
  if (!Number.isFinite(x) || x === 0) return '0';
  const [mantissa, exp] = x.toExponential(5).split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) {
    return `${stripZeros(mantissa)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return stripZeros(x.toFixed(5 - e));
}

/** %g drops trailing zeros of the fraction, and the point when nothing is left after it. */
function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
