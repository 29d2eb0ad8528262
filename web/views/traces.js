// @ts-check
// Live heartbeat traces: per node, the CPU use its agent reported in each of its
// last heartbeats, drawn against a window that keeps moving with the clock. A
// node that goes silent therefore shows a line that stops (with a dashed flat
// continuation) well before the control plane declares it failed.
import { api } from '../api.js';
import { STATUS_COLOURS } from '../dom.js';

const MAX_POINTS = 60;
const DEFAULT_INTERVAL_MS = 5000;
const SILENT_AFTER_INTERVALS = 2;

/** @typedef {{ x: number, y: number }} Point a time (ms) and the cores used then */
/**
 * @typedef {{ canvas: HTMLCanvasElement, chart: import('../types').LineChart | null, visible: boolean,
 *   seeded: boolean, node: import('../types').Node, dirty: boolean }} Trace
 */

/** @type {Map<string, Point[]>} node id -> its points, oldest first */
const buffers = new Map();
/** @type {Map<string, Trace>} node id -> its row's trace */
const traces = new Map();
/** @type {number[]} */
const skewSamples = [];
let skewMs = 0;

const ChartJs = () => window.Chart;

/** The server's clock as best we know it, from the heartbeat timestamps. */
export function serverNow() {
  return Date.now() + skewMs;
}

/** @param {number} atMs */
function noteSkew(atMs) {
  // Heartbeats reach us after they are stamped, so the largest (at - now) seen is
  // the closest estimate of the offset between the two clocks.
  skewSamples.push(atMs - Date.now());
  if (skewSamples.length > 20) skewSamples.shift();
  skewMs = Math.max(...skewSamples);
}

/** @param {string} nodeId */
function bufferOf(nodeId) {
  let buffer = buffers.get(nodeId);
  if (!buffer) {
    buffer = [];
    buffers.set(nodeId, buffer);
  }
  return buffer;
}

/**
 * @param {Point[]} buffer
 * @param {Point} point
 */
function addPoint(buffer, point) {
  if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) return;
  const last = buffer[buffer.length - 1];
  if (!last || point.x > last.x) buffer.push(point);
  else if (!buffer.some((p) => p.x === point.x)) {
    buffer.push(point);
    buffer.sort((a, b) => a.x - b.x);
  }
  while (buffer.length > MAX_POINTS) buffer.shift();
}

/**
 * Feeds one `heartbeat` SSE event in.
 * @param {import('../types').StreamHeartbeat} hb
 */
export function recordHeartbeat(hb) {
  const at = Date.parse(hb.at);
  if (!Number.isFinite(at)) return;
  noteSkew(at);
  addPoint(bufferOf(String(hb.node_id)), { x: at, y: Number(hb.cpu_usage ?? 0) });
  const trace = traces.get(String(hb.node_id));
  if (trace) trace.dirty = true;
}

/**
 * Time of the newest heartbeat seen for a node (ms), or null.
 * @param {number | string} nodeId
 */
export function lastBeatAt(nodeId) {
  const buffer = buffers.get(String(nodeId));
  return buffer && buffer.length ? buffer[buffer.length - 1].x : null;
}

/**
 * The node's heartbeat period, estimated from its recent beats.
 * @param {number | string} nodeId
 */
export function intervalOf(nodeId) {
  const buffer = buffers.get(String(nodeId));
  if (!buffer || buffer.length < 3) return DEFAULT_INTERVAL_MS;
  const gaps = [];
  for (let i = Math.max(1, buffer.length - 12); i < buffer.length; i++)
    gaps.push(buffer[i].x - buffer[i - 1].x);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  return Math.min(60000, Math.max(250, median || DEFAULT_INTERVAL_MS));
}

/**
 * @param {import('../types').Node} node
 * @param {number} [now]
 */
export function isSilent(node, now = serverNow()) {
  if (!['healthy', 'not_ready', 'recovering', 'pending'].includes(node.health_status)) return false;
  const last = Math.max(lastBeatAt(node.id) ?? 0, Date.parse(node.last_heartbeat_at ?? '') || 0);
  if (!last) return false;
  return now - last > SILENT_AFTER_INTERVALS * intervalOf(node.id);
}

const observer =
  'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => {
        for (const entry of entries) {
          const trace = traces.get(/** @type {HTMLElement} */ (entry.target).dataset.nodeId ?? '');
          if (!trace) continue;
          trace.visible = entry.isIntersecting;
          if (trace.visible) ensureChart(trace);
        }
      })
    : null;

/**
 * Registers the canvas of a node row; its chart is built when first scrolled into view.
 * @param {import('../types').Node} node
 * @param {HTMLCanvasElement} canvas
 */
export function attachTrace(node, canvas) {
  const id = String(node.id);
  canvas.dataset.nodeId = id;
  const trace = { canvas, chart: null, visible: !observer, seeded: false, node, dirty: true };
  traces.set(id, trace);
  if (observer) observer.observe(canvas);
  else ensureChart(trace);
}

/** @param {import('../types').Node} node */
export function updateTraceNode(node) {
  const trace = traces.get(String(node.id));
  if (trace) trace.node = node;
}

/** @param {number | string} nodeId */
export function detachTrace(nodeId) {
  const id = String(nodeId);
  const trace = traces.get(id);
  if (!trace) return;
  observer?.unobserve(trace.canvas);
  trace.chart?.destroy();
  traces.delete(id);
  buffers.delete(id);
}

/** @param {Trace} trace */
async function seed(trace) {
  trace.seeded = true;
  try {
    const beats = await api.heartbeats(trace.node.id);
    const buffer = bufferOf(String(trace.node.id));
    for (const beat of (beats ?? []).slice(-MAX_POINTS)) {
      addPoint(buffer, { x: Date.parse(beat.at), y: Number(beat.cpu_usage ?? 0) });
    }
    trace.dirty = true;
    drawTrace(trace, serverNow());
  } catch {
    // The live stream still fills the trace; a missing history is not worth a message.
  }
}

/** @param {Trace} trace */
function ensureChart(trace) {
  if (!trace.seeded) seed(trace);
  const Chart = ChartJs();
  if (trace.chart || !Chart) return;
  trace.chart = new Chart(trace.canvas, {
    type: 'line',
    data: {
      datasets: [
        { data: [], borderWidth: 1.5, pointRadius: 0, tension: 0.2, fill: 'origin' },
        {
          data: [],
          borderWidth: 1,
          borderDash: [3, 3],
          borderColor: '#8c959f',
          pointRadius: 0,
          fill: false,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      events: [],
      layout: { padding: { top: 2, bottom: 1 } },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: {
        x: { type: 'linear', display: false },
        y: { display: false, min: 0, suggestedMax: 1 },
      },
    },
  });
  trace.dirty = true;
  drawTrace(trace, serverNow());
}

/**
 * @param {import('../types').Node} node
 * @param {boolean} silent
 */
function lineColour(node, silent) {
  if (silent) return '#8c959f';
  return STATUS_COLOURS[node.health_status] ?? '#57606a';
}

/**
 * @param {Trace} trace
 * @param {number} now
 */
function drawTrace(trace, now) {
  const chart = trace.chart;
  if (!chart) return;
  const node = trace.node;
  const id = String(node.id);
  const buffer = buffers.get(id) ?? [];
  const windowMs = MAX_POINTS * intervalOf(id);
  const silent = isSilent(node, now);
  const last = buffer[buffer.length - 1];
  const [line, gap] = chart.data.datasets;
  line.data = buffer.slice();
  // A silence longer than a few periods stays a visible break once beats resume.
  line.spanGaps = 2.5 * intervalOf(id);
  const colour = lineColour(node, silent);
  line.borderColor = colour;
  line.backgroundColor = `${colour}22`;
  gap.data =
    silent && last
      ? [
          { x: last.x, y: last.y },
          { x: now, y: last.y },
        ]
      : [];
  // the scales this trace's chart was built with (ensureChart)
  const scales = /** @type {{ x: { min: number, max: number }, y: { suggestedMax: number } }} */ (
    chart.options.scales
  );
  scales.x.min = now - windowMs;
  scales.x.max = now;
  scales.y.suggestedMax = Math.max(Number(node.cpu_cores_total) || 1, ...buffer.map((p) => p.y));
  trace.canvas.dataset.points = String(buffer.length);
  trace.canvas.dataset.silent = String(silent);
  chart.update('none');
  trace.dirty = false;
}

/** Moves every visible trace's window on to now; called once a second. */
export function tickTraces() {
  const now = serverNow();
  for (const trace of traces.values()) {
    if (trace.visible && trace.chart) drawTrace(trace, now);
    else {
      if (trace.visible) ensureChart(trace);
      // Off-screen traces are not drawn, but their state stays readable.
      const id = String(trace.node.id);
      trace.canvas.dataset.points = String(buffers.get(id)?.length ?? 0);
      trace.canvas.dataset.silent = String(isSilent(trace.node, now));
    }
  }
}

/**
 * The options of a history chart: seconds ago along the bottom, cores on the left axis
 * and another measure (`rightTitle`, up to `rightMax`) on the right.
 */
/**
 * @param {{ coresMax: number, rightTitle: string, rightMax?: number }} axes
 * @returns {import('chart.js').ChartOptions<'line'>}
 */
export function secondsAgoOptions({ coresMax, rightTitle, rightMax }) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    scales: {
      x: {
        type: 'linear',
        max: 0,
        title: { display: true, text: 'seconds ago' },
        ticks: { callback: (v) => `${Math.round(-Number(v))}` },
      },
      y: { min: 0, suggestedMax: coresMax, title: { display: true, text: 'cores' } },
      y1: {
        min: 0,
        suggestedMax: rightMax,
        position: 'right',
        grid: { drawOnChartArea: false },
        title: { display: true, text: rightTitle },
      },
    },
  };
}

/**
 * Builds a larger history chart (CPU use and latency) for the node detail view.
 * @param {HTMLCanvasElement} canvas
 * @param {import('../types').HeartbeatSample[]} beats
 * @param {number} cpuTotal
 */
export function historyChart(canvas, beats, cpuTotal) {
  const Chart = ChartJs();
  if (!Chart) return null;
  const now = serverNow();
  const cpu = beats.map((b) => ({
    x: (Date.parse(b.at) - now) / 1000,
    y: Number(b.cpu_usage ?? 0),
  }));
  const latency = beats.map((b) => ({
    x: (Date.parse(b.at) - now) / 1000,
    y: Number(b.latency_ms ?? 0),
  }));
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'CPU used (cores)',
          data: cpu,
          borderColor: '#8250df',
          backgroundColor: '#8250df22',
          fill: 'origin',
          pointRadius: 1.5,
          borderWidth: 1.5,
          yAxisID: 'y',
        },
        {
          label: 'Latency (ms)',
          data: latency,
          borderColor: '#bf8700',
          pointRadius: 1,
          borderWidth: 1,
          borderDash: [4, 3],
          yAxisID: 'y1',
        },
      ],
    },
    options: secondsAgoOptions({ coresMax: Number(cpuTotal) || 1, rightTitle: 'ms' }),
  });
}
