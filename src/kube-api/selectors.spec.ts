import {
  parseFieldSelector,
  parseLabelSelector,
  renameFieldLabels,
  SelectorError,
} from './selectors';

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

describe("field labels renamed, as kube-apiserver converts another group's", () => {
  const labels = { 'regarding.name': 'involvedObject.name', type: 'type' };
  it.each([
    [undefined, undefined],
    ['', ''],
    ['regarding.name=web', 'involvedObject.name=web'],
    ['regarding.name == web , type!=Normal', 'involvedObject.name==web,type!=Normal'],
    ['type=', 'type='],
  ])('%p is %p', (selector, renamed) => expect(renameFieldLabels(selector, labels)).toBe(renamed));

  it('refuses a label the group does not have, even one the stored kind has', () => {
    expect(() => renameFieldLabels('involvedObject.name=web', labels)).toThrow(
      'field label not supported: involvedObject.name',
    );
    expect(() => renameFieldLabels('toString=x', labels)).toThrow(SelectorError);
  });

  it('refuses what does not parse', () =>
    expect(() => renameFieldLabels('regarding.name', labels)).toThrow(
      "invalid selector: 'regarding.name'; can't understand 'regarding.name'",
    ));
});
