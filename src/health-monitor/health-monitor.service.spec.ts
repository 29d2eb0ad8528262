import { loadConfig } from '../config/app-config';
import { NodeRecord } from '../database/records';
import { AgentExit, NodeRuntime } from '../runtimes/node-runtime';
import { MetricsService } from '../metrics/metrics.service';
import { HealthMonitorService } from './health-monitor.service';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

/**
 * The slices of the nodes, pods, bindings and settings repositories the monitor uses,
 * over one in-memory table.
 */
class FakeStore {
  nodes: NodeRecord[] = [];
  async nodesInStatus(statuses: string[]) {
    return this.nodes.filter((n) => statuses.includes(n.health_status)).map((n) => ({ ...n }));
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

function addNode(store: FakeStore, id: number, over: Partial<NodeRecord> = {}): NodeRecord {
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

function setup(env: Record<string, string> = {}) {
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
  const monitor = new HealthMonitorService(
    store as never,
    store as never,
    store as never,
    store as never,
    scheduler as never,
    nodes as never,
    { flush: async () => undefined } as never,
    {
      record: async (_t: string, reason: string, object: string, message: string) =>
        void events.push({ reason, object, message }),
    } as never,
    new MetricsService(),
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
    moveTo,
    injected,
    poisoned,
    exit: (e: AgentExit) => exitListener(e),
  };
}

const reasons = (events: Array<{ reason: string }>) => events.map((e) => e.reason);

describe('HealthMonitorService.runOnce', () => {
  it('detects a silent node, evicts its pods, restarts it with backoff', async () => {
    const m = setup(); // timeout 15 s, backoff 2 s
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(9000) });
    await m.tick(10001); // n1 missed two beats
    expect(reasons(m.events)).toEqual(['NodeNotReady']);
    expect(m.store.nodes[0].health_status).toBe('not_ready');
    m.store.nodes[1].last_heartbeat_at = at(14000); // n2 keeps beating
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
    expect(m.store.nodes[1].health_status).toBe('healthy');
    expect(m.events.at(-1)).toMatchObject({ reason: 'NodeFailed', object: 'node/n1' });
    expect(m.events.at(-1)!.message).toMatch(/no heartbeat for 15\.0 s/);
    expect(m.evicted).toEqual(['n1']);
    // first restart 2 s after detection
    await m.tick(17000);
    expect(m.relaunched).toEqual([]);
    await m.tick(17001);
    expect(m.relaunched).toEqual([{ name: 'n1', attempt: 1 }]);
    expect(m.store.nodes[0].health_status).toBe('recovering');
    expect(m.scheduler.retryPending).toHaveBeenCalled();
  });

  it('counts a restart that stays silent as a failed attempt, backs off, and gives up after the last', async () => {
    const m = setup({ MAX_RECOVERY_ATTEMPTS: '2' });
    const n = addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    await m.tick(15001); // failed; restart due at 17001
    await m.tick(17001); // attempt 1 (restart stamped at 17006)
    await m.tick(32012); // 15 s later, still silent → attempt failed, next in 2 s × 2 = 4 s
    expect(n.health_status).toBe('failed');
    expect(n.next_recovery_at).toEqual(at(36012));
    await m.tick(36011);
    expect(m.relaunched).toHaveLength(1);
    await m.tick(36012); // attempt 2 (stamped at 36017)
    expect(m.relaunched.map((r) => r.attempt)).toEqual([1, 2]);
    await m.tick(51020); // silent again → out of attempts
    expect(n.health_status).toBe('permanently_failed');
    expect(m.stopped).toEqual(['n1']);
    expect(reasons(m.events)).toContain('NodePermanentlyFailed');
    await m.tick(200000);
    expect(m.relaunched).toHaveLength(2);
  });

  it('declares nothing failed during the startup grace', async () => {
    const m = setup();
    m.monitor.startGrace(T0); // booted at T0: grace until +15 s
    addNode(m.store, 1, { last_heartbeat_at: at(-600000) });
    addNode(m.store, 2, { last_heartbeat_at: at(0) });
    await m.tick(14999);
    expect(m.store.nodes[0].health_status).toBe('healthy');
    m.store.nodes[1].last_heartbeat_at = at(15000);
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
  });

  it('marks a silent node not_ready after NODE_NOT_READY_AFTER_MS, failed at the timeout', async () => {
    const m = setup({ NODE_NOT_READY_AFTER_MS: '7000' });
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    await m.tick(7000);
    expect(m.store.nodes[0].health_status).toBe('healthy');
    await m.tick(7001);
    expect(m.store.nodes[0].health_status).toBe('not_ready');
    expect(m.events.at(-1)).toMatchObject({ reason: 'NodeNotReady', object: 'node/n1' });
    await m.tick(8000); // said once
    expect(reasons(m.events)).toEqual(['NodeNotReady']);
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
    expect(m.evicted).toEqual(['n1']);
  });

  it('when every node goes silent at once: not_ready, then failed, but no eviction or restart until one beats', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2);
    addNode(m.store, 3);
    await m.tick(10001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual([
      'not_ready',
      'not_ready',
      'not_ready',
    ]);
    expect(reasons(m.events)).toContain('ClusterDisrupted');
    expect(m.store.disruption()).toEqual({
      active: true,
      since: at(0).toISOString(),
      reason: 'all 3 nodes stopped sending heartbeats at once',
    });
    await m.tick(20000);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'failed', 'failed']);
    await m.tick(60000); // long past the restart backoff
    expect(m.evicted).toEqual([]);
    expect(m.relaunched).toEqual([]);
    expect(reasons(m.events).filter((r) => r === 'ClusterDisrupted')).toHaveLength(1);
    // one node answers again (a heartbeat revives it): the pause ends, the others' turn comes
    // after they had two heartbeats' time to come back too
    m.store.nodes[0].last_heartbeat_at = at(60500);
    m.store.nodes[0].health_status = 'healthy';
    await m.tick(61000);
    expect(m.store.disruption().active).toBe(false);
    expect(reasons(m.events)).toContain('ClusterDisruptionEnded');
    expect(m.evicted).toEqual([]);
    m.store.nodes[0].last_heartbeat_at = at(71000);
    await m.tick(71001);
    expect(m.evicted).toEqual(['n2', 'n3']);
    expect(m.relaunched.map((r) => r.name)).toEqual(['n2', 'n3']);
  });

  it('while the whole cluster is silent, a restarted node that stays silent uses up no attempt', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2);
    addNode(m.store, 3, {
      health_status: 'recovering',
      recovery_attempts: 1,
      status_changed_at: at(0),
      last_heartbeat_at: at(-30000),
    });
    await m.tick(10001); // n1 and n2 silent together: disrupted
    expect(m.store.disruption().active).toBe(true);
    await m.tick(16000); // n3's restart is past its timeout, but no one gets through
    expect(m.store.nodes[2]).toMatchObject({ health_status: 'recovering', recovery_attempts: 1 });
    m.store.nodes[0].last_heartbeat_at = at(16500);
    m.store.nodes[0].health_status = 'healthy';
    await m.tick(17000);
    expect(m.store.nodes[2].health_status).toBe('failed');
  });

  it('a failure kubesim injected is handled even when every node has one', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2);
    m.injected.set(1, T0 + 100);
    m.injected.set(2, T0 + 100);
    await m.tick(10001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['not_ready', 'not_ready']);
    await m.tick(15001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'failed']);
    expect(reasons(m.events)).not.toContain('ClusterDisrupted');
    expect(m.evicted).toEqual(['n1', 'n2']);
    await m.tick(17001);
    expect(m.relaunched.map((r) => r.name)).toEqual(['n1', 'n2']);
  });

  it('agents the runtime saw die are failures even when they are all the nodes', async () => {
    const m = setup();
    addNode(m.store, 1, { last_heartbeat_at: at(900) });
    addNode(m.store, 2, { last_heartbeat_at: at(900) });
    // both agents died, the runtime says so
    m.exit({ nodeId: 1, nodeName: 'n1', detail: 'exited with code 1' });
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'exited with code 1' });
    await m.tick(1000);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'failed']);
    expect(m.evicted).toEqual(['n1', 'n2']);
    await m.tick(20000); // silent long after: still no disruption for them
    expect(reasons(m.events)).not.toContain('ClusterDisrupted');
  });

  it('a pod on two nodes just before each failed is failed, not moved to a third', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 3, { last_heartbeat_at: at(10_000_000) });
    m.store.pods.set(1, [7, 8]);
    m.moveTo.set(1, 2);
    m.moveTo.set(2, 3);
    await m.tick(15001); // n1 fails: pods 7 and 8 go to n2
    expect(m.store.pods.get(2)).toEqual([7, 8]);
    expect(m.poisoned).toEqual([]);
    // n2 dies at once (its agent exits) with the same pods: they caused it
    m.store.nodes[0].last_heartbeat_at = at(10_000_000); // n1 is back meanwhile
    m.store.nodes[0].health_status = 'healthy';
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'exited with code 137' });
    await m.tick(16000);
    expect(m.poisoned).toEqual([
      {
        node: 'n2',
        pods: [7, 8],
        why: [
          expect.stringMatching(/^PodCausedNodeFailures: nodes n1 and n2 failed within 1\.0 s/),
          expect.stringMatching(/^PodCausedNodeFailures: /),
        ],
      },
    ]);
    expect(m.store.pods.get(3)).toEqual([]);
  });

  it('agents killed from outside never make a pod a suspect', async () => {
    const m = setup();
    addNode(m.store, 1, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 3, { last_heartbeat_at: at(10_000_000) });
    m.store.pods.set(1, [7]);
    m.moveTo.set(1, 2);
    m.moveTo.set(2, 3);
    m.exit({ nodeId: 1, nodeName: 'n1', detail: 'killed by SIGKILL', fromOutside: true });
    await m.tick(1000);
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'killed by SIGKILL', fromOutside: true });
    await m.tick(2000);
    expect(m.poisoned).toEqual([]);
    expect(m.store.pods.get(3)).toEqual([7]);
  });

  it('an injected failure never makes a pod a suspect', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 3, { last_heartbeat_at: at(10_000_000) });
    m.store.pods.set(1, [7]);
    m.moveTo.set(1, 2);
    m.moveTo.set(2, 3);
    m.injected.set(1, T0);
    await m.tick(15001);
    m.store.nodes[0].last_heartbeat_at = at(10_000_000);
    m.store.nodes[0].health_status = 'healthy';
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'exited with code 137' });
    await m.tick(16000);
    expect(m.poisoned).toEqual([]);
    expect(m.store.pods.get(3)).toEqual([7]);
  });

  it('fails a node at once when the runtime reports its agent gone', async () => {
    const m = setup();
    addNode(m.store, 1, { last_heartbeat_at: at(900) });
    addNode(m.store, 2, { last_heartbeat_at: at(900) });
    m.exit({ nodeId: 1, nodeName: 'n1', detail: 'killed by SIGKILL' });
    await m.tick(1000);
    expect(m.store.nodes[0].health_status).toBe('failed');
    expect(m.events.at(-1)!.message).toMatch(/its agent killed by SIGKILL/);
  });

  it('waits POD_EVICTION_DELAY_MS before evicting', async () => {
    const m = setup({ POD_EVICTION_DELAY_MS: '5000' });
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    await m.tick(15001);
    expect(m.evicted).toEqual([]);
    await m.tick(20007); // failed at 15006, + 5 s
    expect(m.evicted).toEqual(['n1']);
  });

  it('never touches a node the user stopped', async () => {
    const m = setup();
    addNode(m.store, 1, { health_status: 'stopped', last_heartbeat_at: at(-1e6) });
    addNode(m.store, 2);
    await m.tick(100000 - 1);
    expect(m.store.nodes[0].health_status).toBe('stopped');
    expect(m.relaunched).toEqual([]);
  });
});
