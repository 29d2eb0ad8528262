import type Docker from 'dockerode';
import { AgentSpec } from '../runtimes/node-runtime';

export const LABEL_MANAGED = 'kubesim.managed';
/** which kubesim cluster (database) a container belongs to: several may share an engine */
export const LABEL_CLUSTER = 'kubesim.cluster';
export const LABEL_NODE_ID = 'kubesim.node.id';
export const LABEL_NODE_NAME = 'kubesim.node.name';
export const CONTAINER_PREFIX = 'kubesim-node-';

/** the agent's own process needs this much, whatever size the simulated node has */
const MIN_MEMORY_BYTES = 128 * 1024 * 1024;
/** where the agent keeps its pods' files: node-simulator/Dockerfile makes it and gives it to user node */
const CONTAINER_DATA_DIR = '/var/lib/kubesim-node';

/** What a node's container is made from, besides the agent's own spec. */
export interface NodeContainerSettings {
  nodeImage: string;
  /** a network name, or `host` */
  network: string;
  apiUrl: string;
  heartbeatIntervalMs: number;
  /** the engine's host: containers never ask for more */
  hostCpus: number;
  hostMemoryBytes: number;
  /** this cluster's id: only its own containers are reconciled and watched */
  clusterId: string;
}

export function containerName(nodeName: string): string {
  return `${CONTAINER_PREFIX}${nodeName}`;
}

/** Docker label filters (all must match) for the containers of this cluster. */
export function clusterLabels(clusterId: string): string[] {
  return [`${LABEL_MANAGED}=true`, `${LABEL_CLUSTER}=${clusterId}`];
}

/**
 * The container of a node's agent: `kubesim-node-<name>`, labelled with the cluster and the
 * node's id and name, the agent's environment, and the node's size within the host's.
 */
export function nodeContainerSpec(
  spec: AgentSpec,
  settings: NodeContainerSettings,
): Docker.ContainerCreateOptions {
  const { network, hostCpus, hostMemoryBytes } = settings;
  const cpus = Math.min(spec.cpuCores, hostCpus);
  const memory = spec.memoryMb
    ? Math.min(Math.max(spec.memoryMb * 1024 * 1024, MIN_MEMORY_BYTES), hostMemoryBytes)
    : 0;
  return {
    name: containerName(spec.name),
    Image: settings.nodeImage,
    Labels: {
      [LABEL_MANAGED]: 'true',
      [LABEL_CLUSTER]: settings.clusterId,
      [LABEL_NODE_ID]: String(spec.id),
      [LABEL_NODE_NAME]: spec.name,
    },
    Env: [
      `NODE_ID=${spec.id}`,
      `NODE_NAME=${spec.name}`,
      `NODE_TYPE=${spec.nodeType}`,
      `API_SERVER=${settings.apiUrl}`,
      `NODE_TOKEN=${spec.token}`,
      `CPU_CORES=${spec.cpuCores}`,
      `HEARTBEAT_INTERVAL_MS=${settings.heartbeatIntervalMs}`,
      `DATA_DIR=${CONTAINER_DATA_DIR}`,
    ],
    HostConfig: {
      NanoCpus: Math.max(1, Math.round(cpus * 1e9)),
      ...(memory ? { Memory: Math.round(memory) } : {}),
      NetworkMode: network,
      RestartPolicy: { Name: 'no' },
      Init: false,
    },
  };
}
