import { Inject, Injectable, Optional } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ReplicaChannel } from '../database/replica-channel';
import { MetricsService } from '../metrics/metrics.service';
import { UsagePoint, UsageRing } from './usage-ring';

/** samples kept per node (ten minutes of beats at the default 5 s) and per pod (five) */
export const NODE_USAGE_SAMPLES = 120;
export const POD_USAGE_SAMPLES = 60;
/** a series not fed for this long is dropped (its node is gone or silent) */
const FORGET_AFTER_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 60_000;
const MIB = 1024 * 1024;

/** What one heartbeat says about use, as the agent reports it (cores, MiB). */
export interface UsageReport {
  cpu_usage?: number;
  memory_usage?: number;
  pods?: ReadonlyArray<{
    id: number;
    status: string;
    containers: ReadonlyArray<{ name: string; cpu_usage?: number; memory_usage?: number }>;
  }>;
}

export interface ContainerUsage {
  name: string;
  cpu: number;
  memory: number;
}

interface PodSeries {
  ring: UsageRing;
  nodeId: number;
  name: string;
  /** the containers at the latest sample */
  containers: ContainerUsage[];
}

/** One beat's use as another replica passes it on: node, name, cpu, memory, running pods. */
interface SharedUsage {
  n: number;
  name: string;
  c?: number;
  m?: number;
  /** [pod id, pod name, [container, cpu, memory][]] */
  p: Array<[number, string, Array<[string, number | undefined, number | undefined]>]>;
}

interface NodeSeries {
  ring: UsageRing;
  name: string;
  pods: Set<number>;
}

/**
 * The CPU and memory use agents report with their heartbeats, per node and per running pod:
 * a bounded history each (UsageRing), the latest for `kubectl top` and the HorizontalPodAutoscaler,
 * and Prometheus gauges. In memory, as the heartbeat samples are: a replica knows the beats it
 * answered and, while other replicas share the database, theirs through the `ReplicaChannel`
 * (so the autoscaler on the leader sees every node); after a restart history starts again
 * with the next beats.
 */
@Injectable()
export class UsageService {
  private readonly nodes = new Map<number, NodeSeries>();
  private readonly pods = new Map<number, PodSeries>();
  private lastSweepMs = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
    @Optional() private readonly channel?: ReplicaChannel,
  ) {
    channel?.on<SharedUsage>('usage', (u) => {
      const names = new Map(u.p.map(([id, name]) => [id, name]));
      const pods = u.p.map(([id, , containers]) => ({
        id,
        status: 'running',
        containers: containers.map(([name, cpu, memory]) => ({
          name,
          cpu_usage: cpu,
          memory_usage: memory,
        })),
      }));
      this.apply(u.n, u.name, { cpu_usage: u.c, memory_usage: u.m, pods }, (id) => names.get(id));
    });
    // read at each scrape (collect's `this` is the gauge)
    const nodes = () => this.freshNodes();
    const pods = () => this.freshPods();
    new Gauge({
      name: 'kubesim_node_cpu_usage_cores',
      help: "CPU a node's agent reports in use (cores), at its latest heartbeat",
      labelNames: ['node'],
      registers: [metrics.registry],
      // every worker hears every beat: one worker's view is the cluster's
      aggregator: 'first',
      collect() {
        this.reset();
        for (const n of nodes()) this.set({ node: n.name }, n.point.cpu);
      },
    });
    new Gauge({
      name: 'kubesim_node_memory_usage_bytes',
      help: "Memory a node's agent reports in use (bytes), at its latest heartbeat",
      labelNames: ['node'],
      registers: [metrics.registry],
      // every worker hears every beat: one worker's view is the cluster's
      aggregator: 'first',
      collect() {
        this.reset();
        for (const n of nodes()) this.set({ node: n.name }, n.point.memory * MIB);
      },
    });
    new Gauge({
      name: 'kubesim_pod_cpu_usage_cores',
      help: 'CPU a running pod uses (cores), as its node last reported',
      labelNames: ['pod', 'pod_id', 'node'],
      registers: [metrics.registry],
      // every worker hears every beat: one worker's view is the cluster's
      aggregator: 'first',
      collect() {
        this.reset();
        for (const p of pods())
          this.set({ pod: p.name, pod_id: String(p.id), node: p.node }, p.point.cpu);
      },
    });
    new Gauge({
      name: 'kubesim_pod_memory_usage_bytes',
      help: 'Memory a running pod uses (bytes), as its node last reported',
      labelNames: ['pod', 'pod_id', 'node'],
      registers: [metrics.registry],
      // every worker hears every beat: one worker's view is the cluster's
      aggregator: 'first',
      collect() {
        this.reset();
        for (const p of pods())
          this.set({ pod: p.name, pod_id: String(p.id), node: p.node }, p.point.memory * MIB);
      },
    });
  }

  /**
   * Takes one heartbeat's use: a sample for the node and for each pod it runs. A pod the node
   * no longer reports is forgotten (it ended, or moved: its new node starts its series afresh).
   */
  record(
    nodeId: number,
    nodeName: string,
    report: UsageReport,
    podName: (podId: number) => string | undefined,
    nowMs = Date.now(),
  ): void {
    this.apply(nodeId, nodeName, report, podName, nowMs);
    if (!this.channel?.mayShare(`usage:${nodeId}`)) return;
    const shared: SharedUsage = {
      n: nodeId,
      name: nodeName,
      c: report.cpu_usage,
      m: report.memory_usage,
      p: (report.pods ?? [])
        .filter((pod) => pod.status === 'running')
        .map((pod) => [
          pod.id,
          this.pods.get(pod.id)?.name ?? podName(pod.id) ?? `pod-${pod.id}`,
          pod.containers.map((c) => [c.name, c.cpu_usage, c.memory_usage]),
        ]),
    };
    void this.channel.send({ kind: 'usage', data: shared });
  }

  private apply(
    nodeId: number,
    nodeName: string,
    report: UsageReport,
    podName: (podId: number) => string | undefined,
    nowMs = Date.now(),
  ): void {
    let node = this.nodes.get(nodeId);
    if (!node) {
      node = { ring: new UsageRing(NODE_USAGE_SAMPLES), name: nodeName, pods: new Set() };
      this.nodes.set(nodeId, node);
    }
    node.name = nodeName;
    node.ring.push(nowMs, report.cpu_usage ?? 0, report.memory_usage ?? 0);
    const seen = new Set<number>();
    for (const pod of report.pods ?? []) {
      if (pod.status !== 'running') continue;
      seen.add(pod.id);
      let series = this.pods.get(pod.id);
      if (!series || series.nodeId !== nodeId) {
        if (series) this.nodes.get(series.nodeId)?.pods.delete(pod.id);
        series = {
          ring: new UsageRing(POD_USAGE_SAMPLES),
          nodeId,
          name: podName(pod.id) ?? `pod-${pod.id}`,
          containers: [],
        };
        this.pods.set(pod.id, series);
        node.pods.add(pod.id);
      }
      let cpu = 0;
      let memory = 0;
      series.containers = pod.containers.map((c) => {
        cpu += c.cpu_usage ?? 0;
        memory += c.memory_usage ?? 0;
        return { name: c.name, cpu: c.cpu_usage ?? 0, memory: c.memory_usage ?? 0 };
      });
      series.ring.push(nowMs, cpu, memory);
    }
    for (const podId of node.pods) {
      if (seen.has(podId)) continue;
      node.pods.delete(podId);
      if (this.pods.get(podId)?.nodeId === nodeId) this.pods.delete(podId);
    }
    if (nowMs - this.lastSweepMs >= SWEEP_EVERY_MS) this.sweep(nowMs);
  }

  /** A node's samples, oldest first (the last `limit`). */
  nodeSamples(nodeId: number, limit?: number): UsagePoint[] {
    return this.nodes.get(nodeId)?.ring.points(limit) ?? [];
  }

  /** A pod's samples on its current node, oldest first (the last `limit`). */
  podSamples(podId: number, limit?: number): UsagePoint[] {
    return this.pods.get(podId)?.ring.points(limit) ?? [];
  }

  /** A node's latest sample while it is recent (within the failure timeout), else undefined. */
  latestNode(nodeId: number, nowMs = Date.now()): UsagePoint | undefined {
    return this.fresh(this.nodes.get(nodeId)?.ring.latest(), nowMs);
  }

  /** A pod's latest sample and containers while recent, else undefined. */
  latestPod(
    podId: number,
    nowMs = Date.now(),
  ): { point: UsagePoint; containers: ContainerUsage[] } | undefined {
    const series = this.pods.get(podId);
    const point = this.fresh(series?.ring.latest(), nowMs);
    return point && series ? { point, containers: series.containers } : undefined;
  }

  private fresh(point: UsagePoint | undefined, nowMs: number): UsagePoint | undefined {
    return point && nowMs - point.timeMs <= this.config.nodeFailureTimeoutMs ? point : undefined;
  }

  private *freshNodes(nowMs = Date.now()) {
    for (const node of this.nodes.values()) {
      const point = this.fresh(node.ring.latest(), nowMs);
      if (point) yield { name: node.name, point };
    }
  }

  private *freshPods(nowMs = Date.now()) {
    for (const [id, pod] of this.pods) {
      const point = this.fresh(pod.ring.latest(), nowMs);
      if (point) yield { id, name: pod.name, node: this.nodes.get(pod.nodeId)?.name ?? '', point };
    }
  }

  /** Drops the series nothing fed for a while, so deleted nodes do not stay in memory. */
  private sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [id, node] of this.nodes) {
      if (nowMs - (node.ring.latest()?.timeMs ?? 0) < FORGET_AFTER_MS) continue;
      this.nodes.delete(id);
      for (const podId of node.pods)
        if (this.pods.get(podId)?.nodeId === id) this.pods.delete(podId);
    }
  }
}
