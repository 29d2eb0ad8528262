import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';

/** What a node's beat must match to be routine. */
export interface RoutineState {
  name: string;
  components: string;
  version: number;
}

/**
 * Nodes whose routine heartbeats may skip the database: healthy, with these components,
 * at this pods_version. Anything else about the node ends it.
 */
@Injectable()
export class RoutineBeats {
  private readonly routine = new Map<number, RoutineState>();

  constructor(@Optional() channel?: ReplicaChannel) {
    channel?.onResync(() => this.routine.clear());
  }

  state(nodeId: number): RoutineState | undefined {
    return this.routine.get(nodeId);
  }

  set(nodeId: number, state: RoutineState): void {
    this.routine.set(nodeId, state);
  }

  /** The next heartbeat of this node (or of all) goes to the database again. */
  end(nodeId?: number): void {
    if (nodeId === undefined) this.routine.clear();
    else this.routine.delete(nodeId);
  }
}
