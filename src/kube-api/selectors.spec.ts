import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'kubernetes.io/hostname': 'w1' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=db', false],
    ['app in (db, web)', true],
    ['app notin (db,web)', false],
    ['app,tier=front', true],
    ['!app', false],
    ['missing', false],
    ['!missing', true],
    ['missing!=x', true],
    ['kubernetes.io/hostname=w1,app in (web)', true],
  ])('%p matches: %p', (selector, expected) =>
    expect(parseLabelSelector(selector)(labels)).toBe(expected),
  );

  it.each(['app=(', 'a b', '=x', 'app in (a b)'])('refuses %p', (selector) =>
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError),
  );
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'web', 'spec.nodeName': 'w1', 'status.phase': 'Running' };
  const supported = ['metadata.name', 'spec.nodeName', 'status.phase'];
  it.each([
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['spec.nodeName!=w1', false],
    ['spec.nodeName=', false],
    ['status.phase!=Failed,status.phase!=Succeeded', true],
    ['spec.nodeName=w1,metadata.name=db', false],
  ])('%p matches: %p', (selector, expected) =>
    expect(parseFieldSelector(selector, supported)(fields)).toBe(expected),
  );

  it('refuses a field the kind does not index, as kube-apiserver does', () =>
    expect(() => parseFieldSelector('spec.foo=1', supported)).toThrow(
      'field label not supported: spec.foo',
    ));
});
