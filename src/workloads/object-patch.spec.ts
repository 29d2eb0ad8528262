import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './object-patch';

const deployment = {
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1', env: [{ name: 'A', value: '1' }] },
          { name: 'side', image: 'busybox' },
        ],
      },
    },
  },
};

describe('strategicMergePatch', () => {
  it('changes one container by name and keeps the others (kubectl set image)', () => {
    const out = strategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } },
    }) as typeof deployment;
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'web', image: 'nginx:2', env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: 'busybox' },
    ]);
  });

  it('adds new keyed items, deletes with $patch: delete, and null removes a field', () => {
    const out = strategicMergePatch(deployment, {
      spec: {
        replicas: null,
        template: {
          spec: {
            containers: [
              { name: 'side', $patch: 'delete' },
              { name: 'new', image: 'x' },
            ],
          },
        },
      },
    }) as Record<string, any>;
    expect(out.spec.replicas).toBeUndefined();
    expect(out.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'web',
      'new',
    ]);
  });

  it('refuses a keyed item without its key', () => {
    expect(() =>
      strategicMergePatch(deployment, {
        spec: { template: { spec: { containers: [{ image: 'x' }] } } },
      }),
    ).toThrow(PatchError);
  });
});

describe('mergePatch', () => {
  it('replaces lists whole, as RFC 7386 says', () => {
    const out = mergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }] } } },
    }) as typeof deployment;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
    expect(out.spec.replicas).toBe(3);
  });
});

describe('jsonPatch', () => {
  it('replaces, adds, removes and tests, leaving the input alone', () => {
    const out = jsonPatch(deployment, [
      { op: 'test', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'z', image: 'z' } },
      { op: 'remove', path: '/spec/template/spec/containers/0' },
    ]) as typeof deployment;
    expect(out.spec.replicas).toBe(5);
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['side', 'z']);
    expect(deployment.spec.replicas).toBe(3);
  });

  it.each([
    [[{ op: 'replace', path: '/spec/nothing', value: 1 }]],
    [[{ op: 'test', path: '/spec/replicas', value: 4 }]],
    [[{ op: 'nope', path: '/spec' }]],
    [{ op: 'add' }],
  ])('refuses %j', (ops) => {
    expect(() => jsonPatch(deployment, ops)).toThrow(PatchError);
  });
});
