import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors';
import { loadConfig } from '../config/app-config';
import { BindOutcome, NewPod } from '../database/records';
import { StoreChanges } from '../database/store-changes';
import { GroupCommit } from './group-commit';
import { RoundRobinCursor } from './round-robin-cursor';
import { SchedulerAlgorithmSetting } from './scheduler-algorithm';
import { NodeView } from './strategies/types';

type Placement = { pod: NewPod; nodeId: number; event: string };

const node = (id: number, cpuTotalM: number): NodeView => ({
  id,
  name: `n${id}`,
  nodeType: 'worker',
  healthStatus: 'healthy',
  cordoned: false,
  kubelet: 'running',
  containerRuntime: 'running',
  cpuTotalM,
  cpuAllocatedM: 0,
  memoryTotalMb: null,
  memoryAllocatedMb: 0,
});

const newPod = (name: string, cpuReqM = 1000): NewPod => ({
  name,
  cpuReqM,
  memoryReqMb: 16,
  schedulerAlgorithm: 'first-fit',
  containers: [],
  volumes: [],
  config: [],
});

/**
 * The slices of the bindings and settings repositories the group commit uses.
 * `insertBoundPods` behaves as the statement does (a taken name is 'exists', a namespace
 * not Active refuses its pods, a node without room refuses its pods) and can be held open, as a slow commit is, so that
 * creations queue behind it.
 */
class FakeStore {
  nodes: NodeView[] = [];
  taken = new Set<string>();
  /** names that make the whole statement fail, as a unique violation does */
  poison = new Set<string>();
  /** namespaces besides the default one, with their status */
  namespaces = new Map<string, 'Active' | 'Terminating'>();
  statements: string[][] = [];
  hold: Promise<void> | null = null;
  reads = 0;
  private nextId = 1;
  async getSetting() {
    return null;
  }
  async allNodeViews() {
    this.reads++;
    return this.nodes.map((n) => ({ ...n }));
  }
  async insertBoundPods(placements: Placement[]): Promise<BindOutcome[]> {
    this.statements.push(placements.map((p) => p.pod.name));
    if (this.hold) await this.hold;
    // pods are unique by namespace and name (a name alone means the default namespace)
    const keyOf = (pod: NewPod) => (pod.namespace ? `${pod.namespace}/${pod.name}` : pod.name);
    const names = placements.map((p) => keyOf(p.pod));
    if (new Set(names).size < names.length || placements.some((p) => this.poison.has(p.pod.name))) {
      throw Object.assign(new Error('duplicate key value violates unique constraint'), {
        code: '23505',
      });
    }
    return placements.map(({ pod, nodeId, event }): BindOutcome => {
      const status = pod.namespace ? this.namespaces.get(pod.namespace) : 'Active';
      if (status !== 'Active') return { closedNamespace: status ?? 'missing' };
      if (this.taken.has(keyOf(pod))) return 'exists';
      const n = this.nodes.find((x) => x.id === nodeId)!;
      if (n.cpuAllocatedM + pod.cpuReqM > n.cpuTotalM) return null;
      n.cpuAllocatedM += pod.cpuReqM;
      this.taken.add(keyOf(pod));
      const id = this.nextId++;
      return {
        id,
        ip: `10.244.${nodeId}.${id + 1}`,
        nodeId,
        nodeName: n.name,
        createdAt: new Date(0),
        scheduledAt: new Date(0),
        event: {
          id,
          type: 'Normal',
          reason: 'Scheduled',
          object: `pod/${pod.name}`,
          message: event,
          created_at: new Date(0),
        },
      };
    });
  }
}

function setup(nodes: NodeView[]) {
  const store = new FakeStore();
  store.nodes = nodes;
  const announced: string[] = [];
  const events = {
    announce: (events: Array<{ object: string }>) => announced.push(...events.map((e) => e.object)),
    record: async () => undefined,
  } as never;
  const scheduler = new GroupCommit(
    store as never,
    new StoreChanges(),
    events,
    { schedulingSeconds: { observe: () => undefined } } as never,
    new SchedulerAlgorithmSetting(store as never, events, loadConfig({})),
    new RoundRobinCursor(),
  );
  return { store, scheduler, announced };
}

/** Lets every settled promise run its continuations (no timers involved). */
const settle = () => new Promise((r) => setImmediate(r));

describe('GroupCommit.createBound', () => {
  it('creations arriving while a batch is written go together, in one statement, in order', async () => {
    const { store, scheduler } = setup([node(1, 16000)]);
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('a'));
    await settle();
    const queued = ['b', 'c', 'd'].map((name) => scheduler.createBound(newPod(name)));
    await settle();
    // the first batch is still being written: the others wait rather than write alone
    expect(store.statements).toEqual([['a']]);
    store.hold = null;
    release();
    const bound = await Promise.all([first, ...queued]);
    expect(store.statements).toEqual([['a'], ['b', 'c', 'd']]);
    expect(bound.map((b) => b?.event.object)).toEqual(['pod/a', 'pod/b', 'pod/c', 'pod/d']);
    expect(new Set(bound.map((b) => b?.id)).size).toBe(4);
  });

  it('at most 64 pods go in one statement', async () => {
    const { store, scheduler } = setup([node(1, 1_000_000)]);
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('first'));
    await settle();
    const rest = Array.from({ length: 100 }, (_, i) => scheduler.createBound(newPod(`p${i}`)));
    store.hold = null;
    release();
    await Promise.all([first, ...rest]);
    expect(store.statements.map((s) => s.length)).toEqual([1, 64, 36]);
  });

  it('pods of one batch see the room the earlier ones took, so none is refused for it', async () => {
    const { store, scheduler, announced } = setup([node(1, 2000), node(2, 2000)]);
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('warm', 0));
    await settle();
    const batch = ['x', 'y', 'z', 'w'].map((name) => scheduler.createBound(newPod(name)));
    store.hold = null;
    release();
    await first;
    const bound = await Promise.all(batch);
    // first-fit on 2 + 2 cores: two pods each, nobody sent the careful way
    expect(bound.map((b) => b?.nodeName)).toEqual(['n1', 'n1', 'n2', 'n2']);
    expect(announced).toEqual(['pod/warm', 'pod/x', 'pod/y', 'pod/z', 'pod/w']);
  });

  it('a pod no cached node can take resolves null (the careful path), and the nodes are read again', async () => {
    const { store, scheduler } = setup([node(1, 1000)]);
    expect(await scheduler.createBound(newPod('fits'))).not.toBeNull();
    const readsBefore = store.reads;
    expect(await scheduler.createBound(newPod('too-big', 5000))).toBeNull();
    await scheduler.createBound(newPod('next', 0));
    expect(store.reads).toBeGreaterThan(readsBefore);
  });

  it('a name twice in one batch, or taken already, fails alone with a conflict', async () => {
    const { store, scheduler } = setup([node(1, 16000)]);
    store.taken.add('old');
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('first'));
    await settle();
    const results = ['dup', 'dup', 'old', 'fine'].map((name) =>
      scheduler.createBound(newPod(name)).then(
        (b) => b?.event.object,
        (e: Error) => e,
      ),
    );
    store.hold = null;
    release();
    await first;
    const [dup, dupAgain, old, fine] = await Promise.all(results);
    expect(dup).toBe('pod/dup');
    expect(dupAgain).toBeInstanceOf(ConflictError);
    expect(old).toBeInstanceOf(ConflictError);
    expect((old as Error).message).toMatch(/"old" already exists/);
    expect(fine).toBe('pod/fine');
    // the twin was refused before writing: the others still went in one statement
    expect(store.statements).toEqual([['first'], ['dup', 'old', 'fine']]);
  });

  it('the same name in two namespaces of one batch is two pods, not a conflict', async () => {
    const { store, scheduler } = setup([node(1, 16000)]);
    store.namespaces.set('team-a', 'Active');
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('first'));
    await settle();
    const results = [undefined, 'team-a', 'team-a'].map((namespace) =>
      scheduler.createBound({ ...newPod('web'), namespace }).then(
        (b) => b?.event.object,
        (e: Error) => e,
      ),
    );
    store.hold = null;
    release();
    await first;
    const [inDefault, inTeamA, twinInTeamA] = await Promise.all(results);
    expect(inDefault).toBe('pod/web');
    expect(inTeamA).toBe('pod/web');
    expect(twinInTeamA).toBeInstanceOf(ConflictError);
    expect(store.statements).toEqual([['first'], ['web', 'web']]);
  });

  it('when one pod breaks the whole statement, each goes again alone and only that one fails', async () => {
    const { store, scheduler } = setup([node(1, 16000)]);
    store.poison.add('bad');
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('first'));
    await settle();
    const results = ['ok1', 'bad', 'ok2'].map((name) =>
      scheduler.createBound(newPod(name)).then(
        (b) => b?.event.object,
        (e: Error) => e,
      ),
    );
    store.hold = null;
    release();
    await first;
    const [ok1, bad, ok2] = await Promise.all(results);
    expect(ok1).toBe('pod/ok1');
    expect(ok2).toBe('pod/ok2');
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).message).toMatch(/duplicate key/);
    expect(store.statements).toEqual(
      expect.arrayContaining([['ok1', 'bad', 'ok2'], ['ok1'], ['bad'], ['ok2']]),
    );
  });

  it('a pod of a missing or Terminating namespace fails alone (404, 403), gives its room back and reads no nodes', async () => {
    const { store, scheduler } = setup([node(1, 2000)]);
    store.namespaces.set('going', 'Terminating');
    expect(await scheduler.createBound(newPod('warm', 0))).not.toBeNull();
    const readsBefore = store.reads;
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = scheduler.createBound(newPod('first', 0));
    await settle();
    const refused = [
      { ...newPod('lost'), namespace: 'nowhere' },
      { ...newPod('late'), namespace: 'going' },
    ].map((pod) => scheduler.createBound(pod).catch((e: Error) => e));
    store.hold = null;
    release();
    await first;
    const [lost, late] = await Promise.all(refused);
    expect(lost).toBeInstanceOf(NotFoundError);
    expect((lost as Error).message).toBe('namespace "nowhere" not found');
    expect(late).toBeInstanceOf(ForbiddenError);
    expect((late as Error).message).toBe(
      'unable to create new content in namespace going because it is being terminated',
    );
    // the refused pods took no room in the snapshot: both 1-core pods fit the 2 cores
    const placed = await Promise.all([
      scheduler.createBound(newPod('a')),
      scheduler.createBound(newPod('b')),
    ]);
    expect(placed.map((p) => p?.nodeName)).toEqual(['n1', 'n1']);
    expect(store.reads).toBe(readsBefore);
    expect(await scheduler.createBound(newPod('full'))).toBeNull();
  });
});
