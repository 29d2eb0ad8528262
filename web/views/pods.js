// @ts-check
// The pods table with its status and node filters (applied by the API).
import { runPodAction } from '../actions.js';
import {
  $,
  closestTo,
  enteredRow,
  $of,
  fmtAge,
  fmtCores,
  h,
  setAttr,
  setText,
  syncRows,
  updateBadge,
} from '../dom.js';
import { serverNow } from './traces.js';

/** @type {Map<string, import('../types').Pod>} */
let podsById = new Map();

export function podFilters() {
  return {
    status: $of(HTMLSelectElement, '#pod-filter-status').value,
    node: $of(HTMLSelectElement, '#pod-filter-node').value,
  };
}

/**
 * @param {string} action
 * @param {string} label
 * @param {import('../types').Pod} pod
 */
function podButton(action, label, pod) {
  return h(
    'button',
    {
      type: 'button',
      class: `btn btn-small${action === 'delete' ? ' btn-danger-outline' : ''}`,
      'data-testid': `pod-${action}-${pod.name}`,
      'data-action': action,
      'aria-label': `${label} pod ${pod.name}`,
    },
    label,
  );
}

/** @param {import('../types').Pod} pod */
function createRow(pod) {
  return h(
    'tr',
    {
      class: 'clickable',
      tabindex: '0',
      'data-testid': `pod-row-${pod.name}`,
      'data-name': pod.name,
    },
    h(
      'td',
      { class: 'name-cell', title: `namespace ${pod.namespace ?? 'default'}` },
      // a pod outside `default` says where it is, as kubectl -A would
      pod.namespace && pod.namespace !== 'default'
        ? h(
            'span',
            { class: 'muted', 'data-testid': `pod-namespace-${pod.name}` },
            `${pod.namespace}/`,
          )
        : null,
      h('span', { class: 'name' }, pod.name),
    ),
    h('td', {}, h('span', { class: 'badge', 'data-testid': `pod-status-${pod.name}` })),
    h('td', { class: 'node-cell' }),
    h('td', { class: 'num' }),
    h('td', { class: 'num' }),
    h('td', { class: 'mono' }),
    h('td', { class: 'num' }),
    h('td', { class: 'age' }),
    h(
      'td',
      { class: 'actions' },
      podButton('restart', 'Restart', pod),
      podButton('delete', 'Delete', pod),
    ),
  );
}

/**
 * @param {HTMLElement} row
 * @param {import('../types').Pod} pod
 */
function updateRow(row, pod) {
  setAttr(row, 'data-status', pod.status);
  setAttr(row, 'data-node', pod.node_name ?? '');
  const cells = row.children;
  const badge = /** @type {Element} */ (cells[1].firstElementChild);
  updateBadge(badge, pod.status);
  setAttr(badge, 'title', pod.reason ?? pod.status);
  const nodeCell = cells[2];
  if (pod.node_name) {
    setText(nodeCell, pod.node_name);
    setAttr(nodeCell, 'class', 'node-cell');
    setAttr(nodeCell, 'title', pod.node_name);
  } else {
    setText(nodeCell, pod.reason ? `— ${pod.reason}` : '—');
    setAttr(nodeCell, 'class', 'node-cell muted reason');
    setAttr(nodeCell, 'title', pod.reason ?? 'not bound');
  }
  setText(cells[3], fmtCores(pod.cpu_cores_req));
  setText(cells[4], pod.memory_mb_req ? `${pod.memory_mb_req} MB` : '—');
  setText(cells[5], pod.ip ?? '—');
  setText(cells[6], pod.restart_count ?? 0);
  updateAge(row, pod);
}

/**
 * @param {HTMLElement} row
 * @param {import('../types').Pod} pod
 * @param {number} [now]
 */
function updateAge(row, pod, now = serverNow()) {
  const created = Date.parse(pod.created_at ?? '');
  setText(row.children[7], Number.isFinite(created) ? fmtAge((now - created) / 1000) : '—');
}

/** @param {{ onOpen: (pod: import('../types').Pod) => void, onFilter: () => void }} handlers */
export function initPodsView({ onOpen, onFilter }) {
  const body = $('#pods-body');
  body.addEventListener('click', (event) => {
    const row = closestTo(event, 'tr[data-key]');
    const pod = row && podsById.get(row.dataset.key ?? '');
    if (!pod) return;
    const button = closestTo(event, 'button[data-action]', HTMLButtonElement);
    if (button) runPodAction(button.dataset.action ?? '', pod, button);
    else onOpen(pod);
  });
  body.addEventListener('keydown', (event) => {
    const row = enteredRow(event);
    const pod = row && podsById.get(row.dataset.key ?? '');
    if (pod) onOpen(pod);
  });
  $('#pod-filter-status').addEventListener('change', onFilter);
  $('#pod-filter-node').addEventListener('change', onFilter);
}

/** @param {import('../types').Pod[]} pods */
export function renderPods(pods) {
  podsById = new Map(pods.map((p) => [String(p.id), p]));
  syncRows($('#pods-body'), pods, { key: (p) => p.id, create: createRow, update: updateRow });
  const { status, node } = podFilters();
  const filtered = Boolean(status || node);
  const empty = $('#pods-empty');
  empty.hidden = pods.length > 0;
  setText(empty, filtered ? 'No pods match these filters.' : 'No pods yet. Create one with + Pod.');
  setText($('#pods-count'), pods.length ? `(${pods.length}${filtered ? ' shown' : ''})` : '');
}

/**
 * Keeps the node filter's choices in step with the nodes that exist.
 * @param {import('../types').Node[]} nodes
 */
export function updateNodeFilter(nodes) {
  const select = $of(HTMLSelectElement, '#pod-filter-node');
  const current = select.value;
  const names = nodes.map((n) => n.name);
  if (current && !names.includes(current)) names.push(current);
  const signature = names.join('\n');
  if (select.dataset.signature === signature) return;
  select.dataset.signature = signature;
  select.replaceChildren(
    h('option', { value: '' }, 'all'),
    ...names.map((name) => h('option', { value: name }, name)),
  );
  select.value = current;
}

export function tickPods() {
  const now = serverNow();
  for (const row of /** @type {HTMLCollectionOf<HTMLElement>} */ ($('#pods-body').children)) {
    const pod = podsById.get(row.dataset.key ?? '');
    if (pod) updateAge(row, pod, now);
  }
}
