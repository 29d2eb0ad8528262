import { NodeView } from '../scheduler/strategies/types';
import {
  AutoscalerSettings,
  decideScaling,
  Observed,
  ObservedNode,
  podsFitOn,
  ScalingAction,
} from './scaling-decision';

const NOW = 1_000_000;
const settings: AutoscalerSettings = {
  enabled: true,
  minNodes: 1,
  maxNodes: 4,
  nodeCpuCores: 4,
  nodeMemoryMb: null,
  scaleUpDelayS: 0,
  scaleDownIdleS: 60,
};

function view(name: string, cores: number, allocatedCores: number, extra: Partial<NodeView> = {}) {
  return {
    id: 0,
    name,
    nodeType: 'worker',
    healthStatus: 'healthy',
    cordoned: false,
    kubelet: 'running',
    containerRuntime: 'running',
    cpuTotalM: cores * 1000,
    cpuAllocatedM: allocatedCores * 1000,
    memoryTotalMb: null,
    memoryAllocatedMb: 0,
    ...extra,
  } as NodeView;
}
/** a node with pods of the given cores each */
const node = (
  name: string,
  cores: number,
  pods: number[],
  extra: Partial<NodeView> = {},
): ObservedNode => ({
  view: view(
    name,
    cores,
    pods.reduce((a, b) => a + b, 0),
    extra,
  ),
  autoscaled: name.startsWith('autoscaled-'),
  pods: pods.map((c) => ({ cpuM: c * 1000, memoryMb: 16 })),
});
const pending = (n: number, cores = 1, since = NOW - 1000) =>
  Array.from({ length: n }, (_, i) => ({
    name: `p-${i}`,
    cpuM: cores * 1000,
    memoryMb: 16,
    pendingSince: since,
  }));
const observe = (o: Partial<Observed>): Observed => ({
  nodes: [],
  pending: [],
  underusedSince: {},
  ...o,
});
const kinds = (actions: ScalingAction[]) =>
  actions.map((a) =>
    a.kind === 'scale-up' ? `up ${a.count}` : a.kind === 'scale-down' ? `down ${a.node}` : a.kind,
  );

describe('decideScaling: scale up', () => {
  it.each<[string, Partial<AutoscalerSettings>, Partial<Observed>, string[]]>([
    // the 4-core node is full: 6 one-core pods need 6 cores = 2 new 4-core nodes
    [
      '6 pods pending beside a full node: 2 new nodes',
      {},
      { nodes: [node('w1', 4, [1, 1, 1, 1])], pending: pending(6) },
      ['up 2'],
    ],
    // max 4 with one node: at most 3 new ones; 16 cores needed, 12 come, 4 pods stay pending
    [
      'capped at max_nodes',
      {},
      { nodes: [node('w1', 4, [1, 1, 1, 1])], pending: pending(16) },
      ['up 3', 'at-max'],
    ],
    [
      'at max already: explained, nothing added',
      { maxNodes: 1 },
      { nodes: [node('w1', 4, [1, 1, 1, 1])], pending: pending(2) },
      ['at-max'],
    ],
    // the pending pods fit on free room: the scheduler places them, no node is needed
    ['room left on a node: nothing', {}, { nodes: [node('w1', 4, [1])], pending: pending(3) }, []],
    // a node still starting counts as room soon
    [
      'a starting node is room soon',
      {},
      {
        nodes: [
          node('w1', 4, [1, 1, 1, 1]),
          node('autoscaled-a', 4, [], { healthStatus: 'pending' }),
        ],
        pending: pending(4),
      },
      [],
    ],
    [
      'a pod bigger than a new node: explained, never scaled for',
      {},
      { nodes: [node('w1', 4, [1, 1, 1, 1])], pending: pending(1, 6) },
      ['too-big'],
    ],
    [
      'too big by memory',
      { nodeMemoryMb: 8 },
      { nodes: [node('w1', 4, [1, 1, 1, 1])], pending: pending(1) },
      ['too-big'],
    ],
    [
      'pods not yet pending for scale_up_delay_s wait',
      { scaleUpDelayS: 5 },
      { nodes: [node('w1', 4, [4])], pending: pending(3) },
      [],
    ],
    [
      'disabled: nothing',
      { enabled: false },
      { nodes: [node('w1', 4, [4])], pending: pending(3) },
      [],
    ],
    // bin-packing: 3-core pods take one 4-core node each
    [
      'packs by size: three 3-core pods need 3 nodes',
      {},
      { nodes: [node('w1', 4, [4])], pending: pending(3, 3) },
      ['up 3'],
    ],
    // no nodes at all: from nothing
    ['from an empty cluster', { minNodes: 0 }, { pending: pending(5) }, ['up 2']],
  ])('%s', (_, s, o, expected) => {
    expect(kinds(decideScaling({ ...settings, ...s }, observe(o), NOW).actions)).toEqual(expected);
  });

  it('says how many pods wait and how many nodes come', () => {
    const { actions } = decideScaling(
      settings,
      observe({ nodes: [node('w1', 4, [1, 1, 1, 1])], pending: pending(6) }),
      NOW,
    );
    expect(actions[0].message).toBe('ScaleUp: 6 pods pending, adding 2 nodes of 4 cores');
  });
});

describe('decideScaling: scale down', () => {
  const idleSince = (name: string) => ({ [name]: NOW - 61_000 });
  it.each<[string, Partial<AutoscalerSettings>, Partial<Observed>, string[]]>([
    [
      'an empty added node idle long enough goes',
      {},
      {
        nodes: [node('w1', 4, [1]), node('autoscaled-a', 4, [])],
        underusedSince: idleSince('autoscaled-a'),
      },
      ['down autoscaled-a'],
    ],
    // its 1-core pod fits on w1 (3 cores free)
    [
      'an under-used node whose pod fits elsewhere goes',
      {},
      {
        nodes: [node('w1', 4, [1]), node('autoscaled-a', 4, [1])],
        underusedSince: idleSince('autoscaled-a'),
      },
      ['down autoscaled-a'],
    ],
    // w1 has 1 core free, the pod needs 1.5: nowhere else to go
    [
      'never a node with a pod that has nowhere else to go',
      {},
      {
        nodes: [node('w1', 4, [3]), node('autoscaled-a', 4, [1.5])],
        underusedSince: idleSince('autoscaled-a'),
      },
      [],
    ],
    [
      'not idle long enough',
      {},
      {
        nodes: [node('w1', 4, []), node('autoscaled-a', 4, [])],
        underusedSince: { 'autoscaled-a': NOW - 10_000 },
      },
      [],
    ],
    // 50 % allocated is not under-used
    [
      'half allocated is not under-used',
      {},
      {
        nodes: [node('w1', 4, []), node('autoscaled-a', 4, [2])],
        underusedSince: idleSince('autoscaled-a'),
      },
      [],
    ],
    [
      'only nodes the autoscaler added',
      {},
      {
        nodes: [node('w1', 4, []), node('w2', 4, [])],
        underusedSince: { ...idleSince('w1'), ...idleSince('w2') },
      },
      [],
    ],
    [
      'down to min_nodes',
      { minNodes: 2 },
      {
        nodes: [node('w1', 4, []), node('autoscaled-a', 4, []), node('autoscaled-b', 4, [])],
        underusedSince: { ...idleSince('autoscaled-a'), ...idleSince('autoscaled-b') },
      },
      ['down autoscaled-a'],
    ],
    [
      'both empty added nodes go',
      {},
      {
        nodes: [node('w1', 4, []), node('autoscaled-a', 4, []), node('autoscaled-b', 4, [])],
        underusedSince: { ...idleSince('autoscaled-a'), ...idleSince('autoscaled-b') },
      },
      ['down autoscaled-a', 'down autoscaled-b'],
    ],
    // a's pod may go to b, or b's to a, not both: the node that received a pod stays
    [
      'two half-filled added nodes: one takes the other’s pod and stays',
      {},
      {
        nodes: [node('w1', 1, [1]), node('autoscaled-a', 4, [1]), node('autoscaled-b', 4, [1])],
        underusedSince: { ...idleSince('autoscaled-a'), ...idleSince('autoscaled-b') },
      },
      ['down autoscaled-a'],
    ],
    [
      'a pod too big for any node does not hold scale-down back',
      {},
      {
        nodes: [node('w1', 4, [4]), node('autoscaled-a', 4, [])],
        pending: pending(1, 5),
        underusedSince: idleSince('autoscaled-a'),
      },
      ['too-big', 'down autoscaled-a'],
    ],
    // the pending pods fit on the new node: it was added for them, it stays
    [
      'an idle added node stays while pods wait to be placed on it',
      {},
      {
        nodes: [node('w1', 4, [4]), node('autoscaled-a', 4, [])],
        pending: pending(2),
        underusedSince: idleSince('autoscaled-a'),
      },
      [],
    ],
    [
      'pods pending for less than scale_up_delay_s hold scale-down back too',
      { scaleUpDelayS: 30 },
      {
        nodes: [node('w1', 4, [4]), node('autoscaled-a', 4, [])],
        pending: pending(2),
        underusedSince: idleSince('autoscaled-a'),
      },
      [],
    ],
    [
      'a cordoned added node is left to the user',
      {},
      {
        nodes: [node('w1', 4, []), node('autoscaled-a', 4, [], { cordoned: true })],
        underusedSince: idleSince('autoscaled-a'),
      },
      [],
    ],
  ])('%s', (_, s, o, expected) => {
    expect(kinds(decideScaling({ ...settings, ...s }, observe(o), NOW).actions)).toEqual(expected);
  });

  it('starts the idle clock of a newly under-used node and forgets one that is busy again', () => {
    const nodes = [node('w1', 4, []), node('autoscaled-a', 4, []), node('autoscaled-b', 4, [3])];
    const { underusedSince, actions } = decideScaling(
      settings,
      observe({ nodes, underusedSince: { 'autoscaled-b': NOW - 5000 } }),
      NOW,
    );
    expect(actions).toEqual([]);
    expect(underusedSince).toEqual({ 'autoscaled-a': NOW });
  });

  it('while pods wait for room no node is removed', () => {
    const { actions } = decideScaling(
      { ...settings, maxNodes: 2 },
      observe({
        nodes: [node('w1', 4, [4]), node('autoscaled-a', 4, [1])],
        pending: pending(4),
        underusedSince: { 'autoscaled-a': 0 },
      }),
      NOW,
    );
    expect(kinds(actions)).toEqual(['at-max']);
  });

  it('podsFitOn rechecks against ready nodes only', () => {
    const pods = [{ cpuM: 1000, memoryMb: 0 }];
    expect(podsFitOn(pods, [view('w1', 4, 3)])).toBe(true);
    expect(podsFitOn(pods, [view('w1', 4, 3.5)])).toBe(false);
    expect(podsFitOn(pods, [view('w1', 4, 0, { healthStatus: 'failed' })])).toBe(false);
  });
});
