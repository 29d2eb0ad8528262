import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

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

/** What the live stream (/events/stream) carries: cluster events and heartbeats. */
@Injectable()
export class ClusterBus implements BeforeApplicationShutdown {
  readonly messages = new Subject<BusMessage>();
  /** fires once on shutdown: open streams end, or the HTTP server would wait for them */
  readonly closing = new Subject<void>();

  beforeApplicationShutdown(): void {
    this.closing.next();
    this.closing.complete();
  }

  publish(message: BusMessage): void {
    this.messages.next(message);
  }
}
