import { Injectable, Optional } from '@nestjs/common';
import { ReplicaChannel } from '../database/replica-channel';
import type { HeartbeatSample } from '../events/cluster-bus';
import { PodAssignmentDto } from './dto/node-response.dto';

export interface Sample {
  at: string;
  cpu_usage: number;
  latency_ms: number;
}

const KEEP = 120;

/** A pod bound to a node, as its answers carry it. */
export interface PodEntry {
  id: number;
  name: string;
  /** the node's pods_version when the pod's assignment last changed */
  specVersion: number;
  /** null when it cannot be delivered (it was marked failed with the reason) */
  assignment: PodAssignmentDto | null;
  /** its assignment's size as JSON */
  bytes: number;
}

/** What a node must run at one pods_version. */
export interface NodePods {
  version: number;
  /** by id */
  entries: PodEntry[];
}

export interface RoutineState {
  name: string;
  components: string;
  version: number;
}

/**
 * In-memory state of the heartbeat path: the recent beats of each node (for graphs,
 * so a beat costs no extra row) and the token hashes already read from the database.
 */
@Injectable()
export class HeartbeatLog {
  private readonly recent = new Map<number, Sample[]>();
  private readonly tokens = new Map<number, string>();
  /** node names already resolved, so a beat addressed by name costs what one by id does */
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();
  /** per node, per pod, the container statuses last written: a pod that moves starts afresh */
  private readonly lastReports = new Map<number, Map<number, string>>();
  /** each node's pods at the last version read; answers are built from it while it holds */
  private readonly answers = new Map<number, NodePods>();
  /** pods each node reported running, already recorded as running */
  private readonly running = new Map<number, Set<number>>();

  /**
   * With other replicas on the database: a token replaced or a node removed there is
   * forgotten here too (or this replica would still take the old token), and their nodes'
   * beats join the recent samples.
   */
  constructor(@Optional() private readonly channel?: ReplicaChannel) {
    channel?.on<number>('forget-token', (id) => this.tokens.delete(Number(id)));
    channel?.on<number>('forget-node', (id) => this.forgetHere(Number(id)));
    channel?.on<HeartbeatSample>('heartbeat', (s) =>
      this.add(s.node_id, { at: s.at, cpu_usage: s.cpu_usage, latency_ms: s.latency_ms }),
    );
    channel?.onResync(() => {
      this.tokens.clear();
      this.ids.clear();
      this.names.clear();
      this.answers.clear();
      this.routine.clear();
    });
  }

  add(nodeId: number, sample: Sample): void {
    let list = this.recent.get(nodeId);
    if (!list) this.recent.set(nodeId, (list = []));
    list.push(sample);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  samples(nodeId: number): Sample[] {
    return [...(this.recent.get(nodeId) ?? [])];
  }

  cachedToken(nodeId: number): string | undefined {
    return this.tokens.get(nodeId);
  }

  cacheToken(nodeId: number, hash: string): void {
    this.tokens.set(nodeId, hash);
  }

  forgetToken(nodeId: number): void {
    this.tokens.delete(nodeId);
    void this.channel?.send({ kind: 'forget-token', data: nodeId });
  }

  cachedNodeId(name: string): number | undefined {
    return this.ids.get(name);
  }

  cacheName(nodeId: number, name: string): void {
    const previous = this.names.get(nodeId);
    if (previous !== undefined && previous !== name) this.ids.delete(previous);
    this.names.set(nodeId, name);
    this.ids.set(name, nodeId);
  }

  /** Whether a pod's reported containers differ from its node's last report (to skip needless writes). */
  reportChanged(nodeId: number, podId: number, fingerprint: string): boolean {
    let reports = this.lastReports.get(nodeId);
    if (!reports) this.lastReports.set(nodeId, (reports = new Map()));
    if (reports.get(podId) === fingerprint) return false;
    reports.set(podId, fingerprint);
    return true;
  }

  cachedPods(nodeId: number, version: number): NodePods | undefined {
    const hit = this.answers.get(nodeId);
    return hit && hit.version === version ? hit : undefined;
  }

  /** The node's pods at whatever version was read last (their unchanged specs are reused). */
  lastPods(nodeId: number): NodePods | undefined {
    return this.answers.get(nodeId);
  }

  cachePods(nodeId: number, pods: NodePods): void {
    this.answers.set(nodeId, pods);
    this.running.delete(nodeId);
  }

  /** The reported-running pods not yet known to be recorded as running. */
  newlyRunning(nodeId: number, reported: number[]): number[] {
    const known = this.running.get(nodeId);
    return known ? reported.filter((id) => !known.has(id)) : reported;
  }

  markRunning(nodeId: number, ids: number[], failed: number[]): void {
    let known = this.running.get(nodeId);
    if (!known) this.running.set(nodeId, (known = new Set()));
    for (const id of ids) known.add(id);
    for (const id of failed) known.delete(id);
  }

  /** Nodes whose routine heartbeats may skip the database: healthy, with these components, at this pods_version. */
  private readonly routine = new Map<number, RoutineState>();

  routineState(nodeId: number): RoutineState | undefined {
    return this.routine.get(nodeId);
  }

  setRoutine(nodeId: number, state: RoutineState): void {
    this.routine.set(nodeId, state);
  }

  /** The next heartbeat of these nodes (or of all) goes to the database again. */
  endRoutine(nodeId?: number): void {
    if (nodeId === undefined) this.routine.clear();
    else this.routine.delete(nodeId);
  }

  /** Whether a report would change what was recorded last, without recording it. */
  reportWouldChange(nodeId: number, podId: number, fingerprint: string): boolean {
    return this.lastReports.get(nodeId)?.get(podId) !== fingerprint;
  }

  forget(nodeId: number): void {
    this.forgetHere(nodeId);
    void this.channel?.send({ kind: 'forget-node', data: nodeId });
  }

  private forgetHere(nodeId: number): void {
    this.recent.delete(nodeId);
    this.tokens.delete(nodeId);
    const name = this.names.get(nodeId);
    if (name !== undefined && this.ids.get(name) === nodeId) this.ids.delete(name);
    this.names.delete(nodeId);
    this.answers.delete(nodeId);
    this.running.delete(nodeId);
    this.routine.delete(nodeId);
    this.lastReports.delete(nodeId);
  }
}
