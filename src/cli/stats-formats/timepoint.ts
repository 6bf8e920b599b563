/**
 * srt-live-transmit's "timepoint": local time, ISO 8601 with microseconds and a numeric UTC
 * offset, e.g. 2026-01-31T14:30:57.193023+0100 (strftime "%FT%T." + 6 digits + "%z").
 */
export function formatTimepoint(epochUs: number): string {
  const us = Math.floor(epochUs);
  const sec = Math.floor(us / 1e6);
  const d = new Date(sec * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}` +
    `.${String(us - sec * 1e6).padStart(6, '0')}${sign}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
}

/** Now, in µs since the epoch (Date.now() has only ms). */
export function nowEpochUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
