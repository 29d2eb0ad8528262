import { toleratesCordon } from '../scheduler/strategies/taints';
import { bindable } from './candidate-nodes';
import { containerColumns } from './pod-parts';
import { DecisionWrite, NewPod } from './records';

/** A pod of a creation batch, the node chosen for it, its Scheduled event's message and its decision. */
export interface Placement {
  pod: NewPod;
  nodeId: number;
  event: string;
  decision?: DecisionWrite;
}

/**
 * What the statement answers per pod: stored (with its event), its name already taken, or
 * refused because its namespace is missing or being deleted (`ns_status`: 'missing' or the
 * namespace's status; null for the others).
 */
export interface BoundPodRow {
  id: number;
  name: string;
  ns: string;
  ip: string;
  node_id: number;
  node_name: string;
  created_at: Date;
  scheduled_at: Date;
  event_id: string;
  event_object: string;
  event_message: string;
  event_at: Date;
  taken: boolean;
  ns_status: string | null;
}

/**
 * The one statement of a batch's fast path: each node takes its pods under its row lock
 * only while it may still take pods and has room for all of them (`bindable`); the pods,
 * their containers, volumes, config, scheduling decisions and Scheduled events are
 * inserted with it. A pod whose name is taken comes back `taken` and takes no room; one whose
 * namespace is missing or not Active comes back with `ns_status` and takes none either (the
 * check a creation makes first, done here so it costs no round trip of its own).
 */
export const BIND_AND_INSERT_PODS = `WITH input AS (
     SELECT * FROM json_to_recordset($1) AS w(idx int, node_id int, name text, ns text, cpu int, mem int, algo text, msg text,
                                              d_algo text, d_reason text, d_detail jsonb,
                                              labels jsonb, annotations jsonb, scheduling jsonb, uc boolean, owners jsonb, gen text,
                                              policy text)),
   refused AS (
     SELECT i.idx, i.name, i.ns, coalesce(n.status, 'missing') AS status
       FROM input i LEFT JOIN namespaces n ON n.name = i.ns
      WHERE n.name IS NULL OR n.status <> 'Active'),
   taken AS (
     SELECT i.idx, i.name, i.ns FROM input i
      WHERE EXISTS (SELECT 1 FROM pods p WHERE p.namespace = i.ns AND p.name = i.name)
        AND NOT EXISTS (SELECT 1 FROM refused r WHERE r.idx = i.idx)),
   want AS (
     SELECT * FROM input i WHERE NOT EXISTS (SELECT 1 FROM taken t WHERE t.idx = i.idx)
                             AND NOT EXISTS (SELECT 1 FROM refused r WHERE r.idx = i.idx)),
   per_node AS (
     SELECT node_id, sum(cpu)::int AS cpu, sum(mem)::int AS mem, count(*)::int AS n, bool_and(uc) AS uc
       FROM want GROUP BY node_id),
   bound AS (
     UPDATE nodes SET cpu_allocated_m = cpu_allocated_m + p.cpu,
                      memory_allocated_mb = memory_allocated_mb + p.mem,
                      ip_seq = ip_seq + p.n, pods_version = pods_version + p.n
       FROM per_node p
      WHERE nodes.id = p.node_id AND ${bindable('p.uc')}
        AND cpu_allocated_m + p.cpu <= cpu_total_m
        AND (memory_total_mb IS NULL OR memory_allocated_mb + p.mem <= memory_total_mb)
      RETURNING nodes.id, nodes.name, nodes.ip_seq - p.n AS seq0,
                nodes.pods_version - p.n AS version0),
   placed AS (
     SELECT w.*, b.name AS node_name,
            b.seq0 + row_number() OVER (PARTITION BY w.node_id ORDER BY w.idx) AS seq,
            b.version0 + row_number() OVER (PARTITION BY w.node_id ORDER BY w.idx) AS version
       FROM want w JOIN bound b ON b.id = w.node_id),
   pod AS (
     INSERT INTO pods (name, namespace, status, node_id, ip, cpu_req_m, memory_req_mb, scheduler_algorithm,
                       labels, annotations, scheduling, owner_references, generate_name, scheduled_at, spec_version,
                       restart_policy)
     SELECT name, ns, 'scheduled', node_id,
            '10.244.' || (node_id % 256) || '.' || (2 + (seq - 1) % 253), cpu, mem, algo,
            labels, annotations, scheduling, owners, gen, now(), version, policy
       FROM placed ORDER BY idx
     RETURNING id, name, namespace, ip, node_id, created_at, scheduled_at),
   c AS (
     INSERT INTO containers (pod_id, name, image, cpu_req_m, memory_req_mb, cpu_limit_m, memory_limit_mb, command, args)
     SELECT pod.id, r.name, r.image, r.cpu, r.mem, r.cpu_limit, r.mem_limit, r.command, r.args
       FROM json_to_recordset($2) AS r(pod text, ns text, name text, image text, cpu int, mem int, cpu_limit int, mem_limit int, command jsonb, args jsonb)
       JOIN pod ON pod.name = r.pod AND pod.namespace = r.ns),
   v AS (
     INSERT INTO volumes (pod_id, name, type, size_gb, path)
     SELECT pod.id, r.name, r.type, r.size, r.path
       FROM json_to_recordset($3) AS r(pod text, ns text, name text, type text, size float8, path text)
       JOIN pod ON pod.name = r.pod AND pod.namespace = r.ns),
   ci AS (
     INSERT INTO config_items (pod_id, name, type, key, value)
     SELECT pod.id, r.name, r.type, r.key, r.value
       FROM json_to_recordset($4) AS r(pod text, ns text, name text, type text, key text, value text)
       JOIN pod ON pod.name = r.pod AND pod.namespace = r.ns),
   sd AS (
     INSERT INTO scheduling_decisions (pod_id, trigger, algorithm, node_name, reason, detail)
     SELECT pod.id, 'create', placed.d_algo, placed.node_name, placed.d_reason, placed.d_detail
       FROM pod JOIN placed ON placed.name = pod.name AND placed.ns = pod.namespace
      WHERE placed.d_algo IS NOT NULL),
   ev AS (
     INSERT INTO events (type, reason, object, message, namespace)
     SELECT 'Normal', 'Scheduled', 'pod/' || name, msg, ns FROM placed ORDER BY idx
     RETURNING id, object, message, namespace, created_at)
   SELECT pod.id, pod.name::text, pod.namespace::text AS ns, pod.ip::text, pod.node_id, placed.node_name::text, pod.created_at,
          pod.scheduled_at, ev.id AS event_id, ev.object::text AS event_object,
          ev.message AS event_message, ev.created_at AS event_at, false AS taken, NULL::text AS ns_status
     FROM pod JOIN placed ON placed.name = pod.name AND placed.ns = pod.namespace
     JOIN ev ON ev.object = 'pod/' || pod.name AND ev.namespace = pod.namespace
   UNION ALL
   SELECT NULL, name, ns, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, NULL FROM taken
   UNION ALL
   SELECT NULL, name, ns, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, status::text FROM refused`;

/** The statement's four parameters; the decisions go in only when `withDecisions`. */
export function bindAndInsertParams(placements: Placement[], withDecisions: boolean): unknown[] {
  const want = placements.map(({ pod, nodeId, event, decision: given }, idx) => {
    const decision = withDecisions ? given : undefined;
    return {
      idx,
      node_id: nodeId,
      name: pod.name,
      ns: pod.namespace ?? 'default',
      cpu: pod.cpuReqM,
      mem: pod.memoryReqMb,
      algo: pod.schedulerAlgorithm,
      msg: event,
      d_algo: decision?.algorithm ?? null,
      d_reason: decision?.reason ?? null,
      d_detail: decision?.detail ?? null,
      labels: pod.labels ?? {},
      annotations: pod.annotations ?? {},
      scheduling: pod.constraints ?? null,
      uc: toleratesCordon(pod.constraints),
      owners: pod.ownerReferences ?? [],
      gen: pod.generateName ?? null,
      policy: pod.restartPolicy ?? 'Always',
    };
  });
  const parts = <T>(pick: (pod: NewPod) => T[], shape: (item: T) => object) =>
    JSON.stringify(
      placements.flatMap(({ pod }) =>
        pick(pod).map((item) => ({
          pod: pod.name,
          ns: pod.namespace ?? 'default',
          ...shape(item),
        })),
      ),
    );
  return [
    JSON.stringify(want),
    parts((pod) => pod.containers, containerColumns),
    parts(
      (pod) => pod.volumes,
      (v) => ({ name: v.name, type: v.type, size: v.sizeGb, path: v.path }),
    ),
    parts(
      (pod) => pod.config,
      (c) => ({ name: c.name, type: c.type, key: c.key, value: c.value }),
    ),
  ];
}
