import { freePort } from '../../src/database/embedded-postgres';
import { runCli } from '../../cli/testing/run-cli';
import { startTestApp, TestApp, waitFor } from './test-app';

/** Fast timings, so a failure story takes seconds: beat 300 ms, failed after 2 s of silence. */
export const FAST = {
  HEARTBEAT_INTERVAL_MS: '300',
  NODE_FAILURE_TIMEOUT_MS: '2000',
  // not ready after about three missed beats: a busy test machine can delay one
  NODE_NOT_READY_AFTER_MS: '1000',
  MONITOR_INTERVAL_MS: '200',
  RECOVERY_BACKOFF_MS: '200',
  KUBESIM_LOOPS: 'on',
};

/** The app with real agents as child processes, reachable by them on loopback. */
export async function startProcessCluster(
  env: Record<string, string> = {},
  databaseUrl?: string,
): Promise<TestApp> {
  const port = String(await freePort());
  return startTestApp(
    {
      RUNTIME: 'process',
      PORT: port,
      KUBESIM_API_URL: `http://127.0.0.1:${port}`,
      ...FAST,
      ...env,
    },
    { databaseUrl },
  );
}

export async function nodeStatus(t: TestApp, name: string): Promise<string> {
  return (await t.http.get(`/nodes/${name}`)).body.health_status;
}

export function waitForNode(t: TestApp, name: string, status: string, timeoutMs = 20000) {
  return waitFor(
    `node ${name} ${status}`,
    async () => (await nodeStatus(t, name)) === status,
    timeoutMs,
  );
}

export function waitForPod(
  t: TestApp,
  name: string,
  check: (pod: { status: string; node_name: string | null; [k: string]: unknown }) => boolean,
  what: string,
  timeoutMs = 20000,
) {
  return waitFor(
    `pod ${name} ${what}`,
    async () => {
      const { body, status } = await t.http.get(`/pods/${name}`);
      return status === 200 && check(body) ? body : null;
    },
    timeoutMs,
  );
}

export async function eventsOf(
  t: TestApp,
  object: string,
): Promise<Array<{ reason: string; message: string }>> {
  return (await t.http.get(`/events?object=${object}&limit=1000`)).body;
}

/** kubesim's own `rollout status TARGET` to its end: the last line it printed (it must exit 0). */
export async function cliRolloutStatus(t: TestApp, target: string): Promise<string> {
  const run = await runCli(t.baseUrl, ['rollout', 'status', target, '--timeout', '120s']);
  if (run.code !== 0)
    throw new Error(`kubesim rollout status ${target} ended ${run.code}: ${run.stderr}`);
  return run.stdout.trim().split('\n').pop() ?? '';
}

/** Registers the nodes (one `POST /nodes` body each), then waits until every one is healthy. */
export async function addHealthyNodes(
  t: TestApp,
  nodes: Array<{ name: string } & Record<string, unknown>>,
): Promise<void> {
  for (const node of nodes) await t.http.post('/nodes').send(node).expect(201);
  for (const node of nodes) await waitForNode(t, node.name, 'healthy');
}
