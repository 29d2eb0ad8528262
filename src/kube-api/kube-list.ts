import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { FastifyReply } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { pageOf } from './kube-paging';
import { KubeError } from './kube-status';
import { IncludeObject, TableOf, toTable } from './kube-table';
import { streamWatch } from './kube-watch';

/** The query of a Kubernetes API request, as Fastify parsed it. */
export type KubeQuery = Record<string, string | undefined>;

export const isWatch = (q: KubeQuery) => q.watch === 'true' || q.watch === '1';
export const wantsTable = (accept?: string) => /as=Table/i.test(accept ?? '');

export function includeObject(q: KubeQuery): IncludeObject {
  const v = q.includeObject ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object')
    throw new KubeError(
      400,
      `includeObject: Unsupported value: "${v}": supported values: "None", "Metadata", "Object"`,
    );
  return v;
}

export function since(q: KubeQuery): number | null {
  const rv = q.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0') return null;
  if (!/^\d{1,16}$/.test(rv)) throw new KubeError(400, `resourceVersion: Invalid value: "${rv}"`);
  return Number(rv);
}

export function timeoutSeconds(q: KubeQuery): number | undefined {
  if (q.timeoutSeconds === undefined) return undefined;
  const n = Number(q.timeoutSeconds);
  if (!Number.isInteger(n) || n < 0)
    throw new KubeError(400, `timeoutSeconds: Invalid value: "${q.timeoutSeconds}"`);
  return n;
}

/** A Kubernetes object as a read answers it. */
export interface KubeObject {
  kind?: string;
  apiVersion?: string;
  metadata?: V1ObjectMeta;
}

export interface Listed {
  metadata?: V1ObjectMeta;
}

/** How a watch writes each object: itself, or a one-row Table for kubectl. */
export function watchEncoder<T extends Listed>(
  table: TableOf<T>,
  q: KubeQuery,
  accept: string | undefined,
): (o: T, first: boolean) => unknown {
  const asTable = wantsTable(accept);
  const include = includeObject(q);
  return (o, first) =>
    asTable
      ? toTable(table, [o], o.metadata?.resourceVersion ?? '', include, Date.now(), first)
      : o;
}

/**
 * A page of the objects (limit/continue) as a `…List` or, for kubectl, a Table. `expires`:
 * false for lists versioned by a counter (events), whose paging tokens never expire.
 */
export function sendPage<T extends Listed>(
  reply: FastifyReply,
  q: KubeQuery,
  accept: string | undefined,
  list: { apiVersion: string; kind: string; table: TableOf<T> },
  all: T[],
  resourceVersion: string,
  expires = true,
): void {
  const { items, metadata } = pageOf(all, q, resourceVersion, expires);
  void reply.send(
    wantsTable(accept)
      ? toTable(list.table, items, metadata, includeObject(q))
      : { kind: list.kind, apiVersion: list.apiVersion, metadata, items },
  );
}

/** The query parameters that change how a watch streams, not which objects it reads. */
const WATCH_PARAMS = new Set([
  'watch',
  'resourceVersion',
  'resourceVersionMatch',
  'timeoutSeconds',
  'allowWatchBookmarks',
  'sendInitialEvents',
  'includeObject',
]);

/** What a list's read depends on: the path (kind, namespace) and every other parameter. */
function readKey(url: string, q: KubeQuery): string {
  const [path] = url.split('?');
  const rest = Object.keys(q)
    .filter((k) => !WATCH_PARAMS.has(k) && q[k] !== undefined)
    .sort()
    .map((k) => `${k}=${q[k]}`);
  return `${path}?${rest.join('&')}`;
}

/**
 * A list request of any kind answered as kube-apiserver does: a `?watch` stream, or a page of
 * the objects as a `…List` or a Table.
 */
export async function sendList<T extends Listed>(
  reply: FastifyReply,
  bus: ClusterBus,
  q: KubeQuery,
  accept: string | undefined,
  list: {
    apiVersion: string;
    kind: string;
    table: TableOf<T>;
    read: () => Promise<T[]>;
    /** the version a list answers with (the moment it was read, by default) */
    resourceVersion?: string;
    /** fields that change without a change worth a MODIFIED (a node's heartbeat time) */
    volatile?: (o: T) => unknown;
  },
): Promise<void> {
  const encode = watchEncoder(list.table, q, accept);
  if (isWatch(q)) {
    const from = since(q);
    const timeout = timeoutSeconds(q);
    await list.read(); // a bad selector is a 400 before the stream starts
    streamWatch(reply, bus, {
      list: list.read,
      since: from,
      timeoutSeconds: timeout,
      volatile: list.volatile,
      encode,
      shareKey: `${list.kind} ${readKey(reply.request.url, q)}`,
      encoding: `${wantsTable(accept) ? 'Table' : 'object'}/${includeObject(q)}`,
      // a Table row's AGE is the row's as of its event, to the second
      encodingHoldsMs: wantsTable(accept) ? 1000 : undefined,
    });
    return;
  }
  const resourceVersion = list.resourceVersion ?? String(Date.now());
  sendPage(reply, q, accept, list, await list.read(), resourceVersion);
}
