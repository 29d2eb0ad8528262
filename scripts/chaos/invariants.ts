/**
 * The invariants a chaos run checks at the end, as pure functions of what the run recorded
 * and what the API listed once the cluster settled.
 */
import type { RunRecord } from './record';

/** The fields of GET /nodes the checks read. */
export interface NodeView {
  id: number;
  name: string;
  health_status: string;
  cordoned?: boolean;
  cpu_cores_total: number;
  cpu_cores_allocated: number;
}

/** The fields of GET /pods the checks read. */
export interface PodView {
  id: number;
  name: string;
  status: string;
  reason?: string | null;
  node_id: number | null;
  node_name?: string | null;
  cpu_cores_req: number;
}

export interface Check {
  name: string;
  held: boolean;
  detail: string;
}

/** What the API said at the end. */
export interface FinalState {
  nodes: NodeView[];
  pods: PodView[];
  /** AllocationRepaired events */
  repairs: Array<{ message: string }>;
  settled: boolean;
  settleMs: number;
}

type Record = Pick<
  RunRecord,
  | 'acknowledged'
  | 'uncertainCreates'
  | 'uncertainDeletes'
  | 'vanished'
  | 'stoppedByChaos'
  | 'problems'
  | 'refusedRestarts'
  | 'uncleanStops'
  | 'serverErrors'
  | 'counts'
>;

/** Settled nodes are healthy, permanently failed, or stopped by the chaos itself. */
export const nodeSettled = (n: NodeView, stoppedByChaos: ReadonlySet<string>): boolean =>
  n.health_status === 'healthy' ||
  n.health_status === 'permanently_failed' ||
  (n.health_status === 'stopped' && stoppedByChaos.has(n.name));

/**
 * Settled pods run, wait with a reason, or were failed on purpose as the likely cause of two
 * node failures (PodCausedNodeFailures), off any node.
 */
export const podSettled = (p: PodView): boolean =>
  p.status === 'running' ||
  (p.status === 'pending' && !!p.reason) ||
  (p.status === 'failed' && p.node_id === null && /^PodCausedNodeFailures/.test(p.reason ?? ''));

export const clusterSettled = (
  nodes: NodeView[],
  pods: PodView[],
  stoppedByChaos: ReadonlySet<string>,
): boolean => nodes.every((n) => nodeSettled(n, stoppedByChaos)) && pods.every(podSettled);

/** "2 healthy, 1 stopped": how often each value occurs, in order of first sight. */
export function summarize(xs: Array<string | null | undefined>): string {
  const tally = new Map<string, number>();
  for (const x of xs) tally.set(String(x), (tally.get(String(x)) ?? 0) + 1);
  return [...tally].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
}

/** The first `max` items, and how many there are when there are more. */
export function list(xs: string[], max = 8): string {
  return xs.length
    ? `${xs.slice(0, max).join(', ')}${xs.length > max ? ` … (${xs.length})` : ''}`
    : '';
}

/**
 * The pods the run may hold the API to: those answered 201 and not deleted, plus those whose
 * create went unanswered but that exist at the end (and were not deleted unanswered either).
 */
export function acknowledgedAtEnd(record: Record, pods: PodView[]): Map<string, number> {
  const byName = new Map(pods.map((p) => [p.name, p]));
  const acknowledged = new Map(record.acknowledged);
  for (const name of record.uncertainCreates)
    if (byName.has(name) && !record.uncertainDeletes.has(name))
      acknowledged.set(name, byName.get(name)!.id);
  return acknowledged;
}

const milli = (x: number) => Math.round(x * 1000);

export function checkInvariants(record: Record, end: FinalState): Check[] {
  const { nodes, pods, repairs } = end;
  const names = new Set(pods.map((p) => p.name));
  const acknowledged = acknowledgedAtEnd(record, pods);
  const lost = [...acknowledged.keys()].filter((n) => !names.has(n));
  const { vanished } = record;
  const overcommitted = nodes.filter(
    (n) => milli(n.cpu_cores_allocated) > milli(n.cpu_cores_total),
  );
  const drifted = nodes.filter((n) => {
    const bound = pods
      .filter((p) => p.node_id === n.id)
      .reduce((s, p) => s + milli(p.cpu_cores_req), 0);
    return bound !== milli(n.cpu_cores_allocated);
  });
  const badNodes = nodes.filter((n) => !nodeSettled(n, record.stoppedByChaos));
  const badPods = pods.filter((p) => !podSettled(p));
  const onDeadNodes = pods.filter(
    (p) =>
      p.node_id !== null && !nodes.some((n) => n.id === p.node_id && n.health_status === 'healthy'),
  );
  const ids = pods.map((p) => p.id);
  const pending = pods.filter((p) => p.status === 'pending');
  const done = (action: string) => record.counts.get(action)?.done ?? 0;

  return [
    {
      name: 'the cluster settled within 60 s',
      held: end.settled,
      detail: `${(end.settleMs / 1000).toFixed(1)} s`,
    },
    {
      name: 'no acknowledged pod lost',
      held: lost.length === 0 && vanished.length === 0,
      detail:
        lost.length || vanished.length
          ? `lost: ${list([...lost, ...vanished.map((n) => `${n} (404 to DELETE)`)])}`
          : `${acknowledged.size} acknowledged pods all present`,
    },
    {
      name: 'no pod listed twice',
      held: new Set(ids).size === ids.length,
      detail: `${pods.length} pods`,
    },
    {
      name: 'no node overcommitted (allocated ≤ total)',
      held: overcommitted.length === 0,
      detail:
        list(overcommitted.map((n) => `${n.name} ${n.cpu_cores_allocated}/${n.cpu_cores_total}`)) ||
        `${nodes.length} nodes`,
    },
    {
      name: "allocated == sum of bound pods' requests",
      held: drifted.length === 0,
      detail:
        list(drifted.map((n) => `${n.name} allocated ${n.cpu_cores_allocated}`)) || 'every node',
    },
    {
      name: 'allocation never drifted (no AllocationRepaired event)',
      held: repairs.length === 0,
      detail: repairs.length ? list(repairs.map((e) => e.message)) : 'none',
    },
    {
      name: 'nodes healthy, permanently_failed or stopped by the chaos',
      held: badNodes.length === 0,
      detail:
        list(badNodes.map((n) => `${n.name}:${n.health_status}`)) ||
        summarize(nodes.map((n) => `${n.health_status}${n.cordoned ? ' (cordoned)' : ''}`)),
    },
    {
      name: 'pods running, pending with a reason, or failed as the cause of node failures',
      held: badPods.length === 0,
      detail:
        list(badPods.map((p) => `${p.name}:${p.status}`)) ||
        summarize(pods.map((p) => p.status)) +
          (pending.length ? `; waiting because: ${summarize(pending.map((p) => p.reason))}` : ''),
    },
    {
      name: 'no pod bound to a node that is not healthy',
      held: onDeadNodes.length === 0,
      detail: list(onDeadNodes.map((p) => `${p.name}@${p.node_name}`)) || 'none',
    },
    {
      name: 'no 5xx other than 503',
      held: record.serverErrors.size === 0,
      detail: list([...record.serverErrors].map(([k, v]) => `${k} ×${v}`)) || 'none',
    },
    {
      name: 'SIGTERM: the API exits 0 within 15 s',
      held: record.uncleanStops.length === 0,
      detail: list(record.uncleanStops) || `${done('restart-api (SIGTERM)')} clean stops`,
    },
    {
      name: 'after kill -9 the API starts again by itself',
      held: record.refusedRestarts.length === 0,
      detail: record.refusedRestarts.length
        ? `refused ${record.refusedRestarts.length}×: its embedded PostgreSQL still ran (${list(record.refusedRestarts, 3)})`
        : `${done('restart-api (SIGKILL)')} restarts`,
    },
    {
      name: 'no other problem seen during the run',
      held: record.problems.length === 0,
      detail: list(record.problems, 5) || 'none',
    },
  ];
}

/** The run's exit code: 0 only when there were checks and every one held. */
export const exitCode = (checks: Check[]): 0 | 1 =>
  checks.length && checks.every((c) => c.held) ? 0 : 1;
