import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { FastifyReply } from 'fastify';
import { Subscription } from 'rxjs';
import { ClusterBus } from '../events/cluster-bus';
import {
  knownChanges,
  ListChange,
  recentOf,
  rememberChanges,
  sharedRead,
  textOf,
} from './shared-reads';

interface KubeObject {
  metadata?: V1ObjectMeta;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchSource<T extends KubeObject> {
  /** the objects the watch covers now (already filtered by its selectors) */
  list(): Promise<T[]>;
  /** the client's resourceVersion: changes after it are sent; none means all as ADDED */
  since: number | null;
  /** one event's object on the wire (the object itself, or a one-row Table) */
  encode(object: T, first: boolean): unknown;
  /** ends the stream after this many seconds (`timeoutSeconds`) */
  timeoutSeconds?: number;
  /** fields that change without a change worth telling (a node's heartbeat time) */
  volatile?: (object: T) => unknown;
  /** objects only ever added (events): the source lists only what is new since its last read */
  appendOnly?: boolean;
  /**
   * Names the read: watches of the same key share each read (`sharedRead`), and so each
   * object's signature and encodings. Only for a `list` that depends on nothing but the key.
   */
  shareKey?: string;
  /** names how `encode` writes an object after the first event, equal for equal output */
  encoding?: string;
  /** how long that text holds (a Table row's AGE cell ages), forever when absent */
  encodingHoldsMs?: number;
}

/** How often a watch looks again when nothing on the bus told it to. */
const POLL_MS = 1000;

/**
 * How far back a watch may start. kubesim keeps no log of changes: a watch from an older
 * resourceVersion could not send what was deleted since, so it gets kube-apiserver's answer
 * to a compacted version, an ERROR event with a 410 Expired Status, and lists again.
 */
export const WATCH_WINDOW_MS = 5 * 60_000;

/**
 * A change stamped (by its transaction's start) just before a list's resourceVersion may
 * have committed after the list was read: a watch from that version sends what changed
 * this long before it too, so no change falls between a list and its watch.
 */
const SLACK_MS = 1000;

const version = (o: KubeObject) => Number(o.metadata?.resourceVersion ?? 0);
const created = (o: KubeObject) =>
  o.metadata?.creationTimestamp ? new Date(o.metadata.creationTimestamp).getTime() : 0;

/**
 * A `?watch=true` stream: newline-delimited `{"type":…,"object":…}` as kube-apiserver
 * sends them. kubesim keeps no change log, so the watch reads the objects again whenever
 * the cluster bus carries news (and every second besides) and sends what differs from the
 * last read: new objects ADDED, changed ones MODIFIED, vanished ones DELETED.
 */
export function streamWatch<T extends KubeObject>(
  reply: FastifyReply,
  bus: ClusterBus,
  source: WatchSource<T>,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders?.();
  const known = new Map<string, { object: T; signature: string }>();
  const now = Date.now();
  if (!source.appendOnly && source.since !== null && source.since < now - WATCH_WINDOW_MS) {
    res.end(
      `${JSON.stringify({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${source.since} (${now - WATCH_WINDOW_MS})`,
          reason: 'Expired',
          code: 410,
        },
      })}\n`,
    );
    return;
  }
  const key = (o: T) => o.metadata?.uid ?? `${o.metadata?.namespace}/${o.metadata?.name}`;
  const sign = (o: T) => JSON.stringify(source.volatile ? source.volatile(o) : o);
  const signature = (o: T) => (source.shareKey ? textOf(o, 'signature', () => sign(o)) : sign(o));
  const encoded = (o: T) =>
    source.encoding && !first
      ? recentOf(o, source.encoding, source.encodingHoldsMs ?? Infinity, () =>
          JSON.stringify(source.encode(o, false)),
        )
      : JSON.stringify(source.encode(o, first));
  let first = true;
  let closed = false;
  let running = false;
  let again = false;
  const subscriptions: Subscription[] = [];
  let pollTimer: NodeJS.Timeout | undefined;
  let endTimer: NodeJS.Timeout | undefined;

  const line = (type: WatchEventType, object: T) =>
    `{"type":"${type}","object":${encoded(object)}}\n`;
  /** the events of one read, written at once: one write per read, not one per event */
  let out: Array<string | Buffer> = [];
  const send = (type: WatchEventType, object: T) => {
    if (closed) return;
    out.push(line(type, object));
    first = false;
  };
  /**
   * The changes from one shared read to the next, sent. Every watch of the list that had the
   * same two reads sends the same lines, so they are made into bytes once for all of them
   * (a watch's first event is its own: it carries the Table's columns).
   */
  const sendChanges = (changes: readonly ListChange<T>[]) => {
    if (closed || !changes.length) return;
    if (first || !source.encoding) {
      for (const change of changes) send(change.type, change.object);
      return;
    }
    out.push(
      recentOf(changes, `events ${source.encoding}`, source.encodingHoldsMs ?? Infinity, () =>
        Buffer.from(changes.map((c) => line(c.type, c.object)).join('')),
      ),
    );
  };
  const flush = () => {
    if (!out.length) return;
    if (!closed) {
      res.cork();
      for (const chunk of out) res.write(chunk);
      res.uncork();
    }
    out = [];
  };

  const close = () => {
    if (closed) return;
    closed = true;
    subscriptions.forEach((s) => s.unsubscribe());
    clearTimeout(pollTimer);
    clearTimeout(endTimer);
    if (!res.writableEnded) res.end();
  };

  /** the shared read this watch last went through: `known` holds exactly its objects */
  let lastRead: readonly T[] | null = null;

  const read = async (initial: boolean) => {
    const items = source.shareKey
      ? await sharedRead(source.shareKey, source.list)
      : await source.list();
    if (source.appendOnly) {
      // the source returns only what is new since its last read
      for (const item of items) send('ADDED', item);
      return;
    }
    const before = source.shareKey && !initial ? lastRead : null;
    lastRead = items;
    const replay = before && knownChanges(before, items);
    if (replay) {
      // another watch of this list went from the same read to this one: the same changes
      for (const change of replay) {
        if (change.type === 'DELETED') known.delete(change.key);
        else known.set(change.key, { object: change.object, signature: change.signature });
      }
      sendChanges(replay);
      return;
    }
    const changes: ListChange<T>[] = [];
    const tell = (type: WatchEventType, k: string, object: T, sig: string) =>
      changes.push({ type, key: k, object, signature: sig });
    const seen = new Set<string>();
    for (const item of items) {
      const k = key(item);
      seen.add(k);
      const was = known.get(k);
      const sig = signature(item);
      known.set(k, { object: item, signature: sig });
      if (initial) {
        if (source.since === null) send('ADDED', item);
        else if (version(item) > source.since - SLACK_MS)
          send(created(item) > source.since ? 'ADDED' : 'MODIFIED', item);
      } else if (!was) tell('ADDED', k, item, sig);
      else if (was.signature !== sig) tell('MODIFIED', k, item, sig);
    }
    for (const [k, { object, signature: sig }] of known) {
      if (seen.has(k)) continue;
      known.delete(k);
      tell('DELETED', k, object, sig);
    }
    if (before) rememberChanges(before, items, changes);
    sendChanges(changes);
  };

  // one read at a time; news during a read asks for one more
  const refresh = (initial = false) => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    read(initial)
      .then(flush)
      .catch(() => close())
      .finally(() => {
        running = false;
        if (again && !closed) {
          again = false;
          refresh();
        }
      });
  };

  res.on('close', close);
  subscriptions.push(bus.closing.subscribe(() => close()));
  // a cluster event (a binding, a node's new status) is news; a routine heartbeat is not
  subscriptions.push(bus.messages.subscribe((m) => m.kind === 'event' && refresh()));
  const poll = () => {
    refresh();
    if (!closed) pollTimer = setTimeout(poll, POLL_MS).unref();
  };
  pollTimer = setTimeout(poll, POLL_MS).unref();
  if (source.timeoutSeconds && source.timeoutSeconds > 0)
    endTimer = setTimeout(close, source.timeoutSeconds * 1000).unref();
  refresh(true);
}
