/**
 * Token buckets, one per key (a channel, or one robot): `acquire` resolves when the key may send
 * one more message. A bucket holds at most one second of its rate (or one message), so a queue
 * that built up while a gateway was throttled drains at the rate, never in a burst above it.
 */
export interface RateLimiter {
  /** Waits until one message may go out on `key` at `perSecond`. */
  acquire(key: string, perSecond: number): Promise<void>;
}

export class TokenBuckets implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; tail: Promise<void> }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  acquire(key: string, perSecond: number): Promise<void> {
    const capacity = Math.max(1, perSecond);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: capacity, at: this.now(), tail: Promise.resolve() };
      this.buckets.set(key, b);
    }
    const bucket = b;
    // Callers queue per key, so tokens are handed out in arrival order.
    const turn = bucket.tail.then(async () => {
      for (;;) {
        const now = this.now();
        bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
        bucket.at = now;
        if (bucket.tokens >= 1) {
          bucket.tokens -= 1;
          return;
        }
        await this.sleep(Math.ceil(((1 - bucket.tokens) / perSecond) * 1000));
      }
    });
    bucket.tail = turn.catch(() => {});
    return turn;
  }
}
