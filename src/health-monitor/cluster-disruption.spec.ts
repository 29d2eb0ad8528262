import { addNode, at, reasons, setup, T0 } from './testing/monitor-harness';

describe('HealthMonitorService.runOnce when the whole cluster falls silent', () => {
  it('when every node goes silent at once: not_ready, then failed, but no eviction or restart until one beats', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2);
    addNode(m.store, 3);
    await m.tick(10001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual([
      'not_ready',
      'not_ready',
      'not_ready',
    ]);
    expect(reasons(m.events)).toContain('ClusterDisrupted');
    expect(m.store.disruption()).toEqual({
      active: true,
      since: at(0).toISOString(),
      reason: 'all 3 nodes stopped sending heartbeats at once',
    });
    await m.tick(20000);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'failed', 'failed']);
    await m.tick(60000); // long past the restart backoff
    expect(m.evicted).toEqual([]);
    expect(m.relaunched).toEqual([]);
    expect(reasons(m.events).filter((r) => r === 'ClusterDisrupted')).toHaveLength(1);
    // one node answers again (a heartbeat revives it): the pause ends, the others' turn comes
    // after they had two heartbeats' time to come back too
    m.store.nodes[0].last_heartbeat_at = at(60500);
    m.store.nodes[0].health_status = 'healthy';
    await m.tick(61000);
    expect(m.store.disruption().active).toBe(false);
    expect(reasons(m.events)).toContain('ClusterDisruptionEnded');
    expect(m.evicted).toEqual([]);
    m.store.nodes[0].last_heartbeat_at = at(71000);
    await m.tick(71001);
    expect(m.evicted).toEqual(['n2', 'n3']);
    expect(m.relaunched.map((r) => r.name)).toEqual(['n2', 'n3']);
  });

  it('while the whole cluster is silent, a restarted node that stays silent uses up no attempt', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2);
    addNode(m.store, 3, {
      health_status: 'recovering',
      recovery_attempts: 1,
      status_changed_at: at(0),
      last_heartbeat_at: at(-30000),
    });
    await m.tick(10001); // n1 and n2 silent together: disrupted
    expect(m.store.disruption().active).toBe(true);
    await m.tick(16000); // n3's restart is past its timeout, but no one gets through
    expect(m.store.nodes[2]).toMatchObject({ health_status: 'recovering', recovery_attempts: 1 });
    m.store.nodes[0].last_heartbeat_at = at(16500);
    m.store.nodes[0].health_status = 'healthy';
    await m.tick(17000);
    expect(m.store.nodes[2].health_status).toBe('failed');
  });

  it('a failure kubesim injected is handled even when every node has one', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2);
    m.injected.set(1, T0 + 100);
    m.injected.set(2, T0 + 100);
    await m.tick(10001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['not_ready', 'not_ready']);
    await m.tick(15001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'failed']);
    expect(reasons(m.events)).not.toContain('ClusterDisrupted');
    expect(m.evicted).toEqual(['n1', 'n2']);
    await m.tick(17001);
    expect(m.relaunched.map((r) => r.name)).toEqual(['n1', 'n2']);
  });

  it('agents the runtime saw die are failures even when they are all the nodes', async () => {
    const m = setup();
    addNode(m.store, 1, { last_heartbeat_at: at(900) });
    addNode(m.store, 2, { last_heartbeat_at: at(900) });
    // both agents died, the runtime says so
    m.exit({ nodeId: 1, nodeName: 'n1', detail: 'exited with code 1' });
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'exited with code 1' });
    await m.tick(1000);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'failed']);
    expect(m.evicted).toEqual(['n1', 'n2']);
    await m.tick(20000); // silent long after: still no disruption for them
    expect(reasons(m.events)).not.toContain('ClusterDisrupted');
  });
});
