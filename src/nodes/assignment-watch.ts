import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { NotFoundError, UnavailableError } from '../common/errors';
import { NodesRepository } from '../database/nodes.repository';
import { StoreChanges } from '../database/store-changes';
import { AssignmentWaiters } from './assignment-waiters';
import { WatchAnswerDto, WatchDto } from './dto/watch.dto';
import { NodePodsReader } from './node-pods-reader';
import { buildPodsAnswer } from './pods-answer';

/** The agents' long poll for their node's pods (`POST /nodes/:id/watch`). */
@Injectable()
export class AssignmentWatch implements BeforeApplicationShutdown {
  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly pods: NodePodsReader,
    private readonly waiters: AssignmentWaiters,
    changes: StoreChanges,
  ) {
    // a node's pods changed here or on another replica: its agent's watch answers now
    changes.onPodsChanged((nodeId) => this.waiters.wake(nodeId));
  }

  /**
   * Answers at once if the node's pods changed since the version the agent knows, else
   * when they change (through this replica or, by the ReplicaChannel, another), else after
   * the timeout.
   */
  async watch(nodeId: number, dto: WatchDto): Promise<WatchAnswerDto> {
    const deadline = Date.now() + (dto.timeout_ms ?? 25000);
    for (;;) {
      const version = await this.nodesRepository.podsVersion(nodeId);
      if (version === null) throw new NotFoundError('node', nodeId);
      if (version !== dto.pods_version) {
        const pods = await this.pods.podsFor(nodeId, version);
        // an agent that sends what it holds gets the changes only, as its heartbeats do
        const answer = dto.pod_ids
          ? buildPodsAnswer(pods, dto.pods_version, dto.pod_ids)
          : buildPodsAnswer(pods, undefined, []);
        return { changed: true, ...answer, pod_ids: dto.pod_ids ? answer.pod_ids : undefined };
      }
      // a server on its way out sends the agent back to its heartbeats
      if (this.waiters.closing) throw new UnavailableError('the server is shutting down');
      const left = deadline - Date.now();
      if (left <= 0) return { pods_version: version, changed: false };
      // a change wakes us before its transaction commits: look again shortly after
      const woken = await this.waiters.waitForChange(nodeId, left);
      if (woken) await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Before the HTTP server stops: open watches must end or it would wait for them. */
  beforeApplicationShutdown(): void {
    this.waiters.close();
  }
}
