// @ts-check
// kubesim dashboard: wires the views to the API and keeps them live. Events and
// heartbeats come from the server-sent event stream. The nodes, pods and the overview are
// drawn from the dashboard's state (cluster-state.js): loaded in full at the start, after a
// reconnect and now and then as a safety net, and patched in between with the objects each
// burst of live events names (live-changes.js).
import { onClusterChanged } from './actions.js';
import { api, getToken } from './api.js';
import { ClusterState } from './cluster-state.js';
import { wireCloseButtons } from './dialogs.js';
import { $, coalesce, setAttr, setText } from './dom.js';
import { LiveChanges } from './live-changes.js';
import { noteDetailHeartbeat } from './views/detail-usage.js';
import { initDetails, openNode, openObject, openPod, refreshDetail } from './views/details.js';
import { addEvent, initEventsFeed, loadEvents } from './views/events.js';
import { initForms, syncScheduler } from './views/forms.js';
import { initLessonsView, noteScenarioEvent, refreshLessons } from './views/lessons.js';
import { initNetworkView, refreshNetwork } from './views/network.js';
import { initNodesView, noteHeartbeat, renderNodes, tickNodes } from './views/nodes.js';
import { renderAutoscaler, renderOverview } from './views/overview.js';
import { initPodsView, podFilters, renderPods, tickPods, updateNodeFilter } from './views/pods.js';
import { recordHeartbeat, tickTraces } from './views/traces.js';
import { initWorkloadsView, refreshWorkloads } from './views/workloads.js';

/** The safety net's beat: everything while the stream is down, the summary while it is live. */
const FALLBACK_REFRESH_MS = 5000;
/** While the stream is live, the lists are read again this often all the same. */
const LIVE_FULL_REFRESH_MS = 30000;
const EVENT_APPLY_DELAY_MS = 300;
const STREAM_RETRY_MS = 3000;
/** events of these kinds change what the workloads view shows */
const WORKLOAD_KINDS = ['pod', 'deployment', 'replicaset', 'daemonset', 'job'];
/** and these who may reach whom */
const NETWORK_KINDS = ['pod', 'service', 'networkpolicy'];

const state = new ClusterState();
const live = new LiveChanges({ api, state, podFilters });

// ---- drawing from the state ----

/** @param {string} message */
function showApiProblem(message) {
  const banner = $('#api-banner');
  setText(banner, message ?? '');
  banner.hidden = !message;
}

/**
 * Every node silent at once: the monitor still marks them, but evicts and restarts nothing.
 * @param {import('./types').Disruption | undefined} disruption
 */
function showDisruption(disruption) {
  const banner = $('#disruption-banner');
  const active = Boolean(disruption?.active);
  setText(
    banner,
    active && disruption
      ? `Cluster-wide silence since ${new Date(disruption.since ?? 0).toLocaleTimeString()}: ${disruption.reason}. Nodes are marked not ready and failed, but no pod is evicted and no node restarted until one sends a heartbeat again.`
      : '',
  );
  banner.hidden = !active;
}

function drawNodes() {
  const nodes = state.nodeList();
  renderNodes(nodes);
  updateNodeFilter(nodes);
}

/** @param {boolean} [withSummary] the summary was read: its counts and banners too */
function drawOverview(withSummary = true) {
  const cluster = withSummary ? state.cluster : null;
  renderOverview(cluster, state.nodeList());
  if (cluster) {
    syncScheduler(cluster.scheduler_algorithm);
    showDisruption(cluster.disruption);
  }
}

function refreshAutoscaler() {
  // the autoscaler panel is extra: a failure to read it leaves the rest as it is
  api.autoscaler().then(renderAutoscaler, () => undefined);
}

// ---- reloading ----

/**
 * The reloads, full or live, one at a time in the order asked.
 * @type {Promise<unknown>}
 */
let busy = Promise.resolve();
let fullQueued = false;
let lastFullAt = 0;

/** @param {() => Promise<unknown>} job */
function enqueue(job) {
  busy = busy.then(job).catch((err) => console.error('refresh failed', err));
  return busy;
}

/** Reads overview, nodes and pods in full; calls made before it starts share it. */
function refreshAll() {
  if (fullQueued) return busy;
  fullQueued = true;
  return enqueue(async () => {
    fullQueued = false;
    lastFullAt = Date.now();
    // what the events named so far is in these lists; what they name from now on is read after
    live.forget();
    const [cluster, nodes, pods] = await Promise.allSettled([
      api.cluster(),
      api.nodes(),
      api.pods(podFilters()),
    ]);
    const failed = [cluster, nodes, pods].find((r) => r.status === 'rejected');
    showApiProblem(
      failed ? `Cannot load the cluster state: ${failed.reason?.message ?? failed.reason}` : '',
    );
    if (nodes.status === 'fulfilled') {
      state.setNodes(nodes.value ?? []);
      drawNodes();
    }
    if (cluster.status === 'fulfilled') state.cluster = cluster.value;
    if (cluster.status === 'fulfilled' || nodes.status === 'fulfilled')
      drawOverview(cluster.status === 'fulfilled');
    refreshAutoscaler();
    // so are the network matrix, the workloads (while on screen) and a lesson's run
    refreshNetwork({ force: true });
    refreshWorkloads();
    refreshLessons();
    if (pods.status === 'fulfilled') {
      state.setPods(pods.value ?? []);
      renderPods(state.podList());
    }
    refreshDetail();
    document.body.dataset.loaded = 'true';
  });
}

/** What the live events of the last window named: read, patched in, drawn. */
function applyLiveChanges() {
  return enqueue(async () => {
    if (!live.pending) return;
    const applied = await live.apply();
    if (applied.nodes) drawNodes();
    if (applied.pods) renderPods(state.podList());
    if (applied.nodes || applied.cluster) drawOverview(applied.cluster);
    if (applied.nodes || applied.kinds.has('cluster')) refreshAutoscaler();
    if (NETWORK_KINDS.some((kind) => applied.kinds.has(kind))) refreshNetwork();
    if (WORKLOAD_KINDS.some((kind) => applied.kinds.has(kind))) refreshWorkloads();
    refreshLessons();
    if (applied.nodes || applied.pods) refreshDetail();
  });
}

const applySoon = coalesce(applyLiveChanges, EVENT_APPLY_DELAY_MS);

/** While the stream is live: the summary and what is on screen; the lists only now and then. */
function refreshOnScreen() {
  return enqueue(async () => {
    const cluster = await api.cluster().catch(() => null);
    if (cluster) state.cluster = cluster;
    drawOverview(Boolean(cluster));
    // the autoscaler's settings change without an event, and so do labels policies select by
    refreshAutoscaler();
    refreshNetwork();
    refreshWorkloads();
    refreshLessons();
    refreshDetail();
  });
}

/** The safety net: catches whatever no event announced (a policy, a component going down). */
function fallbackRefresh() {
  if (streamLive && Date.now() - lastFullAt < LIVE_FULL_REFRESH_MS) refreshOnScreen();
  else refreshAll();
}

// ---- live stream ----

/**
 * @param {string} state
 * @param {string} text
 */
function setStreamState(state, text) {
  const el = $('#sse-status');
  setAttr(el, 'data-state', state);
  setText(el, text);
}

/**
 * One stream message's JSON; null when it is not JSON.
 * @param {MessageEvent} message
 */
function parse(message) {
  try {
    return JSON.parse(message.data);
  } catch {
    return null;
  }
}

let streamLost = false;
/** the stream is open: events keep the state current, the lists are read only now and then */
let streamLive = false;

function connectStream() {
  if (!('EventSource' in window)) {
    setStreamState('down', 'no live stream');
    return;
  }
  // EventSource cannot send headers: a stored token (needed when reads are guarded) goes in the query
  const token = getToken();
  const source = new EventSource(
    token ? `/events/stream?access_token=${encodeURIComponent(token)}` : '/events/stream',
  );
  source.addEventListener('open', () => {
    streamLive = true;
    setStreamState('live', 'live');
    // Whatever happened while disconnected is fetched once, then the stream takes over.
    if (streamLost) {
      streamLost = false;
      loadEvents().catch(() => {});
      refreshAll();
    }
  });
  source.addEventListener('error', () => {
    streamLost = true;
    streamLive = false;
    setStreamState('reconnecting', 'reconnecting…');
    if (source.readyState === EventSource.CLOSED) {
      // The browser gives up on some failures (a non-stream answer); retry ourselves.
      source.close();
      setTimeout(connectStream, STREAM_RETRY_MS);
    }
  });
  source.addEventListener('event', (message) => {
    const ev = parse(message);
    if (!ev) {
      // an event that names nothing readable: everything is read again
      refreshAll();
      return;
    }
    addEvent(ev);
    noteScenarioEvent(ev);
    live.note(ev);
    applySoon();
  });
  source.addEventListener('heartbeat', (message) => {
    const hb = parse(message);
    if (!hb) return;
    recordHeartbeat(hb);
    noteHeartbeat(hb);
    noteDetailHeartbeat(hb);
  });
}

// ---- start ----

function start() {
  wireCloseButtons();
  onClusterChanged(refreshAll);
  initDetails();
  initNodesView({ onOpen: openNode });
  initPodsView({ onOpen: openPod, onFilter: refreshAll });
  initEventsFeed({ onObject: openObject });
  initForms({ onCreated: refreshAll });
  initNetworkView();
  initWorkloadsView({ onOpenPod: openPod });
  initLessonsView();
  if (!window.Chart) document.body.classList.add('no-charts');

  refreshAll();
  loadEvents().catch((err) => showApiProblem(`Cannot load events: ${err.message}`));
  connectStream();
  setInterval(fallbackRefresh, FALLBACK_REFRESH_MS);
  setInterval(() => {
    tickNodes();
    tickPods();
    tickTraces();
  }, 1000);
}

start();
