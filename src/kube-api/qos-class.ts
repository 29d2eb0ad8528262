import { ContainerRecord } from '../database/records';

export type ContainerResources = Pick<
  ContainerRecord,
  'cpu_req_m' | 'memory_req_mb' | 'cpu_limit_m' | 'memory_limit_mb'
>;

/**
 * Kubernetes' QoS class: Guaranteed when every container has cpu and memory limits equal to
 * its requests, BestEffort when none has a request or a limit, else Burstable.
 */
export function qosClass(
  containers: ContainerResources[],
): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const guaranteed =
    containers.length > 0 &&
    containers.every(
      (c) =>
        c.cpu_limit_m != null &&
        c.memory_limit_mb != null &&
        c.cpu_limit_m === c.cpu_req_m &&
        c.memory_limit_mb === c.memory_req_mb,
    );
  if (guaranteed) return 'Guaranteed';
  const any = containers.some(
    (c) =>
      c.cpu_req_m > 0 || c.memory_req_mb > 0 || c.cpu_limit_m != null || c.memory_limit_mb != null,
  );
  return any ? 'Burstable' : 'BestEffort';
}
