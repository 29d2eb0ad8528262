import { KubeError } from './kube-status';
import { podManifestToCreate } from './pod-manifest';

const manifest = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', ...metadata },
  spec,
});

function causes(body: unknown): string[] {
  try {
    podManifestToCreate(body, 'default');
  } catch (err) {
    if (err instanceof KubeError)
      return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    throw err;
  }
  return [];
}

describe('a v1.Pod manifest as kubesim pod creation', () => {
  it('takes requests in quantities, a limit alone as the request, as Kubernetes does', () => {
    const { dto } = podManifestToCreate(
      manifest({
        containers: [
          { name: 'a', image: 'nginx', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
          { name: 'b', image: 'redis', resources: { limits: { cpu: '1', memory: '1Gi' } } },
        ],
      }),
      'default',
    );
    // 250m + 1000m = 1.25 cores; 64 + 1024 MiB
    expect(dto.cpu_cores_req).toBe(1.25);
    expect(dto.containers.map((c) => [c.cpu_req, c.memory_req])).toEqual([
      [0.25, 64],
      [1, 1024],
    ]);
    // the limits are kept beside them, only where given
    expect(dto.containers.map((c) => [c.cpu_limit, c.memory_limit])).toEqual([
      [undefined, undefined],
      [1, 1024],
    ]);
  });

  it("refuses a request over its limit, with kube-apiserver's words", () => {
    expect(
      causes(
        manifest({
          containers: [
            {
              name: 'a',
              image: 'nginx',
              resources: { requests: { cpu: '2', memory: '64Mi' }, limits: { cpu: '1' } },
            },
          ],
        }),
      ),
    ).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
  });

  it('a pod without requests reserves 1m, the least kubesim schedules', () => {
    const { dto } = podManifestToCreate(
      manifest({ containers: [{ name: 'a', image: 'nginx' }] }),
      'default',
    );
    expect(dto.cpu_cores_req).toBe(0.001);
  });

  it('env values become config items, volumes take their mount paths', () => {
    const { dto, labels } = podManifestToCreate(
      manifest(
        {
          containers: [
            {
              name: 'a',
              image: 'nginx',
              env: [{ name: 'MODE', value: 'fast' }],
              volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
            },
          ],
          volumes: [
            { name: 'cache', emptyDir: { sizeLimit: '2Gi' } },
            { name: 'host', hostPath: { path: '/var/log' } },
          ],
        },
        { labels: { app: 'web' } },
      ),
      'default',
    );
    expect(dto.config).toEqual([{ name: 'a-env', type: 'env', key: 'MODE', value: 'fast' }]);
    expect(dto.volumes).toEqual([
      { name: 'cache', type: 'emptyDir', size: 2, path: '/cache' },
      { name: 'host', type: 'hostPath', size: 0, path: '/var/log' },
    ]);
    expect(labels).toEqual({ app: 'web' });
  });

  it('takes nodeSelector, tolerations and required node affinity', () => {
    const terms = [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }];
    const { dto } = podManifestToCreate(
      manifest({
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms },
          },
        },
        containers: [{ name: 'web', image: 'nginx', resources: { requests: { memory: '1Gi' } } }],
      }),
      'default',
    );
    expect(dto.node_selector).toEqual({ disk: 'ssd' });
    expect(dto.tolerations).toEqual([
      { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(dto.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms },
      },
    });
    expect(dto.containers[0].memory_req).toBe(1024);
  });

  it('lists every problem with its field path, and refuses what kubesim cannot honour yet', () => {
    expect(
      causes(
        manifest(
          {
            affinity: { podAffinity: {} },
            restartPolicy: 'Sometimes',
            containers: [{ name: 'Bad_Name', resources: { requests: { cpu: 'lots' } } }],
            volumes: [{ name: 'nfs', nfs: { server: 'x', path: '/' } }],
          },
          { labels: { 'bad key!': 'x' } },
        ),
      ),
    ).toEqual([
      expect.stringMatching(/^metadata\.labels: Invalid value: "bad key!"/),
      expect.stringMatching(/^spec\.restartPolicy: Unsupported value: "Sometimes"/),
      'spec.affinity.podAffinity: Unsupported value: kubesim supports only nodeAffinity',
      expect.stringMatching(/^spec\.containers\[0\]\.name: Invalid value: "Bad_Name"/),
      'spec.containers[0].image: Required value',
      expect.stringMatching(
        /^spec\.containers\[0\]\.resources\.requests\[cpu\]: Invalid value: "lots"/,
      ),
      expect.stringMatching(/^spec\.volumes\[0\]: Unsupported value/),
    ]);
    expect(causes(manifest({}))).toEqual(['spec.containers: Required value']);
  });

  it('keeps the usage annotations for the agent, and refuses one it could not act on', () => {
    const spec = { containers: [{ name: 'web', image: 'busybox' }] };
    const wanted = { 'kubesim.io/cpu-usage': '200m..900m/60s', 'kubesim.io/memory-usage': '300Mi' };
    expect(
      podManifestToCreate(manifest(spec, { annotations: wanted }), 'default').annotations,
    ).toEqual(wanted);
    expect(causes(manifest(spec, { annotations: { 'kubesim.io/cpu-usage': '90%' } }))).toEqual([
      expect.stringMatching(
        /^metadata\.annotations: Invalid value: kubesim\.io\/cpu-usage: "90%" is not a cpu quantity/,
      ),
    ]);
  });

  it('a namespace in the manifest must be the one of the request', () => {
    expect(() =>
      podManifestToCreate(
        manifest({ containers: [{ name: 'a', image: 'x' }] }, { namespace: 'prod' }),
        'default',
      ),
    ).toThrow(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });
});
