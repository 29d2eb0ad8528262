import { BeforeApplicationShutdown, Injectable, Optional } from '@nestjs/common';
import { Subject } from 'rxjs';
import { ReplicaChannel } from '../database/replica-channel';

export interface ClusterEvent {
  id: string;
  type: 'Normal' | 'Warning';
  reason: string;
  object: string;
  message: string;
  /** its pod's namespace; `default` for node and cluster events */
  namespace: string;
  created_at: string;
}

export interface HeartbeatSample {
  node_id: number;
  node_name: string;
  at: string;
  cpu_usage: number;
  latency_ms: number;
  health_status: string;
}

export type BusMessage =
  { kind: 'event'; data: ClusterEvent } | { kind: 'heartbeat'; data: HeartbeatSample };

/**
 * What the live stream (/events/stream) and the Kubernetes watches hear: cluster events and
 * heartbeats, from this replica and, through the `ReplicaChannel`, from the others on the same
 * database (a node's heartbeats, at most one a second, while another replica is there).
 */
@Injectable()
export class ClusterBus implements BeforeApplicationShutdown {
  readonly messages = new Subject<BusMessage>();
  /** fires once on shutdown: open streams end, or the HTTP server would wait for them */
  readonly closing = new Subject<void>();

  constructor(@Optional() private readonly channel?: ReplicaChannel) {
    channel?.on<ClusterEvent>('event', (data) => this.messages.next({ kind: 'event', data }));
    channel?.on<HeartbeatSample>('heartbeat', (data) =>
      this.messages.next({ kind: 'heartbeat', data }),
    );
  }

  beforeApplicationShutdown(): void {
    this.closing.next();
    this.closing.complete();
  }

  publish(message: BusMessage): void {
    this.messages.next(message);
    if (!this.channel) return;
    if (message.kind === 'event' || this.channel.mayShare(`beat:${message.data.node_id}`))
      void this.channel.send({ kind: message.kind, data: message.data });
  }
}
