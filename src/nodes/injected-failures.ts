import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';

/**
 * When a failure was injected into each node (`simulate/failure`), until its next restart:
 * the health monitor takes such a node's silence for no connectivity doubt. The replica that
 * injected it tells the others, so the one that runs the monitor knows it too.
 */
@Injectable()
export class InjectedFailures {
  private readonly at = new Map<number, number>();

  constructor(@Optional() private readonly channel?: ReplicaChannel) {
    channel?.on<[number, number | null]>('injected', ([nodeId, at]) => {
      if (at === null) this.at.delete(Number(nodeId));
      else this.at.set(Number(nodeId), Number(at));
    });
  }

  injected(nodeId: number, at = Date.now()): void {
    this.at.set(nodeId, at);
    void this.channel?.send({ kind: 'injected', data: [nodeId, at] });
  }

  /** The node was restarted or removed: a later silence is a silence again. */
  clear(nodeId: number): void {
    if (!this.at.delete(nodeId)) return;
    void this.channel?.send({ kind: 'injected', data: [nodeId, null] });
  }

  injectedAt(nodeId: number): number | undefined {
    return this.at.get(nodeId);
  }
}
