import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from './replica-channel';

/**
 * Who is told when the store changes which nodes may take pods, or a node's pods: the
 * scheduler's node cache, the routine heartbeat state and the agents' assignment watches.
 * The repositories call `nodesChanged` / `podsChanged` after a write of theirs; the other
 * replicas on the same database hear of it through the `ReplicaChannel` and tell their own
 * listeners, so what they keep in memory follows the database.
 */
@Injectable()
export class StoreChanges {
  private readonly nodeListeners: Array<(nodeIds?: readonly number[]) => void> = [];
  private readonly podListeners: Array<(nodeId: number) => void> = [];

  constructor(@Optional() private readonly channel?: ReplicaChannel) {
    channel?.on('nodes', () => this.tellNodes());
    channel?.on<number[]>('pods', (ids) => {
      for (const id of Array.isArray(ids) ? ids : []) this.tellPods(Number(id));
    });
    // cut off for a while: every node's next beat is checked in full
    channel?.onResync(() => this.tellNodes());
  }

  /**
   * Called whenever which nodes may take pods changes (status, cordon, set of nodes), with
   * the nodes that changed when the writer knows them (else any may have).
   */
  onNodesChanged(listener: (nodeIds?: readonly number[]) => void): void {
    this.nodeListeners.push(listener);
  }

  /** Called when a node's pods change (its pods_version rises). */
  onPodsChanged(listener: (nodeId: number) => void): void {
    this.podListeners.push(listener);
  }

  /** `nodeIds`: the only nodes that changed, when the writer knows them. */
  nodesChanged(nodeIds?: readonly number[]): void {
    this.tellNodes(nodeIds);
    void this.channel?.send({ kind: 'nodes' });
  }

  podsChanged(nodeId: number): void {
    this.tellPods(nodeId);
    void this.channel?.send({ kind: 'pods', data: [nodeId] });
  }

  private tellNodes(nodeIds?: readonly number[]): void {
    for (const listener of this.nodeListeners) listener(nodeIds);
  }

  private tellPods(nodeId: number): void {
    for (const listener of this.podListeners) listener(nodeId);
  }
}
