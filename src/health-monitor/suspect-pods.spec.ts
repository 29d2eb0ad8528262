import { addNode, at, setup } from './testing/monitor-harness';

describe('HealthMonitorService.runOnce and the pods suspected of failing nodes', () => {
  it('a pod on two nodes just before each failed is failed, not moved to a third', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 3, { last_heartbeat_at: at(10_000_000) });
    m.store.pods.set(1, [7, 8]);
    m.moveTo.set(1, 2);
    m.moveTo.set(2, 3);
    await m.tick(15001); // n1 fails: pods 7 and 8 go to n2
    expect(m.store.pods.get(2)).toEqual([7, 8]);
    expect(m.poisoned).toEqual([]);
    // n2 dies at once (its agent exits) with the same pods: they caused it
    m.store.nodes[0].last_heartbeat_at = at(10_000_000); // n1 is back meanwhile
    m.store.nodes[0].health_status = 'healthy';
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'exited with code 137' });
    await m.tick(16000);
    expect(m.poisoned).toEqual([
      {
        node: 'n2',
        pods: [7, 8],
        why: [
          expect.stringMatching(/^PodCausedNodeFailures: nodes n1 and n2 failed within 1\.0 s/),
          expect.stringMatching(/^PodCausedNodeFailures: /),
        ],
      },
    ]);
    expect(m.store.pods.get(3)).toEqual([]);
  });

  it('agents killed from outside never make a pod a suspect', async () => {
    const m = setup();
    addNode(m.store, 1, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 3, { last_heartbeat_at: at(10_000_000) });
    m.store.pods.set(1, [7]);
    m.moveTo.set(1, 2);
    m.moveTo.set(2, 3);
    m.exit({ nodeId: 1, nodeName: 'n1', detail: 'killed by SIGKILL', fromOutside: true });
    await m.tick(1000);
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'killed by SIGKILL', fromOutside: true });
    await m.tick(2000);
    expect(m.poisoned).toEqual([]);
    expect(m.store.pods.get(3)).toEqual([7]);
  });
});
