// @ts-check
// Resource use over time, as a node's or a pod's agent reported it with each heartbeat
// (GET /nodes/:id/usage, GET /pods/:id/usage): CPU in cores on the left axis, memory in
// MiB on the right, against "seconds ago". The chart is built once per detail dialog and
// then only fed new samples, so it can follow the heartbeats while the dialog is open.
import { fmtCores } from '../dom.js';
import { secondsAgoOptions, serverNow } from './traces.js';

/** @param {number} value */
const mib = (value) => `${Math.round(Number(value))} MiB`;

const CPU_COLOUR = '#8250df';
const MEMORY_COLOUR = '#1a7f37';

/**
 * What the usage answers give as the size to draw against: a node's capacity, a pod's requests.
 * @param {import('../types').Usage | null} usage
 */
function limits(usage) {
  return {
    cpu: Number(usage?.cpu_cores_total ?? usage?.cpu_cores_req) || 1,
    memory: Number(usage?.memory_mb ?? usage?.memory_mb_req) || 0,
  };
}

/**
 * @param {import('../types').UsageSample[]} samples
 * @param {number} now
 */
function series(samples, now) {
  const at = (/** @type {import('../types').UsageSample} */ s) => (Date.parse(s.time) - now) / 1000;
  return {
    cpu: samples.map((s) => ({ x: at(s), y: Number(s.cpu) })),
    memory: samples.map((s) => ({ x: at(s), y: Number(s.memory) })),
  };
}

/**
 * The numbers the chart shows, on the canvas, for readers that cannot see it.
 * @param {HTMLCanvasElement} canvas
 * @param {import('../types').UsageSample[]} samples
 */
function describe(canvas, samples) {
  const last = samples[samples.length - 1];
  canvas.dataset.points = String(samples.length);
  canvas.dataset.cpuLatest = last ? String(last.cpu) : '';
  canvas.dataset.cpuMax = samples.length ? String(Math.max(...samples.map((s) => s.cpu))) : '';
  canvas.dataset.memoryLatest = last ? String(last.memory) : '';
  canvas.dataset.latestTime = last?.time ?? '';
  canvas.setAttribute(
    'aria-label',
    last
      ? `CPU and memory use, ${samples.length} samples; latest ${fmtCores(last.cpu)} cores, ${mib(last.memory)}`
      : 'CPU and memory use: no sample yet',
  );
}

/**
 * One line under the chart: the latest sample against the size.
 * @param {import('../types').Usage | null} usage
 */
export function usageSummary(usage) {
  const samples = usage?.samples ?? [];
  const last = samples[samples.length - 1];
  if (!last) return 'No use reported yet: samples come with the heartbeats of running pods.';
  const { cpu, memory } = limits(usage);
  const of = usage?.cpu_cores_total !== undefined ? 'of' : 'requested';
  return `Latest: ${fmtCores(last.cpu)} cores (${of} ${fmtCores(cpu)}), ${mib(last.memory)}${memory ? ` (${of} ${memory})` : ''} · ${samples.length} samples`;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {import('../types').Usage | null} usage
 */
function build(canvas, usage) {
  const Chart = window.Chart;
  if (!Chart) return null;
  const { cpu, memory } = limits(usage);
  const data = series(usage?.samples ?? [], serverNow());
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'CPU (cores)',
          data: data.cpu,
          borderColor: CPU_COLOUR,
          backgroundColor: `${CPU_COLOUR}22`,
          fill: 'origin',
          pointRadius: 1.5,
          borderWidth: 1.5,
          yAxisID: 'y',
        },
        {
          label: 'Memory (MiB)',
          data: data.memory,
          borderColor: MEMORY_COLOUR,
          pointRadius: 1,
          borderWidth: 1.5,
          yAxisID: 'y1',
        },
      ],
    },
    options: secondsAgoOptions({
      coresMax: cpu,
      rightTitle: 'MiB',
      rightMax: memory || undefined,
    }),
  });
}

/**
 * Draws `usage` on `canvas`: a new chart for a new canvas, otherwise the same chart with
 * the new samples. Returns the chart to pass back next time.
 * @param {import('../types').Chart | null} chart
 * @param {HTMLCanvasElement} canvas
 * @param {import('../types').Usage | null} usage
 */
export function drawUsage(chart, canvas, usage) {
  const samples = usage?.samples ?? [];
  describe(canvas, samples);
  if (!chart || chart.canvas !== canvas) {
    chart?.destroy();
    return build(canvas, usage);
  }
  const data = series(samples, serverNow());
  chart.data.datasets[0].data = data.cpu;
  chart.data.datasets[1].data = data.memory;
  chart.update('none');
  return chart;
}
