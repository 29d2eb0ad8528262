import { KubeError } from './kube-status';
import { WATCH_WINDOW_MS } from './kube-watch';

interface Keyed {
  metadata?: { name?: string; namespace?: string };
}

/** A list's metadata as kube-apiserver answers it: the version, and a token for the rest. */
export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface Token {
  rv: string;
  /** the key (namespace/name) of the last object already sent */
  start: string;
}

const key = (o: Keyed) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

const TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

function decode(text: string): Token {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Token;
    if (typeof token.rv === 'string' && typeof token.start === 'string') return token;
  } catch {
    // answered below
  }
  throw new KubeError(400, 'continue key is not valid: incorrect encoded start resourceVersion');
}

/**
 * `limit` and `continue`, as kubectl (`--chunk-size`, 500 by default) and client pagers send
 * them: with either, the objects in key order (namespace/name), at most `limit` of them, and
 * a token that carries on after the last one. kubesim reads the whole list each time, so a
 * later page shows the objects as they are then; a token older than the watch window is 410,
 * as one kube-apiserver has compacted (`expires`: false for lists versioned by a counter).
 */
export function pageOf<T extends Keyed>(
  items: T[],
  query: { limit?: string; continue?: string },
  resourceVersion: string,
  expires = true,
): { items: T[]; metadata: ListMeta } {
  const limitText = query.limit;
  let limit = 0;
  if (limitText !== undefined && limitText !== '') {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 0)
      throw new KubeError(400, `limit: Invalid value: "${limitText}": must be a whole number`);
  }
  const token = query.continue ? decode(query.continue) : null;
  if (!limit && !token) return { items, metadata: { resourceVersion } };
  let rest = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let rv = resourceVersion;
  if (token) {
    if (expires && Number(token.rv) < Date.now() - WATCH_WINDOW_MS)
      throw new KubeError(410, TOO_OLD, 'Expired');
    rest = rest.filter((o) => key(o) > token.start);
    rv = token.rv;
  }
  if (!limit || rest.length <= limit) return { items: rest, metadata: { resourceVersion: rv } };
  const page = rest.slice(0, limit);
  const next: Token = { rv, start: key(page[page.length - 1]) };
  return {
    items: page,
    metadata: {
      resourceVersion: rv,
      continue: Buffer.from(JSON.stringify(next)).toString('base64url'),
      remainingItemCount: rest.length - limit,
    },
  };
}
