// @ts-check
// Cluster overview: counts, CPU totals, the node-health donut and per-node CPU bars.
import {
  $,
  $of,
  NODE_STATUSES,
  POD_STATUSES,
  STATUS_COLOURS,
  fmtCores,
  h,
  pct,
  setText,
  statusLabel,
} from '../dom.js';

const MAX_BARS = 40;
const COLOURS = { total: '#d0d7de', allocated: '#0969da', used: '#8250df' };
/** @type {(import('../types').Chart & { $empty?: boolean }) | null} the node-health donut; `$empty`: drawn with no nodes */
let donut = null;
/** @type {import('../types').Chart | null} */
let bars = null;

/**
 * @param {HTMLElement} list
 * @param {Record<string, number> | undefined} counts
 * @param {string[]} statuses
 * @param {string} prefix
 */
function chips(list, counts, statuses, prefix) {
  const known = [...statuses, ...Object.keys(counts ?? {}).filter((s) => !statuses.includes(s))];
  const signature = known.map((s) => `${s}=${counts?.[s] ?? 0}`).join(',');
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...known.map((status) => {
      const count = counts?.[status] ?? 0;
      return h(
        'li',
        {
          class: `chip${count ? '' : ' chip-zero'}`,
          'data-testid': `${prefix}-status-${status}`,
          'data-count': count,
        },
        h('span', { class: `dot status-dot-${status}`, 'aria-hidden': 'true' }),
        h('span', { class: 'chip-label' }, statusLabel(status)),
        h('strong', { class: 'chip-count' }, count),
      );
    }),
  );
}

/** @param {Record<string, number> | undefined} byStatus */
function renderDonut(byStatus) {
  const Chart = window.Chart;
  if (!Chart) return;
  const statuses = [
    ...NODE_STATUSES,
    ...Object.keys(byStatus ?? {}).filter((s) => !NODE_STATUSES.includes(s)),
  ].filter((s) => (byStatus?.[s] ?? 0) > 0);
  const empty = statuses.length === 0;
  const labels = empty ? ['no nodes'] : statuses.map(statusLabel);
  const data = empty ? [1] : statuses.map((s) => byStatus?.[s] ?? 0);
  const colours = empty ? ['#eaeef2'] : statuses.map((s) => STATUS_COLOURS[s] ?? '#8c959f');
  if (!donut) {
    donut = new Chart($of(HTMLCanvasElement, '#node-health-chart'), {
      type: 'doughnut',
      data: { labels, datasets: [{ data, backgroundColor: colours, borderWidth: 1 }] },
      options: {
        animation: { duration: 250 },
        responsive: true,
        maintainAspectRatio: false,
        cutout: '62%',
        plugins: {
          legend: { position: 'right', labels: { boxWidth: 10, font: { size: 11 } } },
          tooltip: { filter: () => !donut?.$empty },
        },
      },
    });
  } else {
    donut.data.labels = labels;
    donut.data.datasets[0].data = data;
    donut.data.datasets[0].backgroundColor = colours;
    donut.update();
  }
  donut.$empty = empty;
}

/** @param {import('../types').Node[]} nodes */
function renderBars(nodes) {
  const Chart = window.Chart;
  const shown = nodes.slice(0, MAX_BARS);
  setText(
    $('#node-cpu-caption'),
    nodes.length > MAX_BARS ? `(first ${MAX_BARS} of ${nodes.length})` : '',
  );
  if (!Chart) return;
  const labels = shown.map((n) => n.name);
  const series = {
    total: shown.map((n) => Number(n.cpu_cores_total) || 0),
    allocated: shown.map((n) => Number(n.cpu_cores_allocated) || 0),
    used: shown.map((n) => Number(n.cpu_cores_used) || 0),
  };
  if (!bars) {
    bars = new Chart($of(HTMLCanvasElement, '#node-cpu-chart'), {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Total', data: series.total, backgroundColor: COLOURS.total },
          { label: 'Allocated', data: series.allocated, backgroundColor: COLOURS.allocated },
          { label: 'Used', data: series.used, backgroundColor: COLOURS.used },
        ],
      },
      options: {
        animation: { duration: 250 },
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, font: { size: 11 } } } },
        scales: {
          x: {
            ticks: { autoSkip: true, maxRotation: 45, font: { size: 10 } },
            grid: { display: false },
          },
          y: { beginAtZero: true, title: { display: true, text: 'cores' } },
        },
      },
    });
  } else {
    bars.data.labels = labels;
    bars.data.datasets[0].data = series.total;
    bars.data.datasets[1].data = series.allocated;
    bars.data.datasets[2].data = series.used;
    bars.update();
  }
}

/**
 * @param {import('../types').Cluster | null} cluster
 * @param {import('../types').Node[] | null} nodes
 */
export function renderOverview(cluster, nodes) {
  if (cluster) {
    setText($('#stat-nodes-total'), cluster.nodes?.total ?? 0);
    setText($('#stat-pods-total'), cluster.pods?.total ?? 0);
    chips($('#stat-nodes-by-status'), cluster.nodes?.by_status, NODE_STATUSES, 'nodes');
    chips($('#stat-pods-by-status'), cluster.pods?.by_status, POD_STATUSES, 'pods');
    const cpu = cluster.cpu ?? {};
    const util = cluster.utilisation ?? {};
    const total = Number(cpu.total_cores) || 0;
    const allocatedPct = util.allocated_pct ?? pct(cpu.allocated_cores, total);
    const usedPct = util.used_pct ?? pct(cpu.used_cores, total);
    setText($('#cpu-total'), fmtCores(total));
    setText($('#cpu-allocated'), fmtCores(cpu.allocated_cores));
    setText($('#cpu-used'), fmtCores(cpu.used_cores));
    setText($('#cpu-available'), fmtCores(cpu.available_cores));
    setText($('#cpu-allocated-pct'), `${Math.round(allocatedPct)}%`);
    setText($('#cpu-used-pct'), `${Math.round(usedPct)}%`);
    $('#cpu-allocated-bar').style.width = `${Math.min(100, allocatedPct)}%`;
    $('#cpu-used-bar').style.width = `${Math.min(100, usedPct)}%`;
    renderDonut(cluster.nodes?.by_status);
  }
  if (nodes) renderBars(nodes);
}

/**
 * The cluster autoscaler's state: on or off, its node range and the nodes it added.
 * @param {import('../types').Autoscaler} a
 */
export function renderAutoscaler(a) {
  const panel = $('#autoscaler-stat');
  if (!panel || !a) return;
  panel.dataset.enabled = String(Boolean(a.enabled));
  setText($('#autoscaler-state'), a.enabled ? 'on' : 'off');
  const added = a.autoscaled_nodes?.length ?? 0;
  setText(
    $('#autoscaler-summary'),
    `${a.worker_nodes} nodes (min ${a.min_nodes}, max ${a.max_nodes}) · ${added} added · new node ${fmtCores(a.node_cpu_cores)} cores`,
  );
}
