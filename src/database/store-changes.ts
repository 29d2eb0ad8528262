import { Injectable } from '@nestjs/common';

/**
 * Who is told when the store changes which nodes may take pods, or a node's pods: the
 * scheduler's node cache, the routine heartbeat state and the agents' assignment watches.
 * The repositories call `nodesChanged` / `podsChanged` after a write of theirs.
 */
@Injectable()
export class StoreChanges {
  private readonly nodeListeners: Array<() => void> = [];
  private readonly podListeners: Array<(nodeId: number) => void> = [];

  /** Called whenever which nodes may take pods changes (status, cordon, set of nodes). */
  onNodesChanged(listener: () => void): void {
    this.nodeListeners.push(listener);
  }

  /** Called when a node's pods change (its pods_version rises). */
  onPodsChanged(listener: (nodeId: number) => void): void {
    this.podListeners.push(listener);
  }

  nodesChanged(): void {
    for (const listener of this.nodeListeners) listener();
  }

  podsChanged(nodeId: number): void {
    for (const listener of this.podListeners) listener(nodeId);
  }
}
