import type { EventView, NodeView } from '../api-types';
import type { Expectation } from './scenario';

export interface Verdict {
  held: boolean;
  /** what the cluster showed, for the timeline and for a failure's message */
  seen: string;
}

/** A pod as an expectation looks at it, from kubesim's API or the Kubernetes API. */
export interface PodSeen {
  name: string;
  /** kubesim's status (from kubesim's API) */
  status?: string;
  /** the Kubernetes phase (from the Kubernetes API) */
  phase?: string;
  /** its containers' images (from the Kubernetes API) */
  images?: string[];
  node_name: string | null;
}

/** The expectation in words, as the timeline shows it. */
export function describeExpectation(e: Expectation): string {
  if (e.on === 'pods') {
    const parts = [e.selector !== undefined ? `pods ${e.selector}` : `pods ${e.prefix}*`];
    if (e.namespace) parts.push(`in ${e.namespace}`);
    if (e.status) parts.push(e.status);
    if (e.phase) parts.push(e.phase);
    if (e.image) parts.push(`image ${e.image}`);
    if (e.count !== undefined) parts.push(`count ${e.count}`);
    if (e.onNode) parts.push(`on ${e.onNode}`);
    if (e.notOnNode) parts.push(`not on ${e.notOnNode}`);
    return parts.join(' ');
  }
  if (e.on === 'nodes') {
    const which = e.name ?? `${e.prefix}*`;
    return `nodes ${which} ${e.status}${e.count !== undefined ? ` count ${e.count}` : ''}`;
  }
  if (e.on === 'reach')
    return `${e.from} ${e.allowed ? 'reaches' : 'cannot reach'} ${e.to}:${e.port}`;
  return `event ${e.reason}${e.object ? ` on ${e.object}` : ''}`;
}

/**
 * Pods whose name starts with the prefix (or that the selector chose); those in the status
 * or phase and on (or not on) the node given are the ones counted. Without `count`, every
 * such pod must match, and there must be at least one.
 */
export function checkPods(e: Expectation & { on: 'pods' }, pods: PodSeen[]): Verdict {
  const candidates = pods.filter((p) => e.prefix === undefined || p.name.startsWith(e.prefix));
  const matching = candidates.filter(
    (p) =>
      (!e.status || p.status === e.status) &&
      (!e.phase || p.phase === e.phase) &&
      (!e.image || (p.images ?? []).includes(e.image)) &&
      (!e.onNode || p.node_name === e.onNode) &&
      (!e.notOnNode || p.node_name !== e.notOnNode),
  );
  const held =
    e.count !== undefined
      ? matching.length === e.count
      : candidates.length > 0 && matching.length === candidates.length;
  const list = candidates
    .map((p) => `${p.name} ${p.status ?? p.phase}${p.node_name ? ` on ${p.node_name}` : ''}`)
    .join(', ');
  return {
    held,
    seen: `${matching.length} of ${candidates.length} matching${list ? ` (${list})` : ''}`,
  };
}

/** What `GET /network/reachability` answered, against what the lesson expects. */
export function checkReach(
  e: Expectation & { on: 'reach' },
  answer: { allowed: boolean; reason: string },
): Verdict {
  return {
    held: answer.allowed === e.allowed,
    seen: `${answer.allowed ? 'allowed' : 'denied'}: ${answer.reason}`,
  };
}

export function checkNodes(e: Expectation & { on: 'nodes' }, nodes: NodeView[]): Verdict {
  const candidates = nodes.filter((n) =>
    e.name !== undefined ? n.name === e.name : n.name.startsWith(e.prefix ?? ''),
  );
  const matching = candidates.filter((n) => n.health_status === e.status);
  const held =
    e.count !== undefined
      ? matching.length === e.count
      : candidates.length > 0 && matching.length === candidates.length;
  const list = candidates.map((n) => `${n.name} ${n.health_status}`).join(', ');
  return { held, seen: candidates.length ? list : 'no such node' };
}

/** An event of that reason (on that object) since the scenario began. */
export function checkEvent(e: Expectation & { on: 'event' }, events: EventView[]): Verdict {
  const found = events.find(
    (ev) => ev.reason === e.reason && (!e.object || ev.object === e.object),
  );
  if (found) return { held: true, seen: `${found.reason} ${found.object}: ${found.message}` };
  const reasons = [...new Set(events.map((ev) => `${ev.reason} ${ev.object}`))].slice(0, 5);
  return { held: false, seen: reasons.length ? `only ${reasons.join(', ')}` : 'no events' };
}
