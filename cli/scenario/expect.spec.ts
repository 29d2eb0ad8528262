import type { EventView, NodeView, PodView } from '../api-types';
import { checkEvent, checkNodes, checkPods, checkReach, describeExpectation } from './expect';

const pod = (name: string, status: string, node: string | null) =>
  ({ name, status, node_name: node }) as PodView;
const node = (name: string, status: string) => ({ name, health_status: status }) as NodeView;

describe('expectations', () => {
  const pods = [
    pod('web-1', 'running', 'w-2'),
    pod('web-2', 'pending', null),
    pod('db-1', 'running', 'w-1'),
  ];

  it('pods chosen by a selector, counted by their Kubernetes phase', () => {
    const seen = [
      { name: 'web-7d-a', phase: 'Running', node_name: 'w-2' },
      { name: 'web-7d-b', phase: 'Pending', node_name: null },
    ];
    const e = { on: 'pods', selector: 'app=web', phase: 'Running', count: 2 } as const;
    expect(checkPods(e, seen)).toEqual({
      held: false,
      seen: '1 of 2 matching (web-7d-a Running on w-2, web-7d-b Pending)',
    });
    expect(checkPods({ ...e, count: 1 }, seen).held).toBe(true);
    expect(describeExpectation(e)).toBe('pods app=web Running count 2');
  });

  it('reach: the answer of the reachability check against the one expected', () => {
    const e = {
      on: 'reach',
      from: 'default/a',
      to: 'default/db',
      port: 5432,
      allowed: false,
    } as const;
    expect(checkReach(e, { allowed: false, reason: 'no policy allows it' })).toEqual({
      held: true,
      seen: 'denied: no policy allows it',
    });
    expect(checkReach(e, { allowed: true, reason: 'allowed by allow-db' }).held).toBe(false);
    expect(describeExpectation(e)).toBe('default/a cannot reach default/db:5432');
  });

  it('pods with count: only those in the status and placement count', () => {
    const e = {
      on: 'pods',
      prefix: 'web-',
      status: 'running',
      count: 1,
      notOnNode: 'w-1',
    } as const;
    expect(checkPods(e, pods)).toEqual({
      held: true,
      seen: '1 of 2 matching (web-1 running on w-2, web-2 pending)',
    });
    expect(checkPods({ ...e, count: 2 }, pods).held).toBe(false);
    expect(describeExpectation(e)).toBe('pods web-* running count 1 not on w-1');
  });

  it('pods without count: every pod of the prefix, and at least one', () => {
    expect(checkPods({ on: 'pods', prefix: 'web-', status: 'running' }, pods).held).toBe(false);
    expect(checkPods({ on: 'pods', prefix: 'db-', onNode: 'w-1' }, pods).held).toBe(true);
    expect(checkPods({ on: 'pods', prefix: 'cache-' }, pods)).toEqual({
      held: false,
      seen: '0 of 0 matching',
    });
  });

  it('nodes by name or prefix', () => {
    const nodes = [node('w-1', 'failed'), node('w-2', 'healthy')];
    expect(checkNodes({ on: 'nodes', name: 'w-1', status: 'healthy' }, nodes)).toEqual({
      held: false,
      seen: 'w-1 failed',
    });
    expect(checkNodes({ on: 'nodes', prefix: 'w-', status: 'healthy', count: 1 }, nodes).held).toBe(
      true,
    );
    expect(checkNodes({ on: 'nodes', name: 'x', status: 'healthy' }, nodes).seen).toBe(
      'no such node',
    );
  });

  it('an event by reason and object', () => {
    const events = [{ reason: 'NodeFailed', object: 'node/w-1', message: 'silent' }] as EventView[];
    expect(checkEvent({ on: 'event', reason: 'NodeFailed', object: 'node/w-1' }, events).held).toBe(
      true,
    );
    expect(checkEvent({ on: 'event', reason: 'NodeFailed', object: 'node/w-2' }, events)).toEqual({
      held: false,
      seen: 'only NodeFailed node/w-1',
    });
  });
});
