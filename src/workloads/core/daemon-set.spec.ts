import {
  CONTROLLER_REVISION_HASH,
  DAEMON_POD_TOLERATIONS,
  daemonPodTemplate,
  daemonSetHash,
  nodeShouldRunDaemonPod,
  planDaemonSet,
  POD_TEMPLATE_GENERATION,
  withDaemonTolerations,
} from './daemon-set';
import { ds, HASH, names, node, NOW, ours, pod, template } from './testing/daemon-set-views';

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
});
