/** The health monitor over fakes of everything it drives, for its specs. */
import { loadConfig } from '../../config/app-config';
import { NodeRecord } from '../../database/records';
import { AgentExit, NodeRuntime } from '../../runtimes/node-runtime';
import { MetricsService } from '../../metrics/metrics.service';
import { AllocationInvariant } from '../allocation-invariant';
import { ClusterDisruption } from '../cluster-disruption';
import { HealthMonitorService } from '../health-monitor.service';
import { NodeFailureDetector } from '../node-failure-detector';
import { NodeRecovery } from '../node-recovery';
import { PodEviction } from '../pod-eviction';
import { RuntimeReconciler } from '../runtime-reconciler';
import { SuspectPods } from '../suspect-pods';

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const at = (ms: number) => new Date(T0 + ms);

/**
 * The slices of the nodes, pods, bindings and settings repositories the monitor uses,
 * over one in-memory table.
 */
export class FakeStore {
  nodes: NodeRecord[] = [];
  async nodesInStatus(statuses: string[]) {
    return this.nodes.filter((n) => statuses.includes(n.health_status)).map((n) => ({ ...n }));
  }
  async nodesToJudge(statuses: string[]) {
    return this.nodesInStatus(statuses);
  }
  async allNodes() {
    return this.nodes.map((n) => ({ ...n }));
  }
  async setNodeStatus(
    id: number,
    to: string,
    o: { from?: string[]; recoveryAttempts?: number; nextRecoveryAt?: Date | null } = {},
  ) {
    const n = this.nodes.find((x) => x.id === id)!;
    if (o.from && !o.from.includes(n.health_status)) return false;
    n.health_status = to;
    n.status_changed_at = this.now();
    if (o.recoveryAttempts !== undefined) n.recovery_attempts = o.recoveryAttempts;
    if (o.nextRecoveryAt !== undefined) n.next_recovery_at = o.nextRecoveryAt;
    return true;
  }
  async repairAllocations() {
    return [];
  }
  /** pod ids per node id */
  pods = new Map<number, number[]>();
  async podIdsOfNode(id: number) {
    return [...(this.pods.get(id) ?? [])];
  }
  /** no node here has a NoExecute taint (taint eviction has its own tests) */
  async nodesWithNoExecuteTaints() {
    return [];
  }
  settings = new Map<string, string>();
  async putSetting(key: string, value: string) {
    this.settings.set(key, value);
  }
  disruption() {
    return JSON.parse(this.settings.get('cluster.disruption') ?? 'null');
  }
  now = () => at(0);
}

export function addNode(store: FakeStore, id: number, over: Partial<NodeRecord> = {}): NodeRecord {
  const n = {
    id,
    name: `n${id}`,
    node_type: 'worker',
    health_status: 'healthy',
    cordoned: false,
    cpu_total_m: 4000,
    cpu_allocated_m: 0,
    cpu_used_m: 0,
    memory_total_mb: null,
    memory_allocated_mb: 0,
    labels: {},
    components: {},
    token_hash: '',
    ip_seq: 0,
    last_heartbeat_at: at(0),
    heartbeat_count: 1,
    recovery_attempts: 0,
    next_recovery_at: null,
    status_changed_at: at(-60000),
    runtime: 'process',
    runtime_ref: null,
    created_at: at(-60000),
    updated_at: at(0),
    ...over,
  } as NodeRecord;
  store.nodes.push(n);
  return n;
}

export function setup(env: Record<string, string> = {}) {
  const config = loadConfig({ RUNTIME: 'process', ...env });
  const store = new FakeStore();
  /** where the evicted pods of a node go */
  const moveTo = new Map<number, number>();
  const injected = new Map<number, number>();
  const events: Array<{ reason: string; object: string; message: string }> = [];
  const evicted: string[] = [];
  const relaunched: Array<{ name: string; attempt: number }> = [];
  const stopped: string[] = [];
  let exitListener: (e: AgentExit) => void = () => undefined;
  const runtime = {
    kind: 'process',
    manages: true,
    stop: async (n: { name: string }) => void stopped.push(n.name),
    onUnexpectedExit: (l: (e: AgentExit) => void) => (exitListener = l),
    shutdown: async () => undefined,
  } as unknown as NodeRuntime;
  const poisoned: Array<{ node: string; pods: number[]; why: string[] }> = [];
  const scheduler = {
    evictAndReschedule: async (
      n: { id: number; name: string },
      _cause: string,
      poison: ReadonlyMap<number, string> = new Map(),
    ) => {
      evicted.push(n.name);
      // the pods move (to "another node" the test names) unless they are poisoned
      const pods = store.pods.get(n.id) ?? [];
      const bad = pods.filter((p) => poison.has(p));
      if (bad.length)
        poisoned.push({ node: n.name, pods: bad, why: bad.map((p) => poison.get(p)!) });
      const moving = pods.filter((p) => !poison.has(p));
      store.pods.set(n.id, []);
      const to = moveTo.get(n.id);
      if (to !== undefined) store.pods.set(to, [...(store.pods.get(to) ?? []), ...moving]);
      return { moved: moving, pending: [], failed: bad };
    },
    retryPending: jest.fn(async () => 0),
  };
  const nodes = {
    failureInjectedAt: (id: number) => injected.get(id),
    relaunch: async (n: NodeRecord, _why: string, attempt: number) => {
      relaunched.push({ name: n.name, attempt });
      await store.setNodeStatus(n.id, 'recovering', {
        recoveryAttempts: attempt,
        nextRecoveryAt: null,
      });
    },
  };
  const eventsService = {
    record: async (_t: string, reason: string, object: string, message: string) =>
      void events.push({ reason, object, message }),
  } as never;
  const metrics = new MetricsService();
  /** how long the API's event loop stood still before the next tick (the spec says) */
  const loop = {
    stalledMs: 0,
    longestSinceLastAsked() {
      const ms = this.stalledMs;
      this.stalledMs = 0;
      return ms;
    },
  };
  const disruption = new ClusterDisruption(store as never, nodes as never, eventsService, config);
  const suspects = new SuspectPods(store as never, config);
  const monitor = new HealthMonitorService(
    new NodeFailureDetector(
      store as never,
      disruption,
      suspects,
      eventsService,
      metrics,
      loop as never,
      runtime,
      config,
    ),
    new PodEviction(
      store as never,
      store as never,
      scheduler as never,
      disruption,
      suspects,
      config,
    ),
    new NodeRecovery(store as never, nodes as never, disruption, metrics, runtime, config),
    new AllocationInvariant(store as never, eventsService),
    new RuntimeReconciler(store as never, store as never, nodes as never, runtime),
    scheduler as never,
    { flush: async () => undefined } as never,
    {} as never,
    runtime,
    config,
    'postgres://unused',
  );
  monitor.startGrace(T0 - config.nodeFailureTimeoutMs); // grace over at T0
  const tick = async (ms: number) => {
    // the database stamps changes a little after the tick began
    store.now = () => at(ms + 5);
    await monitor.runOnce(at(ms));
  };
  return {
    monitor,
    store,
    events,
    evicted,
    relaunched,
    stopped,
    scheduler,
    tick,
    loop,
    moveTo,
    injected,
    poisoned,
    exit: (e: AgentExit) => exitListener(e),
  };
}

export const reasons = (events: Array<{ reason: string }>) => events.map((e) => e.reason);
