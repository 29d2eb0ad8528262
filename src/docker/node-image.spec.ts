import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildContext } from './node-image';
import { FakeDockerRuntime, flush, spec } from './testing/fake-docker-engine';

describe('DockerRuntime', () => {
  const docker = new FakeDockerRuntime();
  beforeEach(() => docker.setUp());
  afterEach(() => docker.tearDown().finally(() => jest.useRealTimers()));

  describe('node image', () => {
    beforeEach(() => docker.engine.images.clear());

    it('builds the image once for concurrent launches, on the configured base', async () => {
      await docker.start({ KUBESIM_NODE_BASE_IMAGE: 'kubesim-base:offline' });
      await Promise.all([
        docker.runtime.launch(spec()),
        docker.runtime.launch(spec({ id: 8, name: 'worker-b' })),
      ]);
      expect(docker.engine.builds).toHaveLength(1);
      expect(docker.engine.builds[0].options).toMatchObject({
        t: 'kubesim-node:latest',
        dockerfile: 'Dockerfile',
        buildargs: { NODE_IMAGE: 'kubesim-base:offline' },
      });
      expect(docker.engine.builds[0].context).toEqual({
        context: join(docker.root, 'node-simulator'),
        src: ['Dockerfile', 'dist'],
      });
      expect(docker.engine.containers.size).toBe(2);
    });

    it("turns a failed build into an error with the engine's words, and tries again next time", async () => {
      docker.engine.buildOutput = [
        '{"stream":"Step 1/4 : FROM node:20-bookworm-slim"}',
        '{"errorDetail":{"message":"pull access denied for node"},"error":"pull access denied for node"}',
      ];
      await docker.start();
      await expect(docker.runtime.launch(spec())).rejects.toThrow(
        /building kubesim-node:latest failed: pull access denied for node/,
      );
      docker.engine.buildOutput = ['{"stream":"Successfully built abc"}'];
      await expect(docker.runtime.launch(spec())).resolves.toBeTruthy();
    });

    it('cuts a build under way on shutdown', async () => {
      docker.engine.buildImage = () => Promise.resolve(new PassThrough());
      await docker.start();
      const launch = docker.runtime.launch(spec());
      await flush();
      await docker.runtime.shutdown();
      await expect(launch).rejects.toThrow(/building kubesim-node:latest was interrupted/);
    });

    it('says so when the Dockerfile is missing', async () => {
      rmSync(join(docker.root, 'node-simulator', 'Dockerfile'));
      await docker.start();
      await expect(docker.runtime.launch(spec())).rejects.toThrow(/Dockerfile is missing/);
    });

    it.each([
      ['COPY dist/ /app/dist/', 'node-simulator', 'Dockerfile', ['Dockerfile', 'dist']],
      [
        'COPY --chown=node:node dist /app/dist',
        'node-simulator',
        'Dockerfile',
        ['Dockerfile', 'dist'],
      ],
      [
        'COPY node-simulator/dist/ /app/dist/',
        '.',
        'node-simulator/Dockerfile',
        ['node-simulator/Dockerfile', 'node-simulator/dist'],
      ],
      ['COPY . /app', 'node-simulator', 'Dockerfile', ['.']],
      ['COPY dist/*.js /app/dist/', 'node-simulator', 'Dockerfile', ['Dockerfile', 'dist']],
    ])('sends the context %s needs', (line, dir, dockerfile, entries) => {
      mkdirSync(join(docker.root, 'node-simulator', 'dist'), { recursive: true });
      const context = buildContext(docker.root, `FROM x\n${line}\n`);
      expect(context).toEqual({ dir: join(docker.root, dir), dockerfile, entries });
    });
  });
});
