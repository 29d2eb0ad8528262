/** Building the cluster a figure needs through the API, as an agent or a user would. */
import { Api } from './api';
import { forEachLimit, onCleanup, sleep } from './lifecycle';

export interface BenchNode {
  id: number;
  name: string;
  token: string;
}

export const WORKER_COMPONENTS = {
  kubelet: 'running',
  container_runtime: 'running',
  kube_proxy: 'running',
  node_agent: 'running',
};

/** The heartbeat of an agent that runs nothing (yet). */
export const EMPTY_BEAT = JSON.stringify({
  pod_ids: [],
  health_status: 'healthy',
  components: WORKER_COMPONENTS,
});

export const POD_CPU = 0.01;

/** A one-container pod small enough that no node runs out of room during a run. */
export function podBody(name: string): string {
  return JSON.stringify({
    name,
    cpu_cores_req: POD_CPU,
    containers: [{ name: 'main', image: 'busybox:1.36', cpu_req: POD_CPU, memory_req: 16 }],
  });
}

/** The same pod as a v1.Pod manifest, as kubectl or a client library posts it. */
export function kubePodBody(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          resources: { requests: { cpu: `${Math.round(POD_CPU * 1000)}m`, memory: '16Mi' } },
        },
      ],
    },
  });
}

/** Registers `{prefix}-{from}` … `{prefix}-{to - 1}` with `agent: 'external'`. */
export async function registerNodes(
  api: Api,
  options: {
    prefix: string;
    from: number;
    to: number;
    cpus: number;
    concurrency?: number;
    onProgress?: (done: number) => void;
  },
): Promise<BenchNode[]> {
  const count = options.to - options.from;
  const nodes: BenchNode[] = new Array(count);
  let done = 0;
  await forEachLimit(count, options.concurrency ?? 32, async (i) => {
    const name = `${options.prefix}-${options.from + i}`;
    const body = await api.call<{ id: number; heartbeat_token: string }>('POST', '/nodes', {
      name,
      cpu_cores: options.cpus,
      agent: 'external',
    });
    nodes[i] = { id: body.id, name, token: body.heartbeat_token };
    options.onProgress?.(++done);
  });
  return nodes;
}

export function beat(api: Api, node: BenchNode) {
  return api.request('POST', `/nodes/${node.id}/heartbeat`, JSON.parse(EMPTY_BEAT), {
    authorization: `Bearer ${node.token}`,
  });
}

/** One heartbeat per node (which makes a registered node healthy); each must answer 200. */
export async function beatAll(
  api: Api,
  nodes: readonly BenchNode[],
  onProgress?: (done: number) => void,
): Promise<void> {
  let done = 0;
  await forEachLimit(nodes.length, 32, async (i) => {
    const res = await beat(api, nodes[i]);
    if (res.status !== 200) throw new Error(`heartbeat of ${nodes[i].name} answered ${res.status}`);
    onProgress?.(++done);
  });
}

/**
 * Keeps nodes beating every `intervalMs` (each on its own phase), as their agents would,
 * and remembers when each last got a 200. `silence(node)` stops one node's beats.
 */
export class Beater {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  readonly lastOk = new Map<number, number>();
  readonly failures = new Map<number, number>();
  private stopped = false;
  private readonly unregister: () => void;

  constructor(
    private readonly api: Api,
    private readonly intervalMs: number,
  ) {
    this.unregister = onCleanup('beater', () => this.stop());
  }

  add(node: BenchNode, phaseMs = Math.random() * this.intervalMs): void {
    if (this.stopped) return;
    const tick = () => {
      void beat(this.api, node).then(
        (res) => {
          if (res.status === 200) this.lastOk.set(node.id, res.at);
          else this.failures.set(node.id, (this.failures.get(node.id) ?? 0) + 1);
        },
        () => this.failures.set(node.id, (this.failures.get(node.id) ?? 0) + 1),
      );
      if (this.timers.has(node.id)) this.timers.set(node.id, setTimeout(tick, this.intervalMs));
    };
    this.timers.set(node.id, setTimeout(tick, phaseMs));
  }

  /** Waits until a beat of this node sent after now got its 200 (within three intervals). */
  async nextBeat(node: BenchNode): Promise<void> {
    const since = Date.now();
    const got = await pollUntil(
      20,
      3 * this.intervalMs,
      async () => (this.lastOk.get(node.id) ?? 0) > since,
    );
    if (!got)
      throw new Error(`${node.name}: no heartbeat answered 200 within ${3 * this.intervalMs} ms`);
  }

  /**
   * Stops a node's beats and waits for the one in flight, if any, to be answered;
   * returns the time of its last 200.
   */
  async silence(node: BenchNode): Promise<number> {
    clearTimeout(this.timers.get(node.id));
    this.timers.delete(node.id);
    // a beat sent just before is answered within a request's time; let it land
    await sleep(Math.min(250, this.intervalMs / 2));
    const last = this.lastOk.get(node.id);
    if (last === undefined) throw new Error(`${node.name} never got a heartbeat through`);
    return last;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.unregister();
  }
}

/** Polls until probe returns a value; null when `timeoutMs` passed first. */
export async function pollUntil<T>(
  everyMs: number,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) return null;
    await sleep(everyMs);
  }
}

/** Every page of a list endpoint (limit 1000). */
export async function listAll<T>(api: Api, path: string, maxItems = 200_000): Promise<T[]> {
  const all: T[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let offset = 0; offset < maxItems; offset += 1000) {
    const page = await api.get<T[]>(`${path}${sep}limit=1000&offset=${offset}`);
    all.push(...page);
    if (page.length < 1000) break;
  }
  return all;
}
