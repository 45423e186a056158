/**
 * Slows password guessing with a progressive delay per key: the first `freeFailures` failures cost
 * nothing, then each further attempt must wait `baseDelayMs`, doubling per failure up to
 * `maxDelayMs`, after the last failure. A key is forgotten `forgetAfterMs` after its last failure,
 * or on success. Sign-in keys it by (email, client address): someone guessing from elsewhere
 * never delays the real user at their own address (an account lock would let anyone lock out an
 * admin); a second throttle per address slows one address trying many emails.
 *
 * Memory is bounded: at most `maxEntries` keys, the least recently failed evicted first (never a
 * wholesale reset, which would hand an attacker a fresh start by flooding).
 */
export interface LoginThrottleOptions {
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  forgetAfterMs?: number;
  maxEntries?: number;
}

interface Entry {
  failures: number;
  last: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly freeFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  readonly maxEntries: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.freeFailures = options.freeFailures ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 15 * 60 * 1000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60 * 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Keys remembered now (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }

  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.last >= this.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The delay owed after `failures` failures (0 while they are free). */
  private delayAfter(failures: number): number {
    const over = failures - this.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(over - 1, 40));
  }

  /** Seconds until `key` may try again, or 0. */
  waitFor(key: string, now = Date.now()): number {
    const entry = this.current(key, now);
    if (!entry) return 0;
    const until = entry.last + this.delayAfter(entry.failures);
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const failures = (this.current(key, now)?.failures ?? 0) + 1;
    // Re-inserting moves the key to the end: the Map's order is least recently failed first.
    this.entries.delete(key);
    this.entries.set(key, { failures, last: now });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }
}
