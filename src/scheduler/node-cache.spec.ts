import { StoreChanges } from '../database/store-changes';
import { NodeCache } from './node-cache';
import { NodeView } from './strategies/types';

const T0 = Date.parse('2026-01-01T00:00:00Z');

const view = (id: number, cpuAllocatedM = 0): NodeView => ({
  id,
  name: `n${id}`,
  nodeType: 'worker',
  healthStatus: 'healthy',
  cordoned: false,
  kubelet: 'running',
  containerRuntime: 'running',
  cpuTotalM: 4000,
  cpuAllocatedM,
  memoryTotalMb: null,
  memoryAllocatedMb: 0,
});

/**
 * The bindings' read of the nodes the cache uses, and the store's change listeners; each
 * read can be held open to interleave a change.
 */
class FakeStore {
  nodes: NodeView[] = [view(1)];
  reads = 0;
  hold: Promise<void> | null = null;
  readonly changes = new StoreChanges();
  /** what a repository does after this process changed a node */
  changed() {
    this.changes.nodesChanged();
  }
  async allNodeViews() {
    this.reads++;
    const snapshot = this.nodes.map((n) => ({ ...n }));
    if (this.hold) await this.hold;
    return snapshot;
  }
}

describe('NodeCache', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => jest.useRealTimers());

  function setup() {
    const store = new FakeStore();
    const cache = new NodeCache(store, store.changes);
    return { store, cache };
  }

  it('reads the nodes once per second at most, then again', async () => {
    const { store, cache } = setup();
    expect((await cache.view()).map((n) => n.id)).toEqual([1]);
    store.nodes.push(view(2)); // another replica adds a node
    jest.setSystemTime(T0 + 1000);
    expect((await cache.view()).map((n) => n.id)).toEqual([1]);
    expect(store.reads).toBe(1);
    jest.setSystemTime(T0 + 1001);
    expect((await cache.view()).map((n) => n.id)).toEqual([1, 2]);
    expect(store.reads).toBe(2);
  });

  it("shows this process's own node changes at once", async () => {
    const { store, cache } = setup();
    await cache.view();
    store.nodes[0].cpuAllocatedM = 4000;
    store.changed();
    expect((await cache.view())[0].cpuAllocatedM).toBe(4000);
    expect(store.reads).toBe(2);
  });

  it('placements running at once share one read', async () => {
    const { store, cache } = setup();
    const views = await Promise.all([cache.view(), cache.view(), cache.view()]);
    expect(store.reads).toBe(1);
    expect(views[0]).toBe(views[2]);
  });

  it('a change seen while reading leaves the snapshot stale: the next placement reads again', async () => {
    const { store, cache } = setup();
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const first = cache.view();
    await Promise.resolve();
    store.nodes[0].cpuAllocatedM = 3000; // committed after the read began
    store.changed();
    store.hold = null;
    release();
    expect((await first)[0].cpuAllocatedM).toBe(0);
    expect((await cache.view())[0].cpuAllocatedM).toBe(3000);
    expect(store.reads).toBe(2);
  });
});
