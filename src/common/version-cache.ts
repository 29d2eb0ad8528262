/**
 * How long an entry may be used after it was made. The versions kept here are built of
 * PostgreSQL transaction ids (`POD_VERSION`), which come round again only after some four
 * billion transactions: far more than any database runs in this time.
 */
export const VERSION_CACHE_MAX_AGE_MS = 10 * 60_000;

interface Entry<T> {
  version: string;
  value: T;
  weight: number;
  madeAt: number;
  /** the lookup that last found or kept it (0: none) */
  pass: number;
}

/**
 * What was made from a row (a pod's JSON answer, its Kubernetes object), by the row's id
 * with the version it was made from. An entry is given back only for the version read from
 * the database now, so a row changed since (by this process or another on the same
 * database) is never answered from here. Each entry weighs what `weigh` says (its text's
 * length, or 1 to count entries); the least recently used go first when the weight kept
 * would pass its bound.
 */
export class VersionCache<T> {
  private readonly entries = new Map<number, Entry<T>>();
  private weight = 0;
  private passes = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: T) => number,
    private readonly maxAgeMs = VERSION_CACHE_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** What was made from exactly this version, if kept and young enough. */
  get(id: number, version: string, now = this.now()): T | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.version !== version || now - entry.madeAt >= this.maxAgeMs)
      return undefined;
    // the most recently used last, so eviction takes the least recently used
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.value;
  }

  /**
   * What is kept of each row at its version, in the rows' order (undefined for those not
   * kept), and where each row not kept stands among them, by id: those to read in full;
   * and `keep`, to keep what is made of those. A list heavier than the bound keeps what
   * fits of it and no more: `keep` never takes out an entry this lookup found or kept
   * (plain least-recently-used would, so that such a list, read again, would find nothing).
   */
  lookup(rows: ReadonlyArray<{ id: number; version: string }>, now = this.now()) {
    const pass = ++this.passes;
    const found: Array<T | undefined> = new Array(rows.length);
    const missing = new Map<number, number>();
    rows.forEach(({ id, version }, i) => {
      const value = this.get(id, version, now);
      if (value === undefined) missing.set(id, i);
      else {
        found[i] = value;
        this.entries.get(id)!.pass = pass;
      }
    });
    const keep = (id: number, version: string, value: T) => this.put(id, version, value, pass);
    return { found, missing, keep };
  }

  /** Keeps a value, taking out the least recently used to make room. */
  set(id: number, version: string, value: T): void {
    this.put(id, version, value, 0);
  }

  /** Entries kept, and their weight. */
  get size(): { entries: number; weight: number } {
    return { entries: this.entries.size, weight: this.weight };
  }

  /**
   * `set`; for a lookup's `pass` (not 0), none that lookup found or kept makes room (then,
   * if there is no room, this value is not kept).
   */
  private put(id: number, version: string, value: T, pass: number): void {
    this.drop(id);
    const weight = this.weigh(value);
    if (weight > this.maxWeight) return;
    this.entries.set(id, { version, value, weight, madeAt: this.now(), pass });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.weight <= this.maxWeight) return;
      // the used ones of a lookup are the last in the map (get moved them, set added them)
      if (pass && entry.pass === pass) break;
      this.drop(oldest);
    }
    if (this.weight > this.maxWeight) this.drop(id);
  }

  private drop(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.weight -= entry.weight;
    this.entries.delete(id);
  }
}
