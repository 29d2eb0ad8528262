import { DockerRuntime } from './docker.runtime';
import { FakeDockerRuntime, flush, spec } from './testing/fake-docker-engine';

describe('DockerRuntime', () => {
  const docker = new FakeDockerRuntime();
  beforeEach(() => docker.setUp());
  afterEach(() => docker.tearDown().finally(() => jest.useRealTimers()));

  describe('deaths', () => {
    it('reports a container killed from outside, once, with the node it ran', async () => {
      await docker.start();
      await docker.runtime.launch(spec());
      docker.engine.outsideKill('kubesim-node-worker-a', '9');
      await flush();
      expect(docker.exits).toEqual([
        {
          nodeId: 7,
          nodeName: 'worker-a',
          detail: expect.stringMatching(/SIGKILL.*137/),
          fromOutside: true,
        },
      ]);
    });

    it('reports a docker stop from outside as a failure too', async () => {
      await docker.start();
      await docker.runtime.launch(spec());
      docker.engine.outsideKill('kubesim-node-worker-a', '15');
      await flush();
      expect(docker.exits).toHaveLength(1);
      expect(docker.exits[0].detail).toMatch(/SIGTERM/);
    });

    it.each([
      ['stop', (r: DockerRuntime) => r.stop(spec())],
      ['remove', (r: DockerRuntime) => r.remove(spec())],
      ['restart', (r: DockerRuntime) => r.restart(spec({ token: 'tok-2' }))],
      ['a simulated crash', (r: DockerRuntime) => r.fail(spec(), 'crash')],
    ])('does not report an end the server caused: %s', async (_what, act) => {
      await docker.start();
      await docker.runtime.launch(spec());
      await act(docker.runtime);
      await flush();
      expect(docker.exits).toEqual([]);
    });

    it('resubscribes when the event stream ends, replaying from the last event', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      await docker.start();
      await docker.runtime.launch(spec());
      docker.engine.streams[0].end();
      await flush();
      await jest.advanceTimersByTimeAsync(500);
      expect(docker.engine.eventOptions).toHaveLength(2);
      expect(docker.engine.eventOptions[1]).toMatchObject({ since: expect.any(Number) });
      docker.engine.outsideKill('kubesim-node-worker-a');
      await flush();
      expect(docker.exits).toHaveLength(1);
    });

    it('watches only kubesim containers and the events that can end them', async () => {
      await docker.start();
      expect(docker.engine.eventOptions[0]).toEqual({
        filters: {
          // this cluster's only: another kubesim may share the engine
          label: ['kubesim.managed=true', 'kubesim.cluster=default'],
          type: ['container'],
          event: ['die', 'stop', 'kill', 'oom', 'destroy'],
        },
      });
    });
  });
});
