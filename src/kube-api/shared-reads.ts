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

export function sharedRead<T>(key: string, read: () => Promise<T[]>): Promise<T[]> {
  let next = pending.get(key) as Promise<T[]> | undefined;
  if (!next) {
    next = new Promise<void>((start) => setImmediate(start)).then(() => {
      pending.delete(key);
      return read();
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
