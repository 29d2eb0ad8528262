import { FailureMode } from '../domain/failure-mode';

/** What a runtime needs to run a node's agent. */
export interface AgentSpec {
  id: number;
  name: string;
  nodeType: 'worker' | 'master';
  cpuCores: number;
  memoryMb: number | null;
  /** the heartbeat token, known only at launch: the database keeps its hash */
  token: string;
}

export type AgentState = 'running' | 'paused' | 'exited' | 'missing' | 'unknown';

/** Why an agent ended, as the runtime saw it. */
export interface AgentExit {
  nodeId: number;
  nodeName: string;
  detail: string;
  /** ended from outside (a signal someone sent, the container removed), not by itself */
  fromOutside?: boolean;
}

/**
 * Runs node agents somewhere: Docker containers, child processes, or nowhere the
 * server controls (external agents). Every operation is idempotent.
 */
export interface NodeRuntime {
  readonly kind: 'docker' | 'process' | 'external';
  /** whether the server can start, stop and restart agents */
  readonly manages: boolean;
  /** starts the agent; returns a reference (container id, pid) to store */
  launch(agent: AgentSpec): Promise<string | null>;
  /** stops the agent; it may come back with restart() */
  stop(node: { id: number; name: string }): Promise<void>;
  /** stops any running agent and starts a new one (with a new token) */
  restart(agent: AgentSpec): Promise<string | null>;
  /** stops the agent and removes what the runtime made for it */
  remove(node: { id: number; name: string }): Promise<void>;
  inspect(node: { id: number; name: string }): Promise<AgentState>;
  /** makes the agent really fail, the way its mode says */
  fail(node: { id: number; name: string }, mode: FailureMode): Promise<void>;
  /** called when an agent goes away without the server having asked */
  onUnexpectedExit(listener: (exit: AgentExit) => void): void;
  /** brings the runtime in line with the nodes the database holds (on boot) */
  reconcile?(
    nodes: Array<{ id: number; name: string; status: string }>,
    relaunch: (id: number) => Promise<void>,
  ): Promise<void>;
  shutdown(): Promise<void>;
}

export const NODE_RUNTIME = Symbol('NODE_RUNTIME');
