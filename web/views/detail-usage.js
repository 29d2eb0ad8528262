// @ts-check
// The resource-use chart of the open node or pod dialog, refreshed as its node's heartbeats
// bring new samples.
import { api } from '../api.js';
import { $, $of, coalesce, h, setText } from '../dom.js';
import { drawUsage, usageSummary } from './usage.js';

/** @type {import('../types').Chart | null} */
let usageChart = null;
// whose use the open dialog draws, and the node whose heartbeats bring new samples
/** @typedef {{ kind: 'node' | 'pod', id: number, nodeId: number | null }} UsageTarget */
/** @type {UsageTarget | null} */
let usageOf = null;
const USAGE_REFRESH_MS = 500;

/**
 * The use history's place in a detail dialog; drawUsage fills it once the data is there.
 * @param {'node' | 'pod'} kind
 * @param {string} name
 */
export function usageSection(kind, name) {
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

/**
 * @param {'node' | 'pod'} kind
 * @param {import('../types').Usage | null} usage
 */
export function showUsage(kind, usage) {
  const canvas = document.querySelector(`[data-testid="${kind}-detail-usage"]`);
  if (!(canvas instanceof HTMLCanvasElement)) return;
  usageChart = drawUsage(usageChart, canvas, usage);
  setText($(`[data-testid="${kind}-usage-latest"]`), usageSummary(usage));
}

async function refreshUsage() {
  const target = usageOf;
  if (!target) return;
  const dialog =
    target.kind === 'node'
      ? $of(HTMLDialogElement, '#node-detail')
      : $of(HTMLDialogElement, '#pod-detail');
  if (!dialog.open) return;
  const usage = await (
    target.kind === 'node' ? api.nodeUsage(target.id) : api.podUsage(target.id)
  ).catch(() => null);
  if (usage && usageOf === target) showUsage(target.kind, usage);
}

const refreshUsageSoon = coalesce(refreshUsage, USAGE_REFRESH_MS);

/**
 * A heartbeat from the stream: the open node's (or open pod's node's) use has a new sample.
 * @param {import('../types').StreamHeartbeat} hb
 */
export function noteDetailHeartbeat(hb) {
  if (usageOf && String(usageOf.nodeId) === String(hb.node_id)) refreshUsageSoon();
}

/**
 * The open dialog draws this node's or pod's use: `{ kind, id, nodeId }`.
 * @param {UsageTarget} target
 */
export function followUsage(target) {
  usageOf = target;
}

/** The dialog closed: no chart, no use to follow. */
export function forgetUsage() {
  usageChart?.destroy();
  usageChart = null;
  usageOf = null;
}
