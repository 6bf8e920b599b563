/**
 * Refusals remembered per caller address, port and SYN cookie for the cookie's lifetime: a caller
 * that repeats a refused CONCLUSION (a wrong passphrase, say) is refused again from here, without
 * redoing the work that refused it (PBKDF2 costs about a millisecond). Bounded: the oldest entry
 * goes first.
 */
export interface Refusal {
  reason: number;
  streamId?: string;
  message?: string;
}

/** A cookie is valid in the minute it was baked and the next one. */
export const COOKIE_LIFETIME_MS = 120_000;

export class RefusalCache {
  private readonly entries = new Map<string, Refusal & { expiresMs: number }>();

  constructor(private readonly maxEntries = 4096) {}

  get size(): number {
    return this.entries.size;
  }

  get(address: string, port: number, cookie: number, nowMs: number): Refusal | undefined {
    const key = `${address}|${port}|${cookie}`;
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  set(address: string, port: number, cookie: number, refusal: Refusal, nowMs: number): void {
    const key = `${address}|${port}|${cookie}`;
    this.entries.delete(key);
    this.entries.set(key, { ...refusal, expiresMs: nowMs + COOKIE_LIFETIME_MS });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
