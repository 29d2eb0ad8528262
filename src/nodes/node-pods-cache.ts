import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';
import { PodAssignmentDto } from './dto/node-response.dto';

/** A pod bound to a node, as its answers carry it. */
export interface PodEntry {
  id: number;
  name: string;
  /** the node's pods_version when the pod's assignment last changed */
  specVersion: number;
  /** null when it cannot be delivered (it was marked failed with the reason) */
  assignment: PodAssignmentDto | null;
  /** its assignment's size as JSON */
  bytes: number;
}

/** What a node must run at one pods_version. */
export interface NodePods {
  version: number;
  /** by id */
  entries: PodEntry[];
}

/**
 * Each node's pods at the last version read, which its answers are built from while the
 * version holds, and which of them the node reported running and are recorded as such
 * (known afresh at each new version).
 */
@Injectable()
export class NodePodsCache {
  private readonly pods = new Map<number, NodePods>();
  private readonly running = new Map<number, Set<number>>();

  constructor(@Optional() channel?: ReplicaChannel) {
    channel?.onResync(() => this.pods.clear());
  }

  /** The node's pods if they were read at this version. */
  at(nodeId: number, version: number): NodePods | undefined {
    const hit = this.pods.get(nodeId);
    return hit && hit.version === version ? hit : undefined;
  }

  /** The node's pods at whatever version was read last (their unchanged specs are reused). */
  last(nodeId: number): NodePods | undefined {
    return this.pods.get(nodeId);
  }

  cache(nodeId: number, pods: NodePods): void {
    this.pods.set(nodeId, pods);
    this.running.delete(nodeId);
  }

  /** The reported-running pods not yet known to be recorded as running. */
  newlyRunning(nodeId: number, reported: number[]): number[] {
    const known = this.running.get(nodeId);
    return known ? reported.filter((id) => !known.has(id)) : reported;
  }

  markRunning(nodeId: number, ids: number[], failed: number[]): void {
    let known = this.running.get(nodeId);
    if (!known) this.running.set(nodeId, (known = new Set()));
    for (const id of ids) known.add(id);
    for (const id of failed) known.delete(id);
  }

  drop(nodeId: number): void {
    this.pods.delete(nodeId);
    this.running.delete(nodeId);
  }
}
