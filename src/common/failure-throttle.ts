interface Entry {
  failures: number;
  windowEndsAt: number;
  blockedUntil: number;
}

export interface FailureThrottleOptions {
  /** failures allowed per key within a window; the next one blocks the key */
  limit: number;
  windowMs: number;
  /** how long a key stays blocked */
  blockMs: number;
  /** entries kept at most: memory stays bounded whatever the callers send */
  maxEntries: number;
  now?: () => number;
}

/**
 * Counts failed attempts (wrong tokens) per key in a fixed window and blocks a key that
 * exceeds the limit. Only failures are stored, keys are bounded by the callers, and the
 * number of entries is capped: past the cap, expired entries go first, then the oldest.
 */
export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private lastSweepAt = 0;

  constructor(private readonly options: FailureThrottleOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds the key stays blocked; 0 when it is not. */
  blockedFor(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const left = entry.blockedUntil - this.now();
    return left > 0 ? left : 0;
  }

  /** Records a failure; returns how long the key is now blocked (0: not yet). */
  fail(key: string): number {
    const now = this.now();
    let entry = this.entries.get(key);
    if (entry && entry.windowEndsAt <= now && entry.blockedUntil <= now) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      this.makeRoom(now);
      entry = { failures: 0, windowEndsAt: now + this.options.windowMs, blockedUntil: 0 };
      this.entries.set(key, entry);
    }
    entry.failures++;
    if (entry.failures > this.options.limit && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.options.blockMs;
    }
    return Math.max(0, entry.blockedUntil - now);
  }

  /** Entries held now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.options.maxEntries) return;
    // a full sweep at most once a second, so a flood does not pay it on every request
    if (now - this.lastSweepAt >= 1000) {
      this.lastSweepAt = now;
      for (const [key, e] of this.entries) {
        if (e.windowEndsAt <= now && e.blockedUntil <= now) this.entries.delete(key);
      }
    }
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
