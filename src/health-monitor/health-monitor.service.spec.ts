import { addNode, at, reasons, setup, T0 } from './testing/monitor-harness';

describe('HealthMonitorService.runOnce', () => {
  it('detects a silent node, evicts its pods, restarts it with backoff', async () => {
    const m = setup(); // timeout 15 s, backoff 2 s
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(9000) });
    await m.tick(10001); // n1 missed two beats
    expect(reasons(m.events)).toEqual(['NodeNotReady']);
    expect(m.store.nodes[0].health_status).toBe('not_ready');
    m.store.nodes[1].last_heartbeat_at = at(14000); // n2 keeps beating
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
    expect(m.store.nodes[1].health_status).toBe('healthy');
    expect(m.events.at(-1)).toMatchObject({ reason: 'NodeFailed', object: 'node/n1' });
    expect(m.events.at(-1)!.message).toMatch(/no heartbeat for 15\.0 s/);
    expect(m.evicted).toEqual(['n1']);
    // first restart 2 s after detection
    await m.tick(17000);
    expect(m.relaunched).toEqual([]);
    await m.tick(17001);
    expect(m.relaunched).toEqual([{ name: 'n1', attempt: 1 }]);
    expect(m.store.nodes[0].health_status).toBe('recovering');
    expect(m.scheduler.retryPending).toHaveBeenCalled();
  });

  it('counts a restart that stays silent as a failed attempt, backs off, and gives up after the last', async () => {
    const m = setup({ MAX_RECOVERY_ATTEMPTS: '2' });
    const n = addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    await m.tick(15001); // failed; restart due at 17001
    await m.tick(17001); // attempt 1 (restart stamped at 17006)
    await m.tick(32012); // 15 s later, still silent → attempt failed, next in 2 s × 2 = 4 s
    expect(n.health_status).toBe('failed');
    expect(n.next_recovery_at).toEqual(at(36012));
    await m.tick(36011);
    expect(m.relaunched).toHaveLength(1);
    await m.tick(36012); // attempt 2 (stamped at 36017)
    expect(m.relaunched.map((r) => r.attempt)).toEqual([1, 2]);
    await m.tick(51020); // silent again → out of attempts
    expect(n.health_status).toBe('permanently_failed');
    expect(m.stopped).toEqual(['n1']);
    expect(reasons(m.events)).toContain('NodePermanentlyFailed');
    await m.tick(200000);
    expect(m.relaunched).toHaveLength(2);
  });

  it('declares nothing failed during the startup grace', async () => {
    const m = setup();
    m.monitor.startGrace(T0); // booted at T0: grace until +15 s
    addNode(m.store, 1, { last_heartbeat_at: at(-600000) });
    addNode(m.store, 2, { last_heartbeat_at: at(0) });
    await m.tick(14999);
    expect(m.store.nodes[0].health_status).toBe('healthy');
    m.store.nodes[1].last_heartbeat_at = at(15000);
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
  });

  it("gives every node the time the API's own event loop stood still, and judges them after it", async () => {
    const m = setup(); // beats every 5 s, not ready after 10 s, failed after 15 s
    addNode(m.store, 1);
    addNode(m.store, 2);
    // the API stood still 12 s: the nodes' beats of that time wait unread in their sockets
    m.loop.stalledMs = 12_000;
    await m.tick(15001);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['healthy', 'healthy']);
    // the beats that waited are read: n2 beats on, n1 was silent all along
    m.store.nodes[1].last_heartbeat_at = at(20000);
    await m.tick(27000);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['healthy', 'healthy']);
    await m.tick(27002);
    expect(m.store.nodes.map((n) => n.health_status)).toEqual(['failed', 'healthy']);
    expect(reasons(m.events)).toEqual(['NodeFailed']);
  });

  it('judges as usual after stalls no longer than a heartbeat interval', async () => {
    const m = setup();
    addNode(m.store, 1);
    m.loop.stalledMs = 5_000;
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
  });

  it('marks a silent node not_ready after NODE_NOT_READY_AFTER_MS, failed at the timeout', async () => {
    const m = setup({ NODE_NOT_READY_AFTER_MS: '7000' });
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    await m.tick(7000);
    expect(m.store.nodes[0].health_status).toBe('healthy');
    await m.tick(7001);
    expect(m.store.nodes[0].health_status).toBe('not_ready');
    expect(m.events.at(-1)).toMatchObject({ reason: 'NodeNotReady', object: 'node/n1' });
    await m.tick(8000); // said once
    expect(reasons(m.events)).toEqual(['NodeNotReady']);
    await m.tick(15001);
    expect(m.store.nodes[0].health_status).toBe('failed');
    expect(m.evicted).toEqual(['n1']);
  });

  it('an injected failure never makes a pod a suspect', async () => {
    const m = setup();
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    addNode(m.store, 3, { last_heartbeat_at: at(10_000_000) });
    m.store.pods.set(1, [7]);
    m.moveTo.set(1, 2);
    m.moveTo.set(2, 3);
    m.injected.set(1, T0);
    await m.tick(15001);
    m.store.nodes[0].last_heartbeat_at = at(10_000_000);
    m.store.nodes[0].health_status = 'healthy';
    m.exit({ nodeId: 2, nodeName: 'n2', detail: 'exited with code 137' });
    await m.tick(16000);
    expect(m.poisoned).toEqual([]);
    expect(m.store.pods.get(3)).toEqual([7]);
  });

  it('fails a node at once when the runtime reports its agent gone', async () => {
    const m = setup();
    addNode(m.store, 1, { last_heartbeat_at: at(900) });
    addNode(m.store, 2, { last_heartbeat_at: at(900) });
    m.exit({ nodeId: 1, nodeName: 'n1', detail: 'killed by SIGKILL' });
    await m.tick(1000);
    expect(m.store.nodes[0].health_status).toBe('failed');
    expect(m.events.at(-1)!.message).toMatch(/its agent killed by SIGKILL/);
  });

  it('waits POD_EVICTION_DELAY_MS before evicting', async () => {
    const m = setup({ POD_EVICTION_DELAY_MS: '5000' });
    addNode(m.store, 1);
    addNode(m.store, 2, { last_heartbeat_at: at(10_000_000) });
    await m.tick(15001);
    expect(m.evicted).toEqual([]);
    await m.tick(20007); // failed at 15006, + 5 s
    expect(m.evicted).toEqual(['n1']);
  });

  it('never touches a node the user stopped', async () => {
    const m = setup();
    addNode(m.store, 1, { health_status: 'stopped', last_heartbeat_at: at(-1e6) });
    addNode(m.store, 2);
    await m.tick(100000 - 1);
    expect(m.store.nodes[0].health_status).toBe('stopped');
    expect(m.relaunched).toEqual([]);
  });
});
