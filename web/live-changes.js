// @ts-check
// Live events applied to the dashboard's state. An event names its object ("node/worker-1",
// "pod/web-1" in its namespace); the objects named within one coalescing window are read
// once each (GET /nodes/:id, GET /pods/:id; a 404 means deleted) and patched into the
// state, with GET /cluster once for the counts. A window naming more objects of a kind
// than MAX_READS reads that kind's list instead, so a burst never costs more than a full
// reload did.
import { ApiError } from './api.js';

/** Objects of one kind read one by one in a window; past this, its list is read. */
export const MAX_READS = 20;

/** A name the API would read as an id (all digits): such an object is found by its known id. */
const NUMERIC = /^\d{1,9}$/;

/**
 * What one window's events touched, for the views that follow them.
 * @typedef {{ nodes: boolean, pods: boolean, cluster: boolean, kinds: Set<string> }} Applied
 */

/**
 * @typedef {{
 *   api: Pick<import('./types').Api, 'node' | 'nodes' | 'pod' | 'pods' | 'cluster'>,
 *   state: import('./cluster-state.js').ClusterState,
 *   podFilters: () => import('./cluster-state.js').PodFilters,
 * }} Sources
 */

/** @param {unknown} err */
const isGone = (err) => err instanceof ApiError && err.status === 404;

export class LiveChanges {
  /** node names named since the last read */
  nodes = new Set();
  /** pods named since the last read, as `namespace/name` */
  pods = new Set();
  /** every kind named since the last read (node, pod, cluster, deployment…) */
  kinds = new Set();

  /** @param {Sources} sources */
  constructor(sources) {
    this.sources = sources;
  }

  /**
   * Notes what a live event names; nothing is read until `apply`.
   * @param {{ object?: string, namespace?: string }} event
   */
  note(event) {
    const [kind, ...rest] = String(event.object ?? '').split('/');
    const name = rest.join('/');
    if (!kind) return;
    this.kinds.add(kind);
    if (kind === 'node' && name) this.nodes.add(name);
    if (kind === 'pod' && name) this.pods.add(`${event.namespace || 'default'}/${name}`);
  }

  get pending() {
    return this.kinds.size > 0;
  }

  /** A full reload is starting: what was noted so far is in it. */
  forget() {
    this.nodes.clear();
    this.pods.clear();
    this.kinds.clear();
  }

  /**
   * Reads what the events noted so far named and patches the state.
   * @returns {Promise<Applied>}
   */
  async apply() {
    const nodes = [...this.nodes];
    const pods = [...this.pods];
    const kinds = new Set(this.kinds);
    this.forget();
    const cluster = nodes.length > 0 || pods.length > 0 || kinds.has('cluster');
    const summary = cluster ? this.sources.api.cluster().catch(() => null) : null;
    const [moved, removed] = await Promise.all([this.applyPods(pods), this.applyNodes(nodes)]);
    // a pod that came, went or moved changed its nodes' allocations and pod counts
    const read = new Set(nodes);
    const more = moved.filter((name) => !read.has(name));
    // a deleted node takes its finished pods with it, and they send no event of their own
    const taken = [...this.sources.state.pods.values()]
      .filter((p) => p.node_name && removed.includes(p.node_name))
      .map((p) => `${p.namespace ?? 'default'}/${p.name}`)
      .filter((ref) => !pods.includes(ref));
    await Promise.all([this.applyNodes(more), this.applyPods(taken)]);
    const answered = await summary;
    if (answered) this.sources.state.cluster = answered;
    return {
      nodes: nodes.length > 0 || more.length > 0,
      pods: pods.length > 0 || taken.length > 0,
      cluster: Boolean(answered),
      kinds,
    };
  }

  /**
   * @param {string[]} names
   * @returns {Promise<string[]>} the names of those that are gone
   */
  async applyNodes(names) {
    const { api, state } = this.sources;
    if (names.length === 0) return [];
    if (names.length > MAX_READS || names.some((n) => NUMERIC.test(n) && !state.nodeNamed(n))) {
      const before = state.nodeList().map((n) => n.name);
      state.setNodes((await api.nodes()) ?? []);
      return before.filter((name) => !state.nodeNamed(name));
    }
    const gone = await Promise.all(
      names.map(async (name) => {
        const known = NUMERIC.test(name) ? state.nodeNamed(name)?.id : undefined;
        try {
          state.putNode(await api.node(known ?? name));
          return [];
        } catch (err) {
          if (!isGone(err)) return [];
          state.removeNode(name);
          return [name];
        }
      }),
    );
    return gone.flat();
  }

  /**
   * @param {string[]} refs `namespace/name`
   * @returns {Promise<string[]>} the nodes whose pods changed
   */
  async applyPods(refs) {
    const { api, state, podFilters } = this.sources;
    if (refs.length === 0) return [];
    const filters = podFilters();
    const named = refs.map((ref) => {
      const [namespace, name] = ref.split('/');
      return { namespace, name, known: state.podNamed(namespace, name) };
    });
    if (named.length > MAX_READS || named.some((p) => NUMERIC.test(p.name) && !p.known)) {
      const before = new Set(state.podList().map((p) => p.node_name));
      state.setPods((await api.pods(filters)) ?? []);
      for (const p of state.pods.values()) before.add(p.node_name);
      return [...before].filter((n) => typeof n === 'string');
    }
    const moved = await Promise.all(
      named.map(async ({ namespace, name, known }) => {
        try {
          const pod = await api.pod(NUMERIC.test(name) && known ? known.id : name, namespace);
          return state.putPod(pod, filters);
        } catch (err) {
          return isGone(err) ? state.removePod(namespace, name) : [];
        }
      }),
    );
    return moved.flat();
  }
}
