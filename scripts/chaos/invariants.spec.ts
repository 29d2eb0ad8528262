import {
  acknowledgedAtEnd,
  Check,
  checkInvariants,
  clusterSettled,
  exitCode,
  FinalState,
  list,
  NodeView,
  PodView,
  summarize,
} from './invariants';
import { RunRecord } from './record';

const node = (id: number, extra: Partial<NodeView> = {}): NodeView => ({
  id,
  name: `n${id}`,
  health_status: 'healthy',
  cpu_cores_total: 4,
  cpu_cores_allocated: 0,
  ...extra,
});

const pod = (id: number, extra: Partial<PodView> = {}): PodView => ({
  id,
  name: `p${id}`,
  status: 'pending',
  reason: 'no node has room',
  node_id: null,
  node_name: null,
  cpu_cores_req: 0.5,
  ...extra,
});

const bound = (id: number, nodeId: number, cpu = 0.5): PodView =>
  pod(id, {
    status: 'running',
    reason: null,
    node_id: nodeId,
    node_name: `n${nodeId}`,
    cpu_cores_req: cpu,
  });

/** A run that saw nothing wrong, with p1 acknowledged; `change` spoils one thing. */
function run(change: (record: RunRecord, end: FinalState) => void = () => undefined) {
  const record = new RunRecord();
  record.acknowledged.set('p1', 1);
  const end: FinalState = {
    nodes: [node(1, { cpu_cores_allocated: 0.5 }), node(2)],
    pods: [bound(1, 1)],
    repairs: [],
    settled: true,
    settleMs: 3200,
  };
  change(record, end);
  return checkInvariants(record, end);
}

const violated = (checks: Check[]) => checks.filter((c) => !c.held).map((c) => c.name);

describe('checkInvariants', () => {
  it('holds every invariant for a clean run', () => {
    const checks = run();
    expect(violated(checks)).toEqual([]);
    expect(checks).toHaveLength(13);
    expect(exitCode(checks)).toBe(0);
  });

  it.each<[string, (record: RunRecord, end: FinalState) => void, string, RegExp]>([
    [
      'the cluster did not settle',
      (_, end) => (end.settled = false),
      'the cluster settled within 60 s',
      /^3\.2 s$/,
    ],
    [
      'an acknowledged pod is missing',
      (_, end) => {
        end.pods = [];
        end.nodes[0].cpu_cores_allocated = 0;
      },
      'no acknowledged pod lost',
      /^lost: p1$/,
    ],
    [
      'an acknowledged pod answered 404 to DELETE',
      (record) => record.vanished.push('p9'),
      'no acknowledged pod lost',
      /p9 \(404 to DELETE\)/,
    ],
    [
      'a pod is listed twice',
      (_, end) => end.pods.push(bound(1, 1, 0)), // (no CPU: only the listing is off)
      'no pod listed twice',
      /^2 pods$/,
    ],
    [
      'a node holds more than it has',
      (_, end) => {
        end.nodes[1] = node(2, { cpu_cores_allocated: 4.5 });
        end.pods.push(bound(2, 2, 4.5));
      },
      'no node overcommitted (allocated ≤ total)',
      /^n2 4\.5\/4$/,
    ],
    [
      "a node's allocation is not the sum of its pods",
      (_, end) => (end.nodes[1].cpu_cores_allocated = 1),
      "allocated == sum of bound pods' requests",
      /^n2 allocated 1$/,
    ],
    [
      'the monitor repaired an allocation',
      (_, end) => end.repairs.push({ message: 'n1: 1 → 0.5' }),
      'allocation never drifted (no AllocationRepaired event)',
      /n1: 1 → 0\.5/,
    ],
    [
      'a node is still failed',
      (_, end) => (end.nodes[1].health_status = 'failed'),
      'nodes healthy, permanently_failed or stopped by the chaos',
      /^n2:failed$/,
    ],
    [
      'a node is stopped though the chaos did not stop it',
      (_, end) => (end.nodes[1].health_status = 'stopped'),
      'nodes healthy, permanently_failed or stopped by the chaos',
      /^n2:stopped$/,
    ],
    [
      'a pod waits without a reason',
      (_, end) => end.pods.push(pod(2, { reason: null })),
      'pods running, pending with a reason, or failed as the cause of node failures',
      /^p2:pending$/,
    ],
    [
      'a pod is failed',
      (_, end) => end.pods.push(pod(2, { status: 'failed' })),
      'pods running, pending with a reason, or failed as the cause of node failures',
      /^p2:failed$/,
    ],
    [
      'a pod is bound to a node that is not healthy',
      (_, end) => (end.nodes[0].health_status = 'permanently_failed'),
      'no pod bound to a node that is not healthy',
      /^p1@n1$/,
    ],
    [
      'the API answered 500',
      (record) => record.serverErrors.set('POST /pods 500', 2),
      'no 5xx other than 503',
      /^POST \/pods 500 ×2$/,
    ],
    [
      'a SIGTERM did not end in exit 0',
      (record) => record.uncleanStops.push('exit code 1 after 300 ms'),
      'SIGTERM: the API exits 0 within 15 s',
      /^exit code 1 after 300 ms$/,
    ],
    [
      'a restart after kill -9 was refused',
      (record) => record.refusedRestarts.push('after SIGKILL: pid 42'),
      'after kill -9 the API starts again by itself',
      /^refused 1×: its embedded PostgreSQL still ran \(after SIGKILL: pid 42\)$/,
    ],
    [
      'an action threw',
      (record) => record.problems.push('restart-api threw: boom'),
      'no other problem seen during the run',
      /^restart-api threw: boom$/,
    ],
  ])('%s: violates exactly one invariant', (_, spoil, name, detail) => {
    const checks = run(spoil);
    expect(violated(checks)).toEqual([name]);
    expect(checks.find((c) => c.name === name)!.detail).toMatch(detail);
    expect(exitCode(checks)).toBe(1);
  });

  it.each<[string, (record: RunRecord, end: FinalState) => void]>([
    [
      'a node the chaos stopped',
      (record, end) => {
        end.nodes[1].health_status = 'stopped';
        record.stoppedByChaos.add('n2');
      },
    ],
    [
      'a permanently failed node without pods',
      (_, end) => (end.nodes[1].health_status = 'permanently_failed'),
    ],
    ['a pod pending with a reason', (_, end) => end.pods.push(pod(2))],
    ['503 answers (not counted as server errors)', () => undefined],
  ])('%s: holds', (_, change) => {
    expect(violated(run(change))).toEqual([]);
  });

  it('details say what was counted when all is well', () => {
    const checks = run((record, end) => {
      record.count('restart-api (SIGTERM)', true);
      record.count('restart-api (SIGKILL)', true);
      record.count('restart-api (SIGKILL)', true);
      end.nodes[1].cordoned = true;
      end.pods.push(pod(2));
    });
    const detail = (name: string) => checks.find((c) => c.name.startsWith(name))!.detail;
    expect(detail('no acknowledged pod lost')).toBe('1 acknowledged pods all present');
    expect(detail('nodes healthy')).toBe('1 healthy, 1 healthy (cordoned)');
    expect(detail('pods running')).toBe(
      '1 running, 1 pending; waiting because: 1 no node has room',
    );
    expect(detail('SIGTERM')).toBe('1 clean stops');
    expect(detail('after kill -9')).toBe('2 restarts');
  });

  it('no checks (an interrupted run) is not a success', () => {
    expect(exitCode([])).toBe(1);
  });
});

describe('acknowledgedAtEnd', () => {
  it.each<[string, { creates: string[]; deletes: string[] }, string[]]>([
    [
      'an unanswered create whose pod exists counts',
      { creates: ['p2'], deletes: [] },
      ['p1', 'p2'],
    ],
    ['an unanswered create whose pod is absent does not', { creates: ['p3'], deletes: [] }, ['p1']],
    [
      'an unanswered create deleted unanswered does not',
      { creates: ['p2'], deletes: ['p2'] },
      ['p1'],
    ],
  ])('%s', (_, { creates, deletes }, expected) => {
    const record = new RunRecord();
    record.acknowledged.set('p1', 1);
    creates.forEach((n) => record.uncertainCreates.add(n));
    deletes.forEach((n) => record.uncertainDeletes.add(n));
    const got = acknowledgedAtEnd(record, [bound(1, 1), bound(2, 1)]);
    expect([...got.keys()].sort()).toEqual(expected);
    expect(record.acknowledged.size).toBe(1); // the record itself stays as it was
  });

  it('a lost unanswered create is not held against the run', () => {
    expect(violated(run((record) => record.uncertainCreates.add('p7')))).toEqual([]);
  });
});

describe('clusterSettled', () => {
  it.each<[string, NodeView[], PodView[], string[], boolean]>([
    ['all healthy and running', [node(1)], [bound(1, 1)], [], true],
    ['no nodes, no pods', [], [], [], true],
    ['a node failing', [node(1, { health_status: 'failing' })], [], [], false],
    ['a node the chaos stopped', [node(1, { health_status: 'stopped' })], [], ['n1'], true],
    ['a node stopped by someone else', [node(1, { health_status: 'stopped' })], [], ['n2'], false],
    ['a pod pending with a reason', [node(1)], [pod(1)], [], true],
    ['a pod pending without a reason', [node(1)], [pod(1, { reason: '' })], [], false],
    ['a pod scheduled, not yet running', [node(1)], [pod(1, { status: 'scheduled' })], [], false],
    [
      'a pod failed as the cause of two node failures',
      [node(1)],
      [pod(1, { status: 'failed', reason: 'PodCausedNodeFailures: nodes a and b failed' })],
      [],
      true,
    ],
    ['a pod failed for another reason', [node(1)], [pod(1, { status: 'failed' })], [], false],
  ])('%s', (_, nodes, pods, stopped, expected) => {
    expect(clusterSettled(nodes, pods, new Set(stopped))).toBe(expected);
  });
});

describe('summarize and list', () => {
  it.each<[string[], string]>([
    [[], 'none'],
    [['a'], '1 a'],
    [['a', 'b', 'a'], '2 a, 1 b'],
  ])('summarize %j → %s', (xs, expected) => expect(summarize(xs)).toBe(expected));

  it.each<[string[], number, string]>([
    [[], 8, ''],
    [['a', 'b'], 8, 'a, b'],
    [['a', 'b', 'c', 'd'], 2, 'a, b … (4)'],
  ])('list %j (at most %d) → %s', (xs, max, expected) => expect(list(xs, max)).toBe(expected));
});
