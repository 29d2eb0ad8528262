import { hostAllowList, hostOf, isJsonContentType, JSON_BODY } from './request-guards';

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['APPLICATION/JSON ;charset=UTF-8', true],
    ['application/merge-patch+json', true],
    ['application/json-patch+json', true],
    ['application/strategic-merge-patch+json', true],
    ['application/vnd.kubesim.v1+json', true],
    [undefined, false],
    ['', false],
    ['text/plain', false],
    ['text/json', false],
    ['application/jsonp', false],
    ['application/json-seq', false],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['application/+json', false],
  ])('%s → %s', (header, json) => {
    expect(isJsonContentType(header)).toBe(json);
    // the body parser is picked by the same rule
    if (header) expect(JSON_BODY.test(header.replace(/\s*;\s*/, '; '))).toBe(json);
  });
});

describe('hostOf', () => {
  it.each([
    ['localhost:3000', 'localhost'],
    ['Example.ORG', 'example.org'],
    ['example.org.', 'example.org'],
    ['[::1]:3000', '[::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['bad host', null],
    ['user@example.org', null],
    [':80', null],
    ['a:b:c', null],
  ])('%s → %s', (header, host) => expect(hostOf(header)).toBe(host));
});

describe('hostAllowList', () => {
  const allowed = hostAllowList({
    host: '0.0.0.0',
    apiUrl: 'http://api:3000',
    allowedHosts: ['kubesim.lab', '.example.org'],
  });
  it.each([
    ['localhost', true],
    ['web.localhost', true],
    ['127.0.0.1', true],
    ['10.0.0.7', true],
    ['[::1]', true],
    ['[fe80::1]', true],
    ['host.docker.internal', true],
    ['api', true], // the host KUBESIM_API_URL names: the agents use it
    ['kubesim.lab', true],
    ['example.org', true],
    ['a.b.example.org', true],
    ['evil.test', false],
    ['localhost.evil.test', false],
    ['notexample.org', false],
    ['kubesim.lab.evil.test', false],
    ['127.0.0.1.nip.io', false],
  ])('%s → %s', (host, ok) => expect(allowed(host)).toBe(ok));

  it('lets every name in with *', () => {
    const any = hostAllowList({
      host: '127.0.0.1',
      apiUrl: 'http://127.0.0.1:3000',
      allowedHosts: ['*'],
    });
    expect(any('anything.test')).toBe(true);
  });
});
