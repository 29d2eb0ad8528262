import { millisToCores } from '../common/units';
import { ContainerRecord, VolumeRecord } from './records';

/** A stored container as the wire shows it (CPU in cores), in the API and to agents alike. */
export function containerSpec(c: ContainerRecord) {
  return {
    name: c.name,
    image: c.image,
    cpu_req: millisToCores(c.cpu_req_m),
    memory_req: c.memory_req_mb,
    command: c.command,
    args: c.args,
  };
}

export function volumeSpec(v: VolumeRecord) {
  return { name: v.name, type: v.type, size: v.size_gb, path: v.path };
}
