import type Docker from 'dockerode';
import { withDeadline } from './engine-deadline';

/** The few dockerode calls the runtime makes, narrowed so unit tests can hand in a fake engine. */
export interface EngineContainer {
  id: string;
  inspect(): Promise<{ Id: string; State: { Running: boolean; Paused: boolean; Status: string } }>;
  start(): Promise<unknown>;
  stop(options?: { t?: number }): Promise<unknown>;
  kill(options?: { signal?: string }): Promise<unknown>;
  pause(): Promise<unknown>;
  unpause(): Promise<unknown>;
  remove(options?: { force?: boolean; v?: boolean }): Promise<unknown>;
}

export interface DockerEngine {
  ping(): Promise<unknown>;
  info(): Promise<{ NCPU?: number; MemTotal?: number }>;
  listNetworks(options?: { filters?: Record<string, string[]> }): Promise<Array<{ Name: string }>>;
  createNetwork(options: Docker.NetworkCreateOptions): Promise<unknown>;
  listContainers(options?: {
    all?: boolean;
    filters?: Record<string, string[]>;
  }): Promise<
    Array<{ Id: string; Names: string[]; Labels: Record<string, string>; State: string }>
  >;
  getContainer(id: string): EngineContainer;
  createContainer(options: Docker.ContainerCreateOptions): Promise<EngineContainer>;
  getImage(name: string): { inspect(): Promise<unknown> };
  buildImage(
    context: Docker.ImageBuildContext,
    options: Docker.ImageBuildOptions,
  ): Promise<NodeJS.ReadableStream>;
  getEvents(options: Docker.GetEventsOptions): Promise<NodeJS.ReadableStream>;
  /** the client's reader of a build's progress stream */
  modem: Pick<Docker['modem'], 'followProgress'>;
}

/** The engine did not answer: the API turns this, like any runtime error, into a 503. */
export class DockerUnreachableError extends Error {}

/** A container's state as the runtime reads it. */
export interface ContainerState {
  id: string;
  running: boolean;
  paused: boolean;
}

/**
 * The Docker engine as the runtime talks to it: every call has a deadline, a silent or
 * absent engine becomes DockerUnreachableError and any other failure an Error in the
 * engine's words that keeps its HTTP status.
 */
export class DockerEngineAdapter {
  constructor(
    /** for ordinary calls: its socket timeout frees a jammed request */
    readonly api: DockerEngine,
    /** for long streams (events, builds), which must not time out while idle */
    readonly streams: DockerEngine,
    /** every engine call gets this long before it counts as unreachable */
    readonly timeoutMs: number,
  ) {}

  call<T>(what: string, op: () => Promise<T>, ms = this.timeoutMs): Promise<T> {
    return engineCall(what, op, ms);
  }

  /** The first call: whether the engine answers at all. */
  async ping(): Promise<void> {
    try {
      await withTimeout(this.api.ping(), Math.min(this.timeoutMs, 5000), 'ping');
    } catch (err) {
      throw new DockerUnreachableError(
        `the Docker engine is unreachable: ${describeEngineError(err)}`,
      );
    }
  }

  /** The container's state (by name or id), or null when there is none. */
  async containerState(ref: string): Promise<ContainerState | null> {
    try {
      const info = await this.call(`inspect ${ref}`, () => this.api.getContainer(ref).inspect());
      return {
        id: info.Id,
        running: info.State.Running && !info.State.Paused,
        paused: info.State.Paused,
      };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(
    promise,
    ms,
    () => new EngineTimeout(`${what} did not answer within ${ms} ms`),
  );
}

class EngineTimeout extends Error {}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** One engine call with a deadline; a silent or absent engine becomes DockerUnreachableError. */
async function engineCall<T>(what: string, op: () => Promise<T>, ms: number): Promise<T> {
  try {
    return await withTimeout(op(), ms, what);
  } catch (err) {
    if (isUnreachable(err))
      throw new DockerUnreachableError(
        `the Docker engine is unreachable: ${describeEngineError(err)} (${what})`,
      );
    const wrapped = new Error(`${what}: ${engineMessage(err)}`) as Error & { statusCode?: number };
    wrapped.statusCode = statusOf(err);
    throw wrapped;
  }
}

function isUnreachable(err: unknown): boolean {
  if (err instanceof EngineTimeout || err instanceof DockerUnreachableError) return true;
  const e = err as { code?: string; message?: string; statusCode?: number };
  if (e?.code && UNREACHABLE_CODES.has(e.code)) return true;
  return !e?.statusCode && /socket hang up|timeout/i.test(e?.message ?? '');
}

export function describeEngineError(err: unknown): string {
  if (err instanceof EngineTimeout) return `no answer (${err.message})`;
  const e = err as { code?: string; address?: string; message?: string };
  if (e?.code === 'ENOENT')
    return `no Docker engine socket at ${e.address ?? '/var/run/docker.sock'}`;
  if (e?.code === 'EACCES') return `no permission on the Docker socket ${e.address ?? ''}`.trim();
  if (e?.code === 'ECONNREFUSED')
    return `the Docker engine refused the connection${e.address ? ` at ${e.address}` : ''}`;
  return engineMessage(err);
}

function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** Swallows the engine's answers that mean "already done" (304 not modified, 404 gone, 409 not running). */
export function ignoreStatus(...codes: number[]): (err: unknown) => void {
  return (err) => {
    if (!codes.includes(statusOf(err) ?? 0)) throw err;
  };
}

export function destroyStream(stream: NodeJS.ReadableStream | null): void {
  const s = stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
  s?.destroy?.();
}
