import { applyPatch } from './kube-patch';

describe('applyPatch', () => {
  const svc = {
    metadata: { name: 'web', labels: { a: '1', b: '2' } },
    spec: { ports: [{ port: 80 }] },
  };

  it('merge patches: null removes, lists are replaced', () => {
    expect(
      applyPatch('application/merge-patch+json', svc, {
        metadata: { labels: { a: null, c: '3' } },
        spec: { ports: [{ port: 81 }] },
      }),
    ).toEqual({
      metadata: { name: 'web', labels: { b: '2', c: '3' } },
      spec: { ports: [{ port: 81 }] },
    });
  });

  it('strategic merge patches merge ports by port, as kubectl apply sends them', () => {
    const two = {
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https' },
        ],
      },
    };
    expect(
      applyPatch('application/strategic-merge-patch+json', two, {
        spec: {
          '$setElementOrder/ports': [{ port: 8443 }, { port: 80 }],
          ports: [
            { port: 8443, name: 'https' },
            { $patch: 'delete', port: 443 },
            { port: 80, targetPort: 8080 },
          ],
        },
      }),
    ).toEqual({
      spec: {
        ports: [
          { port: 8443, name: 'https' },
          { port: 80, name: 'http', targetPort: 8080 },
        ],
      },
    });
  });

  it('JSON patches: add, replace, remove, test', () => {
    expect(
      applyPatch('application/json-patch+json', svc, [
        { op: 'test', path: '/metadata/name', value: 'web' },
        { op: 'add', path: '/spec/ports/-', value: { port: 443 } },
        { op: 'replace', path: '/spec/ports/0/port', value: 8080 },
        { op: 'remove', path: '/metadata/labels/a' },
      ]),
    ).toEqual({
      metadata: { name: 'web', labels: { b: '2' } },
      spec: { ports: [{ port: 8080 }, { port: 443 }] },
    });
    expect(svc.spec.ports).toEqual([{ port: 80 }]);
    expect(() =>
      applyPatch('application/json-patch+json', svc, [
        { op: 'test', path: '/metadata/name', value: 'x' },
      ]),
    ).toThrow(/test failed/);
  });
});
