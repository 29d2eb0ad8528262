import { DockerUnreachableError } from './docker-engine';
import { DockerRuntime } from './docker.runtime';
import { FakeDockerRuntime, flush, socketError, spec } from './testing/fake-docker-engine';

describe('DockerRuntime', () => {
  const docker = new FakeDockerRuntime();
  beforeEach(() => docker.setUp());
  afterEach(() => docker.tearDown().finally(() => jest.useRealTimers()));

  describe('availability', () => {
    it('is available when the engine answers a ping', async () => {
      expect(await DockerRuntime.unavailableReason(docker.config(), docker.engine)).toBeNull();
    });

    it.each([
      ['ENOENT', /no Docker engine socket/],
      ['ECONNREFUSED', /refused/],
      ['EACCES', /permission/],
    ])('says why when the socket fails with %s', async (code, why) => {
      docker.engine.pingError = socketError(code);
      expect(await DockerRuntime.unavailableReason(docker.config(), docker.engine)).toMatch(why);
    });

    it('is not picked by auto when neither the node image nor its base is present (auto never pulls)', async () => {
      docker.engine.images.clear();
      expect(await DockerRuntime.unavailableReason(docker.config(), docker.engine)).toMatch(
        /neither kubesim-node:latest nor its base node:20-bookworm-slim is present/,
      );
      docker.engine.images.add('node:20-bookworm-slim');
      expect(await DockerRuntime.unavailableReason(docker.config(), docker.engine)).toBeNull();
    });

    it('gives up on a silent engine after 1.5 s', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      docker.engine.hang.add('ping');
      const reason = DockerRuntime.unavailableReason(docker.config(), docker.engine);
      await jest.advanceTimersByTimeAsync(1500);
      expect(await reason).toMatch(/no answer/);
    });

    it('starts without an engine, fails each operation clearly until one answers, then works', async () => {
      docker.engine.pingError = socketError('ECONNREFUSED');
      const runtime = await DockerRuntime.create(docker.config(), docker.root, {
        api: docker.engine,
        streams: docker.engine,
      });
      const node = { id: 1, name: 'n1' };
      await expect(runtime.inspect(node)).rejects.toThrow(DockerUnreachableError);
      await expect(runtime.inspect(node)).rejects.toThrow(/the Docker engine is unreachable/);
      docker.engine.pingError = null;
      expect(await runtime.inspect(node)).toBe('missing');
      await runtime.shutdown();
    });
  });

  describe('network', () => {
    it('creates a missing bridge network', async () => {
      await docker.start({ KUBESIM_DOCKER_NETWORK: 'kubesim' });
      expect(docker.engine.calls).toContain('createNetwork kubesim');
    });

    it('does not mistake a network whose name only contains it', async () => {
      docker.engine.networks.push('kubesim-other', 'kubesim');
      await docker.start({ KUBESIM_DOCKER_NETWORK: 'kubesim' });
      expect(docker.engine.calls.filter((c) => c.startsWith('createNetwork'))).toEqual([]);
    });

    it('creates nothing for host networking', async () => {
      await docker.start();
      expect(docker.engine.calls).not.toContain('listNetworks');
    });
  });

  describe('launch', () => {
    it('starts a labelled container with the agent environment, sized within the host', async () => {
      await docker.start();
      const id = await docker.runtime.launch(spec({ cpuCores: 8, memoryMb: 4096 }));
      const c = docker.engine.find('kubesim-node-worker-a')!;
      expect(id).toBe(c.id);
      expect(c.state).toBe('running');
      expect(c.labels).toEqual({
        'kubesim.managed': 'true',
        'kubesim.cluster': 'default',
        'kubesim.node.id': '7',
        'kubesim.node.name': 'worker-a',
      });
      expect(c.spec.Env).toEqual(
        expect.arrayContaining([
          'NODE_ID=7',
          'NODE_NAME=worker-a',
          'NODE_TYPE=worker',
          'API_SERVER=http://127.0.0.1:3000',
          'NODE_TOKEN=tok-1',
          'CPU_CORES=8',
          'HEARTBEAT_INTERVAL_MS=5000',
        ]),
      );
      expect(c.spec.HostConfig).toEqual({
        NanoCpus: 2e9, // 8 cores asked, the host has 2
        Memory: 4 * 1024 ** 3, // 4096 MB asked, within the host's 4 GB
        NetworkMode: 'host',
        RestartPolicy: { Name: 'no' },
        Init: false,
      });
    });

    it('asks for fractional CPU in nano-CPUs and no memory limit when none is set', async () => {
      await docker.start();
      await docker.runtime.launch(spec({ cpuCores: 0.5 }));
      expect(docker.engine.find('kubesim-node-worker-a')!.spec.HostConfig).toMatchObject({
        NanoCpus: 5e8,
      });
      expect(docker.engine.find('kubesim-node-worker-a')!.spec.HostConfig).not.toHaveProperty(
        'Memory',
      );
    });

    it('uses the named network for a bridge', async () => {
      await docker.start({ KUBESIM_DOCKER_NETWORK: 'kubesim', KUBESIM_API_URL: 'http://api:3000' });
      await docker.runtime.launch(spec());
      const c = docker.engine.find('kubesim-node-worker-a')!;
      expect(c.spec.HostConfig).toMatchObject({ NetworkMode: 'kubesim' });
      expect(c.spec.Env).toContain('API_SERVER=http://api:3000');
    });

    it('replaces an old container of the same name without reporting its end', async () => {
      await docker.start();
      const first = await docker.runtime.launch(spec());
      const second = await docker.runtime.launch(spec({ token: 'tok-2' }));
      await flush();
      expect(second).not.toBe(first);
      expect(docker.engine.find(first!)).toBeUndefined();
      expect(docker.engine.find('kubesim-node-worker-a')!.spec.Env).toContain('NODE_TOKEN=tok-2');
      expect(docker.exits).toEqual([]);
    });

    it('removes a container that could not start', async () => {
      await docker.start();
      docker.engine.hang.add('start');
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const launch = docker.runtime.launch(spec());
      const failed = expect(launch).rejects.toThrow(/Docker engine is unreachable/);
      await jest.advanceTimersByTimeAsync(1000);
      await failed;
      jest.useRealTimers();
      await flush();
      expect(docker.engine.find('kubesim-node-worker-a')).toBeUndefined();
    });
  });

  describe('failure modes and states', () => {
    beforeEach(async () => {
      await docker.start();
      await docker.runtime.launch(spec());
    });

    it('crash kills the container', async () => {
      await docker.runtime.fail(spec(), 'crash');
      expect(docker.engine.calls).toContain('kill c1 SIGKILL');
      expect(await docker.runtime.inspect(spec())).toBe('exited');
    });

    it('hang pauses it, and stop unpauses it first', async () => {
      await docker.runtime.fail(spec(), 'hang');
      expect(await docker.runtime.inspect(spec())).toBe('paused');
      await docker.runtime.stop(spec());
      expect(await docker.runtime.inspect(spec())).toBe('exited');
    });

    it('a hung container can still be crashed, or removed', async () => {
      await docker.runtime.fail(spec(), 'hang');
      await docker.runtime.fail(spec(), 'crash');
      expect(await docker.runtime.inspect(spec())).toBe('exited');
      await docker.runtime.launch(spec());
      await docker.runtime.fail(spec(), 'hang');
      await docker.runtime.remove(spec());
      expect(await docker.runtime.inspect(spec())).toBe('missing');
    });

    it('partition sends SIGUSR1 and leaves the container running', async () => {
      await docker.runtime.fail(spec(), 'partition');
      await flush();
      expect(docker.engine.calls).toContain('kill c1 SIGUSR1');
      expect(await docker.runtime.inspect(spec())).toBe('running');
      expect(docker.exits).toEqual([]);
    });

    it('refuses to fail a node without a running agent', async () => {
      await docker.runtime.stop(spec());
      await expect(docker.runtime.fail(spec(), 'crash')).rejects.toThrow(/no running agent/);
    });

    it('stop keeps the container, remove deletes it, both idempotent', async () => {
      await docker.runtime.stop(spec());
      await docker.runtime.stop(spec());
      expect(await docker.runtime.inspect(spec())).toBe('exited');
      await docker.runtime.remove(spec());
      await docker.runtime.remove(spec());
      expect(await docker.runtime.inspect(spec())).toBe('missing');
    });

    it('shutdown leaves node containers running and stops watching', async () => {
      await docker.runtime.shutdown();
      expect(await docker.runtime.inspect(spec())).toBe('running');
      expect(docker.engine.streams[0].destroyed).toBe(true);
    });
  });

  describe('reconcile', () => {
    it('removes orphans one at a time, keeps running agents and relaunches the others', async () => {
      await docker.start();
      const node = (id: number, name: string, status = 'healthy') => ({ id, name, status });
      await docker.runtime.launch(spec({ id: 1, name: 'running' }));
      await docker.runtime.launch(spec({ id: 2, name: 'exited' }));
      await docker.runtime.launch(spec({ id: 3, name: 'stray-a' }));
      await docker.runtime.launch(spec({ id: 4, name: 'stray-b' }));
      await docker.runtime.launch(spec({ id: 5, name: 'renamed' }));
      await docker.runtime.launch(spec({ id: 6, name: 'stopped' }));
      await docker.runtime.fail(spec({ id: 2, name: 'exited' }), 'crash');
      const relaunched: number[] = [];
      await docker.runtime.reconcile(
        [
          node(1, 'running'),
          node(2, 'exited'),
          node(5, 'now-other'),
          node(6, 'stopped', 'stopped'),
          node(9, 'missing'),
          node(10, 'gone', 'permanently_failed'),
        ],
        async (id) => void relaunched.push(id),
      );
      expect(relaunched).toEqual([2, 5, 9]);
      expect(
        [...docker.engine.containers.values()].map((c) => `${c.name}:${c.state}`).sort(),
      ).toEqual([
        'kubesim-node-exited:exited',
        'kubesim-node-running:running',
        'kubesim-node-stopped:exited',
      ]);
      expect(docker.engine.maxRemoving).toBe(1);
      await flush();
      expect(docker.exits).toEqual([]);
    });

    it('goes on with the other nodes when one relaunch fails', async () => {
      await docker.start();
      const relaunched: number[] = [];
      await docker.runtime.reconcile(
        [
          { id: 1, name: 'a', status: 'healthy' },
          { id: 2, name: 'b', status: 'failed' },
        ],
        async (id) => {
          if (id === 1) throw new Error('boom');
          relaunched.push(id);
        },
      );
      expect(relaunched).toEqual([2]);
    });
  });
});
