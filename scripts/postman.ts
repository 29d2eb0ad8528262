/**
 * Writes postman/kubesim.postman_collection.json and postman/kubesim.postman_environment.json
 * from openapi/openapi.json (run `npm run openapi` first when the API changed). The output is
 * deterministic — ids derived from names, folders and requests sorted, keys sorted — so CI can
 * regenerate it and fail on a difference (test/postman.e2e-spec.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert } from 'openapi-to-postmanv2';
import { mulberry32 } from '../cli/random';

const ROOT = join(__dirname, '..');
export const OPENAPI_FILE = join(ROOT, 'openapi', 'openapi.json');
export const COLLECTION_FILE = join(ROOT, 'postman', 'kubesim.postman_collection.json');
export const ENVIRONMENT_FILE = join(ROOT, 'postman', 'kubesim.postman_environment.json');
export const WALK_THROUGH = 'Walk-through';
const DEFAULT_BASE_URL = 'http://localhost:3000';

type Json = any;

/** A UUID-shaped id that depends only on `key`, so regenerating gives the same file. */
function stableId(key: string): string {
  const h = createHash('sha1').update(`kubesim-postman:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

async function convertSpec(spec: string): Promise<Json> {
  // the converter's faker keeps its own reference to a random function; both get the seeded one
  // (a JS file without types: required, not imported)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const faker = require('openapi-to-postmanv2/assets/json-schema-faker.js') as {
    option(options: { random: () => number }): void;
  };
  const random = Math.random;
  Math.random = mulberry32(0x6b756265);
  faker.option({ random: mulberry32(0x6b756266) });
  try {
    return await convertWith(spec);
  } finally {
    Math.random = random;
    faker.option({ random });
  }
}

function convertWith(spec: string): Promise<Json> {
  return new Promise((resolve, reject) =>
    convert(
      { type: 'string', data: spec },
      {
        folderStrategy: 'Tags',
        requestNameSource: 'Fallback',
        parametersResolution: 'Example',
        alwaysInheritAuthentication: true,
        enableOptionalParameters: false,
        indentCharacter: 'Space',
      },
      (err, result: Json) => {
        if (err) return reject(new Error(err.message));
        if (!result?.result) return reject(new Error(`conversion failed: ${result?.reason}`));
        resolve(result.output[0].data);
      },
    ),
  );
}

const bearer = (variable: string) => ({
  type: 'bearer',
  bearer: [{ key: 'token', value: `{{${variable}}}`, type: 'string' }],
});

const jsonBody = (value: Json) => ({
  mode: 'raw',
  raw: JSON.stringify(value, null, 2),
  options: { raw: { language: 'json' } },
});

/** A generated request's path, as `/nodes/:id/heartbeat`. */
function pathOf(url: Json): string {
  return '/' + (url.path ?? []).join('/');
}

/** What the spec says about one generated request, found by method and path. */
function operationFor(spec: Json, method: string, postmanPath: string): Json {
  const path = postmanPath.replace(/:([A-Za-z_]+)/g, '{$1}');
  const op = spec.paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the OpenAPI document`);
  return op;
}

function firstExample(op: Json): Json | undefined {
  const content = op.requestBody?.content?.['application/json'];
  if (!content) return undefined;
  if (content.example !== undefined) return content.example;
  const names = Object.keys(content.examples ?? {});
  return names.length ? content.examples[names[0]].value : undefined;
}

/** Generated requests: bodies from the spec's examples, ids pointing at the saved node and pod, auth as the spec says. */
function polishRequest(spec: Json, item: Json): void {
  const request = item.request;
  const path = pathOf(request.url);
  const op = operationFor(spec, request.method, path);
  const example = firstExample(op);
  if (example !== undefined) request.body = jsonBody(example);
  // every write says JSON, body or not: the API refuses others (415)
  request.header ??= [];
  if (
    request.method !== 'GET' &&
    !request.header.some((h: Json) => String(h.key).toLowerCase() === 'content-type')
  )
    request.header.push({ key: 'Content-Type', value: 'application/json' });
  for (const v of request.url.variable ?? []) {
    if (v.key === 'id') v.value = path.startsWith('/pods') ? '{{podId}}' : '{{nodeId}}';
  }
  const schemes: string[] = (op.security ?? []).flatMap((s: Json) => Object.keys(s));
  if (schemes.length === 0) request.auth = { type: 'noauth' };
  // the heartbeat takes the node's own token (the spec also lists the API token for it)
  else if (!schemes.includes('api-token') || path.endsWith('/heartbeat')) {
    request.auth = bearer('nodeToken');
  } else delete request.auth; // inherits the collection's {{apiToken}}
  if (request.description && !request.description.content) delete request.description;
  for (const response of item.response ?? []) {
    const original = response.originalRequest;
    if (original?.body && example !== undefined) original.body = jsonBody(example);
  }
}

const script = (type: 'test' | 'prerequest', lines: string[]) => ({
  listen: type,
  script: { type: 'text/javascript', exec: lines },
});

/** Saves a value where `{{name}}` will find it: the active environment wins over collection variables. */
const SAVE = [
  'function save(name, value) {',
  '  pm.environment.set(name, String(value));',
  '  pm.collectionVariables.set(name, String(value));',
  '}',
];

function walkStep(
  name: string,
  method: string,
  path: string[],
  options: { body?: Json; auth?: Json; tests: string[]; prerequest?: string[]; query?: Json[] },
): Json {
  const event = [];
  if (options.prerequest) event.push(script('prerequest', options.prerequest));
  event.push(script('test', options.tests));
  const request: Json = {
    method,
    header: [{ key: 'Accept', value: 'application/json' }],
    url: {
      raw: `{{baseUrl}}/${path.join('/')}${options.query ? '?' + options.query.map((q) => `${q.key}=${q.value}`).join('&') : ''}`,
      host: ['{{baseUrl}}'],
      path,
      ...(options.query ? { query: options.query } : {}),
    },
  };
  // every write says JSON, body or not: the API refuses others (415)
  if (method !== 'GET') request.header.push({ key: 'Content-Type', value: 'application/json' });
  if (options.body !== undefined) request.body = jsonBody(options.body);
  if (options.auth) request.auth = options.auth;
  return { name, event, request, response: [] };
}

/**
 * A re-runnable story through the API, in order, with assertions: each run names its node
 * and pod after the time it starts. Works against any runtime and any cluster: the node is
 * registered as external (Postman beats for it with its own token, no agent is launched), and
 * its pod may wait when pods already waiting take the new node first.
 */
function walkThrough(): Json {
  const status = (code: number, what: string) => [
    `pm.test('${what} answers ${code}', function () {`,
    `  pm.response.to.have.status(${code});`,
    '});',
  ];
  const steps = [
    walkStep('1. Register a node', 'POST', ['nodes'], {
      prerequest: [
        '// a fresh name per run, so the folder can run again against the same server',
        "pm.collectionVariables.set('walkId', String(Date.now()));",
      ],
      // external: Postman plays the node's agent, so the server launches none of its own
      body: { name: 'walk-node-{{walkId}}', cpu_cores: 2, agent: 'external' },
      tests: [
        ...SAVE,
        ...status(201, 'registering the node'),
        'const node = pm.response.json();',
        "pm.test('the node is pending until its first heartbeat, with its token', function () {",
        "  pm.expect(node.name).to.eql('walk-node-' + pm.variables.get('walkId'));",
        "  pm.expect(node.health_status).to.eql('pending');",
        "  pm.expect(node.heartbeat_token).to.be.a('string').and.not.empty;",
        '});',
        "pm.test('its agent is external: the heartbeats come from here alone', function () {",
        "  pm.expect(node.runtime).to.eql('external');",
        '});',
        "save('nodeId', node.id);",
        "save('nodeToken', node.heartbeat_token);",
      ],
    }),
    walkStep('2. Heartbeat as the node', 'POST', ['nodes', '{{nodeId}}', 'heartbeat'], {
      auth: bearer('nodeToken'),
      body: {
        pod_ids: [],
        health_status: 'healthy',
        cpu_usage: 0.1,
        components: {
          kubelet: 'running',
          container_runtime: 'running',
          kube_proxy: 'running',
          node_agent: 'running',
        },
      },
      tests: [
        ...status(200, 'the heartbeat'),
        "pm.test('the answer lists the pods the node must run', function () {",
        "  pm.expect(pm.response.json().pods).to.be.an('array');",
        '});',
        '// the node is now healthy: checked with a GET carrying the API token, when there is one',
        "const token = pm.variables.get('apiToken');",
        'pm.sendRequest(',
        '  {',
        "    url: pm.variables.get('baseUrl') + '/nodes/' + pm.variables.get('nodeId'),",
        "    method: 'GET',",
        "    header: token ? { Authorization: 'Bearer ' + token } : {},",
        '  },',
        '  function (err, res) {',
        "    pm.test('the node turned healthy', function () {",
        '      pm.expect(err).to.eql(null);',
        "      pm.expect(res.json().health_status).to.eql('healthy');",
        '    });',
        '  },',
        ');',
      ],
    }),
    walkStep('3. Create a pod', 'POST', ['pods'], {
      body: {
        name: 'walk-pod-{{walkId}}',
        containers: [{ name: 'web', image: 'nginx:1.27', cpu_req: 0.5, memory_req: 128 }],
      },
      tests: [
        ...SAVE,
        ...status(201, 'creating the pod'),
        'const pod = pm.response.json();',
        '// on a busy cluster, pods that were waiting may have taken the new node first:',
        '// then this one waits too, and says why',
        "pm.test('the pod is bound to a node, or waits with the reason', function () {",
        "  if (pod.status === 'pending') {",
        '    pm.expect(pod.node_name).to.eql(null);',
        "    pm.expect(pod.reason).to.be.a('string').and.not.empty;",
        '  } else {',
        "    pm.expect(pod.status).to.be.oneOf(['scheduled', 'running']);",
        "    pm.expect(pod.node_name).to.be.a('string');",
        '  }',
        '});',
        "save('podId', pod.id);",
      ],
    }),
    walkStep('4. Get the pod', 'GET', ['pods', '{{podId}}'], {
      tests: [
        ...status(200, 'getting the pod'),
        "pm.test('it is the pod just created', function () {",
        "  pm.expect(pm.response.json().name).to.eql('walk-pod-' + pm.variables.get('walkId'));",
        '});',
      ],
    }),
    walkStep('5. List the node events', 'GET', ['events'], {
      query: [
        { key: 'object', value: 'node/walk-node-{{walkId}}' },
        { key: 'limit', value: '20' },
      ],
      tests: [
        ...status(200, 'listing events'),
        "pm.test('the node became ready on its heartbeat', function () {",
        '  const reasons = pm.response.json().map(function (e) { return e.reason; });',
        "  pm.expect(reasons).to.include('NodeReady');",
        '});',
      ],
    }),
    walkStep('6. Delete the pod', 'DELETE', ['pods', '{{podId}}'], {
      tests: status(200, 'deleting the pod'),
    }),
    walkStep('7. Delete the node', 'DELETE', ['nodes', '{{nodeId}}'], {
      tests: status(200, 'deleting the node'),
    }),
  ];
  return {
    name: WALK_THROUGH,
    description:
      'Run this folder in order (Collection Runner or `newman run postman/kubesim.postman_collection.json ' +
      '-e postman/kubesim.postman_environment.json --folder Walk-through`): it registers an external node, ' +
      'beats for it as its agent would, creates a pod (bound, or pending with a reason on a busy ' +
      'cluster), and cleans up after itself. Set apiToken when the server sets KUBESIM_API_TOKEN.',
    item: steps,
  };
}

/** Gives every item, response and the collection an id derived from where it sits. */
function assignIds(collection: Json): void {
  collection.info._postman_id = stableId('collection');
  const walk = (items: Json[], prefix: string) => {
    for (const item of items) {
      const key = `${prefix}/${item.name}`;
      item.id = stableId(key);
      if (item.item) walk(item.item, key);
      for (const response of item.response ?? []) {
        response.id = stableId(`${key}#${response.code}:${response.name}`);
      }
    }
  };
  walk(collection.item, '');
}

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export async function renderPostman(
  specText: string = readFileSync(OPENAPI_FILE, 'utf8'),
): Promise<{ collection: string; environment: string }> {
  const spec = JSON.parse(specText);
  const generated = await convertSpec(specText);

  const folders: Json[] = generated.item.map((folder: Json) => {
    const items: Json[] = folder.item ?? [];
    for (const item of items) polishRequest(spec, item);
    items.sort(
      (a, b) =>
        pathOf(a.request.url).localeCompare(pathOf(b.request.url)) ||
        METHOD_ORDER.indexOf(a.request.method) - METHOD_ORDER.indexOf(b.request.method),
    );
    const tag = (spec.tags ?? []).find((t: Json) => t.name === folder.name);
    return {
      name: folder.name,
      ...(tag?.description ? { description: tag.description } : {}),
      item: items,
    };
  });
  folders.sort((a, b) => a.name.localeCompare(b.name));

  const collection: Json = {
    info: {
      name: spec.info.title,
      description: spec.info.description,
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: bearer('apiToken'),
    variable: [
      { key: 'baseUrl', value: DEFAULT_BASE_URL, type: 'string' },
      { key: 'apiToken', value: '', type: 'string' },
      { key: 'nodeToken', value: '', type: 'string' },
      { key: 'nodeId', value: '', type: 'string' },
      { key: 'podId', value: '', type: 'string' },
      { key: 'walkId', value: '', type: 'string' },
    ],
    item: [walkThrough(), ...folders],
  };
  assignIds(collection);

  const environment = {
    id: stableId('environment'),
    name: 'kubesim (local)',
    values: [
      { key: 'baseUrl', value: DEFAULT_BASE_URL, type: 'default', enabled: true },
      { key: 'apiToken', value: '', type: 'secret', enabled: true },
      { key: 'nodeToken', value: '', type: 'secret', enabled: true },
      { key: 'nodeId', value: '', type: 'default', enabled: true },
      { key: 'podId', value: '', type: 'default', enabled: true },
    ],
    _postman_variable_scope: 'environment',
  };

  return {
    collection: JSON.stringify(sortKeys(collection), null, 2) + '\n',
    environment: JSON.stringify(sortKeys(environment), null, 2) + '\n',
  };
}

if (require.main === module) {
  renderPostman()
    .then(({ collection, environment }) => {
      mkdirSync(join(ROOT, 'postman'), { recursive: true });
      writeFileSync(COLLECTION_FILE, collection);
      writeFileSync(ENVIRONMENT_FILE, environment);
      console.log(
        `wrote postman/kubesim.postman_collection.json (${collection.length} bytes) and postman/kubesim.postman_environment.json`,
      );
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
