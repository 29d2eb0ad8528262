/**
 * One read for the watches that ask for the same list in the same turn of the event loop.
 *
 * Every watch reads its objects again when the cluster bus carries news, and the bus tells
 * every watch at once: fifty `kubectl get pods -w` would read the same pods fifty times per
 * change. A read asked for under a key waits for the end of the turn, and every watch asking
 * under that key until then gets the same objects. A read that has started takes no one
 * else, so nobody gets objects read before the news that woke it.
 */
const pending = new Map<string, Promise<unknown[]>>();

/**
 * When each key's last read ended and how long it took. The next read of a key starts no
 * sooner than its last took after it ended: reads of a large list that changes all the
 * time (pods created at 1,000/s) take at most half the API's time, and each serves all the
 * news of its wait. A small list is read again at once.
 */
const lastReads = new Map<string, { endedAt: number; took: number }>();
/** keys remembered at most (selectors are the client's: their number is not bounded) */
const KEYS_KEPT = 1000;

export function sharedRead<T>(key: string, read: () => Promise<T[]>): Promise<T[]> {
  let next = pending.get(key) as Promise<T[]> | undefined;
  if (!next) {
    const last = lastReads.get(key);
    const wait = last ? Math.max(0, last.endedAt + last.took - Date.now()) : 0;
    next = new Promise<void>((start) =>
      wait > 0 ? setTimeout(start, wait) : setImmediate(start),
    ).then(async () => {
      pending.delete(key);
      const startedAt = Date.now();
      try {
        return await read();
      } finally {
        if (lastReads.size >= KEYS_KEPT && !lastReads.has(key)) lastReads.clear();
        const endedAt = Date.now();
        lastReads.set(key, { endedAt, took: endedAt - startedAt });
      }
    });
    pending.set(key, next);
  }
  return next;
}

/**
 * The text of each object read once: its signature (what a watch compares to tell a change)
 * and its encodings on the wire, computed once for all the watches that got the same read.
 */
const texts = new WeakMap<object, Map<string, string>>();

export function textOf(object: object, kind: string, make: () => string): string {
  let byKind = texts.get(object);
  if (!byKind) texts.set(object, (byKind = new Map()));
  let text = byKind.get(kind);
  if (text === undefined) byKind.set(kind, (text = make()));
  return text;
}

const recent = new WeakMap<object, Map<string, { value: unknown; madeAt: number }>>();

/**
 * `textOf` for what holds only a while (a Table row's AGE cell): made again once it is
 * `maxAgeMs` old, so an object a list keeps unchanged for minutes is still sent as of now.
 */
export function recentOf<V>(
  object: object,
  kind: string,
  maxAgeMs: number,
  make: () => V,
  now = Date.now(),
): V {
  let byKind = recent.get(object);
  if (!byKind) recent.set(object, (byKind = new Map()));
  let entry = byKind.get(kind);
  if (!entry || now - entry.madeAt >= maxAgeMs)
    byKind.set(kind, (entry = { value: make(), madeAt: now }));
  return entry.value as V;
}

/** One difference between two reads of a list, as a watch tells it. */
export interface ListChange<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: T;
  signature: string;
}

/**
 * The differences from one shared read of a list to the next, worked out by the first watch
 * that had both: every watch that had the same previous read knows the same objects, so the
 * others replay them instead of comparing every object again. Kept by the later read, which
 * holds the earlier only weakly (no chain of old reads stays alive).
 */
const changesBetween = new WeakMap<object, { before: WeakRef<object>; changes: unknown[] }>();

export function knownChanges<T>(
  before: readonly T[],
  after: readonly T[],
): ListChange<T>[] | undefined {
  const entry = changesBetween.get(after);
  return entry && entry.before.deref() === before ? (entry.changes as ListChange<T>[]) : undefined;
}

export function rememberChanges<T>(
  before: readonly T[],
  after: readonly T[],
  changes: ListChange<T>[],
): void {
  changesBetween.set(after, { before: new WeakRef(before), changes });
}
