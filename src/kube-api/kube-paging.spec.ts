import { KubeError } from './kube-status';
import { pageOf } from './kube-paging';

const pod = (namespace: string, name: string) => ({ metadata: { namespace, name } });
const names = (items: Array<{ metadata: { namespace: string; name: string } }>) =>
  items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

describe('pageOf: limit and continue, as kube-apiserver pages a list', () => {
  const items = [pod('b', 'x'), pod('a', 'z'), pod('a', 'y'), pod('c', 'w'), pod('a', 'x')];
  const rv = String(Date.now());

  it('without either: the list as it was, nothing added', () => {
    expect(pageOf(items, {}, rv)).toEqual({ items, metadata: { resourceVersion: rv } });
  });

  it('pages in key order to the end, each token carrying on after the last object sent', () => {
    const seen: string[] = [];
    let page = pageOf(items, { limit: '2' }, rv);
    expect(page.metadata.remainingItemCount).toBe(3);
    seen.push(...names(page.items));
    while (page.metadata.continue) {
      page = pageOf(items, { limit: '2', continue: page.metadata.continue }, 'later');
      // every page keeps the first one's version
      expect(page.metadata.resourceVersion).toBe(rv);
      seen.push(...names(page.items));
    }
    expect(seen).toEqual(['a/x', 'a/y', 'a/z', 'b/x', 'c/w']);
    expect(page.metadata).toEqual({ resourceVersion: rv });
  });

  it.each([
    [{ limit: '-1' }, 400, /limit: Invalid value: "-1"/],
    [{ limit: 'ten' }, 400, /limit: Invalid value/],
    [{ continue: 'not-a-token' }, 400, /continue key is not valid/],
  ])('%j is a %s', (query, code, message) => {
    try {
      pageOf(items, query, rv);
      throw new Error('expected a KubeError');
    } catch (err) {
      expect(err).toBeInstanceOf(KubeError);
      expect((err as KubeError).code).toBe(code);
      expect((err as KubeError).message).toMatch(message);
    }
  });

  it('a token older than the watch window is 410 Expired, unless the list never expires', () => {
    const old = pageOf(items, { limit: '2' }, String(Date.now() - 10 * 60_000)).metadata.continue!;
    expect(() => pageOf(items, { continue: old }, rv)).toThrow(/too old/);
    expect(names(pageOf(items, { continue: old }, rv, false).items)).toEqual(['a/z', 'b/x', 'c/w']);
  });
});
