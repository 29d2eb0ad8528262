import { decodeJob, decodeNamespace, encodeJob, encodeNamespace, ProtobufError } from './protobuf';

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
