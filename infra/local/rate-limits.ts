/**
 * Admission limits of the embedded runtime's HTTP server: token buckets in memory (one process
 * serves every request, so memory is the whole truth). On AWS the same limits are API Gateway
 * route throttles (docs/security.md).
 */

/** A bucket of `capacity` tokens refilled at `perSecond`; `take` spends one if there is one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True while at least one token is left (nothing spent). */
  has(): boolean {
    this.refill();
    return this.tokens >= 1;
  }

  get full(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }
}

/** Buckets per key, forgotten once full again (an idle key costs nothing). */
class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  get(key: string): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= 10_000) this.prune();
      b = new TokenBucket(this.capacity, this.perSecond, this.now);
      this.buckets.set(key, b);
    }
    return b;
  }

  private prune(): void {
    for (const [k, b] of this.buckets) if (b.full) this.buckets.delete(k);
  }
}

export interface LinkLimitSettings {
  /** Requests one code may take in a burst, and the refill per second after. */
  perCode: { burst: number; perSecond: number };
  /** Refused lookups (unknown, forged, expired codes) one client may make, and the refill. */
  refusalsPerClient: { burst: number; perSecond: number };
  /** Every /l/ request of one client. */
  perClient: { burst: number; perSecond: number };
}

/**
 * Sized for people: a duty officer opens a link a few times, acknowledges, uploads up to ten
 * photos and resolves (~20 requests on one code); a guesser tries thousands of codes, nearly
 * all refused. 30 refusals, then one every two seconds: ~43,000 guesses a day per client against
 * 62^11 possible secrets.
 */
export const defaultLinkLimits: LinkLimitSettings = {
  perCode: { burst: 60, perSecond: 1 },
  refusalsPerClient: { burst: 30, perSecond: 0.5 },
  perClient: { burst: 300, perSecond: 5 },
};

/** Rate limits on the signed-link pages (`/l/*`), per client and per code. */
export class LinkRateLimits {
  private readonly codes: KeyedBuckets;
  private readonly refusals: KeyedBuckets;
  private readonly clients: KeyedBuckets;

  constructor(settings: LinkLimitSettings = defaultLinkLimits, now: () => number = Date.now) {
    this.codes = new KeyedBuckets(settings.perCode.burst, settings.perCode.perSecond, now);
    this.refusals = new KeyedBuckets(
      settings.refusalsPerClient.burst,
      settings.refusalsPerClient.perSecond,
      now,
    );
    this.clients = new KeyedBuckets(settings.perClient.burst, settings.perClient.perSecond, now);
  }

  /** May this client ask for this code now? Spends from the client's and the code's budgets. */
  admit(client: string, code: string): boolean {
    if (!this.refusals.get(client).has()) return false;
    if (!this.clients.get(client).take()) return false;
    return this.codes.get(code).take();
  }

  /** The answer was a refusal (no such link, forged, expired): spends from the client's refusals. */
  refused(client: string): void {
    this.refusals.get(client).take();
  }
}
