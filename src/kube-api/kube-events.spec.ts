import {
  coreEventFieldSelector,
  EVENTS_V1_TABLE,
  fromEventsV1Event,
  toEventsV1Event,
} from './kube-events';
import { toKubeEvent } from './event-object';
import { microTime } from './kube-objects';
import { EVENT_TABLE } from './kube-table';
import { ClusterEvent } from '../events/cluster-bus';

const ctx = { clusterId: 'c1', clusterCreatedAt: new Date('2026-01-01T00:00:00Z') };
const stored = (over: Partial<ClusterEvent>): ClusterEvent => ({
  id: '42',
  type: 'Normal',
  reason: 'Scheduled',
  object: 'pod/web',
  message: 'Successfully assigned web to w1',
  namespace: 'team-a',
  created_at: '2026-03-04T05:06:07.890Z',
  ...over,
});

describe('events.k8s.io/v1 events, a view of the core ones', () => {
  it("a pod's Scheduled event: regarding, note, eventTime in microseconds, the scheduler reporting", () => {
    const core = toKubeEvent(ctx, stored({}));
    expect(toEventsV1Event(core)).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      // one object: the name, uid and resourceVersion of the core view
      metadata: core.metadata,
      eventTime: '2026-03-04T05:06:07.890000Z',
      reportingController: 'kubesim-scheduler',
      reportingInstance: 'kubesim',
      action: 'Binding',
      reason: 'Scheduled',
      regarding: { kind: 'Pod', name: 'web', namespace: 'team-a', apiVersion: 'v1' },
      note: 'Successfully assigned web to w1',
      type: 'Normal',
      deprecatedSource: { component: 'kubesim-scheduler' },
      deprecatedFirstTimestamp: '2026-03-04T05:06:07Z',
      deprecatedLastTimestamp: '2026-03-04T05:06:07Z',
      deprecatedCount: 1,
    });
    expect(core.metadata).toMatchObject({ name: 'web.000000000000002a', resourceVersion: '42' });
  });

  it.each([
    // [stored reason, object, reportingController, action]
    ['FailedScheduling', 'pod/huge', 'kubesim-scheduler', 'Scheduling'],
    ['NodeFailed', 'node/w1', 'kubesim-node-controller', 'NodeNotReady'],
    ['SuccessfulCreate', 'replicaset/web-5d4f', 'replicaset-controller', 'SuccessfulCreate'],
    ['Completed', 'job/pi', 'job-controller', 'Completed'],
  ])('%p about %p: reported by %p, action %p', (reason, object, controller, action) => {
    const v1 = toEventsV1Event(toKubeEvent(ctx, stored({ reason, object })));
    expect(v1).toMatchObject({ reportingController: controller, action });
    expect(v1.deprecatedSource).toEqual({ component: controller });
  });

  it('turns back into the core event it came from, so both print the same table row', () => {
    const now = Date.parse('2026-03-04T05:07:07Z');
    for (const e of [
      stored({}),
      stored({ type: 'Warning', reason: 'NodeFailed', object: 'node/w1' }),
    ]) {
      const core = toKubeEvent(ctx, e);
      const v1 = toEventsV1Event(core);
      expect(fromEventsV1Event(v1)).toEqual(core);
      expect(EVENTS_V1_TABLE.cells(v1, now)).toEqual(EVENT_TABLE.cells(core, now));
    }
    expect(EVENTS_V1_TABLE.cells(toEventsV1Event(toKubeEvent(ctx, stored({}))), now)).toEqual([
      '60s',
      'Normal',
      'Scheduled',
      'pod/web',
      '',
      'kubesim-scheduler',
      'Successfully assigned web to w1',
      '60s',
      '1',
      'web.000000000000002a',
    ]);
  });

  it('MicroTime keeps six digits of the second', () => {
    expect(microTime('2026-03-04T05:06:07Z')).toBe('2026-03-04T05:06:07.000000Z');
    expect(microTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe(
      '2026-01-02T03:04:05.006000Z',
    );
  });
});

describe('events.k8s.io/v1 field selectors', () => {
  it.each([
    ['regarding.name=web', 'involvedObject.name=web'],
    [
      'regarding.kind=Pod,regarding.namespace=team-a',
      'involvedObject.kind=Pod,involvedObject.namespace=team-a',
    ],
    ['regarding.uid=abc', 'involvedObject.uid=abc'],
    ['reportingController=kubesim-scheduler', 'reportingComponent=kubesim-scheduler'],
    ['reason=Scheduled,type!=Warning', 'reason=Scheduled,type!=Warning'],
    ['metadata.name=x,metadata.namespace=default', 'metadata.name=x,metadata.namespace=default'],
  ])('%p selects as core %p', (selector, core) =>
    expect(coreEventFieldSelector(selector)).toBe(core),
  );

  it.each(['involvedObject.name=web', 'note=x', 'message=x'])(
    'refuses %p as kube-apiserver does for this group',
    (selector) =>
      expect(() => coreEventFieldSelector(selector)).toThrow(
        `field label not supported: ${selector.split('=')[0]}`,
      ),
  );
});
