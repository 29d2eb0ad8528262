import { NamespaceEntity } from './namespace.entity';
import { NodeEntity } from './node.entity';
import { PodEntity } from './pod.entity';
import { ContainerEntity } from './container.entity';
import { VolumeEntity } from './volume.entity';
import { ConfigItemEntity } from './config-item.entity';
import { EventEntity } from './event.entity';
import { SettingEntity } from './setting.entity';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { SchedulingDecisionEntity } from './scheduling-decision.entity';
import {
  DaemonSetEntity,
  DeploymentEntity,
  HorizontalPodAutoscalerEntity,
  JobEntity,
  ReplicaSetEntity,
} from './workload.entity';
import { ContainerLogEntity } from './container-log.entity';
import { ServiceEntity } from './service.entity';
import { NetworkPolicyEntity } from './network-policy.entity';

export {
  NamespaceEntity,
  NodeEntity,
  PodEntity,
  ContainerEntity,
  VolumeEntity,
  ConfigItemEntity,
  EventEntity,
  SettingEntity,
  IdempotencyKeyEntity,
  SchedulingDecisionEntity,
  ReplicaSetEntity,
  DeploymentEntity,
  HorizontalPodAutoscalerEntity,
  JobEntity,
  DaemonSetEntity,
  ContainerLogEntity,
  ServiceEntity,
  NetworkPolicyEntity,
};

export const ENTITIES = [
  ContainerLogEntity,
  NamespaceEntity,
  NodeEntity,
  PodEntity,
  ContainerEntity,
  VolumeEntity,
  ConfigItemEntity,
  EventEntity,
  SettingEntity,
  IdempotencyKeyEntity,
  SchedulingDecisionEntity,
  ReplicaSetEntity,
  DeploymentEntity,
  HorizontalPodAutoscalerEntity,
  JobEntity,
  DaemonSetEntity,
  ServiceEntity,
  NetworkPolicyEntity,
];
