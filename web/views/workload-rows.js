// @ts-check
// The rows of the workloads view: a Deployment with its ReplicaSets and their pods, bare
// ReplicaSets, DaemonSets and Jobs, each pod a chip that opens it.
import { runDeploymentAction } from '../actions.js';
import { h } from '../dom.js';
import {
  controllerOf,
  isReady,
  n,
  POD_ID,
  podStatus,
  REVISION,
  revisionOf,
} from './workload-objects.js';

/**
 * `openPod` opens a chip's pod in its dialog.
 * @param {import('../types').KubeObject[]} pods
 * @param {(pod: import('../types').Ref) => void} openPod
 */
function podChips(pods, openPod) {
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

/**
 * @param {import('../types').KubeObject} o
 */
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

/**
 * @param {string} label
 * @param {'scale' | 'restart'} action
 * @param {import('../types').KubeObject} d
 */
function actionButton(label, action, d) {
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-small',
      'data-testid': `${action}-deployment`,
      'aria-label': `${label} deployment ${d.metadata.name}`,
      onclick: (/** @type {MouseEvent} */ e) =>
        runDeploymentAction(action, d, /** @type {HTMLButtonElement} */ (e.currentTarget)),
    },
    label,
  );
}

/**
 * Still moving: pods of the new template missing, not yet available, or old ones left.
 * @param {import('../types').KubeObject} d
 */
function rollingOut(d) {
  const desired = n(d.spec.replicas);
  const s = d.status ?? {};
  return (
    n(s.updatedReplicas) < desired ||
    n(s.replicas) > n(s.updatedReplicas) ||
    n(s.availableReplicas) < desired
  );
}

/**
 * @param {import('../types').KubeObject} rs
 * @param {import('../types').KubeObject[]} pods
 * @param {number} cols
 * @param {(pod: import('../types').Ref) => void} openPod
 */
function replicaSetRow(rs, pods, cols, openPod) {
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
        podChips(pods, openPod),
      ),
    ),
  );
}

/**
 * @param {import('../types').KubeObject[]} deployments
 * @param {(d: import('../types').KubeObject) => import('../types').KubeObject[]} replicaSetsOf
 * @param {(rs: import('../types').KubeObject) => import('../types').KubeObject[]} podsOf
 * @param {(pod: import('../types').Ref) => void} openPod
 */
export function deploymentRows(deployments, replicaSetsOf, podsOf, openPod) {
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
    for (const rs of sets) rows.push(replicaSetRow(rs, podsOf(rs), 7, openPod));
  }
  return rows;
}

/**
 * @param {import('../types').KubeObject[]} jobs
 * @param {(job: import('../types').KubeObject) => import('../types').KubeObject[]} podsOf
 * @param {(pod: import('../types').Ref) => void} openPod
 */
export function jobRows(jobs, podsOf, openPod) {
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
      h('td', {}, podChips(podsOf(job), openPod)),
    );
  });
}

/**
 * @param {import('../types').KubeObject[]} daemonSets
 * @param {(ds: import('../types').KubeObject) => import('../types').KubeObject[]} podsOf
 * @param {(pod: import('../types').Ref) => void} openPod
 */
export function daemonSetRows(daemonSets, podsOf, openPod) {
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
      h('td', {}, podChips(podsOf(ds), openPod)),
    );
  });
}

/**
 * @param {import('../types').KubeObject[]} replicaSets
 * @param {(rs: import('../types').KubeObject) => import('../types').KubeObject[]} podsOf
 * @param {(pod: import('../types').Ref) => void} openPod
 */
export function bareReplicaSetRows(replicaSets, podsOf, openPod) {
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
      h('td', {}, podChips(podsOf(rs), openPod)),
    ),
  );
}
