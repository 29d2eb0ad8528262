// @ts-check
// The dashboard's only door to the server: JSON over same-origin fetch, with the
// API token (when the server asks for one) kept in localStorage.
import { askForToken } from './dialogs.js';

const TOKEN_KEY = 'kubesim.apiToken';

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status, 0 when the server could not be reached
   * @param {string} message
   * @param {unknown} body the answer's JSON, if any
   */
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

/** @param {string} token */
function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private browsing without storage: the token lives only as long as the page.
  }
  memoryToken = token;
}

let memoryToken = getToken();

// Several calls may meet a 401 at once; they all wait on the same prompt.
/** @type {Promise<string | null> | null} */
let pendingPrompt = null;
/** @param {boolean} rejected */
function promptOnce(rejected) {
  if (!pendingPrompt) {
    pendingPrompt = askForToken({ rejected }).finally(() => {
      pendingPrompt = null;
    });
  }
  return pendingPrompt;
}

/**
 * Turns the server's `message` (a string or a list of strings) into one line.
 * @param {import('./types').ErrorBody | null} body
 * @param {string} fallback
 */
export function errorMessage(body, fallback) {
  const message = body?.message ?? body?.error;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message) return message;
  return fallback;
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 * @param {string} token
 * @param {string | undefined} contentType
 * @returns {Promise<any>} the answer's JSON: each call of `api` below says what it is
 */
async function send(method, path, body, token, contentType) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  // every write says JSON (or a +json patch type), body or not: the API refuses others (415)
  if (method !== 'GET') headers['Content-Type'] = contentType ?? 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'Cannot reach the kubesim API', null);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      errorMessage(data, `${response.status} ${response.statusText}`),
      data,
    );
  }
  return data;
}

/**
 * `contentType` for a write that is a Kubernetes patch (`application/merge-patch+json`…).
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {import('./types').WriteOptions} [options]
 */
export async function request(method, path, body, { contentType } = {}) {
  // Loops only while the user keeps entering tokens the server refuses;
  // cancelling the prompt gives up with the 401.
  for (;;) {
    const tokenUsed = memoryToken;
    try {
      return await send(method, path, body, tokenUsed, contentType);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      // Another call may have obtained a fresh token while this one was in flight.
      if (memoryToken !== tokenUsed) continue;
      const token = await promptOnce(Boolean(tokenUsed));
      if (!token) throw err;
      if (token !== memoryToken) setToken(token);
    }
  }
}

/** @param {import('./types').Query} params */
const q = (params) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
};
const enc = encodeURIComponent;

/**
 * Where one Deployment lives in the Kubernetes API.
 * @param {string} namespace
 * @param {string} name
 */
const deploymentPath = (namespace, name) =>
  `/apis/apps/v1/namespaces/${enc(namespace)}/deployments/${enc(name)}`;

/** @type {import('./types').Api} */
export const api = {
  cluster: () => request('GET', '/cluster'),
  nodes: () => request('GET', `/nodes${q({ limit: 1000 })}`),
  node: (id) => request('GET', `/nodes/${enc(id)}`),
  heartbeats: (id) => request('GET', `/nodes/${enc(id)}/heartbeats`),
  nodeTimeline: (id) => request('GET', `/nodes/${enc(id)}/timeline`),
  createNode: (body) => request('POST', '/nodes', body),
  failNode: (id, mode) => request('POST', `/nodes/${enc(id)}/simulate/failure`, { mode }),
  restartNode: (id) => request('POST', `/nodes/${enc(id)}/restart`),
  stopNode: (id) => request('POST', `/nodes/${enc(id)}/stop`),
  cordonNode: (id) => request('POST', `/nodes/${enc(id)}/cordon`),
  uncordonNode: (id) => request('POST', `/nodes/${enc(id)}/uncordon`),
  deleteNode: (id) => request('DELETE', `/nodes/${enc(id)}`),
  pods: (filters = {}) => request('GET', `/pods${q({ limit: 1000, ...filters })}`),
  pod: (id, namespace) => request('GET', `/pods/${enc(id)}${q({ namespace })}`),
  podScheduling: (id) => request('GET', `/pods/${enc(id)}/scheduling`),
  createPod: (body) => request('POST', '/pods', body),
  restartPod: (id) => request('POST', `/pods/${enc(id)}/restart`),
  deletePod: (id) => request('DELETE', `/pods/${enc(id)}`),
  events: (filters = {}) => request('GET', `/events${q({ limit: 50, ...filters })}`),
  scheduler: () => request('GET', '/scheduler'),
  autoscaler: () => request('GET', '/autoscaler'),
  networkMatrix: (filters = {}) => request('GET', `/network/matrix${q(filters)}`),
  setScheduler: (algorithm) => request('PUT', '/scheduler', { algorithm }),
  nodeUsage: (id) => request('GET', `/nodes/${enc(id)}/usage`),
  podUsage: (id) => request('GET', `/pods/${enc(id)}/usage`),
  lessons: () => request('GET', '/scenarios/lessons'),
  scenarioRuns: () => request('GET', '/scenarios'),
  scenarioRun: (id) => request('GET', `/scenarios/${enc(id)}`),
  startLesson: (lesson) => request('POST', '/scenarios', { lesson }),
  // the Kubernetes API the server also serves: discovery, lists of every namespace
  kubeResources: (groupVersion) => request('GET', `/apis/${groupVersion}`),
  kubeList: (path) => request('GET', path),
  // as `kubectl scale`: a merge patch of the scale subresource
  scaleDeployment: (namespace, name, replicas) =>
    request(
      'PATCH',
      `${deploymentPath(namespace, name)}/scale`,
      { spec: { replicas } },
      { contentType: 'application/merge-patch+json' },
    ),
  // as `kubectl rollout restart`: a new template annotation, hence a new ReplicaSet
  restartDeployment: (namespace, name, at = new Date()) =>
    request(
      'PATCH',
      deploymentPath(namespace, name),
      {
        spec: {
          template: {
            metadata: {
              annotations: {
                'kubectl.kubernetes.io/restartedAt': at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
              },
            },
          },
        },
      },
      { contentType: 'application/strategic-merge-patch+json' },
    ),
};
