import type { EventView, NodeView, PodView } from '../api-types';

/** Resources shaped as the API returns them, with what a test cares about overridden. */

export function aNode(overrides: Partial<NodeView> = {}): NodeView {
  return {
    id: 1,
    name: 'worker-1',
    node_type: 'worker',
    health_status: 'healthy',
    cordoned: false,
    cpu_cores_total: 4,
    cpu_cores_allocated: 1.5,
    cpu_cores_avail: 2.5,
    cpu_cores_used: 0.7,
    memory_mb: 2048,
    memory_mb_allocated: 512,
    runtime: 'process',
    labels: { zone: 'a' },
    taints: [],
    pod_cidr: '10.244.1.0/24',
    components: {
      kubelet: 'running',
      container_runtime: 'running',
      kube_proxy: 'running',
      node_agent: 'running',
    },
    last_heartbeat_at: new Date().toISOString(),
    recovery_attempts: 0,
    pod_count: 2,
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    ...overrides,
  };
}

export function aPod(overrides: Partial<PodView> = {}): PodView {
  return {
    id: 7,
    name: 'web',
    namespace: 'default',
    status: 'running',
    node_id: 1,
    node_name: 'worker-1',
    reason: null,
    ip: '10.244.1.5',
    cpu_cores_req: 0.5,
    memory_mb_req: 256,
    scheduler_algorithm: 'best-fit',
    restart_count: 0,
    containers: [
      {
        name: 'web',
        image: 'nginx:latest',
        cpu_req: 0.5,
        memory_req: 256,
        command: [],
        args: [],
        status: 'running',
        restart_count: 0,
      },
    ],
    volumes: [],
    config: [],
    created_at: new Date().toISOString(),
    scheduled_at: new Date().toISOString(),
    started_at: new Date().toISOString(),
    finished_at: null,
    restart_policy: 'Always',
    ...overrides,
  };
}

export function anEvent(overrides: Partial<EventView> = {}): EventView {
  return {
    id: '1',
    type: 'Normal',
    reason: 'NodeRegistered',
    namespace: 'default',
    object: 'node/worker-1',
    message: 'node worker-1 registered with 4 cores',
    created_at: new Date().toISOString(),
    ...overrides,
  };
}
