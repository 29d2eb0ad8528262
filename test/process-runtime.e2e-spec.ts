import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_RUNTIME, NodeRuntime } from '../src/runtimes/node-runtime';
import { HealthMonitorService } from '../src/health-monitor/health-monitor.service';
import {
  eventsOf,
  nodeStatus,
  startProcessCluster,
  waitForNode,
  waitForPod,
} from './setup/cluster';
import { pod, TestApp, waitFor } from './setup/test-app';

const pid = (t: TestApp, name: string) =>
  t
    .sql<{ runtime_ref: string }>('SELECT runtime_ref FROM nodes WHERE name = $1', [name])
    .then(([r]) => Number(r.runtime_ref.replace('pid:', '')));
const alive = (p: number) => {
  try {
    process.kill(p, 0);
    return true;
  } catch {
    return false;
  }
};

describe('process runtime: real agents as child processes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startProcessCluster();
  });
  afterAll(() => t.close());

  it('a registered node turns healthy from its own agent, and a pod runs as the agent reports', async () => {
    const { body: node } = await t.http
      .post('/nodes')
      .send({ name: 'alpha', cpu_cores: 2 })
      .expect(201);
    expect(node.runtime).toBe('process');
    await waitForNode(t, 'alpha', 'healthy');
    expect(alive(await pid(t, 'alpha'))).toBe(true);

    const body = {
      ...pod('files', 0.5),
      volumes: [
        { name: 'scratch', type: 'emptyDir', size: 1, path: '/scratch' },
        { name: 'settings', type: 'configMap', size: 0, path: '/etc/settings' },
        { name: 'creds', type: 'secret', size: 0, path: '/etc/creds' },
      ],
      config: [
        { name: 'env', type: 'env', key: 'MODE', value: 'teaching' },
        { name: 'settings', type: 'configMap', key: 'app.conf', value: 'replicas=3' },
        { name: 'creds', type: 'secret', key: 'password', value: 'hunter2' },
      ],
    };
    const created = await t.http.post('/pods').send(body).expect(201);
    expect(created.body.status).toBe('scheduled');
    const running = await waitForPod(t, 'files', (p) => p.status === 'running', 'running');
    expect(running.node_name).toBe('alpha');
    const { body: health } = await t.http.get('/pods/files/health').expect(200);
    expect(health.containers).toEqual([{ name: 'main', status: 'running', restart_count: 0 }]);

    // the agent names a pod's folder by its id and name
    const podDir = join(t.dataDir, 'nodes', 'alpha', 'data', 'pods', `${running.id}-files`);
    expect(statSync(join(podDir, 'volumes', 'scratch')).isDirectory()).toBe(true);
    expect(readFileSync(join(podDir, 'volumes', 'settings', 'app.conf'), 'utf8')).toBe(
      'replicas=3',
    );
    expect(readFileSync(join(podDir, 'volumes', 'creds', 'password'), 'utf8')).toBe('hunter2');
    expect(statSync(join(podDir, 'volumes', 'creds', 'password')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(podDir, 'env'), 'utf8')).toContain('MODE=teaching');
    const log = readFileSync(join(t.dataDir, 'nodes', 'alpha', 'agent.log'), 'utf8');
    expect(log).not.toContain('hunter2');

    await t.http.post('/pods/files/restart').expect(200);
    await waitFor('the agent to restart the containers', async () => {
      const { body: h } = await t.http.get('/pods/files/health');
      return h.containers[0].restart_count === 1 && h.containers[0].status === 'running';
    });

    await t.http.delete('/pods/files').expect(200);
    await waitFor('the agent to drop the deleted pod', async () => !existsSync(podDir));
  });

  it('an emptyDir needs neither size nor path: stored unset, made a folder by the agent', async () => {
    const refused = [
      { name: 'host', type: 'hostPath', size: 1 },
      { name: 'conf', type: 'configMap', path: '/etc/conf' },
    ];
    for (const volume of refused) {
      const res = await t.http
        .post('/pods')
        .send({ ...pod('no-path', 0.1), volumes: [volume] })
        .expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(
        volume.type === 'hostPath' ? /path/ : /size/,
      );
    }
    await t.http.get('/pods/no-path').expect(404);

    const created = await t.http
      .post('/pods')
      .send({ ...pod('scratchy', 0.1), volumes: [{ name: 'tmp', type: 'emptyDir' }] })
      .expect(201);
    expect(created.body.volumes).toEqual([
      { name: 'tmp', type: 'emptyDir', size: null, path: null },
    ]);
    const running = await waitForPod(t, 'scratchy', (p) => p.status === 'running', 'running');
    expect(running.volumes).toEqual([{ name: 'tmp', type: 'emptyDir', size: null, path: null }]);
    const podDir = join(
      t.dataDir,
      'nodes',
      running.node_name!,
      'data',
      'pods',
      `${running.id}-scratchy`,
    );
    expect(statSync(join(podDir, 'volumes', 'tmp')).isDirectory()).toBe(true);
    await t.http.delete('/pods/scratchy').expect(200);
  });

  it('stop drains the node and stops its agent; restart brings it back with a new agent', async () => {
    await t.http.post('/nodes').send({ name: 'beta', cpu_cores: 2 }).expect(201);
    await waitForNode(t, 'beta', 'healthy');
    const p = await t.http
      .post('/pods')
      .send(pod('mover', 1, { scheduler_algorithm: 'first-fit' }))
      .expect(201);
    expect(p.body.node_name).toBe('alpha');
    const alphaPid = await pid(t, 'alpha');

    const { body: stopped } = await t.http.post('/nodes/alpha/stop').expect(200);
    expect(stopped.health_status).toBe('stopped');
    expect(alive(alphaPid)).toBe(false);
    const moved = await waitForPod(
      t,
      'mover',
      (x) => x.node_name === 'beta' && x.status === 'running',
      'running on beta',
    );
    expect(moved.node_name).toBe('beta');
    // the monitor leaves a stopped node alone, however long it has been silent
    await t.sql(
      `UPDATE nodes SET last_heartbeat_at = now() - interval '1 hour' WHERE name = 'alpha'`,
    );
    const monitor = t.app.get(HealthMonitorService);
    monitor.startGrace(Date.now() - t.config.nodeFailureTimeoutMs); // no grace left to hide behind
    await monitor.runOnce(new Date());
    expect(await nodeStatus(t, 'alpha')).toBe('stopped');

    await t.http.post('/nodes/alpha/restart').expect(200);
    await waitForNode(t, 'alpha', 'healthy');
    expect(await pid(t, 'alpha')).not.toBe(alphaPid);
  });

  it.each(['crash', 'hang', 'partition'])(
    'simulate/failure %s: the agent really stops beating, the monitor fails the node, moves its pods and restarts it',
    async (mode) => {
      const name = `f-${mode}`;
      await t.http.post('/nodes').send({ name, cpu_cores: 1 }).expect(201);
      await waitForNode(t, name, 'healthy');
      // only this node may take the victim pod
      const others = (await t.http.get('/nodes')).body.filter(
        (n: { name: string }) => n.name !== name,
      );
      for (const other of others) await t.http.post(`/nodes/${other.name}/cordon`).expect(200);
      const victim = await t.http
        .post('/pods')
        .send(pod(`on-${mode}`, 0.5))
        .expect(201);
      expect(victim.body.node_name).toBe(name);
      for (const other of others) await t.http.post(`/nodes/${other.name}/uncordon`).expect(200);
      const agentPid = await pid(t, name);

      await t.http.post(`/nodes/${name}/simulate/failure`).send({ mode }).expect(200);
      if (mode === 'partition') expect(alive(agentPid)).toBe(true);
      await waitForNode(t, name, 'failed', 10000);
      const moved = await waitForPod(
        t,
        `on-${mode}`,
        (x) => x.node_name !== name && x.node_name !== null,
        'moved',
      );
      expect(moved.node_name).not.toBe(name);
      await waitForNode(t, name, 'healthy', 20000);
      const reasons = (await eventsOf(t, `node/${name}`)).map((e) => e.reason).reverse();
      expect(reasons).toEqual(
        expect.arrayContaining([
          'FailureInjected',
          'NodeFailed',
          'NodeRestarting',
          'NodeRecovered',
        ]),
      );
      expect(reasons.indexOf('NodeFailed')).toBeLessThan(reasons.indexOf('NodeRecovered'));
      const podEvents = (await eventsOf(t, `pod/on-${mode}`)).map((e) => e.reason);
      expect(podEvents).toEqual(expect.arrayContaining(['PodEvicted', 'PodRescheduled']));
    },
  );

  it('notices at once an agent killed from outside, and brings it back', async () => {
    await t.http.post('/nodes').send({ name: 'gamma', cpu_cores: 1 }).expect(201);
    await waitForNode(t, 'gamma', 'healthy');
    process.kill(await pid(t, 'gamma'), 'SIGKILL');
    await waitForNode(t, 'gamma', 'failed', 10000);
    const [failed] = (await eventsOf(t, 'node/gamma')).filter((e) => e.reason === 'NodeFailed');
    expect(failed.message).toMatch(/its agent killed by SIGKILL/);
    await waitForNode(t, 'gamma', 'healthy');
  });

  it('delete removes the agent and its folder', async () => {
    const gammaPid = await pid(t, 'gamma');
    await t.http.delete('/nodes/gamma').expect(200);
    expect(alive(gammaPid)).toBe(false);
    expect(existsSync(join(t.dataDir, 'nodes', 'gamma'))).toBe(false);
    await t.http.get('/nodes/gamma').expect(404);
  });

  it('a node whose restarts keep failing ends permanently failed, its pods waiting then running elsewhere', async () => {
    const t2 = await startProcessCluster({ MAX_RECOVERY_ATTEMPTS: '2' });
    try {
      await t2.http.post('/nodes').send({ name: 'doomed', cpu_cores: 2 }).expect(201);
      await waitForNode(t2, 'doomed', 'healthy');
      await t2.http.post('/pods').send(pod('orphan-not', 1)).expect(201);
      // the runtime can no longer start this node's agent (as when its image is gone)
      const runtime = t2.app.get<NodeRuntime>(NODE_RUNTIME);
      runtime.restart = async () => {
        throw new Error('cannot start the agent');
      };
      await t2.http.post('/nodes/doomed/simulate/failure').send({ mode: 'crash' }).expect(200);
      await waitForNode(t2, 'doomed', 'failed', 10000);
      // nowhere to go yet: pending with a reason, never lost
      const waiting = await waitForPod(t2, 'orphan-not', (p) => p.status === 'pending', 'pending');
      expect(waiting.reason).toMatch(/0\/1 nodes are available/);
      await waitForNode(t2, 'doomed', 'permanently_failed', 30000);
      const reasons = (await eventsOf(t2, 'node/doomed')).map((e) => e.reason);
      expect(reasons.filter((r) => r === 'NodeRestarting')).toHaveLength(2);
      expect(reasons[0]).toBe('NodePermanentlyFailed');
      // a node added later takes the pod
      await t2.http.post('/nodes').send({ name: 'rescuer', cpu_cores: 2 }).expect(201);
      await waitForPod(
        t2,
        'orphan-not',
        (p) => p.status === 'running' && p.node_name === 'rescuer',
        'running on rescuer',
      );
      const [node] = await t2.sql<{ cpu_allocated_m: number }>(
        "SELECT cpu_allocated_m FROM nodes WHERE name = 'doomed'",
      );
      expect(node.cpu_allocated_m).toBe(0);
    } finally {
      await t2.close();
    }
  });
});

describe('assignment watch', () => {
  it('a new pod starts on its agent without waiting for the next heartbeat', async () => {
    // heartbeats 20 s apart: only the agent's long poll can bring the pod in time
    const t = await startProcessCluster({
      HEARTBEAT_INTERVAL_MS: '20000',
      NODE_NOT_READY_AFTER_MS: '40000',
      NODE_FAILURE_TIMEOUT_MS: '60000',
    });
    try {
      await t.http.post('/nodes').send({ name: 'watcher', cpu_cores: 2 }).expect(201);
      await waitForNode(t, 'watcher', 'healthy');
      await new Promise((r) => setTimeout(r, 500)); // the agent's watch is open after its first answer
      await t.http.post('/pods').send(pod('quick', 0.5)).expect(201);
      const running = await waitForPod(t, 'quick', (p) => p.status === 'running', 'running', 10000);
      expect(running.node_name).toBe('watcher');
    } finally {
      await t.close();
    }
  });
});
