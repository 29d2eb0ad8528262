import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { MetricsReply, MetricsRequest } from './metrics/metrics.service';
import { AppConfig } from './config/app-config';
import { bootLogger } from './bootstrap';
import {
  isRuntimeCall,
  isRuntimeReply,
  RuntimeCall,
  RuntimeReply,
} from './runtimes/remote.runtime';

/** A worker's word to the primary that its runtime is up: which one (RUNTIME=auto picks at boot). */
export interface LeadReady {
  kubesim: 'lead-runtime';
  kind: 'docker' | 'process' | 'external';
}

const isLeadReady = (m: unknown): m is LeadReady =>
  typeof m === 'object' && m !== null && (m as LeadReady).kubesim === 'lead-runtime';
/** How long the primary waits for its workers to stop before it ends them. */
const STOP_WAIT_MS = 20_000;

/**
 * `npm start` with KUBESIM_WORKERS above 1: this process (the primary) holds the database
 * (embedded or not) and forks the workers, which share its port through node:cluster. The
 * first is the lead: it runs the control loops and the node runtime (the agents are its
 * children or its containers). The others serve the API with the loops off and ask the lead,
 * through the primary, to start and stop agents. What each worker keeps in memory follows the
 * others through PostgreSQL (`ReplicaChannel`). A worker that dies is forked again.
 */
export async function runWorkers(
  config: AppConfig,
  databaseUrl: string,
  stopDatabase: () => Promise<void>,
): Promise<void> {
  let lead: Worker | null = null;
  let leadRuntime: LeadReady['kind'] | null = null;
  let stopping = false;
  const apiEnv = () => ({
    DATABASE_URL: databaseUrl,
    KUBESIM_WORKER_ROLE: 'api',
    KUBESIM_LOOPS: 'off',
    KUBESIM_LEAD_RUNTIME: leadRuntime ?? 'process',
  });

  const metrics = new AggregatorRegistry();
  const relay = (from: Worker) => (message: unknown) => {
    if ((message as MetricsRequest)?.kubesim === 'metrics-request') {
      const { id } = message as MetricsRequest;
      metrics.clusterMetrics().then(
        (text) => from.send({ kubesim: 'metrics-reply', id, text } satisfies MetricsReply),
        (err: Error) =>
          from.send({ kubesim: 'metrics-reply', id, error: err.message } satisfies MetricsReply),
      );
    } else if (isRuntimeCall(message)) {
      if (!lead?.isConnected()) {
        from.send({
          kubesim: 'runtime-reply',
          id: message.id,
          error: {
            name: 'UnavailableError',
            message: 'the lead worker is restarting',
            status: 503,
          },
        } satisfies RuntimeReply);
        return;
      }
      lead.send({ ...message, from: from.id } satisfies RuntimeCall);
    } else if (isRuntimeReply(message) && message.to !== undefined) {
      cluster.workers?.[message.to]?.send(message);
    }
  };

  const fork = (role: 'lead' | 'api'): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(
        role === 'lead' ? { DATABASE_URL: databaseUrl, KUBESIM_WORKER_ROLE: 'lead' } : apiEnv(),
      );
      let listening = false;
      worker.on('message', relay(worker));
      if (role === 'lead') {
        lead = worker;
        worker.on('message', (m) => {
          if (isLeadReady(m)) leadRuntime = m.kind;
        });
      }
      worker.once('listening', () => {
        listening = true;
        resolve(worker);
      });
      worker.once('exit', (code, signal) => {
        if (stopping) return;
        if (!listening) {
          reject(new Error(`a ${role} worker ended while starting (${signal ?? `exit ${code}`})`));
          return;
        }
        bootLogger.warn(
          `the ${role} worker (pid ${worker.process.pid}) ended (${signal ?? `exit ${code}`}): starting another`,
        );
        fork(role).catch((err: Error) => {
          bootLogger.error(err.message);
          void stop(1);
        });
      });
    });

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    const exited = workers.map(
      (w) =>
        new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    // the API workers first, so the agents' last beats are answered; the lead stops its agents
    for (const w of workers) if (w !== lead) w.process.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    }, STOP_WAIT_MS);
    force.unref();
    await Promise.all(exited.filter((_, i) => workers[i] !== lead));
    if (lead && !lead.isDead()) lead.process.kill('SIGTERM');
    await Promise.all(exited);
    clearTimeout(force);
    await stopDatabase().catch(() => undefined);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      bootLogger.log(`${signal}: stopping ${config.workers} workers`);
      void stop(0);
    });

  try {
    await fork('lead');
    await Promise.all(Array.from({ length: config.workers - 1 }, () => fork('api')));
  } catch (err) {
    bootLogger.error((err as Error).message);
    await stop(1);
    return;
  }
  bootLogger.log(
    `${config.workers} API workers on the port (KUBESIM_WORKERS): the lead, pid ${lead!.process.pid}, runs the loops and the ${leadRuntime ?? 'node'} runtime`,
  );
}
