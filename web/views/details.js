// Node and pod detail dialogs. While one is open it is reloaded with the rest of
// the page, and redrawn only when what the API says has changed.
import { runNodeAction, runPodAction } from '../actions.js';
import { api } from '../api.js';
import {
  $,
  badge,
  coalesce,
  fill,
  fmtCores,
  fmtDateTime,
  fmtTime,
  h,
  setText,
  statusLabel,
  toast,
} from '../dom.js';
import { renderEventItem } from './events.js';
import { componentNames } from './nodes.js';
import { historyChart } from './traces.js';
import { drawUsage, usageSummary } from './usage.js';

let current = null; // { kind: 'node' | 'pod', id, name }
let lastSignature = '';
let history = null;
let usageChart = null;
// whose use the open dialog draws, and the node whose heartbeats bring new samples
let usageOf = null; // { kind: 'node' | 'pod', id, nodeId }
const USAGE_REFRESH_MS = 500;

const field = (label, value, testid) =>
  h('div', { class: 'kv' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value ?? '—'));

function table(headers, rows, empty, testid) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table-compact', 'data-testid': testid },
      h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows),
    ),
  );
}

function eventsList(events, testid) {
  if (!events.length) return h('p', { class: 'muted' }, 'No events.');
  return h(
    'ol',
    { class: 'events-feed detail-events', 'data-testid': testid },
    ...events.map((ev) => renderEventItem(ev, { testid: `${testid}-item`, onObject: openObject })),
  );
}

/** The use history's place in a detail dialog; drawUsage fills it once the data is there. */
function usageSection(kind, name) {
  return [
    h('h3', {}, 'Resource use'),
    h(
      'div',
      { class: 'chart-box chart-history' },
      h('canvas', {
        'data-testid': `${kind}-detail-usage`,
        role: 'img',
        'aria-label': `CPU and memory use of ${name}`,
      }),
    ),
    h('p', { class: 'muted small', 'data-testid': `${kind}-usage-latest` }),
  ];
}

function showUsage(kind, usage) {
  const canvas = $(`[data-testid="${kind}-detail-usage"]`);
  if (!canvas) return;
  usageChart = drawUsage(usageChart, canvas, usage);
  setText($(`[data-testid="${kind}-usage-latest"]`), usageSummary(usage));
}

async function refreshUsage() {
  const target = usageOf;
  if (!target) return;
  const dialog = target.kind === 'node' ? $('#node-detail') : $('#pod-detail');
  if (!dialog.open) return;
  const usage = await (
    target.kind === 'node' ? api.nodeUsage(target.id) : api.podUsage(target.id)
  ).catch(() => null);
  if (usage && usageOf === target) showUsage(target.kind, usage);
}

const refreshUsageSoon = coalesce(refreshUsage, USAGE_REFRESH_MS);

/** A heartbeat from the stream: the open node's (or open pod's node's) use has a new sample. */
export function noteDetailHeartbeat(hb) {
  if (usageOf && String(usageOf.nodeId) === String(hb.node_id)) refreshUsageSoon();
}

function actionBar(buttons) {
  return h('div', { class: 'detail-actions' }, ...buttons);
}

function detailButton(label, testid, onClick, danger = false) {
  return h(
    'button',
    {
      type: 'button',
      class: `btn btn-small${danger ? ' btn-danger-outline' : ''}`,
      'data-testid': testid,
      onclick: (e) => onClick(e.currentTarget),
    },
    label,
  );
}

// ---- node ----

async function loadNode(id) {
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

const TIMELINE_CLASS = { heartbeats: 'tl-beats', missed: 'tl-missed', event: 'tl-event' };

/**
 * The node's story on one axis: runs of heartbeats as green bars, silences as red
 * ones, events as ticks (warnings red); the list below says the same in words.
 */
function timelineView(timeline) {
  const entries = timeline?.entries ?? [];
  if (!entries.length) return h('p', { class: 'muted' }, 'Nothing on the timeline yet.');
  const times = entries.flatMap((e) => [Date.parse(e.at), Date.parse(e.until ?? e.at)]);
  const start = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - start);
  const x = (iso) => ((Date.parse(iso) - start) / span) * 100;
  const axis = h(
    'div',
    { class: 'timeline-axis', 'data-testid': 'node-timeline-axis', role: 'img' },
    ...entries.map((e) => {
      const left = x(e.at);
      const width = e.until ? Math.max(0.5, x(e.until) - left) : 0;
      return h('span', {
        class: `tl-mark ${TIMELINE_CLASS[e.kind] ?? 'tl-event'}${e.type === 'Warning' ? ' tl-warning' : ''}`,
        style: `left:${left.toFixed(2)}%;${e.until ? `width:${width.toFixed(2)}%` : ''}`,
        title: `${fmtDateTime(e.at)} ${e.reason}: ${e.message}`,
        'data-reason': e.reason,
      });
    }),
  );
  axis.setAttribute(
    'aria-label',
    `Timeline from ${fmtDateTime(entries[0].at)}: ${entries.length} entries`,
  );
  return h(
    'div',
    { class: 'timeline', 'data-testid': 'node-timeline' },
    axis,
    h(
      'ol',
      { class: 'timeline-list' },
      ...entries
        .slice(-30)
        .reverse()
        .map((e) =>
          h(
            'li',
            {
              'data-testid': 'node-timeline-entry',
              'data-reason': e.reason,
              'data-kind': e.kind,
              class: e.type === 'Warning' ? 'tl-warning-text' : '',
            },
            h('span', { class: 'mono muted' }, fmtTime(e.at)),
            ' ',
            h('strong', {}, e.reason),
            e.object && e.object.startsWith('pod/') ? ` ${e.object}` : '',
            ` — ${e.message}`,
          ),
        ),
    ),
  );
}

function renderNode({ node, pods, events, beats, timeline }) {
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
          if (await runNodeAction('delete', node, b)) $('#node-detail').close();
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
    eventsList(events, 'node-event'),
  );
  if (beats.length) history = historyChart(canvas, beats, node.cpu_cores_total);
}

// ---- pod ----

async function loadPod(id) {
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

/** Why the pod is where it is: each node considered, the winner first and marked. */
function schedulingView(scheduling) {
  if (!scheduling) return h('p', { class: 'muted' }, 'No scheduling decision recorded.');
  const { summary } = scheduling;
  const rank = (n) => (n.chosen ? 0 : n.fits ? 1 : 2);
  const nodes = [...scheduling.nodes].sort(
    (a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0),
  );
  return h(
    'div',
    { 'data-testid': 'pod-scheduling' },
    h(
      'p',
      { 'data-testid': 'pod-scheduling-reason' },
      h('strong', {}, scheduling.decision.node ?? 'Pending'),
      ` — ${scheduling.algorithm}, ${scheduling.trigger}, ${fmtDateTime(scheduling.decided_at)}: `,
      scheduling.decision.reason,
    ),
    table(
      ['', 'Node', 'Fits', 'Reasons / how scored', 'Score'],
      nodes.map((n) =>
        h(
          'tr',
          {
            'data-testid': `pod-scheduling-node-${n.name}`,
            'data-fits': String(n.fits),
            'data-chosen': String(n.chosen),
            class: n.chosen ? 'row-chosen' : '',
          },
          h('td', {}, n.chosen ? h('span', { title: 'chosen', 'aria-label': 'chosen' }, '★') : ''),
          h('td', {}, n.name),
          h('td', {}, n.fits ? 'yes' : 'no'),
          h('td', {}, n.fits ? (n.score_note ?? '—') : n.reasons.join(', ')),
          h('td', { class: 'num' }, n.score ?? '—'),
        ),
      ),
      'No nodes were registered.',
      'pod-scheduling-nodes',
    ),
    summary.truncated
      ? h(
          'p',
          { class: 'muted' },
          `${nodes.length} of ${summary.nodes_total} nodes shown (${summary.nodes_fit} fit): the best fitting and a sample of the rest.`,
        )
      : null,
    scheduling.history.length
      ? h(
          'details',
          {},
          h('summary', {}, `Earlier decisions (${scheduling.history.length})`),
          h(
            'ol',
            { class: 'timeline-list', 'data-testid': 'pod-scheduling-history' },
            ...scheduling.history.map((d) =>
              h(
                'li',
                {},
                h('span', { class: 'mono muted' }, fmtDateTime(d.decided_at)),
                ` ${d.trigger}, ${d.algorithm} → ${d.decision.node ?? 'pending'}: ${d.decision.reason}`,
              ),
            ),
          ),
        )
      : null,
  );
}

const list = (value) => (Array.isArray(value) ? value.join(' ') : (value ?? ''));

function renderPod({ pod, events, scheduling }) {
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
          if (await runPodAction('delete', pod, b)) $('#pod-detail').close();
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
    eventsList(events, 'pod-event'),
  );
}

// ---- opening and refreshing ----

let loadSeq = 0;

function sameTarget(kind, id) {
  return current?.kind === kind && String(current.id) === String(id);
}

/**
 * Loads and shows a node or pod. `refresh` is the periodic reload of an open
 * dialog: it never reopens a dialog the user closed meanwhile, and it gives way
 * to an open started after it.
 */
async function show(kind, id, { refresh = false } = {}) {
  const dialog = kind === 'node' ? $('#node-detail') : $('#pod-detail');
  const seq = refresh ? loadSeq : ++loadSeq;
  try {
    const data = kind === 'node' ? await loadNode(id) : await loadPod(id);
    if (seq !== loadSeq) return;
    if (refresh && !(dialog.open && sameTarget(kind, id))) return;
    // Heartbeats change every few seconds; they only redraw the chart, so focus
    // inside the dialog survives.
    const signature = JSON.stringify({
      ...data,
      beats: Boolean(data.beats?.length),
      // the use history is only redrawn, like the heartbeats
      usage: null,
      timeline: data.timeline?.entries?.filter((e) => e.kind !== 'heartbeats').length,
    });
    if (refresh && signature === lastSignature) {
      if (kind === 'node' && data.beats?.length) {
        history?.destroy();
        history = historyChart(
          $('[data-testid="node-detail-heartbeats"]'),
          data.beats,
          data.node.cpu_cores_total,
        );
      }
      if (data.usage) showUsage(kind, data.usage);
      return;
    }
    lastSignature = signature;
    if (kind === 'node') renderNode(data);
    else renderPod(data);
    current = { kind, id };
    usageOf =
      kind === 'node'
        ? { kind, id: data.node.id, nodeId: data.node.id }
        : { kind, id: data.pod.id, nodeId: data.pod.node_id };
    showUsage(kind, data.usage);
    if (!dialog.open) dialog.showModal();
  } catch (err) {
    if (seq !== loadSeq) return;
    if (err.status === 404 && dialog.open) {
      dialog.close();
      toast(`${kind} ${id} no longer exists`);
    } else if (!refresh) toast(err.message, 'error');
  }
}

export function openNode(node) {
  $('#pod-detail').close();
  return show('node', node.id);
}

export function openPod(pod) {
  $('#node-detail').close();
  return show('pod', pod.id);
}

/** Opens what an event's `object` names ("node/worker-1", "pod/web-1"). */
export function openObject(ref) {
  const [kind, ...rest] = String(ref).split('/');
  const name = rest.join('/');
  if (kind === 'node') return openNode({ id: name });
  if (kind === 'pod') return openPod({ id: name });
  return undefined;
}

/** Called with each page refresh: keeps an open detail current. */
export function refreshDetail() {
  if (!current) return;
  const dialog = current.kind === 'node' ? $('#node-detail') : $('#pod-detail');
  if (dialog.open) show(current.kind, current.id, { refresh: true });
}

export function initDetails() {
  for (const dialog of [$('#node-detail'), $('#pod-detail')]) {
    dialog.addEventListener('close', () => {
      if (dialog === $('#node-detail')) {
        history?.destroy();
        history = null;
      }
      usageChart?.destroy();
      usageChart = null;
      usageOf = null;
      current = null;
      lastSignature = '';
    });
  }
}
