import { FakeDockerRuntime, socketError, spec } from './testing/fake-docker-engine';

describe('DockerRuntime', () => {
  const docker = new FakeDockerRuntime();
  beforeEach(() => docker.setUp());
  afterEach(() => docker.tearDown().finally(() => jest.useRealTimers()));

  describe('an unreachable engine', () => {
    it('turns a call that never answers into a clear error', async () => {
      await docker.start();
      docker.engine.hang.add('inspect');
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const stop = docker.runtime.stop(spec());
      const failed = expect(stop).rejects.toThrow(
        /the Docker engine is unreachable: no answer \(inspect kubesim-node-worker-a did not answer within 1000 ms\)/,
      );
      await jest.advanceTimersByTimeAsync(1000);
      await failed;
    });

    it('turns a refused socket into the same error', async () => {
      await docker.start();
      docker.engine.getContainer = () => {
        throw socketError('ECONNREFUSED');
      };
      await expect(docker.runtime.inspect(spec())).rejects.toThrow(
        /Docker engine is unreachable: the Docker engine refused the connection/,
      );
    });
  });
});
