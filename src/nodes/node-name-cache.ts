import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';

/** Node names already resolved to ids, so a beat addressed by name costs what one by id does. */
@Injectable()
export class NodeNameCache {
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();

  constructor(@Optional() channel?: ReplicaChannel) {
    channel?.onResync(() => {
      this.ids.clear();
      this.names.clear();
    });
  }

  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  remember(nodeId: number, name: string): void {
    const previous = this.names.get(nodeId);
    if (previous !== undefined && previous !== name) this.ids.delete(previous);
    this.names.set(nodeId, name);
    this.ids.set(name, nodeId);
  }

  drop(nodeId: number): void {
    const name = this.names.get(nodeId);
    if (name !== undefined && this.ids.get(name) === nodeId) this.ids.delete(name);
    this.names.delete(nodeId);
  }
}
