// @ts-check
// The node dialog: its capacity, components, heartbeats, use, pods, timeline and events.
import { runNodeAction } from '../actions.js';
import { api } from '../api.js';
import { $, $of, badge, fill, fmtCores, fmtDateTime, h } from '../dom.js';
import { actionBar, detailButton, eventsList, field, table } from './detail-blocks.js';
import { usageSection } from './detail-usage.js';
import { timelineView } from './node-timeline.js';
import { componentNames } from './nodes.js';
import { historyChart } from './traces.js';

/** @type {ReturnType<typeof historyChart>} */
let history = null;

/** @param {number | string} id */
export async function loadNode(id) {
  const node = await api.node(id);
  const [pods, events, beats, timeline, usage] = await Promise.all([
    api.pods({ node: node.name }).catch(() => []),
    api.events({ object: `node/${node.name}`, limit: 50 }).catch(() => []),
    api.heartbeats(node.id).catch(() => []),
    api.nodeTimeline(node.id).catch(() => null),
    api.nodeUsage(node.id).catch(() => null),
  ]);
  return { node, pods: pods ?? [], events: events ?? [], beats: beats ?? [], timeline, usage };
}

/** @typedef {Awaited<ReturnType<typeof loadNode>>} NodeDialogData */

/**
 * `openPod` and `openObject` open what the dialog links to.
 * @param {NodeDialogData} data
 * @param {{ openPod: (pod: import('../types').Pod) => void, openObject: (ref: string) => void }} links
 */
export function renderNode({ node, pods, events, beats, timeline }, { openPod, openObject }) {
  const body = $('#node-detail-body');
  $('#node-detail-title').textContent = `Node ${node.name}`;
  history?.destroy();
  history = null;
  const canvas = h('canvas', {
    'data-testid': 'node-detail-heartbeats',
    role: 'img',
    'aria-label': `Heartbeat history of ${node.name}`,
  });
  const labels = Object.entries(node.labels ?? {});
  fill(
    body,
    h(
      'div',
      { class: 'detail-summary' },
      badge(node.health_status, 'node-detail-status'),
      h('span', { class: 'tag' }, node.node_type),
      node.cordoned ? h('span', { class: 'tag tag-cordoned' }, 'cordoned') : null,
      h('span', { class: 'muted' }, `id ${node.id}`),
    ),
    actionBar([
      detailButton('Fail…', 'node-detail-fail', (b) => runNodeAction('fail', node, b), true),
      detailButton('Restart', 'node-detail-restart', (b) => runNodeAction('restart', node, b)),
      detailButton('Stop…', 'node-detail-stop', (b) => runNodeAction('stop', node, b), true),
      detailButton(node.cordoned ? 'Uncordon' : 'Cordon', 'node-detail-cordon', (b) =>
        runNodeAction(node.cordoned ? 'uncordon' : 'cordon', node, b),
      ),
      detailButton(
        'Delete…',
        'node-detail-delete',
        async (b) => {
          if (await runNodeAction('delete', node, b))
            $of(HTMLDialogElement, '#node-detail').close();
        },
        true,
      ),
    ]),
    h(
      'div',
      { class: 'detail-grid' },
      h(
        'dl',
        { class: 'kv-list' },
        field('CPU total', `${fmtCores(node.cpu_cores_total)} cores`),
        field('Allocated', `${fmtCores(node.cpu_cores_allocated)} cores`),
        field('Available', `${fmtCores(node.cpu_cores_avail)} cores`),
        field('Used', `${fmtCores(node.cpu_cores_used)} cores`),
        field('Memory', node.memory_mb ? `${node.memory_mb} MB` : '—'),
        field('Pod CIDR', node.pod_cidr),
        field('Pods', node.pod_count ?? pods.length),
        field('Last heartbeat', fmtDateTime(node.last_heartbeat_at)),
        field('Recovery attempts', node.recovery_attempts ?? 0),
        field('Created', fmtDateTime(node.created_at)),
        field(
          'Labels',
          labels.length
            ? h(
                'span',
                { class: 'labels' },
                ...labels.map(([k, v]) => h('code', { class: 'label' }, `${k}=${v}`)),
              )
            : '—',
        ),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'Components'),
        h(
          'ul',
          { class: 'components' },
          ...componentNames(node).map((name) => {
            const state = node.components?.[name] ?? 'unknown';
            return h(
              'li',
              { 'data-component': name, 'data-state': state },
              h('span', { class: `dot comp-${state}`, 'aria-hidden': 'true' }),
              h('span', {}, name.replace(/_/g, ' ')),
              h('span', { class: 'muted' }, state),
            );
          }),
        ),
      ),
    ),
    h('h3', {}, `Heartbeats (${beats.length})`),
    beats.length
      ? h('div', { class: 'chart-box chart-history' }, canvas)
      : h('p', { class: 'muted' }, 'No heartbeat received yet.'),
    ...usageSection('node', node.name),
    h('h3', {}, `Pods (${pods.length})`),
    table(
      ['Name', 'Status', 'CPU', 'IP', 'Restarts'],
      pods.map((pod) =>
        h(
          'tr',
          { 'data-testid': `node-detail-pod-${pod.name}` },
          h(
            'td',
            {},
            h('button', { type: 'button', class: 'link', onclick: () => openPod(pod) }, pod.name),
          ),
          h('td', {}, badge(pod.status)),
          h('td', { class: 'num' }, fmtCores(pod.cpu_cores_req)),
          h('td', { class: 'mono' }, pod.ip ?? '—'),
          h('td', { class: 'num' }, pod.restart_count ?? 0),
        ),
      ),
      'No pods on this node.',
      'node-detail-pods',
    ),
    h('h3', {}, 'Timeline'),
    timelineView(timeline),
    h('h3', {}, 'Recent events'),
    eventsList(events, 'node-event', openObject),
  );
  if (beats.length) history = historyChart(canvas, beats, node.cpu_cores_total);
}

/**
 * Heartbeats arrived but nothing else changed: only the chart is drawn again.
 * @param {import('../types').HeartbeatSample[]} beats
 * @param {number} cpuCoresTotal
 */
export function redrawHeartbeats(beats, cpuCoresTotal) {
  history?.destroy();
  const canvas = /** @type {HTMLCanvasElement} */ ($('[data-testid="node-detail-heartbeats"]'));
  history = historyChart(canvas, beats, cpuCoresTotal);
}

export function forgetHeartbeats() {
  history?.destroy();
  history = null;
}
