import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';
import { IpcRequests } from '../common/ipc-requests';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** A worker's question to its primary for every worker's metrics, and the answer. */
export interface MetricsRequest {
  kubesim: 'metrics-request';
  id: number;
}
export interface MetricsReply {
  kubesim: 'metrics-reply';
  id: number;
  text?: string;
  error?: string;
}

/**
 * The Prometheus registry and kubesim's own instruments. With KUBESIM_WORKERS above 1 each
 * worker counts its own requests, and `/metrics` answers for all of them: the answering
 * worker asks the primary, which gathers every worker's registry (prom-client's
 * AggregatorRegistry: counters and histograms summed, what every worker sees alike once).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly nodesByStatus = new Gauge({
    name: 'kubesim_nodes',
    help: 'Nodes by health status',
    labelNames: ['status'],
    // read from the database by the worker that answers (not the sum of every worker's last read)
    aggregator: 'omit',
    registers: [this.registry],
  });
  readonly podsByStatus = new Gauge({
    name: 'kubesim_pods',
    help: 'Pods by status',
    labelNames: ['status'],
    aggregator: 'omit',
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

  /** how long the primary may take to gather every worker's registry */
  private readonly requests = new IpcRequests<MetricsReply>((m) => process.send!(m), 6000);

  constructor(@Optional() @Inject(APP_CONFIG) private readonly config?: AppConfig) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kubesim_process_' });
    if (!this.workers) return;
    // answer the primary's gathering with this registry (the constructor adds the listener)
    AggregatorRegistry.setRegistries([this.registry]);
    new AggregatorRegistry();
    process.on('message', (m: MetricsReply) => {
      if (m?.kubesim === 'metrics-reply') this.requests.receive(m);
    });
  }

  private get workers(): boolean {
    return !!this.config && this.config.workerRole !== 'single' && !!process.send;
  }

  /** The text /metrics answers: this process's, or every worker's gathered by the primary. */
  async text(): Promise<string> {
    if (!this.workers) return this.registry.metrics();
    const reply = await this.requests.ask(
      (id) => ({ kubesim: 'metrics-request', id }) satisfies MetricsRequest,
      () => new Error("the workers' metrics could not be gathered: no answer"),
    );
    if (reply.text === undefined)
      throw new Error(`the workers' metrics could not be gathered: ${reply.error}`);
    // the cluster's counts as this worker just read them
    const own = await Promise.all(
      ['kubesim_nodes', 'kubesim_pods'].map((name) => this.registry.getSingleMetricAsString(name)),
    );
    return `${reply.text.trimEnd()}\n${own.join('\n')}\n`;
  }
}
