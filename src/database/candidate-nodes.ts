import { viewTaints } from '../scheduler/strategies/taints';
import { NodeView, Taint } from '../scheduler/strategies/types';

/** The nodes as the scheduler ranks them, and the database's own check of a node that may take pods. */

/**
 * A node that may take pods: the database's own check, whatever the caller ranked.
 * `cordonOk` is the SQL of whether the pod tolerates a cordon (a DaemonSet's pods do).
 */
export const bindable = (
  cordonOk: string,
) => `health_status = 'healthy' AND (NOT cordoned OR ${cordonOk})
  AND node_type = 'worker'
  AND components->>'kubelet' = 'running' AND components->>'container_runtime' = 'running'`;

export const NODE_VIEW_SELECT = `
  SELECT id, name, node_type, health_status, cordoned, cpu_total_m, cpu_allocated_m,
         memory_total_mb, memory_allocated_mb, labels, taints,
         COALESCE(components->>'kubelet', 'unknown') AS kubelet,
         COALESCE(components->>'container_runtime', 'unknown') AS container_runtime
    FROM nodes`;

export interface NodeViewRow {
  id: number;
  name: string;
  node_type: 'worker' | 'master';
  health_status: string;
  cordoned: boolean;
  cpu_total_m: number;
  cpu_allocated_m: number;
  memory_total_mb: number | null;
  memory_allocated_mb: number;
  labels: Record<string, string> | null;
  taints: Taint[] | null;
  kubelet: string;
  container_runtime: string;
}

/**
 * Each node's taints are worded here, once per read, so placements never build strings.
 * A plain literal, every field named: an object made by spreading (`{...viewTaints(…), …}`)
 * made each property read of a placement's node checks about 17× slower in V8.
 */
export const toNodeView = (r: NodeViewRow): NodeView => {
  const { taints, hardTaints } = viewTaints(r.taints);
  return {
    taints,
    hardTaints,
    labels: r.labels ?? {},
    id: r.id,
    name: r.name,
    nodeType: r.node_type,
    healthStatus: r.health_status,
    cordoned: r.cordoned,
    kubelet: r.kubelet,
    containerRuntime: r.container_runtime,
    cpuTotalM: r.cpu_total_m,
    cpuAllocatedM: r.cpu_allocated_m,
    memoryTotalMb: r.memory_total_mb,
    memoryAllocatedMb: r.memory_allocated_mb,
  };
};
