import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';

/**
 * The heartbeat token hashes already read from the database, by node id. A token replaced
 * on any replica is forgotten on every one (or the old token would still be taken there).
 */
@Injectable()
export class TokenHashCache {
  private readonly hashes = new Map<number, string>();

  constructor(@Optional() private readonly channel?: ReplicaChannel) {
    channel?.on<number>('forget-token', (id) => this.hashes.delete(Number(id)));
    channel?.onResync(() => this.hashes.clear());
  }

  get(nodeId: number): string | undefined {
    return this.hashes.get(nodeId);
  }

  set(nodeId: number, hash: string): void {
    this.hashes.set(nodeId, hash);
  }

  /** The node's token was replaced: its next request reads the new hash, here and on the other replicas. */
  forget(nodeId: number): void {
    this.hashes.delete(nodeId);
    void this.channel?.send({ kind: 'forget-token', data: nodeId });
  }

  /** Here only (the node is forgotten as a whole). */
  drop(nodeId: number): void {
    this.hashes.delete(nodeId);
  }
}
