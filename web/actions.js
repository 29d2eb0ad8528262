// @ts-check
// What the node and pod buttons do, wherever they appear (table rows, detail
// dialogs): confirm the destructive ones, call the API, report, refresh.
import { api } from './api.js';
import { askForReplicas, confirmAction } from './dialogs.js';
import { toast } from './dom.js';

/** @type {() => void} */
let changed = () => {};

/**
 * Registers what to run after a successful change (a refresh of the views).
 * @param {() => void} fn
 */
export function onClusterChanged(fn) {
  changed = fn;
}

/**
 * What one button does to its target: an optional question first (a confirmation, or `ask`
 * for a value), the call, and the message once it is done.
 * @template Target
 * @typedef {{
 *   confirm?: (target: Target) => Parameters<typeof confirmAction>[0],
 *   ask?: (target: Target) => Promise<Record<string, any> | null>,
 *   run: (target: Target, choice: Record<string, any>) => Promise<unknown>,
 *   done: (target: Target, choice: Record<string, any>) => string,
 * }} ActionSpec
 */

/** @type {Record<string, ActionSpec<import('./types').Node>>} */
const NODE_ACTIONS = {
  fail: {
    confirm: (node) => ({
      title: `Fail node ${node.name}?`,
      message:
        'The node agent really fails. The control plane notices when its heartbeats stop, then evicts its pods and tries to restart it.',
      okLabel: 'Fail node',
      withMode: true,
    }),
    run: (node, { mode }) => api.failNode(node.id, mode),
    done: (node, { mode }) => `Failure (${mode}) injected into ${node.name}`,
  },
  restart: {
    run: (node) => api.restartNode(node.id),
    done: (node) => `Restart of ${node.name} requested`,
  },
  stop: {
    confirm: (node) => ({
      title: `Stop node ${node.name}?`,
      message:
        'Its pods are drained to other nodes, then its agent stops. The monitor will not restart it.',
      okLabel: 'Stop node',
    }),
    run: (node) => api.stopNode(node.id),
    done: (node) => `${node.name} stopped`,
  },
  cordon: {
    run: (node) => api.cordonNode(node.id),
    done: (node) => `${node.name} cordoned: no new pods will land on it`,
  },
  uncordon: {
    run: (node) => api.uncordonNode(node.id),
    done: (node) => `${node.name} uncordoned`,
  },
  delete: {
    confirm: (node) => ({
      title: `Delete node ${node.name}?`,
      message:
        'Its pods go back through the scheduler, its agent is removed and the node is deleted.',
      okLabel: 'Delete node',
    }),
    run: (node) => api.deleteNode(node.id),
    done: (node) => `${node.name} deleted`,
  },
};

/** @type {Record<string, ActionSpec<import('./types').Pod>>} */
const POD_ACTIONS = {
  restart: {
    run: (pod) => api.restartPod(pod.id),
    done: (pod) => `Restart of pod ${pod.name} requested`,
  },
  delete: {
    confirm: (pod) => ({
      title: `Delete pod ${pod.name}?`,
      message: 'The pod is deleted and its CPU freed; its node drops it on its next heartbeat.',
      okLabel: 'Delete pod',
    }),
    run: (pod) => api.deletePod(pod.id),
    done: (pod) => `Pod ${pod.name} deleted`,
  },
};

/** @type {Record<string, ActionSpec<import('./types').KubeObject>>} */
const DEPLOYMENT_ACTIONS = {
  scale: {
    ask: (d) => askForReplicas({ name: d.metadata.name, replicas: d.spec.replicas ?? 0 }),
    run: (d, { replicas }) => api.scaleDeployment(d.metadata.namespace, d.metadata.name, replicas),
    done: (d, { replicas }) => `Deployment ${d.metadata.name} scaled to ${replicas}`,
  },
  restart: {
    run: (d) => api.restartDeployment(d.metadata.namespace, d.metadata.name),
    done: (d) => `Rollout restart of deployment ${d.metadata.name} started`,
  },
};

/**
 * @template Target
 * @param {ActionSpec<Target>} spec
 * @param {Target} target
 * @param {HTMLButtonElement} [button]
 */
async function run(spec, target, button) {
  /** @type {Record<string, any> | null} */
  let choice = {};
  if (spec.ask || spec.confirm) {
    if (spec.ask) choice = await spec.ask(target);
    else if (spec.confirm) choice = await confirmAction(spec.confirm(target));
    if (!choice) return false;
  }
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    await spec.run(target, choice);
    toast(spec.done(target, choice));
    changed();
    return true;
  } catch (err) {
    toast(err.message || String(err), 'error');
    return false;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

/**
 * @param {string} action
 * @param {import('./types').Node} node
 * @param {HTMLButtonElement} [button]
 */
export function runNodeAction(action, node, button) {
  return run(NODE_ACTIONS[action], node, button);
}

/**
 * @param {string} action
 * @param {import('./types').Pod} pod
 * @param {HTMLButtonElement} [button]
 */
export function runPodAction(action, pod, button) {
  return run(POD_ACTIONS[action], pod, button);
}

/**
 * A Deployment as the Kubernetes API gives it (metadata, spec, status).
 * @param {string} action
 * @param {import('./types').KubeObject} deployment
 * @param {HTMLButtonElement} [button]
 */
export function runDeploymentAction(action, deployment, button) {
  return run(DEPLOYMENT_ACTIONS[action], deployment, button);
}
