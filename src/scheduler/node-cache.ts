import { ClusterStore } from '../database/cluster-store';
import { NodeView } from './strategies/types';

/** How old the snapshot may get before a placement reads the nodes again. */
const MAX_AGE_MS = 1000;

/**
 * A snapshot of every node for ranking, so a placement need not read thousands of
 * rows. It is only a hint: the database still decides each binding (a node that has
 * filled up meanwhile refuses it), and whatever this process changes about nodes
 * invalidates it at once. Other replicas' changes show within MAX_AGE_MS.
 */
export class NodeCache {
  private nodes: NodeView[] = [];
  private byId = new Map<number, NodeView>();
  private loadedAt = 0;
  private generation = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly store: ClusterStore) {
    store.onNodesChanged(() => this.invalidate());
  }

  invalidate(): void {
    this.generation++;
    this.loadedAt = 0;
  }

  async view(now = Date.now()): Promise<readonly NodeView[]> {
    if (now - this.loadedAt > MAX_AGE_MS) await this.refresh();
    return this.nodes;
  }

  /** Keeps the snapshot's accounting in step with a binding (or release) this process made. */
  adjust(nodeId: number, cpuM: number, memoryMb: number): void {
    const node = this.byId.get(nodeId);
    if (!node) return;
    node.cpuAllocatedM += cpuM;
    node.memoryAllocatedMb += memoryMb;
  }

  private refresh(): Promise<void> {
    if (!this.loading) {
      const generation = this.generation;
      this.loading = this.store
        .allNodeViews()
        .then((nodes) => {
          this.nodes = nodes;
          this.byId = new Map(nodes.map((n) => [n.id, n]));
          // a change seen while reading leaves the snapshot stale
          this.loadedAt = generation === this.generation ? Date.now() : 0;
        })
        .finally(() => (this.loading = null));
    }
    return this.loading;
  }
}
