import { viewTaints } from '../taints';
import { NodeView, Taint } from '../types';

/** A healthy 4-core, 8 GiB worker for the strategies' specs, with what a case changes. */
export const nodeView = (
  id: number,
  extra: Partial<NodeView> = {},
  taints: Taint[] = [],
): NodeView => ({
  id,
  name: `n${id}`,
  nodeType: 'worker',
  healthStatus: 'healthy',
  cordoned: false,
  kubelet: 'running',
  containerRuntime: 'running',
  cpuTotalM: 4000,
  cpuAllocatedM: 0,
  memoryTotalMb: 8192,
  memoryAllocatedMb: 0,
  labels: {},
  ...viewTaints(taints),
  ...extra,
});
