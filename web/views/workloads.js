// The workloads view: Deployments with their ReplicaSets (by ownerReferences, newest
// revision first) and each ReplicaSet's pods, bare ReplicaSets, Jobs and, where the server
// serves them, DaemonSets, all read from the Kubernetes API the server also serves. Which
// kinds there are comes from discovery, so a kind the server does not serve is left out
// rather than shown as an error. It is reloaded with the rest of the page (after cluster
// events and every few seconds) while it is on screen, so a rollout shows as it happens.
import { runDeploymentAction } from '../actions.js';
import { api } from '../api.js';
import { $, fill, h, setText } from '../dom.js';

const REVISION = 'deployment.kubernetes.io/revision';
const POD_ID = 'kubesim.io/pod-id';

/** What the view lists, by group: each kind's resource and the path of its list. */
const GROUPS = [
  { groupVersion: 'apps/v1', resources: ['deployments', 'replicasets', 'daemonsets'] },
  { groupVersion: 'batch/v1', resources: ['jobs'] },
];

let served = null; // resource name -> list path, from discovery
let visible = !('IntersectionObserver' in window);
let lastSignature = '';
let openPod = () => {};
let refreshing = null;

/** The kinds this server serves, from `/apis/<group>/<version>`; a group it lacks is skipped. */
async function discover() {
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

async function items(resource) {
  const path = served.get(resource);
  if (!path) return [];
  try {
    return (await api.kubeList(path))?.items ?? [];
  } catch (err) {
    // a kind that went away since discovery is not an error on the page
    if (err.status === 404) return [];
    throw err;
  }
}

const keyOf = (o) => `${o.metadata.namespace}/${o.metadata.name}`;

/** The object's controller (the ownerReference with controller: true, else the first). */
function controllerOf(o) {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0] ?? null;
}

/** Groups objects under their owners, by uid (or kind and name in the same namespace). */
function byOwner(children, kind) {
  const map = new Map();
  for (const child of children) {
    const ref = controllerOf(child);
    if (!ref || ref.kind !== kind) continue;
    for (const key of [ref.uid, `${child.metadata.namespace}/${ref.name}`]) {
      if (!key) continue;
      if (!map.has(key)) map.set(key, []);
      map.get(key).push(child);
    }
  }
  return (owner) => map.get(owner.metadata.uid) ?? map.get(keyOf(owner)) ?? [];
}

const isReady = (pod) =>
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** A Kubernetes pod as the status words (and badge colours) the rest of the page uses. */
function podStatus(pod) {
  if (pod.metadata.deletionTimestamp) return 'terminating';
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase === 'Pending') return pod.spec?.nodeName ? 'scheduled' : 'pending';
  return phase.toLowerCase();
}

const revisionOf = (o) => Number(o.metadata.annotations?.[REVISION] ?? 0);
const n = (value) => Number(value ?? 0);

function podChips(pods) {
  if (!pods.length) return h('span', { class: 'muted' }, 'no pods');
  return h(
    'span',
    { class: 'pod-chips' },
    ...pods
      .slice()
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map((pod) => {
        const status = podStatus(pod);
        const id = pod.metadata.annotations?.[POD_ID];
        return h(
          'button',
          {
            type: 'button',
            class: `pod-chip badge status-${status}`,
            'data-testid': 'workload-pod',
            'data-name': pod.metadata.name,
            'data-status': status,
            'data-ready': String(isReady(pod)),
            'data-node': pod.spec?.nodeName ?? '',
            title: `${pod.metadata.name}: ${status}${pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : ''}`,
            onclick: id ? () => openPod({ id }) : undefined,
          },
          pod.metadata.name,
        );
      }),
  );
}

function nameCell(o) {
  return h(
    'td',
    { class: 'name-cell' },
    h('span', { class: 'name' }, o.metadata.name),
    o.metadata.namespace !== 'default'
      ? h('span', { class: 'tag', title: 'namespace' }, o.metadata.namespace)
      : null,
  );
}

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

function actionButton(label, action, d) {
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-small',
      'data-testid': `${action}-deployment`,
      'aria-label': `${label} deployment ${d.metadata.name}`,
      onclick: (e) => runDeploymentAction(action, d, e.currentTarget),
    },
    label,
  );
}

/** Still moving: pods of the new template missing, not yet available, or old ones left. */
function rollingOut(d) {
  const desired = n(d.spec.replicas);
  const s = d.status ?? {};
  return (
    n(s.updatedReplicas) < desired ||
    n(s.replicas) > n(s.updatedReplicas) ||
    n(s.availableReplicas) < desired
  );
}

function replicaSetRow(rs, pods, cols) {
  const desired = n(rs.spec.replicas);
  const current = n(rs.status?.replicas);
  const ready = n(rs.status?.readyReplicas);
  return h(
    'tr',
    {
      class: `rs-row${desired === 0 && current === 0 ? ' rs-idle' : ''}`,
      'data-testid': 'replicaset',
      'data-name': rs.metadata.name,
      'data-namespace': rs.metadata.namespace,
      'data-owner': controllerOf(rs)?.name ?? '',
      'data-revision': String(revisionOf(rs)),
      'data-desired': String(desired),
      'data-current': String(current),
      'data-ready': String(ready),
    },
    h(
      'td',
      { colspan: String(cols) },
      h(
        'div',
        { class: 'rs-line' },
        h('span', { class: 'rs-arrow', 'aria-hidden': 'true' }, '↳'),
        h('span', { class: 'mono' }, rs.metadata.name),
        h('span', { class: 'tag', title: REVISION }, `revision ${revisionOf(rs) || '—'}`),
        h(
          'span',
          { class: 'muted rs-counts' },
          `${desired} desired · ${current} current · ${ready} ready`,
        ),
        podChips(pods),
      ),
    ),
  );
}

function deploymentRows(deployments, replicaSetsOf, podsOf) {
  const rows = [];
  for (const d of deployments) {
    const s = d.status ?? {};
    const desired = n(d.spec.replicas);
    const moving = rollingOut(d);
    rows.push(
      h(
        'tr',
        {
          class: 'deployment-row',
          'data-testid': 'deployment',
          'data-name': d.metadata.name,
          'data-namespace': d.metadata.namespace,
          'data-desired': String(desired),
          'data-current': String(n(s.replicas)),
          'data-updated': String(n(s.updatedReplicas)),
          'data-ready': String(n(s.readyReplicas)),
          'data-available': String(n(s.availableReplicas)),
          'data-revision': String(revisionOf(d)),
          'data-rollout': moving ? 'progressing' : 'complete',
        },
        nameCell(d),
        h('td', { class: 'num' }, `${n(s.readyReplicas)}/${desired}`),
        h('td', { class: 'num' }, n(s.updatedReplicas)),
        h('td', { class: 'num' }, n(s.availableReplicas)),
        h('td', { class: 'num' }, revisionOf(d) || '—'),
        h(
          'td',
          {},
          h(
            'span',
            { class: `tag ${moving ? 'tag-progressing' : 'tag-complete'}` },
            moving ? 'rolling out' : 'complete',
          ),
        ),
        h(
          'td',
          { class: 'actions' },
          actionButton('Scale…', 'scale', d),
          actionButton('Restart', 'restart', d),
        ),
      ),
    );
    const sets = replicaSetsOf(d)
      .slice()
      .sort((a, b) => revisionOf(b) - revisionOf(a));
    for (const rs of sets) rows.push(replicaSetRow(rs, podsOf(rs), 7));
  }
  return rows;
}

function jobRows(jobs, podsOf) {
  return jobs.map((job) => {
    const s = job.status ?? {};
    const completions = n(job.spec.completions ?? 1);
    const done = (s.conditions ?? []).find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const state = done ? done.type.toLowerCase() : 'running';
    return h(
      'tr',
      {
        'data-testid': 'job',
        'data-name': job.metadata.name,
        'data-namespace': job.metadata.namespace,
        'data-completions': String(completions),
        'data-succeeded': String(n(s.succeeded)),
        'data-failed': String(n(s.failed)),
        'data-active': String(n(s.active)),
        'data-state': state,
      },
      nameCell(job),
      h('td', { class: 'num' }, `${n(s.succeeded)}/${completions}`),
      h('td', { class: 'num' }, n(s.active)),
      h('td', { class: 'num' }, n(s.failed)),
      h('td', {}, h('span', { class: `tag tag-job-${state}` }, state)),
      h('td', {}, podChips(podsOf(job))),
    );
  });
}

function daemonSetRows(daemonSets, podsOf) {
  return daemonSets.map((ds) => {
    const s = ds.status ?? {};
    return h(
      'tr',
      {
        'data-testid': 'daemonset',
        'data-name': ds.metadata.name,
        'data-namespace': ds.metadata.namespace,
        'data-desired': String(n(s.desiredNumberScheduled)),
        'data-ready': String(n(s.numberReady)),
        'data-available': String(n(s.numberAvailable)),
      },
      nameCell(ds),
      h('td', { class: 'num' }, n(s.desiredNumberScheduled)),
      h('td', { class: 'num' }, n(s.currentNumberScheduled)),
      h('td', { class: 'num' }, n(s.numberReady)),
      h('td', { class: 'num' }, n(s.updatedNumberScheduled)),
      h('td', { class: 'num' }, n(s.numberAvailable)),
      h('td', {}, podChips(podsOf(ds))),
    );
  });
}

function bareReplicaSetRows(replicaSets, podsOf) {
  return replicaSets.map((rs) =>
    h(
      'tr',
      {
        'data-testid': 'replicaset',
        'data-name': rs.metadata.name,
        'data-namespace': rs.metadata.namespace,
        'data-owner': '',
        'data-desired': String(n(rs.spec.replicas)),
        'data-current': String(n(rs.status?.replicas)),
        'data-ready': String(n(rs.status?.readyReplicas)),
      },
      nameCell(rs),
      h('td', { class: 'num' }, n(rs.spec.replicas)),
      h('td', { class: 'num' }, n(rs.status?.replicas)),
      h('td', { class: 'num' }, n(rs.status?.readyReplicas)),
      h('td', {}, podChips(podsOf(rs))),
    ),
  );
}

/** What is drawn, minus what changes without changing the picture (resourceVersion…). */
function signatureOf(data) {
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
      deploymentRows(deployments, rsOf, podsOfRs),
    ),
    table(
      'ReplicaSets without a Deployment',
      bare.length,
      'replicasets-table',
      [['Name'], ['Desired', num], ['Current', num], ['Ready', num], ['Pods']],
      bareReplicaSetRows(bare, podsOfRs),
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
      daemonSetRows(daemonsets, podsOfDs),
    ),
    table(
      'Jobs',
      jobs.length,
      'jobs-table',
      [['Name'], ['Completions', num], ['Active', num], ['Failed', num], ['Status'], ['Pods']],
      jobRows(jobs, podsOfJob),
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
  if (!force && (!visible || document.hidden)) return Promise.resolve();
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

export function initWorkloadsView({ onOpenPod }) {
  openPod = onOpenPod;
  const card = $('#workloads');
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => {
      const wasVisible = visible;
      visible = entries.some((e) => e.isIntersecting);
      if (visible && !wasVisible) refreshWorkloads();
    }).observe(card);
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refreshWorkloads();
  });
}
