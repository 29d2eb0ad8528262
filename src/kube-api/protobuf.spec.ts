import {
  decodeHorizontalPodAutoscalerV1,
  decodeJob,
  decodeNamespace,
  decodeObject,
  encodeHorizontalPodAutoscalerV1,
  encodeJob,
  encodeNamespace,
  encodeObject,
  ProtobufError,
} from './protobuf';

describe('decodeNamespace', () => {
  it('reads the name and labels of a protobuf v1.Namespace', () => {
    const body = encodeNamespace({ name: 'team-a', labels: { tier: 'dev', x: '' } });
    expect(decodeNamespace(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { tier: 'dev', x: '' } },
    });
  });

  it('reads a long name (multi-byte lengths)', () => {
    const name = 'a'.repeat(200);
    expect(decodeNamespace(encodeNamespace({ name })).metadata).toEqual({ name });
  });

  it('refuses what is not a Kubernetes protobuf body, or is cut short', () => {
    expect(() => decodeNamespace(Buffer.from('{"kind":"Namespace"}'))).toThrow(ProtobufError);
    const body = encodeNamespace({ name: 'team-a' });
    expect(() => decodeNamespace(body.subarray(0, body.length - 3))).toThrow(ProtobufError);
  });
});

describe('decodeObject', () => {
  it('reads the type and the name and namespace of a protobuf policy/v1.Eviction', () => {
    const body = encodeObject({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      name: 'web-1',
      namespace: 'team-a',
    });
    expect(decodeObject(body, { apiVersion: 'policy/v1', kind: 'Eviction' })).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-1', namespace: 'team-a' },
    });
  });
});

describe('decodeHorizontalPodAutoscalerV1', () => {
  it('reads what kubectl autoscale sends', () => {
    const body = encodeHorizontalPodAutoscalerV1({
      name: 'web',
      target: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 50,
    });
    expect(decodeHorizontalPodAutoscalerV1(body)).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 50,
      },
    });
  });

  it('leaves out the optional fields not sent', () => {
    const body = encodeHorizontalPodAutoscalerV1({
      name: 'web',
      target: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      maxReplicas: 3,
    });
    expect(decodeHorizontalPodAutoscalerV1(body).spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      maxReplicas: 3,
    });
  });
});

describe('decodeJob', () => {
  it('reads the Job `kubectl create job pi --image=busybox -- sleep 2` sends', () => {
    const body = encodeJob({
      name: 'pi',
      containers: [{ name: 'pi', image: 'busybox', command: ['sleep', '2'] }],
      restartPolicy: 'Never',
    });
    expect(decodeJob(body)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: {
        template: {
          metadata: {},
          spec: {
            containers: [{ name: 'pi', image: 'busybox', command: ['sleep', '2'] }],
            restartPolicy: 'Never',
          },
        },
      },
    });
  });

  it('reads the counts (varints), zero included', () => {
    const body = encodeJob({
      name: 'q',
      parallelism: 300,
      backoffLimit: 0,
      containers: [{ name: 'c', image: 'busybox' }],
    });
    expect(decodeJob(body).spec).toMatchObject({ parallelism: 300, backoffLimit: 0 });
  });
});
