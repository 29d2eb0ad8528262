import { Logger } from '@nestjs/common';
import { DomainError, UnavailableError } from '../common/errors';
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

const isReply = (m: unknown): m is RuntimeReply =>
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
  private next = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    readonly kind: 'docker' | 'process' | 'external',
    private readonly timeoutMs: number,
    private readonly channel: WorkerChannel,
  ) {
    this.manages = kind !== 'external';
    channel.on('message', (m) => {
      if (!isReply(m)) return;
      const call = this.waiting.get(m.id);
      if (!call) return;
      this.waiting.delete(m.id);
      clearTimeout(call.timer);
      if (!m.error) call.resolve(m.result);
      else if (m.error.status)
        call.reject(
          new RemoteRuntimeError(m.error.status, m.error.message, m.error.details, m.error.name),
        );
      else call.reject(new Error(m.error.message));
    });
  }

  private call<T>(op: RemoteOp, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new UnavailableError(`the lead worker did not answer ${op} within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.channel.send({ kubesim: 'runtime-call', id, op, args } satisfies RuntimeCall);
      } catch (err) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(
          new UnavailableError(`the lead worker cannot be reached: ${(err as Error).message}`),
        );
      }
    });
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
    for (const [id, call] of this.waiting) {
      clearTimeout(call.timer);
      call.reject(new UnavailableError('the server is shutting down'));
      this.waiting.delete(id);
    }
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
