/**
 * The resources as the kubesim API returns them (JSON, snake_case): named views of the
 * schemas generated from the committed OpenAPI document (cli/generated/kubesim-api.ts,
 * `npm run openapi`), so a server change the CLI does not follow fails to compile.
 */
import type { components } from './generated/kubesim-api';

type Schemas = components['schemas'];

export type NodeView = Schemas['NodeResponseDto'] &
  Partial<Pick<Schemas['NodeDetailDto'], 'pod_ids'>> &
  Partial<Pick<Schemas['CreatedNodeDto'], 'heartbeat_token'>>;
export type NodeStatus = NodeView['health_status'];
export type ComponentStatus = 'running' | 'degraded' | 'stopped' | 'unknown';

export type PodView = Schemas['PodResponseDto'];
export type PodStatus = PodView['status'];
export type ContainerView = Schemas['ContainerResponseDto'];
export type VolumeView = Schemas['VolumeResponseDto'];
export type ConfigView = Schemas['ConfigResponseDto'];

export type EventView = Schemas['EventResponseDto'];

/** GET /cluster; `disruption` is absent from older servers */
export type ClusterView = Omit<Schemas['ClusterSummaryDto'], 'disruption'> &
  Partial<Pick<Schemas['ClusterSummaryDto'], 'disruption'>>;
export type SchedulerView = Schemas['SchedulerResponseDto'];

/** The body of every API error (`error` and `message` may be absent from a proxy's answer). */
export type ApiErrorBody = Pick<Schemas['ErrorResponseDto'], 'statusCode'> &
  Partial<Pick<Schemas['ErrorResponseDto'], 'error' | 'message'>>;

/** One node as a scheduling decision saw it (GET /pods/:id/scheduling). */
export type NodeVerdictView = Schemas['NodeVerdictDto'];
export type SchedulingDecisionView = Schemas['SchedulingDecisionDto'];
export type PodSchedulingView = Schemas['PodSchedulingDto'];

/** GET /nodes/:id/timeline */
export type NodeTimelineView = Schemas['NodeTimelineDto'];
