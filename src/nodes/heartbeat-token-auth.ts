import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from '../common/errors';
import { NodesRepository } from '../database/nodes.repository';
import { MetricsService } from '../metrics/metrics.service';
import { HeartbeatCaches } from './heartbeat-caches';
import { NodeNameCache } from './node-name-cache';
import { TokenHashCache } from './token-hash-cache';
import { tokenMatches } from './heartbeat-tokens';

/**
 * Which node an agent's request is for, and whether its bearer token is that node's:
 * from the tokens kept in memory (`TokenHashCache`) when they match, else from the database.
 */
@Injectable()
export class HeartbeatTokenAuth {
  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly tokens: TokenHashCache,
    private readonly names: NodeNameCache,
    private readonly caches: HeartbeatCaches,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * The node a heartbeat addresses (`7`, `07` or its name), from memory when it was seen
   * before; null when no such node exists (so unknown references are all one).
   */
  async resolveNodeId(ref: string): Promise<number | null> {
    const known = /^\d{1,9}$/.test(ref) ? Number(ref) : this.names.idOf(ref);
    if (known !== undefined && this.tokens.get(known) !== undefined) return known;
    const node = await this.nodesRepository.findNode(ref);
    if (!node) return null;
    this.names.remember(node.id, node.name);
    this.tokens.set(node.id, node.token_hash);
    return node.id;
  }

  /** Checks the bearer token of a node's heartbeat; returns the node id. */
  async authenticate(ref: string, authorization: string | undefined): Promise<number> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) {
      this.metrics.heartbeats.inc({ result: 'unauthorized' });
      throw new UnauthorizedError('a heartbeat needs "Authorization: Bearer <heartbeat_token>"');
    }
    const nodeId = await this.resolveNodeId(ref);
    const cached = nodeId === null ? undefined : this.tokens.get(nodeId);
    if (cached !== undefined && tokenMatches(token, cached)) return nodeId!;
    // not in memory, or memory may be stale (a new token or a deletion by another replica)
    const node = nodeId === null ? null : await this.nodesRepository.findNode(nodeId);
    if (!node) {
      if (nodeId !== null) this.caches.forget(nodeId);
      this.metrics.heartbeats.inc({ result: 'unauthorized' });
      // an unknown node and a wrong token look the same to a caller without the token
      throw new UnauthorizedError('invalid heartbeat token for this node');
    }
    this.names.remember(node.id, node.name);
    this.tokens.set(node.id, node.token_hash);
    if (!tokenMatches(token, node.token_hash)) {
      this.metrics.heartbeats.inc({ result: 'unauthorized' });
      throw new UnauthorizedError('invalid heartbeat token for this node');
    }
    return node.id;
  }
}
