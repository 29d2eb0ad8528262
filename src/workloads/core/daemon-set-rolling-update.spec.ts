import {
  CONTROLLER_REVISION_HASH,
  daemonSetHash,
  planDaemonSet,
  POD_TEMPLATE_GENERATION,
  TEMPLATE_GENERATION_ANNOTATION,
} from './daemon-set';
import { ds, names, node, NOW, pod, template } from './testing/daemon-set-views';
import { DaemonSetView, PodView } from './types';

describe('planDaemonSet', () => {
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
