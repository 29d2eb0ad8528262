import { checkPodFields, fieldValidation, unknownFields } from './field-validation';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'web', image: 'nginx', resources: { requests: { cpu: '1' } }, colour: 'blue' },
    ],
    speed: 'fast',
  },
};

describe('field validation of pod manifests', () => {
  it('names each field the Pod schema does not have, with its path', () => {
    expect(unknownFields(pod, 'V1Pod')).toEqual(['spec.containers[0].colour', 'spec.speed']);
  });

  it('takes every field of the schema, map keys included', () => {
    const { colour: _c, ...container } = pod.spec.containers[0];
    expect(
      unknownFields(
        { ...pod, spec: { containers: [container], nodeSelector: { a: 'b' } } },
        'V1Pod',
      ),
    ).toEqual([]);
  });

  it('Strict refuses with kube-apiserver words, Warn reports, Ignore looks away', () => {
    expect(() => checkPodFields(pod, 'Strict')).toThrow(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].colour", unknown field "spec.speed"',
    );
    expect(checkPodFields(pod, 'Warn')).toHaveLength(2);
    expect(checkPodFields(pod, 'Ignore')).toEqual([]);
  });

  it('refuses an unknown mode', () => {
    expect(() => fieldValidation('Loose')).toThrow('fieldValidation: Unsupported value');
    expect(fieldValidation(undefined)).toBe('Warn');
  });
});

describe('field validation of DaemonSet manifests', () => {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'a', image: 'x', colour: 'red' }] },
      },
      replicas: 3,
    },
  };

  it('knows the DaemonSet schema down to its pod template', () => {
    expect(unknownFields(ds, 'V1DaemonSet')).toEqual([
      'spec.template.spec.containers[0].colour',
      'spec.replicas',
    ]);
  });

  it("refuses them under Strict with kube-apiserver's words", () => {
    expect(() => checkPodFields(ds, 'Strict', 'V1DaemonSet', 'DaemonSet')).toThrow(
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.template.spec.containers[0].colour", unknown field "spec.replicas"',
    );
  });
});
