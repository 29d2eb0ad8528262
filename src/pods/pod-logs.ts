/**
 * A simulated container's output, read from what its agent delivered: the plain text
 * `kubectl logs` shows, and `--follow` as a stream that ends with the pod (or the client,
 * or the server's shutdown).
 */
import type { FastifyReply } from 'fastify';
import { ContainerLogsRepository } from '../database/container-logs.repository';
import { PodsRepository } from '../database/pods.repository';
import { PodRecord } from '../database/records';

export interface LogQuery {
  container?: string;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps: boolean;
  previous: boolean;
}

/** Why a log request cannot be answered (the caller's words for a 400). */
export class LogRequestError extends Error {}

/** Open follow streams, ended at shutdown so no connection hangs. */
const streams = new Set<() => void>();

export function endLogStreams(): void {
  for (const end of [...streams]) end();
}

const FOLLOW_POLL_MS = 500;

/** Reads a whole number query parameter; undefined when absent. */
export function logNumber(
  name: string,
  value: string | undefined,
  min: number,
): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new LogRequestError(`${name}: Invalid value: "${value}": must be an integer ≥ ${min}`);
  return n;
}

export const logFlag = (value: string | undefined): boolean => value === 'true' || value === '1';

/** The container the request names, or the pod's only one. */
export function logContainer(pod: PodRecord, name: string | undefined): string {
  const names = pod.containers.map((c) => c.name);
  if (name === undefined || name === '') {
    if (names.length === 1) return names[0];
    throw new LogRequestError(
      `a container name must be specified for pod ${pod.name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(name))
    throw new LogRequestError(`container ${name} is not valid for pod ${pod.name}`);
  return name;
}

const finished = (pod: PodRecord | null) => !pod || pod.finished_at !== null;

export async function sendLogs(
  logs: Pick<ContainerLogsRepository, 'readLogs'>,
  pods: Pick<PodsRepository, 'findPod'>,
  reply: FastifyReply,
  pod: PodRecord,
  q: LogQuery,
): Promise<void> {
  const container = logContainer(pod, q.container);
  const state = (pod.containers.find((c) => c.name === container)?.state ?? {}) as {
    started_at?: string;
    last_terminated?: { started_at: string; finished_at: string };
  };
  let since =
    q.sinceSeconds !== undefined ? new Date(Date.now() - q.sinceSeconds * 1000) : undefined;
  let until: Date | undefined;
  if (q.previous) {
    if (!state.last_terminated)
      throw new LogRequestError(
        `previous terminated container "${container}" in pod "${pod.name}" not found`,
      );
    const from = new Date(state.last_terminated.started_at);
    since = since && since > from ? since : from;
    until = state.started_at ? new Date(state.started_at) : undefined;
  }
  const format = (r: { at: Date; line: string }) =>
    q.timestamps ? `${new Date(r.at).toISOString()} ${r.line}\n` : `${r.line}\n`;
  let rows = await logs.readLogs(pod.id, container, { since, tail: q.tailLines });
  if (until) rows = rows.filter((r) => new Date(r.at) < until!);
  if (!q.follow || q.previous) {
    void reply.type('text/plain').send(rows.map(format).join(''));
    return;
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.write(rows.map(format).join(''));
  let lastId = rows.at(-1)?.id;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const end = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    streams.delete(end);
    res.end();
  };
  streams.add(end);
  res.on('close', end);
  const poll = async () => {
    if (closed) return;
    try {
      const fresh = await logs.readLogs(pod.id, container, { afterId: lastId });
      if (closed) return;
      if (fresh.length) {
        res.write(fresh.map(format).join(''));
        lastId = fresh.at(-1)!.id;
      }
      // the pod ended (or is gone): what it printed last is out, the stream ends
      if (finished(await pods.findPod(pod.id))) {
        const rest = await logs.readLogs(pod.id, container, { afterId: lastId });
        if (!closed && rest.length) res.write(rest.map(format).join(''));
        return end();
      }
    } catch {
      return end();
    }
    timer = setTimeout(() => void poll(), FOLLOW_POLL_MS);
  };
  timer = setTimeout(() => void poll(), finished(pod) ? 0 : FOLLOW_POLL_MS);
}
