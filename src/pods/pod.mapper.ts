import { constraintsToManifest } from '../scheduler/strategies/pod-constraints';
import { REDACTED } from '../common/secret-box';
import { millisToCores } from '../common/units';
import { containerSpec, volumeSpec } from '../database/pod-parts';
import { PodRecord } from '../database/records';
import {
  ContainerResponseDto,
  PodResponseDto,
  TerminatedResponseDto,
} from './dto/pod-response.dto';

/** A pod's constraints under the REST API's names, in Kubernetes' shapes; nothing when none. */
function schedulingFields(c: PodRecord['scheduling']) {
  const m = constraintsToManifest(c);
  return {
    ...(m.nodeSelector ? { node_selector: m.nodeSelector } : {}),
    ...(m.tolerations
      ? { tolerations: m.tolerations as unknown as Array<Record<string, unknown>> }
      : {}),
    ...(m.affinity ? { affinity: m.affinity as unknown as Record<string, unknown> } : {}),
  };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The agent's account of a container beyond its status, where it has one. */
function containerDetail(state: Record<string, unknown> | null): Partial<ContainerResponseDto> {
  if (!state) return {};
  const out: Partial<ContainerResponseDto> = {};
  if (typeof state.ready === 'boolean') out.ready = state.ready;
  if (state.terminated) out.terminated = state.terminated as TerminatedResponseDto;
  if (typeof state.waiting_reason === 'string') out.waiting_reason = state.waiting_reason;
  if (state.last_terminated) out.last_terminated = state.last_terminated as TerminatedResponseDto;
  return out;
}

/** A pod as the API shows it: secret values never leave the server this way. */
export function toPodResponse(p: PodRecord): PodResponseDto {
  return {
    id: p.id,
    name: p.name,
    namespace: p.namespace,
    status: p.status,
    node_id: p.node_id,
    node_name: p.node_name,
    reason: p.status === 'pending' || p.status === 'failed' ? p.reason : null,
    ip: p.ip,
    cpu_cores_req: millisToCores(p.cpu_req_m),
    memory_mb_req: p.memory_req_mb,
    ...schedulingFields(p.scheduling),
    scheduler_algorithm: p.scheduler_algorithm,
    restart_count: p.restart_count,
    restart_policy: p.restart_policy ?? 'Always',
    containers: p.containers.map((c) => ({
      ...containerSpec(c),
      status: c.status,
      restart_count: c.restart_count,
      ...containerDetail(c.state),
    })),
    volumes: p.volumes.map(volumeSpec),
    config: p.config.map((c) => ({
      name: c.name,
      type: c.type,
      key: c.key,
      value: c.type === 'secret' ? REDACTED : c.value,
    })),
    scheduled_at: iso(p.scheduled_at),
    started_at: iso(p.started_at),
    finished_at: iso(p.finished_at ?? null),
    created_at: iso(p.created_at)!,
  };
}
