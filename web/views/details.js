// Node and pod detail dialogs. While one is open it is reloaded with the rest of
// the page, and redrawn only when what the API says has changed.
import { $, toast } from '../dom.js';
import { followUsage, forgetUsage, showUsage } from './detail-usage.js';
import { forgetHeartbeats, loadNode, redrawHeartbeats, renderNode } from './node-detail.js';
import { loadPod, renderPod } from './pod-detail.js';

let current = null; // { kind: 'node' | 'pod', id, name }
let lastSignature = '';
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
        redrawHeartbeats(data.beats, data.node.cpu_cores_total);
      }
      if (data.usage) showUsage(kind, data.usage);
      return;
    }
    lastSignature = signature;
    if (kind === 'node') renderNode(data, { openPod, openObject });
    else renderPod(data, { openObject });
    current = { kind, id };
    followUsage(
      kind === 'node'
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
      if (dialog === $('#node-detail')) forgetHeartbeats();
      forgetUsage();
      current = null;
      lastSignature = '';
    });
  }
}
