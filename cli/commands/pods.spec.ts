import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubesim } from '../testing/fake-kubesim';
import { aPod } from '../testing/fixtures';
import { runCli } from '../testing/run-cli';

describe('pod commands', () => {
  let fake: FakeKubesim;
  let dir: string;
  const cli = (...args: string[]) => runCli(fake.url, args);

  beforeEach(async () => {
    fake = await FakeKubesim.start();
    dir = await mkdtemp(join(tmpdir(), 'kubesim-cli-'));
  });
  afterEach(async () => {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('launch-pod', () => {
    it('sends one container named after the pod, requesting all its CPU', async () => {
      fake.on('POST', '/pods', {
        status: 201,
        body: aPod({ name: 'web', node_name: 'worker-2', ip: '10.244.2.3', status: 'scheduled' }),
      });

      const result = await cli(
        'launch-pod',
        '0.5',
        '--name',
        'web',
        '--image',
        'nginx:1.27',
        '--memory',
        '256',
        '--algorithm',
        'worst-fit',
      );

      expect(result.code).toBe(0);
      expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/pods' });
      expect(fake.requests[0].body).toEqual({
        name: 'web',
        cpu_cores_req: 0.5,
        memory_mb_req: 256,
        scheduler_algorithm: 'worst-fit',
        containers: [{ name: 'web', image: 'nginx:1.27', cpu_req: 0.5, memory_req: 256 }],
      });
      expect(result.stdout).toBe(
        'pod/web created (id 7): scheduled on node worker-2 (ip 10.244.2.3)\n',
      );
    });

    it('defaults the name, the image and the memory', async () => {
      fake.on('POST', '/pods', { status: 201, body: aPod() });

      await cli('launch-pod', '1');

      const body = fake.requests[0].body as {
        name: string;
        containers: Array<Record<string, unknown>>;
      };
      expect(body.name).toMatch(/^pod-[a-z0-9]{5}$/);
      expect(body).not.toHaveProperty('scheduler_algorithm');
      expect(body.containers).toEqual([
        { name: body.name, image: 'nginx:latest', cpu_req: 1, memory_req: 128 },
      ]);
    });

    it('says why a pod is pending', async () => {
      fake.on('POST', '/pods', {
        status: 201,
        body: aPod({
          status: 'pending',
          node_id: null,
          node_name: null,
          ip: null,
          reason: '0/3 nodes fit: 3 insufficient cpu',
        }),
      });

      const result = await cli('launch-pod', '64', '--name', 'web');

      expect(result.stdout).toBe(
        'pod/web created (id 7): pending: 0/3 nodes fit: 3 insufficient cpu\n',
      );
    });

    it('-f with a YAML file posts the file as the body', async () => {
      const file = join(dir, 'pod.yaml');
      await writeFile(
        file,
        [
          'name: db',
          'cpu_cores_req: 1.5',
          'containers:',
          '  - name: postgres',
          '    image: postgres:16',
          '    cpu_req: 1.5',
          '    memory_req: 512',
          '    command: ["postgres", "-c", "fsync=off"]',
          'volumes:',
          '  - { name: data, type: emptyDir, size: 1, path: /var/lib/postgresql }',
          'config:',
          '  - { name: pw, type: secret, key: POSTGRES_PASSWORD, value: hunter2 }',
        ].join('\n'),
      );
      fake.on('POST', '/pods', { status: 201, body: aPod({ name: 'db' }) });

      const result = await cli('launch-pod', '-f', file);

      expect(result.code).toBe(0);
      expect(fake.requests[0].body).toEqual({
        name: 'db',
        cpu_cores_req: 1.5,
        containers: [
          {
            name: 'postgres',
            image: 'postgres:16',
            cpu_req: 1.5,
            memory_req: 512,
            command: ['postgres', '-c', 'fsync=off'],
          },
        ],
        volumes: [{ name: 'data', type: 'emptyDir', size: 1, path: '/var/lib/postgresql' }],
        config: [{ name: 'pw', type: 'secret', key: 'POSTGRES_PASSWORD', value: 'hunter2' }],
      });
    });

    it('-f with JSON, the command line overriding the name and the CPU', async () => {
      const file = join(dir, 'pod.json');
      await writeFile(
        file,
        JSON.stringify({
          name: 'from-file',
          containers: [{ name: 'c', image: 'busybox', cpu_req: 1, memory_req: 64 }],
        }),
      );
      fake.on('POST', '/pods', { status: 201, body: aPod() });

      await cli('launch-pod', '2', '-f', file, '--name', 'override');

      expect(fake.requests[0].body).toMatchObject({ name: 'override', cpu_cores_req: 2 });
    });

    it('reports a file that does not parse, without a request', async () => {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'name: [unclosed');

      const result = await cli('launch-pod', '-f', file);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: ${file} is not valid YAML: .+\\n$`));
      expect(fake.requests).toHaveLength(0);
    });

    it('reports a missing file', async () => {
      const result = await cli('launch-pod', '-f', join(dir, 'nope.yaml'));

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`error: cannot read ${join(dir, 'nope.yaml')}: ENOENT\n`);
    });

    it('needs the CPU when there is no file', async () => {
      const result = await cli('launch-pod', '--name', 'web');

      expect(result.code).toBe(2);
      expect(result.stderr).toBe("error: missing required argument 'cpus' (or give -f <file>)\n");
      expect(fake.requests).toHaveLength(0);
    });

    it('prints every message of a 400, joined', async () => {
      fake.on('POST', '/pods', {
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: ['name must be a DNS-1123 label', 'cpu_cores_req must be > 0'],
        },
      });

      const result = await cli('launch-pod', '1', '--name', 'Web');

      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: name must be a DNS-1123 label; cpu_cores_req must be > 0\n',
      });
    });
  });

  describe('list-pods', () => {
    it('passes the filters and prints names, statuses and nodes', async () => {
      fake.on('GET', '/pods', {
        body: [
          aPod({ id: 1, name: 'web', status: 'running' }),
          aPod({
            id: 2,
            name: 'batch',
            status: 'pending',
            node_id: null,
            node_name: null,
            ip: null,
            reason: '0/1 nodes fit: 1 insufficient cpu',
          }),
        ],
      });

      const result = await cli('list-pods', '--status', 'pending', '--node', 'worker-1');

      expect(fake.requests[0].query).toEqual({ status: 'pending', node: 'worker-1' });
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAMESPACE\s+NAME\s+STATUS\s+NODE/);
      expect(lines[1]).toMatch(/web\s+running\s+worker-1/);
      expect(lines[2]).toMatch(/batch\s+pending\s+-.*0\/1 nodes fit: 1 insufficient cpu/);
    });

    it('-n asks for one namespace and leaves the NAMESPACE column out', async () => {
      fake.on('GET', '/pods', { body: [aPod({ name: 'web', namespace: 'team-a' })] });

      const result = await cli('list-pods', '-n', 'team-a');

      expect(fake.requests[0].query).toEqual({ namespace: 'team-a' });
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS/);
      expect(lines[1]).toMatch(/^\d+\s+web\s+running/);
    });

    it('-o wide adds the IP and images', async () => {
      fake.on('GET', '/pods', { body: [aPod()] });

      const result = await cli('list-pods', '-o', 'wide');

      expect(result.stdout).toMatch(/IP\s+ALGORITHM\s+IMAGES/);
      expect(result.stdout).toMatch(/10\.244\.1\.5\s+best-fit\s+nginx:latest/);
    });
  });

  it('get-pod shows containers, volumes and config as the API redacted them', async () => {
    fake.on('GET', '/pods/web', {
      body: aPod({
        volumes: [{ name: 'cache', type: 'emptyDir', size: 1, path: '/cache' }],
        config: [{ name: 'token', type: 'secret', key: 'TOKEN', value: '******' }],
      }),
    });

    const result = await cli('get-pod', 'web');

    expect(result.stdout).toMatch(/Node:\s+worker-1 \(id 1\)/);
    expect(result.stdout).toMatch(/web\s+nginx:latest\s+0\.5\s+256 MB\s+running/);
    expect(result.stdout).toMatch(/cache\s+emptyDir\s+1 GB\s+\/cache/);
    expect(result.stdout).toMatch(/token\s+secret\s+TOKEN\s+\*{6}/);
  });

  it('get-pod shows an emptyDir without a size or mount path as the API gave it', async () => {
    fake.on('GET', '/pods/web', {
      body: aPod({ volumes: [{ name: 'scratch', type: 'emptyDir', size: null, path: null }] }),
    });

    const result = await cli('get-pod', 'web');

    expect(result.stdout).toMatch(/scratch\s+emptyDir\s+no limit\s+-/);
    expect(result.stdout).not.toMatch(/null/);
  });

  it('get-pod -o json prints the pod unchanged', async () => {
    const pod = aPod();
    fake.on('GET', '/pods/7', { body: pod });

    const result = await cli('-o', 'json', 'get-pod', '7');

    expect(JSON.parse(result.stdout)).toEqual(pod);
  });

  it('delete-pod and restart-pod', async () => {
    fake.on('DELETE', '/pods/web', { status: 204 });
    fake.on('POST', '/pods/web/restart', { body: aPod({ restart_count: 3 }) });

    const deleted = await cli('delete-pod', 'web');
    const restarted = await cli('restart-pod', 'web');

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /pods/web',
      'POST /pods/web/restart',
    ]);
    expect(deleted.stdout).toBe('pod/web deleted\n');
    expect(restarted.stdout).toBe('pod/web restarted (restarts: 3)\n');
  });

  it('a 404 prints the API message and exits 1', async () => {
    fake.on('GET', '/pods/ghost', {
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: "pod 'ghost' not found" },
    });

    const result = await cli('get-pod', 'ghost');

    expect(result).toEqual({ code: 1, stdout: '', stderr: "error: pod 'ghost' not found\n" });
  });
});
