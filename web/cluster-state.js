// @ts-check
// What the dashboard knows of the cluster: its nodes and pods by id and the summary. Full
// lists replace them; single objects read after live events patch them. No DOM here: the
// views are drawn from what this holds.

/** @typedef {import('./types').Node} Node */
/** @typedef {import('./types').Pod} Pod */
/** @typedef {{ status?: string, node?: string }} PodFilters */

/** How many pods the dashboard lists (GET /pods?limit=): a full list leaves the newest out. */
export const POD_LIST_LIMIT = 1000;

/**
 * @param {Pod} pod
 * @param {PodFilters} filters the pods view's (status, node name): an applied pod respects them
 */
export function podMatches(pod, { status, node }) {
  if (status && pod.status !== status) return false;
  if (node && pod.node_name !== node && String(pod.node_id ?? '') !== node) return false;
  return true;
}

/** @param {{ id: number }} a @param {{ id: number }} b */
const byId = (a, b) => a.id - b.id;

export class ClusterState {
  /** @type {Map<number, Node>} */
  nodes = new Map();
  /** @type {Map<number, Pod>} */
  pods = new Map();
  /** @type {import('./types').Cluster | null} */
  cluster = null;
  /** the pod list came back as long as its limit: pods newer than its last are not in it */
  podsCut = false;

  /** @param {Node[]} nodes */
  setNodes(nodes) {
    this.nodes = new Map(nodes.map((n) => [n.id, n]));
  }

  /** @param {Pod[]} pods */
  setPods(pods) {
    this.pods = new Map(pods.map((p) => [p.id, p]));
    this.podsCut = pods.length >= POD_LIST_LIMIT;
  }

  /** the nodes, oldest first, as GET /nodes lists them */
  nodeList() {
    return [...this.nodes.values()].sort(byId);
  }

  /** the pods, oldest first, as GET /pods lists them */
  podList() {
    return [...this.pods.values()].sort(byId);
  }

  /** @param {string} name */
  nodeNamed(name) {
    for (const node of this.nodes.values()) if (node.name === name) return node;
    return undefined;
  }

  /**
   * @param {string} namespace
   * @param {string} name
   */
  podNamed(namespace, name) {
    for (const pod of this.pods.values())
      if (pod.name === name && (pod.namespace ?? 'default') === namespace) return pod;
    return undefined;
  }

  /**
   * A node as GET /nodes/:id answered (its pod ids are left out: the list has none).
   * @param {Node & { pod_ids?: unknown }} detail
   */
  putNode(detail) {
    const { pod_ids: _podIds, ...node } = detail;
    for (const [id, known] of this.nodes)
      if (known.name === node.name && id !== node.id) this.nodes.delete(id);
    this.nodes.set(node.id, node);
  }

  /** @param {string} name */
  removeNode(name) {
    const node = this.nodeNamed(name);
    if (node) this.nodes.delete(node.id);
  }

  /**
   * A pod as GET /pods/:id answered; one the filters leave out is dropped. Answers the names
   * of the nodes whose allocations it may have changed (where it was, where it is).
   * @param {Pod} pod
   * @param {PodFilters} filters
   * @returns {string[]}
   */
  putPod(pod, filters) {
    const namespace = pod.namespace ?? 'default';
    const before = this.pods.get(pod.id) ?? this.podNamed(namespace, pod.name);
    if (before) this.pods.delete(before.id);
    // a list cut at its limit ends before any new pod, as a fresh read of it would
    if (podMatches(pod, filters) && (before || !this.podsCut)) this.pods.set(pod.id, pod);
    const moved = !before || before.node_name !== pod.node_name || before.status !== pod.status;
    return moved ? nodeNames(before, pod) : [];
  }

  /**
   * @param {string} namespace
   * @param {string} name
   * @returns {string[]} the node it was on, if it was on one
   */
  removePod(namespace, name) {
    const pod = this.podNamed(namespace, name);
    if (!pod) return [];
    this.pods.delete(pod.id);
    return nodeNames(pod);
  }
}

/** @param {...(Pod | undefined)} pods */
function nodeNames(...pods) {
  return [...new Set(pods.map((p) => p?.node_name).filter((n) => typeof n === 'string'))];
}
