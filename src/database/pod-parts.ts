import { millisToCores } from '../common/units';
import { ContainerRecord, NewPod, VolumeRecord } from './records';

/** A stored container as the wire shows it (CPU in cores), in the API and to agents alike. */
export function containerSpec(c: ContainerRecord) {
  return {
    name: c.name,
    image: c.image,
    cpu_req: millisToCores(c.cpu_req_m),
    memory_req: c.memory_req_mb,
    // only when given: most pods have none, and agents read these too
    ...(c.cpu_limit_m != null ? { cpu_limit: millisToCores(c.cpu_limit_m) } : {}),
    ...(c.memory_limit_mb != null ? { memory_limit: c.memory_limit_mb } : {}),
    command: c.command,
    args: c.args,
  };
}

export function volumeSpec(v: VolumeRecord) {
  return { name: v.name, type: v.type, size: v.size_gb, path: v.path };
}

/** A new container as the insert statements read it from json_to_recordset. */
export function containerColumns(c: NewPod['containers'][number]) {
  return {
    name: c.name,
    image: c.image,
    cpu: c.cpuReqM,
    mem: c.memoryReqMb,
    // absent keys are NULL to json_to_recordset: no limit given
    ...(c.cpuLimitM != null ? { cpu_limit: c.cpuLimitM } : {}),
    ...(c.memoryLimitMb != null ? { mem_limit: c.memoryLimitMb } : {}),
    command: c.command,
    args: c.args,
  };
}
