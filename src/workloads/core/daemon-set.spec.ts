import {
  CONTROLLER_REVISION_HASH,
  DAEMON_POD_TOLERATIONS,
  daemonPodTemplate,
  daemonSetHash,
  DaemonNodeView,
  nodeShouldRunDaemonPod,
  planDaemonSet,
  POD_TEMPLATE_GENERATION,
  TEMPLATE_GENERATION_ANNOTATION,
  withDaemonTolerations,
} from './daemon-set';
import { DaemonSetView, PodTemplate, PodView } from './types';

const NOW = 1_000_000;
const template = (spec: Record<string, unknown> = {}): PodTemplate => ({
  metadata: { labels: { app: 'agent' } },
  spec: { containers: [{ name: 'a', image: 'agent:1' }], ...spec },
});
const ds = (
  extra: { spec?: Partial<DaemonSetView['spec']>; generation?: number; deleting?: boolean } = {},
): DaemonSetView => ({
  metadata: {
    name: 'agent',
    namespace: 'default',
    uid: 'ds-1',
    generation: extra.generation ?? 2,
    labels: {},
    annotations: { [TEMPLATE_GENERATION_ANNOTATION]: '1' },
    ownerReferences: [],
    createdAt: 0,
    deleting: extra.deleting ?? false,
  },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: template(),
    ...extra.spec,
  },
  status: {},
});
const node = (name: string, extra: Partial<DaemonNodeView> = {}): DaemonNodeView => ({
  name,
  labels: { 'kubernetes.io/hostname': name },
  taints: [],
  takesPods: true,
  ...extra,
});
const ours = [
  { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-1', controller: true },
];
const HASH = daemonSetHash(ds());
const pod = (name: string, nodeName: string | null, extra: Partial<PodView> = {}): PodView => ({
  name,
  labels: { app: 'agent', [CONTROLLER_REVISION_HASH]: HASH, [POD_TEMPLATE_GENERATION]: '1' },
  ownerReferences: ours,
  phase: 'Running',
  nodeName,
  ready: true,
  readySince: 0,
  restartCount: 0,
  createdAt: 0,
  deleting: false,
  ...extra,
});
const names = (plan: ReturnType<typeof planDaemonSet>) =>
  plan.delete.map((d) => `${d.pod.name}:${d.why}`);

describe('nodeShouldRunDaemonPod', () => {
  it.each([
    ['a plain node', node('n1'), {}, true, true],
    [
      'a cordoned node: the unschedulable taint is tolerated',
      node('n1', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
      {},
      true,
      true,
    ],
    // not-ready NoSchedule is not tolerated (only NoExecute is): no new pod, the old one stays
    [
      'a node not ready',
      node('n1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }),
      {},
      false,
      true,
    ],
    [
      'an untolerated NoSchedule taint',
      node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      {},
      false,
      true,
    ],
    [
      'an untolerated NoExecute taint',
      node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }),
      {},
      false,
      false,
    ],
    [
      'a tolerated NoExecute taint',
      node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }),
      { tolerations: [{ key: 'dedicated', operator: 'Exists' }] },
      true,
      true,
    ],
    [
      'PreferNoSchedule is no bar',
      node('n1', { taints: [{ key: 'dedicated', effect: 'PreferNoSchedule' }] }),
      {},
      true,
      true,
    ],
    [
      'nodeSelector matches',
      node('n1', { labels: { disk: 'ssd' } }),
      { nodeSelector: { disk: 'ssd' } },
      true,
      true,
    ],
    [
      'nodeSelector does not match',
      node('n1', { labels: { disk: 'hdd' } }),
      { nodeSelector: { disk: 'ssd' } },
      false,
      false,
    ],
    [
      'required node affinity does not match',
      node('n1', { labels: { zone: 'b' } }),
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
              ],
            },
          },
        },
      },
      false,
      false,
    ],
    [
      'required node affinity on the name matches',
      node('n1'),
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] },
              ],
            },
          },
        },
      },
      true,
      true,
    ],
    ['spec.nodeName names another node', node('n1'), { nodeName: 'n2' }, false, false],
    ['a node that runs no pods (a master)', node('m1', { takesPods: false }), {}, false, false],
  ])('%s', (_what, n, spec, shouldRun, shouldContinueRunning) => {
    expect(nodeShouldRunDaemonPod(template(spec), n)).toEqual({ shouldRun, shouldContinueRunning });
  });
});

describe('the daemon pod', () => {
  it('is pinned to its node, labelled with the revision and tolerates what Kubernetes adds', () => {
    const withAffinity = ds({
      spec: {
        template: template({
          tolerations: [{ key: 'dedicated', operator: 'Exists' }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
                ],
              },
            },
          },
        }),
      },
    });
    const hash = daemonSetHash(withAffinity);
    const t = daemonPodTemplate(withAffinity, hash, 'n2');
    expect(t.metadata?.labels).toEqual({
      app: 'agent',
      [CONTROLLER_REVISION_HASH]: hash,
      [POD_TEMPLATE_GENERATION]: '1',
    });
    // the terms are replaced by the one naming the node (ReplaceDaemonSetPodNodeNameNodeAffinity)
    expect(t.spec.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] },
          ],
        },
      },
    });
    expect(t.spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Exists' },
      ...DAEMON_POD_TOLERATIONS,
    ]);
  });

  it('adds network-unavailable for hostNetwork pods and replaces an equal toleration', () => {
    const given = [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists' as const,
        effect: 'NoExecute' as const,
        tolerationSeconds: 30,
      },
    ];
    const out = withDaemonTolerations(given, true);
    expect(out).toHaveLength(DAEMON_POD_TOLERATIONS.length + 1);
    expect(out[0]).toEqual(DAEMON_POD_TOLERATIONS[0]);
    expect(out.at(-1)?.key).toBe('node.kubernetes.io/network-unavailable');
  });

  it('has a hash that changes with the template only', () => {
    const other = ds({
      spec: { template: template({ containers: [{ name: 'a', image: 'agent:2' }] }) },
    });
    expect(daemonSetHash(ds({ generation: 9 }))).toBe(HASH);
    expect(daemonSetHash(other)).not.toBe(HASH);
  });
});

describe('planDaemonSet', () => {
  it('makes one pod per eligible node and reports the status', () => {
    const nodes = [
      node('n1'),
      node('n2'),
      node('n3', { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }),
      node('m1', { takesPods: false }),
    ];
    const plan = planDaemonSet(ds(), nodes, [pod('a', 'n1')], NOW);
    expect(plan.create).toEqual(['n2']);
    expect(plan.delete).toEqual([]);
    expect(plan.status).toEqual({
      currentNumberScheduled: 1,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 1,
      observedGeneration: 2,
    });
  });

  it.each([
    // a pod not yet bound but pinned to its node counts for it: nothing more is made
    [
      'a pinned pending pod',
      {},
      [node('n1')],
      [pod('a', null, { targetNode: 'n1', phase: 'Pending', ready: false })],
      [],
      [],
    ],
    // two on one node: the oldest stays
    [
      'two on one node',
      {},
      [node('n1')],
      [pod('b', 'n1', { createdAt: 5 }), pod('a', 'n1', { createdAt: 1 })],
      [],
      ['b:excess'],
    ],
    // a node whose labels no longer match loses its pod
    [
      'labels no longer match',
      { nodeSelector: { disk: 'ssd' } },
      [node('n1', { labels: {} })],
      [pod('a', 'n1')],
      [],
      ['a:misscheduled'],
    ],
    // a NoSchedule taint keeps the pod there; NoExecute sends it away
    [
      'an untolerated NoSchedule taint',
      {},
      [node('n1', { taints: [{ key: 'k', effect: 'NoSchedule' }] })],
      [pod('a', 'n1')],
      [],
      [],
    ],
    [
      'an untolerated NoExecute taint',
      {},
      [node('n1', { taints: [{ key: 'k', effect: 'NoExecute' }] })],
      [pod('a', 'n1')],
      [],
      ['a:misscheduled'],
    ],
    // the node is gone: its pod goes too
    [
      'a deleted node',
      {},
      [node('n1')],
      [pod('a', 'n1'), pod('b', null, { targetNode: 'n9', phase: 'Pending' })],
      [],
      ['b:no-node'],
    ],
    // a failed pod is deleted; the next sync makes a new one
    [
      'a failed pod',
      {},
      [node('n1')],
      [pod('a', 'n1', { phase: 'Failed', ready: false })],
      [],
      ['a:failed'],
    ],
    // a pod on its way out is not deleted again, and nothing is made beside it
    ['a pod going', {}, [node('n1')], [pod('a', 'n1', { deleting: true })], [], []],
    // another controller's pods are not ours
    [
      'another owner',
      {},
      [node('n1')],
      [pod('a', 'n1', { ownerReferences: [{ ...ours[0], uid: 'other' }] })],
      ['n1'],
      [],
    ],
  ])('%s', (_what, spec, nodes, pods, create, deleted) => {
    const plan = planDaemonSet(ds({ spec: { template: template(spec) } }), nodes, pods, NOW);
    expect(plan.create).toEqual(create);
    expect(names(plan)).toEqual(deleted);
  });

  it('counts a pod on a node that should not run one as misscheduled', () => {
    const nodes = [node('n1', { taints: [{ key: 'k', effect: 'NoSchedule' }] })];
    const plan = planDaemonSet(ds(), nodes, [pod('a', 'n1')], NOW);
    expect(plan.status.numberMisscheduled).toBe(1);
    expect(plan.status.desiredNumberScheduled).toBe(0);
  });

  it('adopts a matching orphan and releases a pod that no longer matches', () => {
    const orphan = pod('o', 'n1', { ownerReferences: [] });
    const stray = pod('s', 'n2', { labels: { app: 'other' } });
    const plan = planDaemonSet(ds(), [node('n1'), node('n2')], [orphan, stray], NOW);
    expect(plan.adopt.map((p) => p.name)).toEqual(['o']);
    expect(plan.release.map((p) => p.name)).toEqual(['s']);
    expect(plan.create).toEqual(['n2']);
  });

  it('makes and deletes nothing while it is being deleted', () => {
    const plan = planDaemonSet(
      ds({ deleting: true }),
      [node('n1'), node('n2')],
      [pod('a', 'n1')],
      NOW,
    );
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
  });

  describe('RollingUpdate (maxSurge 0)', () => {
    const updated = ds({
      generation: 3,
      spec: { template: template({ containers: [{ name: 'a', image: 'agent:2' }] }) },
    });
    updated.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION] = '2';
    const newHash = daemonSetHash(updated);
    const fresh = (name: string, n: string, extra: Partial<PodView> = {}) =>
      pod(name, n, {
        labels: {
          app: 'agent',
          [CONTROLLER_REVISION_HASH]: newHash,
          [POD_TEMPLATE_GENERATION]: '2',
        },
        ...extra,
      });
    const three = [node('n1'), node('n2'), node('n3')];

    it.each([
      // maxUnavailable 1 (the default): one old pod at a time
      [
        'default',
        undefined,
        [pod('a', 'n1'), pod('b', 'n2'), pod('c', 'n3')],
        ['a:rolling-update'],
      ],
      // 2 of 3 may be down at once
      [
        'maxUnavailable 2',
        2,
        [pod('a', 'n1'), pod('b', 'n2'), pod('c', 'n3')],
        ['a:rolling-update', 'b:rolling-update'],
      ],
      // 50% of 3 rounds up to 2
      [
        'maxUnavailable 50%',
        '50%',
        [pod('a', 'n1'), pod('b', 'n2'), pod('c', 'n3')],
        ['a:rolling-update', 'b:rolling-update'],
      ],
      // a new pod not ready yet uses up the budget: nothing more goes
      [
        'waits for the new pod',
        undefined,
        [fresh('a2', 'n1', { ready: false }), pod('b', 'n2'), pod('c', 'n3')],
        [],
      ],
      // the new pod is available: the next old one goes
      [
        'moves on',
        undefined,
        [fresh('a2', 'n1'), pod('b', 'n2'), pod('c', 'n3')],
        ['b:rolling-update'],
      ],
      // an old pod that is not available is replaced whatever the budget
      [
        'an unavailable old pod',
        undefined,
        [fresh('a2', 'n1', { ready: false }), pod('b', 'n2', { ready: false }), pod('c', 'n3')],
        ['b:rolling-update'],
      ],
      ['done', undefined, [fresh('a2', 'n1'), fresh('b2', 'n2'), fresh('c2', 'n3')], []],
    ])('%s', (_what, maxUnavailable, pods, deleted) => {
      const set: DaemonSetView = {
        ...updated,
        spec: {
          ...updated.spec,
          updateStrategy: {
            type: 'RollingUpdate',
            rollingUpdate: maxUnavailable === undefined ? {} : { maxUnavailable },
          },
        },
      };
      const plan = planDaemonSet(set, three, pods, NOW);
      expect(plan.create).toEqual([]);
      expect(names(plan)).toEqual(deleted);
    });

    it('reports updated pods by hash or template generation', () => {
      const plan = planDaemonSet(
        updated,
        three,
        [
          fresh('a2', 'n1'),
          pod('b', 'n2'),
          pod('c', 'n3', { labels: { app: 'agent', [POD_TEMPLATE_GENERATION]: '2' } }),
        ],
        NOW,
      );
      expect(plan.status.updatedNumberScheduled).toBe(2);
      expect(plan.status.observedGeneration).toBe(3);
    });

    it('OnDelete replaces nothing: only a deleted pod comes back new', () => {
      const set: DaemonSetView = {
        ...updated,
        spec: { ...updated.spec, updateStrategy: { type: 'OnDelete' } },
      };
      const plan = planDaemonSet(set, three, [pod('a', 'n1'), pod('b', 'n2')], NOW);
      expect(plan.delete).toEqual([]);
      expect(plan.create).toEqual(['n3']);
    });

    it('counts minReadySeconds before a new pod is available', () => {
      const set: DaemonSetView = { ...updated, spec: { ...updated.spec, minReadySeconds: 10 } };
      const justReady = fresh('a2', 'n1', { readySince: NOW - 5_000 });
      expect(
        names(planDaemonSet(set, three, [justReady, pod('b', 'n2'), pod('c', 'n3')], NOW)),
      ).toEqual([]);
      expect(
        names(planDaemonSet(set, three, [justReady, pod('b', 'n2'), pod('c', 'n3')], NOW + 5_000)),
      ).toEqual(['b:rolling-update']);
    });
  });
});
