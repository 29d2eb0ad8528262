// @ts-check
// The nodes table. Rows are keyed by node id and updated in place, so the live
// heartbeat trace in each row keeps its chart across refreshes.
import { runNodeAction } from '../actions.js';
import {
  $,
  closestTo,
  enteredRow,
  fmtAge,
  fmtCores,
  h,
  pct,
  setAttr,
  setText,
  syncRows,
  updateBadge,
} from '../dom.js';
import {
  attachTrace,
  detachTrace,
  isSilent,
  lastBeatAt,
  serverNow,
  updateTraceNode,
} from './traces.js';

const WORKER_COMPONENTS = ['kubelet', 'container_runtime', 'kube_proxy', 'node_agent'];
const MASTER_COMPONENTS = ['api_server', 'scheduler', 'controller_manager', 'etcd'];

/** @type {Map<string, import('../types').Node>} */
let nodesById = new Map();
/** @type {(node: import('../types').Node) => void} */
let openDetail = () => {};

/** @param {import('../types').Node} node */
export function componentNames(node) {
  const names = [...WORKER_COMPONENTS];
  if (node.node_type === 'master') names.push(...MASTER_COMPONENTS);
  for (const name of Object.keys(node.components ?? {}))
    if (!names.includes(name)) names.push(name);
  return names;
}

/** @param {import('../types').Node} node */
export function componentDots(node) {
  const wrap = h('span', { class: 'dots' });
  fillDots(wrap, node);
  return wrap;
}

/**
 * @param {HTMLElement} wrap
 * @param {import('../types').Node} node
 */
function fillDots(wrap, node) {
  const parts = componentNames(node).map((name) => {
    const state = node.components?.[name] ?? 'unknown';
    return { name, state };
  });
  const signature = parts.map((p) => `${p.name}=${p.state}`).join(',');
  if (wrap.dataset.signature === signature) return;
  wrap.dataset.signature = signature;
  const label = parts.map((p) => `${p.name.replace(/_/g, ' ')}: ${p.state}`).join(', ');
  wrap.setAttribute('title', label);
  wrap.replaceChildren(
    ...parts.map((p) =>
      h('span', { class: `dot comp-${p.state}`, 'data-component': p.name, 'data-state': p.state }),
    ),
    h('span', { class: 'sr-only' }, label),
  );
}

/** @param {import('../types').Node} node */
function lastHeartbeatMs(node) {
  return Math.max(lastBeatAt(node.id) ?? 0, Date.parse(node.last_heartbeat_at ?? '') || 0) || null;
}

/**
 * @param {string} action
 * @param {string} label
 * @param {import('../types').Node} node
 * @param {{ danger?: boolean }} [extra]
 */
function actionButton(action, label, node, extra = {}) {
  return h(
    'button',
    {
      type: 'button',
      class: `btn btn-small${extra.danger ? ' btn-danger-outline' : ''}`,
      'data-testid': `${action}-${node.name}`,
      'data-action': action,
      'aria-label': `${label} node ${node.name}`,
    },
    label,
  );
}

/** @param {import('../types').Node} node */
function createRow(node) {
  const canvas = h('canvas', {
    'data-testid': `hb-${node.name}`,
    role: 'img',
    'aria-label': `CPU use per heartbeat of ${node.name}`,
  });
  const row = h(
    'tr',
    {
      class: 'clickable',
      tabindex: '0',
      'data-testid': `node-row-${node.name}`,
      'data-name': node.name,
    },
    h(
      'td',
      { class: 'name-cell' },
      h('span', { class: 'name' }, node.name),
      h('span', { class: 'tag tag-cordoned', hidden: true }, 'cordoned'),
    ),
    h('td', {}, h('span', { class: 'badge', 'data-testid': `node-status-${node.name}` })),
    h('td', { class: 'type-cell' }),
    h('td', {}, componentDots(node)),
    h(
      'td',
      { class: 'cpu-cell' },
      h('span', { class: 'cpu-text' }),
      h(
        'span',
        { class: 'minibar', 'aria-hidden': 'true' },
        h('span', { class: 'minibar-alloc' }),
        h('span', { class: 'minibar-used' }),
      ),
    ),
    h('td', { class: 'num pods-cell' }),
    h('td', { class: 'age-cell' }),
    h('td', { class: 'trace-cell' }, h('div', { class: 'hb-wrap' }, canvas)),
    h(
      'td',
      { class: 'actions' },
      actionButton('fail', 'Fail', node, { danger: true }),
      actionButton('restart', 'Restart', node),
      actionButton('stop', 'Stop', node, { danger: true }),
      actionButton('cordon', 'Cordon', node),
      actionButton('delete', 'Delete', node, { danger: true }),
    ),
  );
  attachTrace(node, canvas);
  return row;
}

/**
 * @param {HTMLElement} row
 * @param {import('../types').Node} node
 */
function updateRow(row, node) {
  setAttr(row, 'data-status', node.health_status);
  setAttr(row, 'data-cordoned', node.cordoned ? 'true' : 'false');
  setAttr(row, 'data-node-id', node.id);
  const cells = /** @type {HTMLCollectionOf<HTMLElement>} */ (row.children);
  $('.tag-cordoned', cells[0]).hidden = !node.cordoned;
  updateBadge(/** @type {Element} */ (cells[1].firstElementChild), node.health_status);
  setText(cells[2], node.node_type);
  fillDots(/** @type {HTMLElement} */ (cells[3].firstElementChild), node);
  const total = Number(node.cpu_cores_total) || 0;
  setText($('.cpu-text', cells[4]), `${fmtCores(node.cpu_cores_allocated)} / ${fmtCores(total)}`);
  setAttr(
    cells[4],
    'title',
    `allocated ${fmtCores(node.cpu_cores_allocated)}, available ${fmtCores(node.cpu_cores_avail)}, used ${fmtCores(node.cpu_cores_used)} of ${fmtCores(total)} cores`,
  );
  $('.minibar-alloc', cells[4]).style.width = `${pct(node.cpu_cores_allocated, total)}%`;
  $('.minibar-used', cells[4]).style.width = `${pct(node.cpu_cores_used, total)}%`;
  setText(cells[5], node.pod_count ?? 0);
  const cordon = $('[data-action="cordon"], [data-action="uncordon"]', cells[8]);
  const verb = node.cordoned ? 'uncordon' : 'cordon';
  if (cordon.dataset.action !== verb) {
    cordon.dataset.action = verb;
    cordon.textContent = node.cordoned ? 'Uncordon' : 'Cordon';
    cordon.setAttribute('aria-label', `${node.cordoned ? 'Uncordon' : 'Cordon'} node ${node.name}`);
  }
  updateTraceNode(node);
  updateAge(row, node);
}

/**
 * @param {HTMLElement} row
 * @param {import('../types').Node} node
 * @param {number} [now]
 */
function updateAge(row, node, now = serverNow()) {
  const cell = row.children[6];
  const last = lastHeartbeatMs(node);
  const silent = isSilent(node, now);
  setText(cell, last ? `${fmtAge((now - last) / 1000)} ago` : 'never');
  setAttr(cell, 'class', `age-cell${silent ? ' silent' : ''}`);
  setAttr(
    cell,
    'title',
    last
      ? `last heartbeat ${new Date(last).toLocaleTimeString()}${silent ? ' — silent' : ''}`
      : 'no heartbeat yet',
  );
}

/** @param {{ onOpen: (node: import('../types').Node) => void }} handlers */
export function initNodesView({ onOpen }) {
  openDetail = onOpen;
  const body = $('#nodes-body');
  body.addEventListener('click', (event) => {
    const row = closestTo(event, 'tr[data-key]');
    if (!row) return;
    const node = nodesById.get(row.dataset.key ?? '');
    if (!node) return;
    const button = closestTo(event, 'button[data-action]', HTMLButtonElement);
    if (button) {
      event.stopPropagation();
      runNodeAction(button.dataset.action ?? '', node, button);
      return;
    }
    openDetail(node);
  });
  body.addEventListener('keydown', (event) => {
    const row = enteredRow(event);
    const node = row && nodesById.get(row.dataset.key ?? '');
    if (node) openDetail(node);
  });
}

/** @param {import('../types').Node[]} nodes */
export function renderNodes(nodes) {
  nodesById = new Map(nodes.map((n) => [String(n.id), n]));
  syncRows($('#nodes-body'), nodes, {
    key: (n) => n.id,
    create: createRow,
    update: updateRow,
    remove: (_row, key) => detachTrace(key),
  });
  $('#nodes-empty').hidden = nodes.length > 0;
  setText($('#nodes-count'), nodes.length ? `(${nodes.length})` : '');
}

/** Statuses in which a node's agent reports its use (as the API's REPORTING_STATUSES). */
const REPORTING = ['pending', 'healthy'];
/** nodes that beat since the last tick: their CPU use is redrawn with it */
const beaten = new Set();

/**
 * A heartbeat from the stream: the age column and the CPU in use need not wait for a reload.
 * @param {import('../types').StreamHeartbeat} hb
 */
export function noteHeartbeat(hb) {
  const node = nodesById.get(String(hb.node_id));
  if (!node) return;
  node.last_heartbeat_at = hb.at;
  if (REPORTING.includes(node.health_status) && Number.isFinite(hb.cpu_usage)) {
    node.cpu_cores_used = hb.cpu_usage;
    beaten.add(String(hb.node_id));
  }
}

/** Once a second: heartbeat ages move on, and nodes that beat show their new use. */
export function tickNodes() {
  const now = serverNow();
  for (const row of /** @type {HTMLCollectionOf<HTMLElement>} */ ($('#nodes-body').children)) {
    const key = row.dataset.key ?? '';
    const node = nodesById.get(key);
    if (node && beaten.has(key)) updateRow(row, node);
    else if (node) updateAge(row, node, now);
  }
  beaten.clear();
}

export function currentNodes() {
  return [...nodesById.values()];
}
