import fc from 'fast-check';
import { Database } from '../database/database';
import { PodFilter, PodsRepository, PodVersion } from '../database/pods.repository';
import { PodRecord } from '../database/records';
import { toPodResponse } from './pod.mapper';
import { PodListReader } from './pod-list-reader';

const terminated = fc.record({
  exit_code: fc.integer({ min: 0, max: 255 }),
  reason: fc.constantFrom('Completed', 'Error'),
  started_at: fc.constant('2026-01-01T00:00:00.000Z'),
  finished_at: fc.constant('2026-01-01T00:00:01.000Z'),
});

const containerState = fc.option(
  fc.record(
    {
      ready: fc.boolean(),
      terminated,
      waiting_reason: fc.constantFrom('CrashLoopBackOff', 'ContainerCreating'),
      last_terminated: terminated,
    },
    { requiredKeys: [] },
  ),
);

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const date = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});

/** A pod as PostgreSQL answers it (id and status are set by the table below). */
const podBody = fc.record({
  name: text,
  namespace: fc.constantFrom('default', 'ops'),
  node_id: fc.option(fc.integer({ min: 1, max: 3 })),
  node_name: fc.option(fc.constantFrom('w1', 'w2')),
  reason: fc.option(text),
  ip: fc.option(fc.constant('10.244.1.2')),
  cpu_req_m: fc.integer({ min: 1, max: 64_000 }),
  memory_req_mb: fc.integer({ min: 0, max: 65_536 }),
  scheduler_algorithm: fc.option(fc.constantFrom('best-fit', 'worst-fit')),
  restart_count: fc.nat(9),
  restart_policy: fc.constantFrom('Always', 'OnFailure', 'Never'),
  labels: fc.dictionary(text, text, { maxKeys: 2 }),
  annotations: fc.dictionary(text, text, { maxKeys: 2 }),
  scheduling: fc.option(
    fc.record(
      {
        nodeSelector: fc.dictionary(fc.constantFrom('zone', 'disk'), text, { maxKeys: 2 }),
        tolerations: fc.array(
          fc.record({ key: fc.constant('dedicated'), operator: fc.constant('Exists' as const) }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
  ),
  scheduled_at: fc.option(date),
  started_at: fc.option(date),
  finished_at: fc.option(date),
  created_at: date,
  updated_at: date,
  containers: fc.array(
    fc.record({
      name: text,
      image: text,
      cpu_req_m: fc.integer({ min: 0, max: 8_000 }),
      memory_req_mb: fc.nat(4_096),
      cpu_limit_m: fc.option(fc.integer({ min: 1, max: 8_000 })),
      memory_limit_mb: fc.option(fc.integer({ min: 1, max: 4_096 })),
      command: fc.array(text, { maxLength: 3 }),
      args: fc.array(text, { maxLength: 3 }),
      status: fc.constantFrom('waiting', 'running', 'terminated'),
      restart_count: fc.nat(5),
      state: containerState,
    }),
    { minLength: 1, maxLength: 3 },
  ),
  volumes: fc.array(
    fc.record({
      name: text,
      type: fc.constantFrom('emptyDir', 'secret'),
      size_gb: fc.option(fc.double({ min: 0, max: 100, noNaN: true })),
      path: fc.option(text),
    }),
    { maxLength: 2 },
  ),
  config: fc.array(
    fc.record({
      name: text,
      type: fc.constantFrom('env', 'configMap', 'secret'),
      key: text,
      value: text,
    }),
    { maxLength: 2 },
  ),
});

const filter: fc.Arbitrary<PodFilter> = fc.record(
  {
    status: fc.constantFrom('pending', 'running'),
    namespace: fc.constantFrom('default', 'ops'),
    nodeId: fc.integer({ min: 1, max: 3 }),
    after: fc.nat(12),
    limit: fc.integer({ min: 0, max: 12 }),
    offset: fc.nat(4),
  },
  { requiredKeys: ['limit', 'offset'] },
);

type Step =
  | { op: 'put'; id: number; status: 'pending' | 'running'; body: Omit<PodRecord, 'id' | 'status'> }
  | { op: 'delete'; id: number }
  | { op: 'list'; filter: PodFilter; raced: number | null };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('put' as const),
    id: fc.integer({ min: 1, max: 10 }),
    status: fc.constantFrom('pending' as const, 'running' as const),
    body: podBody,
  }),
  fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 10 }) }),
  fc.record({
    op: fc.constant('list' as const),
    filter,
    // a pod that changes between the read of the versions and that of the pods
    raced: fc.option(fc.integer({ min: 1, max: 10 })),
  }),
);

/** The pods table as PostgreSQL keeps it, each write giving the pod a new version. */
class PodsTable {
  private readonly rows = new Map<number, PodRecord & PodVersion>();
  private writes = 0;
  /** run once after the next read of versions outside a snapshot */
  between: (() => void) | null = null;
  snapshots = 0;

  put(pod: PodRecord): void {
    this.rows.set(pod.id, { ...pod, version: `x${++this.writes}` });
  }

  delete(id: number): void {
    this.rows.delete(id);
  }

  /** what the one-statement list answers */
  page(f: PodFilter): PodRecord[] {
    return [...this.rows.values()]
      .filter(
        (p) =>
          (!f.status || p.status === f.status) &&
          (f.namespace === undefined || p.namespace === f.namespace) &&
          (f.nodeId === undefined || p.node_id === f.nodeId) &&
          (f.after === undefined || p.id > f.after),
      )
      .sort((a, b) => a.id - b.id)
      .slice(f.offset, f.offset + f.limit);
  }

  readonly repository = {
    listPodVersions: (f: PodFilter, db?: unknown): Promise<PodVersion[]> => {
      const versions = this.page(f).map((p) => ({
        id: p.id,
        version: this.rows.get(p.id)!.version,
      }));
      if (!db && this.between) {
        this.between();
        this.between = null;
      }
      return Promise.resolve(versions);
    },
    podsWithVersions: (ids: number[]): Promise<Array<PodRecord & PodVersion>> =>
      Promise.resolve(
        // in no particular order, as `= ANY(…)` answers
        ids
          .filter((id) => this.rows.has(id))
          .map((id) => this.rows.get(id)!)
          .reverse(),
      ),
  };

  readonly database = {
    snapshot: <T>(work: (db: unknown) => Promise<T>): Promise<T> => {
      this.snapshots++;
      return work('snapshot');
    },
  };
}

const reader = (table: PodsTable) =>
  new PodListReader(
    table.repository as unknown as PodsRepository,
    table.database as unknown as Database,
  );

describe('PodListReader', () => {
  it('answers byte for byte the JSON of the list mapped pod by pod, through any writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const table = new PodsTable();
        const pods = reader(table);
        for (const s of steps) {
          if (s.op === 'put') table.put({ ...s.body, id: s.id, status: s.status });
          else if (s.op === 'delete') table.delete(s.id);
          else {
            // the page as the versions were read; a race changes the table right after
            let before: string | null = null;
            table.between = () => {
              before = JSON.stringify(table.page(s.filter).map(toPodResponse));
              if (s.raced === null) return;
              const pod = table.page({ limit: 100, offset: 0 }).find((p) => p.id === s.raced);
              // a new status may take it out of the page
              if (pod)
                table.put({ ...pod, status: pod.status === 'running' ? 'pending' : 'running' });
              else table.delete(s.raced);
            };
            const snapshotsBefore = table.snapshots;
            const body = await pods.json(s.filter);
            const after = JSON.stringify(table.page(s.filter).map(toPodResponse));
            // the page as it was at the first read, or, read again in one snapshot, as it is now
            if (table.snapshots > snapshotsBefore) expect(body).toBe(after);
            else expect(body).toBe(before);
            if (s.raced === null) expect(table.snapshots).toBe(snapshotsBefore);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads in full only the pods whose version it has not made JSON of', async () => {
    const table = new PodsTable();
    const [a, b] = fc.sample(podBody, { numRuns: 2, seed: 7 });
    table.put({ ...a, id: 1, status: 'running' });
    table.put({ ...b, id: 2, status: 'running' });
    const read = jest.spyOn(table.repository, 'podsWithVersions');
    const pods = reader(table);
    const all = { limit: 10, offset: 0 };
    const first = await pods.json(all);
    expect(read).toHaveBeenLastCalledWith([1, 2], undefined);
    expect(await pods.json(all)).toBe(first);
    expect(read).toHaveBeenCalledTimes(1);
    table.put({ ...b, id: 2, status: 'running', restart_count: 3 });
    const after = await pods.json(all);
    expect(read).toHaveBeenLastCalledWith([2], undefined);
    expect(JSON.parse(after)[1].restart_count).toBe(3);
    expect(after).toBe(JSON.stringify(table.page(all).map(toPodResponse)));
  });

  it('answers [] for an empty page', async () => {
    const table = new PodsTable();
    expect(await reader(table).json({ limit: 100, offset: 0 })).toBe('[]');
  });
});
