// @ts-check
// Node and pod detail dialogs. While one is open it is reloaded after node and pod events
// and every few seconds, and redrawn only when what the API says has changed.
import { $of, toast } from '../dom.js';
import { followUsage, forgetUsage, showUsage } from './detail-usage.js';
import { forgetHeartbeats, loadNode, redrawHeartbeats, renderNode } from './node-detail.js';
import { loadPod, renderPod } from './pod-detail.js';

/** @type {{ kind: 'node' | 'pod', id: number | string } | null} */
let current = null;
let lastSignature = '';
let loadSeq = 0;

/**
 * @param {'node' | 'pod'} kind
 * @param {number | string} id
 */
function sameTarget(kind, id) {
  return current !== null && current.kind === kind && String(current.id) === String(id);
}

/**
 * Loads and shows a node or pod. `refresh` is the periodic reload of an open
 * dialog: it never reopens a dialog the user closed meanwhile, and it gives way
 * to an open started after it.
 */
/**
 * @param {'node' | 'pod'} kind
 * @param {number | string} id
 * @param {{ refresh?: boolean }} [options]
 */
async function show(kind, id, { refresh = false } = {}) {
  const dialog =
    kind === 'node'
      ? $of(HTMLDialogElement, '#node-detail')
      : $of(HTMLDialogElement, '#pod-detail');
  const seq = refresh ? loadSeq : ++loadSeq;
  try {
    const data = kind === 'node' ? await loadNode(id) : await loadPod(id);
    if (seq !== loadSeq) return;
    if (refresh && !(dialog.open && sameTarget(kind, id))) return;
    // Heartbeats change every few seconds; they only redraw the chart, so focus
    // inside the dialog survives.
    const nodeData = 'node' in data ? data : null;
    const signature = JSON.stringify({
      ...data,
      beats: Boolean(nodeData?.beats?.length),
      // the use history is only redrawn, like the heartbeats
      usage: null,
      timeline: nodeData?.timeline?.entries?.filter((e) => e.kind !== 'heartbeats').length,
    });
    if (refresh && signature === lastSignature) {
      if (nodeData?.beats?.length) {
        redrawHeartbeats(nodeData.beats, nodeData.node.cpu_cores_total);
      }
      if (data.usage) showUsage(kind, data.usage);
      return;
    }
    lastSignature = signature;
    if ('node' in data) renderNode(data, { openPod, openObject });
    else renderPod(data, { openObject });
    current = { kind, id };
    followUsage(
      'node' in data
        ? { kind, id: data.node.id, nodeId: data.node.id }
        : { kind, id: data.pod.id, nodeId: data.pod.node_id },
    );
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

/** @param {import('../types').Ref} node */
export function openNode(node) {
  $of(HTMLDialogElement, '#pod-detail').close();
  return show('node', node.id);
}

/** @param {import('../types').Ref} pod */
export function openPod(pod) {
  $of(HTMLDialogElement, '#node-detail').close();
  return show('pod', pod.id);
}

/**
 * Opens what an event's `object` names ("node/worker-1", "pod/web-1").
 * @param {string} ref
 */
export function openObject(ref) {
  const [kind, ...rest] = String(ref).split('/');
  const name = rest.join('/');
  if (kind === 'node') return openNode({ id: name });
  if (kind === 'pod') return openPod({ id: name });
  return undefined;
}

/** Called after node and pod events and every few seconds: keeps an open detail current. */
export function refreshDetail() {
  if (!current) return;
  const dialog =
    current.kind === 'node'
      ? $of(HTMLDialogElement, '#node-detail')
      : $of(HTMLDialogElement, '#pod-detail');
  if (dialog.open) show(current.kind, current.id, { refresh: true });
}

export function initDetails() {
  for (const dialog of [
    $of(HTMLDialogElement, '#node-detail'),
    $of(HTMLDialogElement, '#pod-detail'),
  ]) {
    dialog.addEventListener('close', () => {
      if (dialog === $of(HTMLDialogElement, '#node-detail')) forgetHeartbeats();
      forgetUsage();
      current = null;
      lastSignature = '';
    });
  }
}
