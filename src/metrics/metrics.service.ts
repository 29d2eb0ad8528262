import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus registry and kubesim's own instruments. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly nodesByStatus = new Gauge({
    name: 'kubesim_nodes',
    help: 'Nodes by health status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly podsByStatus = new Gauge({
    name: 'kubesim_pods',
    help: 'Pods by status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly schedulingSeconds = new Histogram({
    name: 'kubesim_scheduling_duration_seconds',
    help: 'Time to place one pod (rank candidates and bind in the database)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly podsScheduled = new Counter({
    name: 'kubesim_pods_scheduled_total',
    help: 'Pods bound to a node',
    labelNames: ['via'],
    registers: [this.registry],
  });
  readonly heartbeats = new Counter({
    name: 'kubesim_heartbeats_total',
    help: 'Heartbeats received',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly heartbeatSeconds = new Histogram({
    name: 'kubesim_heartbeat_duration_seconds',
    help: 'Time to process one heartbeat',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly nodeFailures = new Counter({
    name: 'kubesim_node_failures_detected_total',
    help: 'Nodes declared failed by the health monitor',
    registers: [this.registry],
  });
  readonly detectionDelaySeconds = new Histogram({
    name: 'kubesim_failure_detection_delay_seconds',
    help: "Time from a node's last heartbeat to it being declared failed",
    buckets: [1, 2, 5, 10, 15, 16, 17, 20, 30, 60],
    registers: [this.registry],
  });
  readonly nodeRestarts = new Counter({
    name: 'kubesim_node_restarts_total',
    help: 'Agent restarts issued by the health monitor',
    registers: [this.registry],
  });
  readonly podsRescheduled = new Counter({
    name: 'kubesim_pods_rescheduled_total',
    help: 'Pods moved off a failed, stopped or deleted node',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kubesim_process_' });
  }
}
