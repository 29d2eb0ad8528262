/**
 * An OpenAPI 3 document of the Kubernetes API kubesim serves, for people (Swagger UI's second
 * definition, Postman's import): read from the server's own discovery, so every group and
 * resource it lists — and only those — has its paths, with the verbs discovery gives.
 */

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
}

interface GroupList {
  groups: Array<{ name: string; versions: Array<{ groupVersion: string }> }>;
}

/** Reads one discovery document (`/api/v1`, `/apis`, `/apis/apps/v1`, …). */
export type DiscoveryReader = (path: string) => Promise<unknown>;

type Operation = Record<string, unknown>;

const STATUS = {
  description: 'a metav1.Status naming what is wrong (NotFound, AlreadyExists, Invalid, …)',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' } } },
};
const OBJECT = { content: { 'application/json': { schema: { type: 'object' } } } };

const query = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description,
});
const LIST_PARAMETERS = [
  query('labelSelector', 'e.g. app=web,tier!=cache'),
  query('fieldSelector', 'e.g. spec.nodeName=worker-1 (the fields kubectl uses)'),
  query('watch', 'true: a stream of ADDED / MODIFIED / DELETED events, one JSON object a line'),
  query('resourceVersion', 'with watch: only the changes after this version'),
  query('timeoutSeconds', 'with watch: end the stream after this many seconds'),
];
const path = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});

function operations(
  groupVersion: string,
  base: string,
  r: ApiResource,
): Record<string, Record<string, Operation>> {
  const tag = groupVersion;
  const can = (verb: string) => r.verbs.includes(verb);
  const op = (summary: string, extra: Operation = {}): Operation => ({
    tags: [tag],
    summary,
    operationId: `${summary.replace(/\W+/g, '_')}_${groupVersion.replace(/\W+/g, '_')}`,
    responses: { 200: { description: r.kind, ...OBJECT }, default: STATUS },
    ...extra,
  });
  const [resource, sub] = r.name.split('/');
  const paths: Record<string, Record<string, Operation>> = {};
  const ns = r.namespaced ? '/namespaces/{namespace}' : '';
  const nsParams = r.namespaced ? [path('namespace')] : [];
  if (sub) {
    // a subresource: on one object only (pods/log, deployments/scale, pods/eviction, …)
    const item: Record<string, Operation> = {};
    const params = [...nsParams, path('name')];
    if (can('get')) item.get = op(`read ${r.name}`, { parameters: params });
    if (can('create'))
      item.post = op(`create ${r.name}`, { parameters: params, requestBody: OBJECT });
    if (can('update'))
      item.put = op(`replace ${r.name}`, { parameters: params, requestBody: OBJECT });
    if (can('patch'))
      item.patch = op(`patch ${r.name}`, { parameters: params, requestBody: PATCH_BODY });
    if (Object.keys(item).length) paths[`${base}${ns}/${resource}/{name}/${sub}`] = item;
    return paths;
  }
  const collection: Record<string, Operation> = {};
  if (can('list'))
    collection.get = op(`list ${r.kind}`, { parameters: [...nsParams, ...LIST_PARAMETERS] });
  if (can('create'))
    collection.post = op(`create ${r.kind}`, {
      parameters: [...nsParams, query('dryRun', 'All: check it, store nothing')],
      requestBody: OBJECT,
    });
  if (Object.keys(collection).length) paths[`${base}${ns}/${resource}`] = collection;
  if (r.namespaced && can('list'))
    paths[`${base}/${resource}`] = {
      get: op(`list ${r.kind} in every namespace`, { parameters: LIST_PARAMETERS }),
    };
  const item: Record<string, Operation> = {};
  const params = [...nsParams, path('name')];
  if (can('get')) item.get = op(`read ${r.kind}`, { parameters: params });
  if (can('update'))
    item.put = op(`replace ${r.kind}`, { parameters: params, requestBody: OBJECT });
  if (can('patch'))
    item.patch = op(`patch ${r.kind}`, { parameters: params, requestBody: PATCH_BODY });
  if (can('delete'))
    item.delete = op(`delete ${r.kind}`, {
      parameters: [
        ...params,
        query('propagationPolicy', 'Background (default), Foreground or Orphan'),
      ],
    });
  if (Object.keys(item).length) paths[`${base}${ns}/${resource}/{name}`] = item;
  return paths;
}

const PATCH_BODY = {
  description: 'a JSON patch, a merge patch or a strategic merge patch, as Content-Type says',
  content: Object.fromEntries(
    [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ].map((type) => [
      type,
      { schema: { type: type.startsWith('application/json') ? 'array' : 'object' } },
    ]),
  ),
};

export async function buildKubernetesApiDocument(read: DiscoveryReader): Promise<object> {
  const groupVersions: Array<{ groupVersion: string; base: string }> = [
    { groupVersion: 'v1', base: '/api/v1' },
  ];
  const apis = (await read('/apis')) as GroupList;
  for (const g of apis.groups)
    for (const v of g.versions)
      groupVersions.push({ groupVersion: v.groupVersion, base: `/apis/${v.groupVersion}` });
  const paths: Record<string, Record<string, Operation>> = {};
  const tags: Array<{ name: string; description: string }> = [];
  for (const { groupVersion, base } of groupVersions) {
    const list = (await read(base)) as { resources: ApiResource[] };
    const kinds = new Set<string>();
    for (const r of list.resources) {
      Object.assign(paths, operations(groupVersion, base, r));
      if (!r.name.includes('/'))
        kinds.add(r.shortNames?.length ? `${r.name} (${r.shortNames.join(', ')})` : r.name);
    }
    tags.push({ name: groupVersion, description: [...kinds].join(', ') });
  }
  return {
    openapi: '3.0.0',
    info: {
      title: 'kubesim: the Kubernetes API',
      version: '0.1.0',
      description:
        'The Kubernetes API kubesim serves beside its own, over the same objects: what kubectl ' +
        'and the client libraries use (`kubesim kubeconfig --write` gives kubectl a context). ' +
        'Objects are those of Kubernetes (kubernetes.io/docs/reference/kubernetes-api); errors ' +
        'are metav1.Status objects; lists and gets take `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` ' +
        "for the tables kubectl prints. Built from this server's discovery (/api/v1, /apis).",
    },
    tags,
    paths,
    components: {
      schemas: {
        Status: {
          type: 'object',
          properties: {
            kind: { type: 'string', example: 'Status' },
            apiVersion: { type: 'string', example: 'v1' },
            status: { type: 'string', example: 'Failure' },
            message: { type: 'string', example: 'pods "web" not found' },
            reason: { type: 'string', example: 'NotFound' },
            code: { type: 'integer', example: 404 },
          },
        },
      },
      securitySchemes: {
        'api-token': {
          type: 'http',
          scheme: 'bearer',
          description: 'KUBESIM_API_TOKEN, when the server sets one',
        },
      },
    },
    security: [{ 'api-token': [] }],
  };
}
