import { millisToCores, podCidr } from '../common/units';
import { NodeRecord } from '../database/records';
import { NodeResponseDto } from './dto/node-response.dto';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Statuses in which a node's agent is heartbeating: only then are its reports current. */
export const REPORTING_STATUSES: readonly string[] = ['pending', 'healthy'];

/**
 * What a node's agent last reported, or, once it is silent (not ready, failed, stopped…),
 * each of its components `unknown`: its last word is no longer news.
 */
export function reportedComponents(n: NodeRecord): Record<string, string> {
  const components = n.components ?? {};
  if (REPORTING_STATUSES.includes(n.health_status)) return components;
  return Object.fromEntries(Object.keys(components).map((name) => [name, 'unknown']));
}

export function toNodeResponse(n: NodeRecord): NodeResponseDto {
  return {
    id: n.id,
    name: n.name,
    node_type: n.node_type,
    health_status: n.health_status,
    cordoned: n.cordoned,
    cpu_cores_total: millisToCores(n.cpu_total_m),
    cpu_cores_allocated: millisToCores(n.cpu_allocated_m),
    cpu_cores_avail: millisToCores(n.cpu_total_m - n.cpu_allocated_m),
    // a node that is not heartbeating uses nothing anyone could see
    cpu_cores_used: REPORTING_STATUSES.includes(n.health_status) ? millisToCores(n.cpu_used_m) : 0,
    memory_mb: n.memory_total_mb,
    memory_mb_allocated: n.memory_allocated_mb,
    labels: n.labels ?? {},
    taints: n.taints ?? [],
    pod_cidr: podCidr(n.id),
    components: reportedComponents(n),
    last_heartbeat_at: iso(n.last_heartbeat_at),
    recovery_attempts: n.recovery_attempts,
    pod_count: n.pod_count ?? 0,
    runtime: n.runtime,
    created_at: iso(n.created_at)!,
    updated_at: iso(n.updated_at)!,
  };
}
