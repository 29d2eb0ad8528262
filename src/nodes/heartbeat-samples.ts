import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';
import type { HeartbeatSample } from '../events/cluster-bus';

export interface Sample {
  at: string;
  cpu_usage: number;
  latency_ms: number;
}

const KEEP = 120;

/**
 * The recent beats of each node, for its graphs and timeline, so a beat costs no extra
 * row: this process's answered beats and, with other replicas on the database, theirs.
 */
@Injectable()
export class HeartbeatSamples {
  private readonly recent = new Map<number, Sample[]>();

  constructor(@Optional() channel?: ReplicaChannel) {
    channel?.on<HeartbeatSample>('heartbeat', (s) =>
      this.add(s.node_id, { at: s.at, cpu_usage: s.cpu_usage, latency_ms: s.latency_ms }),
    );
  }

  add(nodeId: number, sample: Sample): void {
    let list = this.recent.get(nodeId);
    if (!list) this.recent.set(nodeId, (list = []));
    list.push(sample);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  samples(nodeId: number): Sample[] {
    return [...(this.recent.get(nodeId) ?? [])];
  }

  drop(nodeId: number): void {
    this.recent.delete(nodeId);
  }
}
