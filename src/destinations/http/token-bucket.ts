/**
 * Token bucket plus a cap on requests in flight, shared by every request to one destination
 * account: `requests` per `perSeconds` on average with bursts up to `requests`, at most
 * `maxInFlight` at once, and a pause every caller honours after a vendor says "slow down".
 */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export class RateLimiter {
  private tokens: number;
  private lastRefill: number;
  private pausedUntil = 0;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: RateLimit,
    readonly maxInFlight = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.requests > 0) || !(limit.perSeconds > 0)) throw new RangeError('rate limit needs positive requests and perSeconds');
    this.tokens = limit.requests;
    this.lastRefill = this.now();
  }

  /** Waits for a token and a free slot; call `release()` when the request is over. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.drain();
    });
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.drain();
  }

  /** Nobody sends before `untilMs` (epoch ms): a Retry-After applies to the whole account. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  private refill(now: number): void {
    const rate = this.limit.requests / (this.limit.perSeconds * 1000);
    this.tokens = Math.min(this.limit.requests, this.tokens + (now - this.lastRefill) * rate);
    this.lastRefill = now;
  }

  private drain(): void {
    if (this.timer) return; // a wake-up is already scheduled
    while (this.waiting.length > 0) {
      const now = this.now();
      if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil - now);
      if (this.inFlight >= this.maxInFlight) return; // release() drains again
      this.refill(now);
      if (this.tokens < 1) {
        const rate = this.limit.requests / (this.limit.perSeconds * 1000);
        return this.wakeAt(Math.ceil((1 - this.tokens) / rate));
      }
      this.tokens -= 1;
      this.inFlight += 1;
      this.waiting.shift()!();
    }
  }

  private wakeAt(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.max(1, delayMs));
    this.timer.unref?.();
  }
}

const shared = new Map<string, RateLimiter>();

/**
 * The limiter of one destination account, shared by all syncs of this process that send there.
 * The first caller's limits win for the life of the process.
 */
export function sharedRateLimiter(accountKey: string, limit: RateLimit, maxInFlight?: number): RateLimiter {
  let limiter = shared.get(accountKey);
  if (!limiter) {
    limiter = new RateLimiter(limit, maxInFlight);
    shared.set(accountKey, limiter);
  }
  return limiter;
}
