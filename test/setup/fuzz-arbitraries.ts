import fc from 'fast-check';
import { WORKER_COMPONENTS } from './test-app';

// ---- JSON text with raw tokens JSON.stringify cannot write (1e400, -0, 30-digit numbers) --

const RAW = '\u0001raw:';
export const raw = (text: string) => `${RAW}${text}`;
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0001raw:((?:[^"\\]|\\.)*)"/g, (_m, inner: string) =>
    JSON.parse(`"${inner}"`),
  );
}

function nested(depth: number, kind: 'object' | 'array'): unknown {
  return raw(
    kind === 'object'
      ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      : '['.repeat(depth) + ']'.repeat(depth),
  );
}

/** A value that does not belong where it is put. */
export const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    -0.5,
    0.0001,
    1.23456,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    1e21,
    1e308,
    -1e308,
    Number.MIN_VALUE,
    'NaN',
    'Infinity',
    '-Infinity',
    '1',
    '0x10',
    '1e3',
    '١٢٣',
    '',
    ' ',
    '\u0000',
    '\ud800',
    'a\u0000b',
    '../../../etc/passwd',
    '%00',
    "'; DROP TABLE nodes; --",
    '<script>alert(1)</script>',
    'x'.repeat(70_000),
    [],
    {},
    [1, 2, 3],
    [{}],
    ['running'],
    { a: { b: { c: [] } } },
    { __proto__: { admin: true } },
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
    raw('1e400'),
    raw('-1e400'),
    raw('1e-400'),
    raw('-0'),
    raw('123456789012345678901234567890'),
    raw('0.1e1'),
    raw('1E2'),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 0, max: 300_000 }).map((n) => 'é'.repeat(n)),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((b) => raw(b.toString())),
  fc
    .integer({ min: 1, max: 20_000 })
    .chain((d) => fc.constantFrom(nested(d, 'object'), nested(d, 'array'))),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }),
);

/** Every path (as keys) to a value or an object/array inside `value`. */
function pathsOf(
  value: unknown,
  prefix: Array<string | number> = [],
): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

interface Mutation {
  at: number;
  op: 'set' | 'delete' | 'unknown-field' | 'wrap-in-array';
  value: unknown;
  key: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom<Mutation['op']>(
    'set',
    'set',
    'set',
    'delete',
    'unknown-field',
    'wrap-in-array',
  ),
  value: weird,
  key: fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'id', 'extra', 'isAdmin'),
    fc.string({ maxLength: 10 }),
  ),
});

/** `base` with the mutations applied (each at one of its paths). */
function mutate(base: unknown, mutations: Mutation[]): unknown {
  const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  let root: unknown = doc;
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.at % paths.length];
    if (path.length === 0) {
      if (m.op === 'set') root = m.value;
      else if (m.op === 'wrap-in-array') root = [root];
      else if (m.op === 'unknown-field' && root && typeof root === 'object' && !Array.isArray(root))
        (root as Record<string, unknown>)[m.key] = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root);
    const last = path[path.length - 1];
    if (m.op === 'set') parent[last] = m.value;
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (m.op === 'wrap-in-array') parent[last] = [parent[last]];
    else {
      const target = parent[last];
      if (target && typeof target === 'object' && !Array.isArray(target))
        Object.defineProperty(target, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else parent[last] = m.value;
    }
  }
  return root;
}

/** A body for an endpoint: its valid shape mutated, random JSON, or text that is not JSON. */
export function bodies(
  valid: fc.Arbitrary<unknown>,
): fc.Arbitrary<{ kind: string; text: string; contentType?: string }> {
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([b, ms]) => ({ kind: 'mutated', text: toJsonText(mutate(b, ms)) })),
    },
    { weight: 1, arbitrary: valid.map((b) => ({ kind: 'valid', text: toJsonText(b) })) },
    {
      weight: 2,
      arbitrary: fc
        .jsonValue()
        .map((v) => ({ kind: 'random-json', text: JSON.stringify(v) ?? 'null' })),
    },
    { weight: 1, arbitrary: fc.json().map((text) => ({ kind: 'random-json', text })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.constantFrom(
            '{',
            '}',
            '{"name":',
            '{"a":1,}',
            "{'a':1}",
            'undefined',
            'NaN',
            '[1,2',
            '\u0000',
            '{"a":1}{"b":2}',
            '\ufeff{}',
            'x'.repeat(1_100_000),
            `{"name":"${'x'.repeat(1_100_000)}"}`,
          ),
        )
        .map((text) => ({ kind: 'raw-text', text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'multipart/form-data; boundary=x',
            'application/xml',
            '*/*',
            'application/merge-patch+json',
          ),
        )
        .map(([b, contentType]) => ({ kind: 'content-type', text: toJsonText(b), contentType })),
    },
  );
}

/** A heartbeat body as an agent sends it. */
export const validBeat = fc.record(
  {
    pod_ids: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 3 }),
    cpu_cores_avail: fc.double({ min: 0, max: 64, noNaN: true }),
    cpu_usage: fc.double({ min: 0, max: 64, noNaN: true }),
    health_status: fc.constantFrom('healthy', 'unhealthy'),
    components: fc.constant(WORKER_COMPONENTS),
    pods: fc.array(
      fc.record({
        id: fc.integer({ min: 1, max: 50 }),
        status: fc.constantFrom('creating', 'running', 'failed'),
        containers: fc.array(
          fc.record({
            name: fc.constantFrom('main', 'side'),
            status: fc.constantFrom('creating', 'running', 'failed', 'terminated'),
            restart_count: fc.nat(5),
            cpu_usage: fc.double({ min: 0, max: 2, noNaN: true }),
          }),
          { maxLength: 2 },
        ),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['pod_ids', 'health_status', 'components'] },
);
