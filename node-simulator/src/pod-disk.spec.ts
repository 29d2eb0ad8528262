import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podAssignment } from './testing/fakes';
import { INTERVAL, SECRET, useAgentHarness } from './testing/agent-harness';

describe('NodeAgent', () => {
  const t = useAgentHarness();
  const { started, advance, lastBeat, podDir } = t;

  describe("the pods' folders", () => {
    it('gives two pods of one name (two namespaces) a folder each', async () => {
      t.api.pods = [podAssignment(1, { name: 'web' }), podAssignment(2, { name: 'web' })];
      await started();
      await advance(50);
      expect(existsSync(podDir('web', 1))).toBe(true);
      expect(existsSync(podDir('web', 2))).toBe(true);
    });

    it('drops pods no longer listed, with their folder', async () => {
      t.api.pods = [podAssignment(1), podAssignment(2)];
      await started();
      await advance(50);
      expect(existsSync(podDir('pod-1'))).toBe(true);

      t.api.pods = [podAssignment(2)];
      await advance(INTERVAL); // this answer drops pod 1
      await advance(INTERVAL); // and this beat no longer reports it
      expect(existsSync(podDir('pod-1'))).toBe(false);
      expect(existsSync(podDir('pod-2'))).toBe(true);
      expect(lastBeat().pod_ids).toEqual([2]);
      expect(t.agent.podViews().map((p) => p.id)).toEqual([2]);
      expect(t.logger.lines).toContainEqual(expect.stringContaining('pod pod-1 (id 1) dropped'));
    });

    it('writes volumes and config under the data dir', async () => {
      t.api.pods = [
        podAssignment(5, {
          name: 'web',
          volumes: [
            { name: 'cache', type: 'emptyDir', size: 1, path: '/cache' },
            { name: 'host-logs', type: 'hostPath', size: 1, path: '/var/log' },
            { name: 'settings', type: 'configMap', size: 1, path: '/etc/app' },
            { name: 'creds', type: 'secret', size: 1, path: '/etc/creds' },
          ],
          config: [
            { name: 'level', type: 'env', key: 'LOG_LEVEL', value: 'debug' },
            { name: 'greeting', type: 'env', key: 'GREETING', value: 'hello\nworld' },
            { name: 'app-conf', type: 'configMap', key: 'app.conf', value: 'port=8080\n' },
            { name: 'db-pass', type: 'secret', key: 'password', value: SECRET },
          ],
        }),
      ];
      await started();
      const dir = podDir('web', 5);
      expect(statSync(join(dir, 'volumes', 'cache')).isDirectory()).toBe(true);
      expect(statSync(join(dir, 'volumes', 'host-logs')).isDirectory()).toBe(true);
      expect(readFileSync(join(dir, 'volumes', 'settings', 'app.conf'), 'utf8')).toBe(
        'port=8080\n',
      );
      const secretFile = join(dir, 'volumes', 'creds', 'password');
      expect(readFileSync(secretFile, 'utf8')).toBe(SECRET);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'env'), 'utf8')).toBe(
        'LOG_LEVEL=debug\nGREETING=hello\\nworld\n',
      );
      expect(t.agent.podViews()[0].env).toEqual({ LOG_LEVEL: 'debug', GREETING: 'hello\nworld' });
    });

    it('fails a pod whose names would leave its folder, and keeps the others', async () => {
      t.api.pods = [
        podAssignment(1, { name: '../escape' }),
        podAssignment(2, {
          config: [{ name: 'x', type: 'secret', key: '../../x', value: SECRET }],
        }),
        podAssignment(3),
      ];
      await started();
      await advance(50);
      expect(t.agent.podViews().map((p) => [p.id, p.status])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'running'],
      ]);
      expect(existsSync(join(t.dataDir, 'escape'))).toBe(false);
      expect(existsSync(join(t.dataDir, 'x'))).toBe(false);
      expect(lastBeat().pods?.map((p) => p.status)).toEqual(['failed', 'failed', 'running']);
    });

    it('reports itself unhealthy, runtime degraded, when it cannot write its data dir', async () => {
      const file = join(t.dataDir, 'not-a-dir');
      writeFileSync(file, '');
      t.api.pods = [podAssignment(1)];
      await started({ dataDir: file });
      await advance(INTERVAL);
      expect(lastBeat().health_status).toBe('unhealthy');
      expect(lastBeat().components.container_runtime).toBe('degraded');
      expect(lastBeat().pods).toMatchObject([{ id: 1, status: 'failed' }]);
    });

    it('removes folders of pods it no longer runs, left by an earlier run', async () => {
      t.api.pods = [podAssignment(1)];
      await started();
      await t.agent.stop();
      t.api.pods = [podAssignment(2)];
      await started();
      expect(existsSync(podDir('pod-1'))).toBe(false);
      expect(existsSync(podDir('pod-2'))).toBe(true);
    });
  });
});
