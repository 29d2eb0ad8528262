import { namespaceManifest } from './namespace-manifest';
import { KubeError } from './kube-status';

describe('namespaceManifest', () => {
  it('takes the name, labels and annotations, and adds kubernetes.io/metadata.name', () => {
    expect(
      namespaceManifest({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'team-a', labels: { tier: 'dev' }, annotations: { note: 'x' } },
      }),
    ).toEqual({
      name: 'team-a',
      labels: { tier: 'dev', 'kubernetes.io/metadata.name': 'team-a' },
      annotations: { note: 'x' },
      unknown: [],
    });
  });

  it('makes a name from generateName and lists unknown top-level fields', () => {
    const ns = namespaceManifest({ metadata: { generateName: 'tmp-' }, colour: 'blue' });
    expect(ns.name).toMatch(/^tmp-[0-9a-f]{5}$/);
    expect(ns.unknown).toEqual(['colour']);
  });

  it.each([
    [{ metadata: {} }, 422, 'metadata.name: Required value'],
    [{ metadata: { name: 'Team_A' } }, 422, 'metadata.name: Invalid value: "Team_A"'],
    [{ metadata: { name: 'a'.repeat(64) } }, 422, 'metadata.name: Invalid value'],
    [{ kind: 'Pod', metadata: { name: 'x' } }, 400, 'does not match the expected API version'],
    ['nope', 400, 'must be a v1 Namespace object'],
  ])('refuses %j (%i)', (body, code, message) => {
    let caught: unknown;
    try {
      namespaceManifest(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KubeError);
    expect((caught as KubeError).code).toBe(code);
    expect((caught as KubeError).message).toContain(message);
  });
});
