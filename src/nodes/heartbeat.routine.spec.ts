import { loadConfig } from '../config/app-config';
import { DatabaseHealth } from '../database/database-health';
import { Clock, SystemClock } from '../domain/clock';
import { StoreChanges } from '../database/store-changes';
import { HeartbeatDto } from './dto/heartbeat.dto';
import { HeartbeatBuffer } from './heartbeat-buffer';
import { HeartbeatFlusher } from './heartbeat-flusher';
import { HeartbeatCaches } from './heartbeat-caches';
import { HeartbeatSamples } from './heartbeat-samples';
import { NodeNameCache } from './node-name-cache';
import { NodePodsCache } from './node-pods-cache';
import { ReportFingerprints } from './report-fingerprints';
import { RoutineBeats } from './routine-beats';
import { TokenHashCache } from './token-hash-cache';
import { HeartbeatService } from './heartbeat.service';
import { NodePodsReader } from './node-pods-reader';
import { MetricsService } from '../metrics/metrics.service';
import { UsageService } from '../usage/usage.service';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const COMPONENTS = {
  kubelet: 'running',
  container_runtime: 'running',
  kube_proxy: 'running',
  node_agent: 'running',
};

interface Row {
  id: number;
  name: string;
  health_status: string;
  pods_version: number;
  heartbeat_count: number;
  cpu_used_m: number;
  last_heartbeat_at: Date | null;
  components: Record<string, string>;
}

/**
 * The slices of the repositories the heartbeat path uses (nodes, pods, bindings,
 * heartbeats, container logs), over an in-memory nodes table.
 */
class FakeStore {
  rows = new Map<number, Row>();
  /** full-path writes, one per beat that went to the database at once */
  writes: number[] = [];
  flushes: Array<Array<{ nodeId: number; beats: number }>> = [];
  failFlushWith: Error | null = null;
  readonly changes = new StoreChanges();
  /** what a repository does when this process changes a node's pods */
  podsChangedHere(nodeId: number) {
    this.rows.get(nodeId)!.pods_version++;
    this.changes.podsChanged(nodeId);
  }
  async recordHeartbeat(
    nodeId: number,
    beat: { cpuUsedM: number; components: Record<string, string> },
  ) {
    const row = this.rows.get(nodeId);
    if (!row) return null;
    this.writes.push(nodeId);
    const previousStatus = row.health_status;
    if (['pending', 'failed', 'recovering'].includes(row.health_status))
      row.health_status = 'healthy';
    row.heartbeat_count++;
    row.cpu_used_m = beat.cpuUsedM;
    row.components = beat.components;
    row.last_heartbeat_at = new Date();
    return { previousStatus, node: { ...row }, startedPodIds: [] };
  }
  async flushHeartbeats(
    beats: Array<{
      nodeId: number;
      at: Date;
      beats: number;
      cpuUsedM: number;
      podsVersion: number;
    }>,
  ) {
    this.flushes.push(beats.map((b) => ({ nodeId: b.nodeId, beats: b.beats })));
    if (this.failFlushWith) throw this.failFlushWith;
    const odd: Array<{ id: number; health_status: string | null }> = [];
    for (const b of beats) {
      const row = this.rows.get(b.nodeId);
      if (!row) {
        odd.push({ id: b.nodeId, health_status: null });
        continue;
      }
      row.heartbeat_count += b.beats;
      row.cpu_used_m = b.cpuUsedM;
      row.last_heartbeat_at = b.at;
      if (row.health_status !== 'healthy' || row.pods_version !== b.podsVersion)
        odd.push({ id: row.id, health_status: row.health_status });
    }
    return odd;
  }
  async podsOfNode() {
    return [];
  }
  /** the node's pods_version and its (here: no) pods, as the answer is built from them */
  async podIndexOfNode(nodeId: number) {
    const row = this.rows.get(nodeId);
    return row ? { version: row.pods_version, pods: [] } : null;
  }
  async podsOnNode() {
    return [];
  }
  /** pods whose container statuses were written */
  statusWrites: number[] = [];
  async updateContainerStatuses(podId: number) {
    this.statusWrites.push(podId);
  }
}

function setup(clock: Clock = new SystemClock()) {
  const store = new FakeStore();
  store.rows.set(1, {
    id: 1,
    name: 'n1',
    health_status: 'pending',
    pods_version: 0,
    heartbeat_count: 0,
    cpu_used_m: 0,
    last_heartbeat_at: null,
    components: {},
  });
  const events: string[] = [];
  const config = loadConfig({});
  const usage = new UsageService(config, new MetricsService());
  const eventsService = {
    record: async (_t: string, reason: string) => void events.push(reason),
  } as never;
  const samples = new HeartbeatSamples();
  const nodePods = new NodePodsCache();
  const fingerprints = new ReportFingerprints();
  const routine = new RoutineBeats();
  const caches = new HeartbeatCaches(
    samples,
    new TokenHashCache(),
    new NodeNameCache(),
    fingerprints,
    nodePods,
    routine,
  );
  const databaseHealth = new DatabaseHealth();
  const buffer = new HeartbeatBuffer();
  const service = new HeartbeatService(
    store as never,
    store as never,
    store as never,
    store as never,
    store.changes,
    { retryPending: async () => 0 } as never,
    eventsService,
    routine,
    nodePods,
    fingerprints,
    samples,
    caches,
    buffer,
    new NodePodsReader(store as never, eventsService, nodePods, config),
    { publish: () => undefined } as never,
    {
      heartbeats: { inc: () => undefined },
      heartbeatSeconds: { observe: () => undefined },
    } as never,
    usage,
    databaseHealth,
    clock,
    config,
  );
  const flusher = new HeartbeatFlusher(
    store as never,
    buffer,
    routine,
    caches,
    {} as never,
    databaseHealth,
    config,
  );
  return {
    store,
    service,
    flusher,
    events,
    usage,
    databaseHealth,
    fingerprints,
    samples,
    row: store.rows.get(1)!,
  };
}

const beat = (over: Partial<HeartbeatDto> = {}): HeartbeatDto =>
  ({ pod_ids: [], health_status: 'healthy', components: COMPONENTS, ...over }) as HeartbeatDto;

describe('HeartbeatService: routine heartbeats', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('answers a routine beat from memory and writes the lot at the next flush, none lost', async () => {
    const { store, service, flusher, row } = setup();
    const first = await service.heartbeat(1, beat({ cpu_usage: 0.5 }));
    expect(first).toMatchObject({ health_status: 'healthy', pods: [], pods_version: 0 });
    expect(store.writes).toEqual([1]);
    for (let i = 1; i <= 3; i++) {
      jest.setSystemTime(T0 + i * 1000);
      const answer = await service.heartbeat(1, beat({ cpu_usage: 1 + i / 4 }));
      expect(answer).toMatchObject({ health_status: 'healthy', pods: [], pods_version: 0 });
    }
    // nothing new was reported: no write per beat
    expect(store.writes).toEqual([1]);
    expect(row.heartbeat_count).toBe(1);
    await flusher.flush();
    expect(store.flushes).toEqual([[{ nodeId: 1, beats: 3 }]]);
    expect(row).toMatchObject({
      heartbeat_count: 4,
      cpu_used_m: 1750,
      last_heartbeat_at: new Date(T0 + 3000),
    });
    // written once: an empty buffer writes nothing more
    await flusher.flush();
    expect(store.flushes).toHaveLength(1);
  });

  it("keeps each beat's use, the routine ones too, per node and per running pod", async () => {
    const { service, usage } = setup();
    const pod = (cpu: number) => ({
      id: 9,
      status: 'running',
      containers: [{ name: 'web', status: 'running', cpu_usage: cpu, memory_usage: 300 }],
    });
    for (let i = 0; i < 3; i++) {
      jest.setSystemTime(T0 + i * 1000);
      await service.heartbeat(
        1,
        beat({ cpu_usage: 0.9 + i / 10, memory_usage: 310, pods: [pod(0.9 + i / 10)] } as never),
      );
    }
    expect(usage.nodeSamples(1).map((s) => [s.timeMs - T0, s.cpu, s.memory])).toEqual([
      [0, 0.9, 310],
      [1000, 1, 310],
      [2000, 1.1, 310],
    ]);
    expect(usage.podSamples(9).map((s) => s.cpu)).toEqual([0.9, 1, 1.1]);
    expect(usage.latestPod(9)?.containers).toEqual([{ name: 'web', cpu: 1.1, memory: 300 }]);
  });

  it('a beat with news goes to the database at once', async () => {
    const { store, service } = setup();
    await service.heartbeat(1, beat());
    await service.heartbeat(1, beat({ components: { ...COMPONENTS, kubelet: 'stopped' } }));
    await service.heartbeat(1, beat({ health_status: 'terminating' }));
    await service.heartbeat(1, beat());
    expect(store.writes).toEqual([1, 1, 1, 1]);
    // and once the same again, the beats are routine
    await service.heartbeat(1, beat());
    expect(store.writes).toHaveLength(4);
  });

  it("the node's pods changed here: its next beat is answered in full, with the new version", async () => {
    const { store, service } = setup();
    await service.heartbeat(1, beat());
    store.podsChangedHere(1);
    const answer = await service.heartbeat(1, beat());
    expect(store.writes).toEqual([1, 1]);
    expect(answer.pods_version).toBe(1);
  });

  it('a node another replica changed meanwhile goes back to the full path after the flush', async () => {
    const { store, service, flusher, row } = setup();
    await service.heartbeat(1, beat());
    await service.heartbeat(1, beat());
    row.health_status = 'failed'; // the monitor of another replica failed it
    await flusher.flush();
    const answer = await service.heartbeat(1, beat());
    expect(store.writes).toEqual([1, 1]);
    expect(answer.health_status).toBe('healthy');
  });

  it('while the database is unreachable, beats are not answered from memory', async () => {
    const { store, service, databaseHealth } = setup();
    await service.heartbeat(1, beat());
    databaseHealth.markDown();
    await service.heartbeat(1, beat());
    expect(store.writes).toEqual([1, 1]);
  });

  it('beats whose write met an unreachable database are written with the next flush', async () => {
    const { store, service, flusher, databaseHealth, row } = setup();
    await service.heartbeat(1, beat());
    await service.heartbeat(1, beat());
    await service.heartbeat(1, beat());
    store.failFlushWith = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    await expect(flusher.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(databaseHealth.up).toBe(false);
    store.failFlushWith = null;
    await flusher.flush();
    expect(row.heartbeat_count).toBe(3);
    expect(databaseHealth.up).toBe(true);
  });

  it("drops a pod's last report once it left the node, so one that comes back starts afresh", async () => {
    const { store, service, fingerprints } = setup();
    const pod = {
      id: 9,
      status: 'running',
      containers: [{ name: 'web', status: 'running', restart_count: 0 }],
    };
    await service.heartbeat(1, beat({ pods: [pod] } as never));
    await service.heartbeat(1, beat({ pods: [pod] } as never));
    // the same report twice: written once
    expect(store.statusWrites).toEqual([9]);
    expect(fingerprints.size).toBe(1);
    // the pod leaves the node, and the node stops reporting it
    store.podsChangedHere(1);
    await service.heartbeat(1, beat({ pods: [] } as never));
    expect(fingerprints.size).toBe(0);
    // back on it later, its first report is written again
    store.podsChangedHere(1);
    await service.heartbeat(1, beat({ pods: [pod] } as never));
    expect(store.statusWrites).toEqual([9, 9]);
  });

  it("keeps a pod's last report while the node still reports it", async () => {
    const { store, service, fingerprints } = setup();
    const pod = {
      id: 9,
      status: 'running',
      containers: [{ name: 'web', status: 'running', restart_count: 0 }],
    };
    await service.heartbeat(1, beat({ pods: [pod] } as never));
    // gone from the node's pods, but its agent has not heard yet
    store.podsChangedHere(1);
    await service.heartbeat(1, beat({ pods: [pod] } as never));
    expect(fingerprints.size).toBe(1);
    expect(store.statusWrites).toEqual([9]);
  });

  it("stamps its beats with the injected clock's time", async () => {
    const at = new Date('2030-06-01T12:00:00Z');
    const { service, flusher, samples, row } = setup({ now: () => at });
    await service.heartbeat(1, beat());
    await service.heartbeat(1, beat());
    expect(samples.samples(1).map((s) => s.at)).toEqual([at.toISOString(), at.toISOString()]);
    await flusher.flush();
    // the routine beat, buffered at that time, is written with it
    expect(row.last_heartbeat_at).toEqual(at);
  });
});
