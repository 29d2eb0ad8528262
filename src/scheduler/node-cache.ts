import { BindingsRepository } from '../database/bindings.repository';
import { StoreChanges } from '../database/store-changes';
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
  private loadedAt = 0;
  private generation = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly bindings: Pick<BindingsRepository, 'allNodeViews'>,
    changes: Pick<StoreChanges, 'onNodesChanged'>,
  ) {
    changes.onNodesChanged(() => this.invalidate());
  }

  invalidate(): void {
    this.generation++;
    this.loadedAt = 0;
  }

  /**
   * The snapshot itself, not a copy: the scheduler counts its own placements in it
   * (one batch at a time) and invalidates it when the database disagrees.
   */
  async view(now = Date.now()): Promise<NodeView[]> {
    if (now - this.loadedAt > MAX_AGE_MS) await this.refresh();
    return this.nodes;
  }

  private refresh(): Promise<void> {
    if (!this.loading) {
      const generation = this.generation;
      this.loading = this.bindings
        .allNodeViews()
        .then((nodes) => {
          this.nodes = nodes;
          // a change seen while reading leaves the snapshot stale
          this.loadedAt = generation === this.generation ? Date.now() : 0;
        })
        .finally(() => (this.loading = null));
    }
    return this.loading;
  }
}
