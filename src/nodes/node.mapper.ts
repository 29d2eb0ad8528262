import { millisToCores, podCidr } from '../common/units';
import { NodeRecord } from '../database/records';
import { NodeResponseDto } from './dto/node-response.dto';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

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
    cpu_cores_used: millisToCores(n.cpu_used_m),
    memory_mb: n.memory_total_mb,
    memory_mb_allocated: n.memory_allocated_mb,
    labels: n.labels ?? {},
    pod_cidr: podCidr(n.id),
    components: n.components ?? {},
    last_heartbeat_at: iso(n.last_heartbeat_at),
    recovery_attempts: n.recovery_attempts,
    pod_count: n.pod_count ?? 0,
    runtime: n.runtime,
    created_at: iso(n.created_at)!,
    updated_at: iso(n.updated_at)!,
  };
}
