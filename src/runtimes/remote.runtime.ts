import { Logger } from '@nestjs/common';
import { DomainError, UnavailableError } from '../common/errors';
import { IpcRequests } from '../common/ipc-requests';
import { FailureMode } from '../domain/failure-mode';
import { AgentSpec, AgentState, NodeRuntime } from './node-runtime';

/** The operations an `api` worker asks the lead to run on its runtime. */
export const REMOTE_OPS = ['launch', 'stop', 'restart', 'remove', 'inspect', 'fail'] as const;
export type RemoteOp = (typeof REMOTE_OPS)[number];

export interface RuntimeCall {
  kubesim: 'runtime-call';
  id: number;
  /** the asking worker, filled in by the primary on its way to the lead */
  from?: number;
  op: RemoteOp;
  args: unknown[];
}

export interface RuntimeReply {
  kubesim: 'runtime-reply';
  id: number;
  to?: number;
  result?: unknown;
  error?: { name: string; message: string; status?: number; details?: Record<string, unknown> };
}

/** What a worker process has of node:cluster's IPC channel to its primary. */
export interface WorkerChannel {
  send(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/** A refusal the lead's runtime gave (409, 503…), with its status and words. */
class RemoteRuntimeError extends DomainError {
  constructor(
    readonly status: number,
    message: string,
    details: Record<string, unknown> | undefined,
    name: string,
  ) {
    super(message, details);
    this.name = name;
  }
}

export const isRuntimeReply = (m: unknown): m is RuntimeReply =>
  typeof m === 'object' && m !== null && (m as RuntimeReply).kubesim === 'runtime-reply';
export const isRuntimeCall = (m: unknown): m is RuntimeCall =>
  typeof m === 'object' && m !== null && (m as RuntimeCall).kubesim === 'runtime-call';

/**
 * The node runtime of an `api` worker (KUBESIM_WORKERS above 1): agents are the lead
 * worker's, one owner for every node, so launching, stopping, failing and removing an agent
 * is asked of the lead over node:cluster's IPC (the primary passes it on). Unexpected exits
 * are the lead's to see: its monitor acts on them.
 */
export class RemoteRuntime implements NodeRuntime {
  private readonly logger = new Logger(RemoteRuntime.name);
  readonly manages: boolean;
  private readonly requests: IpcRequests<RuntimeReply>;

  constructor(
    readonly kind: 'docker' | 'process' | 'external',
    private readonly timeoutMs: number,
    channel: WorkerChannel,
  ) {
    this.manages = kind !== 'external';
    this.requests = new IpcRequests((m) => channel.send(m), timeoutMs);
    channel.on('message', (m) => {
      if (isRuntimeReply(m)) this.requests.receive(m);
    });
  }

  private async call<T>(op: RemoteOp, ...args: unknown[]): Promise<T> {
    const reply = await this.requests
      .ask(
        (id) => ({ kubesim: 'runtime-call', id, op, args }) satisfies RuntimeCall,
        () =>
          new UnavailableError(`the lead worker did not answer ${op} within ${this.timeoutMs} ms`),
      )
      .catch((err: Error) => {
        if (err instanceof UnavailableError) throw err;
        throw new UnavailableError(`the lead worker cannot be reached: ${err.message}`);
      });
    if (!reply.error) return reply.result as T;
    const { status, message, details, name } = reply.error;
    if (status) throw new RemoteRuntimeError(status, message, details, name);
    throw new Error(message);
  }

  launch(agent: AgentSpec): Promise<string | null> {
    return this.call('launch', agent);
  }
  stop(node: { id: number; name: string }): Promise<void> {
    return this.call('stop', node);
  }
  restart(agent: AgentSpec): Promise<string | null> {
    return this.call('restart', agent);
  }
  remove(node: { id: number; name: string }): Promise<void> {
    return this.call('remove', node);
  }
  inspect(node: { id: number; name: string }): Promise<AgentState> {
    return this.call('inspect', node);
  }
  fail(node: { id: number; name: string }, mode: FailureMode): Promise<void> {
    return this.call('fail', node, mode);
  }
  onUnexpectedExit(): void {
    // the lead's runtime sees its agents end, and its monitor acts
  }
  async shutdown(): Promise<void> {
    this.requests.failAll(new UnavailableError('the server is shutting down'));
    this.logger.debug('no agents of its own to stop');
  }
}

/** On the lead worker: runs the other workers' runtime calls on the real runtime. */
export function serveRuntimeCalls(runtime: NodeRuntime, channel: WorkerChannel): void {
  channel.on('message', (m) => {
    if (!isRuntimeCall(m) || !REMOTE_OPS.includes(m.op)) return;
    const reply = (r: Omit<RuntimeReply, 'kubesim' | 'id' | 'to'>) =>
      channel.send({ kubesim: 'runtime-reply', id: m.id, to: m.from, ...r } satisfies RuntimeReply);
    const op = runtime[m.op] as (...args: unknown[]) => Promise<unknown>;
    op.apply(runtime, m.args).then(
      (result) => reply({ result: result ?? null }),
      (err: Error) =>
        reply({
          error: {
            name: err.name,
            message: err.message,
            ...(err instanceof DomainError ? { status: err.status, details: err.details } : {}),
          },
        }),
    );
  });
}
