// @ts-check
// kubesim dashboard: wires the views to the API and keeps them live. Events and
// heartbeats come from the server-sent event stream; tables and the overview are
// reloaded after events (coalesced) and every few seconds as a fallback.
import { onClusterChanged } from './actions.js';
import { api, getToken } from './api.js';
import { wireCloseButtons } from './dialogs.js';
import { $, coalesce, setAttr, setText } from './dom.js';
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

const FALLBACK_REFRESH_MS = 5000;
const EVENT_REFRESH_DELAY_MS = 300;
const STREAM_RETRY_MS = 3000;

// ---- refresh ----

/** @type {Promise<void> | null} */
let inFlight = null;
let again = false;

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

/** Reloads overview, nodes and pods; calls made meanwhile collapse into one more run. */
function refreshAll() {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
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
      renderNodes(nodes.value ?? []);
      updateNodeFilter(nodes.value ?? []);
    }
    renderOverview(
      cluster.status === 'fulfilled' ? cluster.value : null,
      nodes.status === 'fulfilled' ? (nodes.value ?? []) : null,
    );
    if (cluster.status === 'fulfilled') {
      syncScheduler(cluster.value?.scheduler_algorithm);
      showDisruption(cluster.value?.disruption);
    }
    // the autoscaler panel is extra: a failure to read it leaves the rest as it is
    api.autoscaler().then(renderAutoscaler, () => undefined);
    // so are the network matrix, the workloads (while on screen) and a lesson's run
    refreshNetwork();
    refreshWorkloads();
    refreshLessons();
    if (pods.status === 'fulfilled') renderPods(pods.value ?? []);
    refreshDetail();
    document.body.dataset.loaded = 'true';
  })()
    .catch((err) => console.error('refresh failed', err))
    .finally(() => {
      inFlight = null;
      if (again) {
        again = false;
        refreshAll();
      }
    });
  return inFlight;
}

const refreshSoon = coalesce(refreshAll, EVENT_REFRESH_DELAY_MS);

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
    setStreamState('reconnecting', 'reconnecting…');
    if (source.readyState === EventSource.CLOSED) {
      // The browser gives up on some failures (a non-stream answer); retry ourselves.
      source.close();
      setTimeout(connectStream, STREAM_RETRY_MS);
    }
  });
  source.addEventListener('event', (message) => {
    const ev = parse(message);
    if (ev) {
      addEvent(ev);
      noteScenarioEvent(ev);
    }
    refreshSoon();
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
  setInterval(refreshAll, FALLBACK_REFRESH_MS);
  setInterval(() => {
    tickNodes();
    tickPods();
    tickTraces();
  }, 1000);
}

start();
