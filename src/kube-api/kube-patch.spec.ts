import { applyPatch } from './kube-patch';

describe('applyPatch', () => {
  const svc = {
    metadata: { name: 'web', labels: { a: '1', b: '2' } },
    spec: { ports: [{ port: 80 }] },
  };

  it('merge and strategic merge patches: null removes, lists are replaced, directives dropped', () => {
    expect(
      applyPatch('application/strategic-merge-patch+json', svc, {
        metadata: { labels: { a: null, c: '3' } },
        spec: { ports: [{ port: 81 }], '$setElementOrder/ports': [{ port: 81 }] },
      }),
    ).toEqual({
      metadata: { name: 'web', labels: { b: '2', c: '3' } },
      spec: { ports: [{ port: 81 }] },
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
