/**
 * Figure 1: pod creations through POST /pods, each 201 committed in PostgreSQL, driven
 * by autocannon with a unique name per request; and the same through the Kubernetes API
 * (`POST /api/v1/namespaces/default/pods` with a v1.Pod manifest), the path kubectl takes.
 */
import { Api } from '../lib/api';
import { kubePodBody, podBody } from '../lib/cluster';
import { CpuMeter, CpuShare } from '../lib/cpu';
import { sleep } from '../lib/lifecycle';
import { LoadResult, runLoad } from '../lib/load';

export interface PodRun {
  label: string;
  /** kubesim's REST API, or the Kubernetes API */
  via: 'rest' | 'kube';
  nodes: number;
  algorithm: string;
  connections: number;
  duration_s: number;
  created: number;
  pods_per_s: number;
  latency_ms: LoadResult['latencyMs'];
  non_201: number;
  status_counts: Record<string, number>;
  errors: number;
  timeouts: number;
  cut_short: boolean;
  /** cores used by the API, PostgreSQL, the load generator and others during the run */
  cpu: CpuShare | null;
}

const NODE_ID = /"node_id":(\d+)/;

/** Creates pods under unique names and keeps count of what the server confirmed. */
export class PodLoad {
  private seq = 0;
  /** every 201 this bench got, over all runs */
  created = 0;
  /** nodes that got at least one pod (their heartbeat answers carry pod specs) */
  readonly nodesWithPods = new Set<number>();
  /**
   * Names sent but not answered: autocannon drops the requests in flight when a timed
   * run ends, and the server may still have created those pods.
   */
  readonly unanswered = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly namePrefix: string,
    private readonly connections: number,
    private readonly meter?: CpuMeter,
  ) {}

  /** How many of the unanswered requests did create their pod (GET /pods/:name each). */
  async storedUnanswered(): Promise<number> {
    let stored = 0;
    for (const name of this.unanswered) {
      const res = await this.api.request('GET', `/pods/${name}`);
      if (res.status === 200) stored++;
    }
    return stored;
  }

  async setAlgorithm(algorithm: string): Promise<void> {
    await this.api.call('PUT', '/scheduler', { algorithm }, { expect: 200 });
  }

  async run(options: {
    label: string;
    nodes: number;
    algorithm: string;
    durationS?: number;
    amount?: number;
    maxSeconds?: number;
    onTick?: (responses: number, elapsedS: number) => void;
    via?: 'rest' | 'kube';
  }): Promise<PodRun> {
    const via = options.via ?? 'rest';
    const path = via === 'kube' ? '/api/v1/namespaces/default/pods' : '/pods';
    const body = via === 'kube' ? kubePodBody : podBody;
    // what the previous run left in flight is done before this one starts
    await sleep(1000);
    await this.setAlgorithm(options.algorithm);
    let created = 0;
    const result = await runLoad({
      url: this.api.baseUrl,
      connections: this.connections,
      durationS: options.durationS,
      amount: options.amount,
      maxSeconds: options.maxSeconds,
      onTick: options.onTick,
      meter: this.meter,
      request: {
        method: 'POST',
        path,
        // autocannon takes the host and port from the request it passes in: keep them, or the
        // Host header reads "undefined:undefined" (which the server refuses)
        setupRequest: (request, context) => {
          const name = `${this.namePrefix}-${this.seq++}`;
          // the context belongs to the connection: onResponse gets this one back
          context.name = name;
          this.unanswered.add(name);
          return {
            ...request,
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json' },
            body: body(name),
          };
        },
        onResponse: (status, body, context) => {
          this.unanswered.delete(context.name as string);
          if (status !== 201) return;
          created++;
          const nodeId = NODE_ID.exec(body)?.[1];
          if (nodeId) this.nodesWithPods.add(Number(nodeId));
        },
      },
    });
    this.created += created;
    return {
      label: options.label,
      via,
      nodes: options.nodes,
      algorithm: options.algorithm,
      connections: this.connections,
      duration_s: result.durationS,
      created,
      pods_per_s: created / result.durationS,
      latency_ms: result.latencyMs,
      non_201: result.responses - (result.statusCounts['201'] ?? 0),
      status_counts: result.statusCounts,
      errors: result.errors,
      timeouts: result.timeouts,
      cut_short: result.cutShort,
      cpu: result.cpu,
    };
  }
}
