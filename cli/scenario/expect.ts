import type { EventView, NodeView, PodView } from '../api-types';
import type { Expectation } from './parse';

export interface Verdict {
  held: boolean;
  /** what the cluster showed, for the timeline and for a failure's message */
  seen: string;
}

/** The expectation in words, as the timeline shows it. */
export function describeExpectation(e: Expectation): string {
  if (e.on === 'pods') {
    const parts = [`pods ${e.prefix}*`];
    if (e.status) parts.push(e.status);
    if (e.count !== undefined) parts.push(`count ${e.count}`);
    if (e.onNode) parts.push(`on ${e.onNode}`);
    if (e.notOnNode) parts.push(`not on ${e.notOnNode}`);
    return parts.join(' ');
  }
  if (e.on === 'nodes') {
    const which = e.name ?? `${e.prefix}*`;
    return `nodes ${which} ${e.status}${e.count !== undefined ? ` count ${e.count}` : ''}`;
  }
  return `event ${e.reason}${e.object ? ` on ${e.object}` : ''}`;
}

/**
 * Pods whose name starts with the prefix; those in the status and on (or not
 * on) the node given are the ones counted. Without `count`, every pod of the
 * prefix must match, and there must be at least one.
 */
export function checkPods(e: Expectation & { on: 'pods' }, pods: PodView[]): Verdict {
  const candidates = pods.filter((p) => p.name.startsWith(e.prefix));
  const matching = candidates.filter(
    (p) =>
      (!e.status || p.status === e.status) &&
      (!e.onNode || p.node_name === e.onNode) &&
      (!e.notOnNode || p.node_name !== e.notOnNode),
  );
  const held =
    e.count !== undefined
      ? matching.length === e.count
      : candidates.length > 0 && matching.length === candidates.length;
  const list = candidates
    .map((p) => `${p.name} ${p.status}${p.node_name ? ` on ${p.node_name}` : ''}`)
    .join(', ');
  return {
    held,
    seen: `${matching.length} of ${candidates.length} matching${list ? ` (${list})` : ''}`,
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
