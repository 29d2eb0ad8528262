/** How much JSON text the cache keeps at most, in characters (about 32,000 pods). */
export const POD_JSON_CACHE_CHARS = 32 * 1024 * 1024;

/**
 * How long an entry may be used after it was made. A version is built of PostgreSQL
 * transaction ids, which come round again only after some four billion transactions:
 * far more than any database runs in this time.
 */
export const POD_JSON_MAX_AGE_MS = 10 * 60_000;

interface Entry {
  version: string;
  json: string;
  madeAt: number;
}

/**
 * Pods' answers as JSON text, by pod id with the version they were made from. An entry is
 * given back only for the version read from the database now, so a pod changed since (by
 * this process or another on the same database) is never answered from here. The least
 * recently used entries go first when the text kept would pass its bound.
 */
export class PodJsonCache {
  private readonly entries = new Map<number, Entry>();
  private chars = 0;

  constructor(
    private readonly maxChars = POD_JSON_CACHE_CHARS,
    private readonly maxAgeMs = POD_JSON_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The pod's JSON made from exactly this version, if kept and young enough. */
  get(id: number, version: string, now = this.now()): string | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.version !== version || now - entry.madeAt >= this.maxAgeMs)
      return undefined;
    // the most recently used last, so eviction takes the least recently used
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.json;
  }

  set(id: number, version: string, json: string): void {
    this.drop(id);
    if (json.length > this.maxChars) return;
    this.entries.set(id, { version, json, madeAt: this.now() });
    this.chars += json.length;
    for (const oldest of this.entries.keys()) {
      if (this.chars <= this.maxChars) break;
      this.drop(oldest);
    }
  }

  /** Entries kept, and their text in characters. */
  get size(): { entries: number; chars: number } {
    return { entries: this.entries.size, chars: this.chars };
  }

  private drop(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.chars -= entry.json.length;
    this.entries.delete(id);
  }
}
