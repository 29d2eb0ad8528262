import { Logger } from '@nestjs/common';
import type { LeftoverEngine } from '../docker/leftover-containers';
import { NodeRecord } from '../database/records';
import { HandoverRepositories, takeOverNodes } from './runtime-handover';

const node = (id: number, name: string, runtime: string, status = 'healthy') =>
  ({ id, name, runtime, health_status: status, runtime_ref: 'x' }) as NodeRecord;

/** Containers by name, each with the cluster and node id its labels name. */
function engine(containers: Record<string, { cluster: string; node: number }>, ping = true) {
  const removed: string[] = [];
  const fake = {
    ping: async () => {
      if (!ping) throw Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
      return 'OK';
    },
    getContainer: (name: string) => ({
      inspect: async () => {
        const c = containers[name];
        if (!c) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        return {
          Config: { Labels: { 'kubesim.cluster': c.cluster, 'kubesim.node.id': String(c.node) } },
        };
      },
      remove: async () => {
        removed.push(name);
      },
    }),
  };
  return { fake: fake as unknown as LeftoverEngine, removed };
}

describe('taking over nodes another runtime started', () => {
  const runtimes: Array<[number, string]> = [];
  const store: HandoverRepositories = {
    settings: { clusterId: async () => 'c1' },
    nodes: {
      setNodeRuntime: async (id: number, runtime: string) => {
        runtimes.push([id, runtime]);
      },
    },
  };
  const logger = new Logger('test');
  beforeEach(() => {
    runtimes.length = 0;
    jest.spyOn(logger, 'log').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  });

  it('moves docker and process nodes to the current runtime, external ones stay', async () => {
    const nodes = [node(1, 'a', 'docker'), node(2, 'b', 'process'), node(3, 'c', 'external')];
    const { fake, removed } = engine({ 'kubesim-node-a': { cluster: 'c1', node: 1 } });
    const moved = await takeOverNodes(
      nodes,
      { kind: 'process', manages: true },
      store,
      logger,
      fake,
    );
    expect([...moved]).toEqual([[1, 'docker']]);
    expect(runtimes).toEqual([[1, 'process']]);
    expect(removed).toEqual(['kubesim-node-a']);
    expect(nodes.map((n) => n.runtime)).toEqual(['process', 'process', 'external']);
    expect(nodes[0].runtime_ref).toBeNull();
  });

  it('leaves a container of the same name that another cluster owns', async () => {
    const nodes = [node(1, 'a', 'docker')];
    const { fake, removed } = engine({ 'kubesim-node-a': { cluster: 'other', node: 1 } });
    await takeOverNodes(nodes, { kind: 'process', manages: true }, store, logger, fake);
    expect(removed).toEqual([]);
    expect(runtimes).toEqual([[1, 'process']]);
  });

  it('still takes the nodes over when the engine does not answer, and says so', async () => {
    const nodes = [node(1, 'a', 'docker', 'stopped')];
    const { fake } = engine({}, false);
    const moved = await takeOverNodes(
      nodes,
      { kind: 'process', manages: true },
      store,
      logger,
      fake,
    );
    expect(moved.get(1)).toBe('docker');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /cannot reach Docker .*stop by themselves once their tokens are replaced \(a\)/,
      ),
    );
  });

  it('does nothing under a runtime that manages no agents', async () => {
    const nodes = [node(1, 'a', 'docker')];
    const moved = await takeOverNodes(nodes, { kind: 'external', manages: false }, store, logger);
    expect(moved.size).toBe(0);
    expect(nodes[0].runtime).toBe('docker');
  });
});
