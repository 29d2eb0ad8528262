// @ts-check
// The workloads view: Deployments with their ReplicaSets (by ownerReferences, newest
// revision first) and each ReplicaSet's pods, bare ReplicaSets, Jobs and, where the server
// serves them, DaemonSets, all read from the Kubernetes API the server also serves. Which
// kinds there are comes from discovery, so a kind the server does not serve is left out
// rather than shown as an error. It is reloaded after the events of its kinds and pods, and
// every few seconds, while it is on screen, so a rollout shows as it happens.
import { api } from '../api.js';
import { $, fill, h, setText, watchOnScreen } from '../dom.js';
import { byOwner, controllerOf, isReady, keyOf, REVISION } from './workload-objects.js';
import { bareReplicaSetRows, daemonSetRows, deploymentRows, jobRows } from './workload-rows.js';

/** What the view lists, by group: each kind's resource and the path of its list. */
const GROUPS = [
  { groupVersion: 'apps/v1', resources: ['deployments', 'replicasets', 'daemonsets'] },
  { groupVersion: 'batch/v1', resources: ['jobs'] },
];

/** @type {Map<string, string> | null} resource name -> list path, from discovery */
let served = null;
/** @type {() => boolean} */
let onScreen = () => !document.hidden;
let lastSignature = '';
/** @type {(pod: import('../types').Ref) => void} */
let openPod = () => {};
/** @type {Promise<void> | null} */
let refreshing = null;

/** The kinds this server serves, from `/apis/<group>/<version>`; a group it lacks is skipped. */
async function discover() {
  /** @type {Map<string, string>} */
  const found = new Map();
  await Promise.all(
    GROUPS.map(async ({ groupVersion, resources }) => {
      const list = await api.kubeResources(groupVersion).catch(() => null);
      const names = new Set((list?.resources ?? []).map((r) => r.name));
      for (const resource of resources)
        if (names.has(resource)) found.set(resource, `/apis/${groupVersion}/${resource}`);
    }),
  );
  return found;
}

/**
 * @param {string} resource
 * @returns {Promise<import('../types').KubeObject[]>}
 */
async function items(resource) {
  const path = served?.get(resource);
  if (!path) return [];
  try {
    return (await api.kubeList(path))?.items ?? [];
  } catch (err) {
    // a kind that went away since discovery is not an error on the page
    if (err.status === 404) return [];
    throw err;
  }
}

/**
 * One group of the view: a titled table, or nothing when it has no rows.
 * @param {string} title
 * @param {number} count
 * @param {string} testid
 * @param {Array<[string, string?]>} headers each column's title and class
 * @param {HTMLElement[]} rows
 */
function table(title, count, testid, headers, rows) {
  if (!count) return null;
  return h(
    'div',
    { class: 'workload-group' },
    h('h3', {}, `${title} (${count})`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table workloads-table', 'data-testid': testid },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...headers.map(([label, cls]) => h('th', { scope: 'col', class: cls }, label)),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}
/** @typedef {Awaited<ReturnType<typeof load>>} Workloads */

/**
 * What is drawn, minus what changes without changing the picture (resourceVersion…).
 * @param {Workloads} data
 */
function signatureOf(data) {
  /** @param {import('../types').KubeObject} o */
  const slim = (o) => ({
    k: keyOf(o),
    a: o.metadata.annotations?.[REVISION],
    o: controllerOf(o)?.uid,
    d: o.metadata.deletionTimestamp,
    r: o.spec?.replicas,
    c: o.spec?.completions,
    n: o.spec?.nodeName,
    s: o.status?.phase ? [o.status.phase, isReady(o)] : o.status,
  });
  return JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.map(slim)])));
}

/** @param {Workloads} data */
function render(data) {
  const signature = signatureOf(data);
  if (signature === lastSignature) return;
  lastSignature = signature;
  const { deployments, replicasets, jobs, daemonsets, pods } = data;
  const rsOf = byOwner(replicasets, 'Deployment');
  const podsOfRs = byOwner(pods, 'ReplicaSet');
  const podsOfJob = byOwner(pods, 'Job');
  const podsOfDs = byOwner(pods, 'DaemonSet');
  const bare = replicasets.filter((rs) => controllerOf(rs)?.kind !== 'Deployment');
  const total = deployments.length + bare.length + jobs.length + daemonsets.length;
  setText($('#workloads-count'), total ? `(${total})` : '');
  $('#workloads-empty').hidden = total > 0;
  const num = 'num';
  // read when a chip is clicked, so the opener given at init is the one used
  /** @param {import('../types').Ref} ref */
  const open = (ref) => openPod(ref);
  fill(
    $('#workloads-body'),
    table(
      'Deployments',
      deployments.length,
      'deployments-table',
      [
        ['Name'],
        ['Ready', num],
        ['Up-to-date', num],
        ['Available', num],
        ['Revision', num],
        ['Rollout'],
        ['Actions', 'actions-col'],
      ],
      deploymentRows(deployments, rsOf, podsOfRs, open),
    ),
    table(
      'ReplicaSets without a Deployment',
      bare.length,
      'replicasets-table',
      [['Name'], ['Desired', num], ['Current', num], ['Ready', num], ['Pods']],
      bareReplicaSetRows(bare, podsOfRs, open),
    ),
    table(
      'DaemonSets',
      daemonsets.length,
      'daemonsets-table',
      [
        ['Name'],
        ['Desired', num],
        ['Current', num],
        ['Ready', num],
        ['Up-to-date', num],
        ['Available', num],
        ['Pods'],
      ],
      daemonSetRows(daemonsets, podsOfDs, open),
    ),
    table(
      'Jobs',
      jobs.length,
      'jobs-table',
      [['Name'], ['Completions', num], ['Active', num], ['Failed', num], ['Status'], ['Pods']],
      jobRows(jobs, podsOfJob, open),
    ),
  );
}

async function load() {
  if (!served) served = await discover();
  const [deployments, replicasets, jobs, daemonsets] = await Promise.all(
    ['deployments', 'replicasets', 'jobs', 'daemonsets'].map(items),
  );
  // pods only when some workload may own one: a cluster of bare pods lists none here
  const owners = replicasets.length + jobs.length + daemonsets.length;
  const pods = owners ? ((await api.kubeList('/api/v1/pods'))?.items ?? []) : [];
  return { deployments, replicasets, jobs, daemonsets, pods };
}

/** Reloads the view while it is on screen; calls meanwhile share the one in flight. */
export function refreshWorkloads({ force = false } = {}) {
  if (!force && !onScreen()) return Promise.resolve();
  if (refreshing) return refreshing;
  refreshing = load()
    .then((data) => {
      $('#workloads-problem').hidden = true;
      render(data);
    })
    .catch((err) => {
      const problem = $('#workloads-problem');
      setText(problem, `Cannot load the workloads: ${err.message}`);
      problem.hidden = false;
    })
    .finally(() => {
      refreshing = null;
      $('#workloads').dataset.loaded = 'true';
    });
  return refreshing;
}

/** @param {{ onOpenPod: (pod: import('../types').Ref) => void }} handlers */
export function initWorkloadsView({ onOpenPod }) {
  openPod = onOpenPod;
  onScreen = watchOnScreen($('#workloads'), () => refreshWorkloads());
}
