import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';
import { HeartbeatSamples } from './heartbeat-samples';
import { NodeNameCache } from './node-name-cache';
import { NodePodsCache } from './node-pods-cache';
import { ReportFingerprints } from './report-fingerprints';
import { RoutineBeats } from './routine-beats';
import { TokenHashCache } from './token-hash-cache';

/**
 * Forgets a node in everything the heartbeat path keeps of it in memory, here and, with
 * other replicas on the database, on theirs (a node removed there is forgotten here too).
 */
@Injectable()
export class HeartbeatCaches {
  constructor(
    private readonly samples: HeartbeatSamples,
    private readonly tokens: TokenHashCache,
    private readonly names: NodeNameCache,
    private readonly fingerprints: ReportFingerprints,
    private readonly pods: NodePodsCache,
    private readonly routine: RoutineBeats,
    @Optional() private readonly channel?: ReplicaChannel,
  ) {
    channel?.on<number>('forget-node', (id) => this.forgetHere(Number(id)));
  }

  forget(nodeId: number): void {
    this.forgetHere(nodeId);
    void this.channel?.send({ kind: 'forget-node', data: nodeId });
  }

  private forgetHere(nodeId: number): void {
    this.samples.drop(nodeId);
    this.tokens.drop(nodeId);
    this.names.drop(nodeId);
    this.pods.drop(nodeId);
    this.routine.end(nodeId);
    this.fingerprints.drop(nodeId);
  }
}
