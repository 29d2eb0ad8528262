// @ts-check
// The pod dialog: its node, requests, use, scheduling, containers, volumes, config and events.
import { runPodAction } from '../actions.js';
import { api } from '../api.js';
import { $, $of, badge, fill, fmtCores, fmtDateTime, h, statusLabel } from '../dom.js';
import { actionBar, detailButton, eventsList, field, table } from './detail-blocks.js';
import { usageSection } from './detail-usage.js';
import { schedulingView } from './pod-scheduling.js';

/** @param {number | string} id */
export async function loadPod(id) {
  const pod = await api.pod(id);
  const [events, scheduling, usage] = await Promise.all([
    api
      .events({ object: `pod/${pod.name}`, namespace: pod.namespace ?? 'default', limit: 50 })
      .catch(() => []),
    api.podScheduling(pod.id).catch(() => null),
    api.podUsage(pod.id).catch(() => null),
  ]);
  return { pod, events: events ?? [], scheduling, usage };
}

/** @param {string | string[] | null | undefined} value */
const list = (value) => (Array.isArray(value) ? value.join(' ') : (value ?? ''));

/** @typedef {Awaited<ReturnType<typeof loadPod>>} PodDialogData */

/**
 * `openObject` opens what the dialog links to (the pod's node).
 * @param {PodDialogData} data
 * @param {{ openObject: (ref: string) => void }} links
 */
export function renderPod({ pod, events, scheduling }, { openObject }) {
  const body = $('#pod-detail-body');
  $('#pod-detail-title').textContent = `Pod ${pod.name}`;
  const containers = pod.containers ?? [];
  const volumes = pod.volumes ?? [];
  const config = pod.config ?? [];
  fill(
    body,
    h(
      'div',
      { class: 'detail-summary' },
      badge(pod.status, 'pod-detail-status'),
      pod.node_name
        ? h(
            'span',
            {},
            'on ',
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                'data-testid': 'pod-detail-node',
                onclick: () => openObject(`node/${pod.node_name}`),
              },
              pod.node_name,
            ),
          )
        : h('span', { class: 'muted' }, 'not bound'),
      h('span', { class: 'muted' }, `id ${pod.id}`),
      h(
        'span',
        { class: 'muted', 'data-testid': 'pod-detail-namespace' },
        `namespace ${pod.namespace ?? 'default'}`,
      ),
    ),
    pod.reason
      ? h('p', { class: 'reason-box', 'data-testid': 'pod-detail-reason' }, pod.reason)
      : null,
    actionBar([
      detailButton('Restart', 'pod-detail-restart', (b) => runPodAction('restart', pod, b)),
      detailButton(
        'Delete…',
        'pod-detail-delete',
        async (b) => {
          if (await runPodAction('delete', pod, b)) $of(HTMLDialogElement, '#pod-detail').close();
        },
        true,
      ),
    ]),
    h(
      'dl',
      { class: 'kv-list kv-inline' },
      field('CPU request', `${fmtCores(pod.cpu_cores_req)} cores`),
      field('Memory request', pod.memory_mb_req ? `${pod.memory_mb_req} MB` : '—'),
      field('IP', pod.ip),
      field('Restarts', pod.restart_count ?? 0),
      field('Created', fmtDateTime(pod.created_at)),
    ),
    ...usageSection('pod', pod.name),
    h('h3', {}, 'Scheduling'),
    schedulingView(scheduling),
    h('h3', {}, `Containers (${containers.length})`),
    table(
      ['Name', 'Image', 'CPU', 'Memory', 'Command', 'Status', 'Restarts'],
      containers.map((c) =>
        h(
          'tr',
          {},
          h('td', {}, c.name),
          h('td', { class: 'mono' }, c.image),
          h('td', { class: 'num' }, fmtCores(c.cpu_req)),
          h('td', { class: 'num' }, c.memory_req ? `${c.memory_req} MB` : '—'),
          h(
            'td',
            { class: 'mono' },
            [list(c.command), list(c.args)].filter(Boolean).join(' ') || '—',
          ),
          h(
            'td',
            {},
            c.status
              ? h('span', { class: `badge status-${c.status}` }, statusLabel(c.status))
              : '—',
          ),
          h('td', { class: 'num' }, c.restart_count ?? 0),
        ),
      ),
      'No containers.',
      'pod-detail-containers',
    ),
    h('h3', {}, `Volumes (${volumes.length})`),
    table(
      ['Name', 'Type', 'Size', 'Path'],
      volumes.map((v) =>
        h(
          'tr',
          {},
          h('td', {}, v.name),
          h('td', {}, v.type),
          h('td', { class: 'num' }, v.size != null ? `${v.size} GB` : '—'),
          h('td', { class: 'mono' }, v.path ?? '—'),
        ),
      ),
      'No volumes.',
      'pod-detail-volumes',
    ),
    h('h3', {}, `Config (${config.length})`),
    table(
      ['Name', 'Type', 'Key', 'Value'],
      config.map((c) =>
        h(
          'tr',
          { 'data-type': c.type },
          h('td', {}, c.name),
          h('td', {}, c.type),
          h('td', { class: 'mono' }, c.key),
          // Shown exactly as the API gives it: secret values arrive already masked.
          h(
            'td',
            {
              class: `mono${c.type === 'secret' ? ' secret' : ''}`,
              'data-testid': 'pod-config-value',
            },
            c.value ?? '',
          ),
        ),
      ),
      'No config.',
      'pod-detail-config',
    ),
    h('h3', {}, 'Recent events'),
    eventsList(events, 'pod-event', openObject),
  );
}
