import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import Docker from 'dockerode';
import { AppConfig } from '../config/app-config';
import { withDeadline } from './engine-deadline';

/** How long the probe container's own request may take. */
const FETCH_TIMEOUT_MS = 3000;
/** A probe container that has not finished by then counts as unable to reach the API. */
const PROBE_TIMEOUT_MS = 20_000;
const PROBE_LABEL = 'kubesim.probe';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The dockerode calls a probe makes, narrowed so unit tests can hand in a fake engine. */
export interface ProbeContainer {
  start(): Promise<unknown>;
  wait(): Promise<{ StatusCode: number }>;
  logs(options: { stdout: boolean; stderr: boolean; follow: false }): Promise<Buffer>;
  remove(options: { force: boolean }): Promise<unknown>;
}

export interface ProbeEngine {
  listNetworks(options?: { filters?: Record<string, string[]> }): Promise<Array<{ Name: string }>>;
  createNetwork(options: Docker.NetworkCreateOptions): Promise<unknown>;
  createContainer(options: Docker.ContainerCreateOptions): Promise<ProbeContainer>;
}

export type AutoChoice =
  { kind: 'docker'; network: string; detail: string } | { kind: 'process'; why: string };

export function isLoopbackUrl(url: string): boolean {
  return LOOPBACK_HOSTS.has(new URL(url).hostname);
}

/**
 * The networks RUNTIME=auto tries for node containers, in order. A network the user named
 * (KUBESIM_DOCKER_NETWORK) is the only one. Otherwise the host network, which alone shares the
 * host's loopback; for any other API URL the kubesim network first.
 */
export function candidateNetworks(
  config: Pick<AppConfig, 'apiUrl' | 'dockerNetwork' | 'dockerNetworkSet'>,
): string[] {
  if (config.dockerNetworkSet) return [config.dockerNetwork];
  return isLoopbackUrl(config.apiUrl) ? ['host'] : [config.dockerNetwork, 'host'];
}

/**
 * Whether node containers can reach the API: for each candidate network a short-lived
 * container (from `image`, which holds node) fetches `<apiUrl>/healthz`. The API does not
 * listen yet at this point of start-up, so a stand-in answers there with a nonce, which
 * tells this server's answer from anything else listening at that URL.
 */
export async function chooseDockerNetwork(
  config: Pick<
    AppConfig,
    'apiUrl' | 'dockerNetwork' | 'dockerNetworkSet' | 'host' | 'port' | 'dockerTimeoutMs'
  >,
  image: string,
  engine: ProbeEngine = new Docker({ timeout: Math.min(config.dockerTimeoutMs, 10_000) }),
): Promise<AutoChoice> {
  const nonce = randomBytes(12).toString('hex');
  let standIn: Server;
  try {
    standIn = await listenStandIn(config.host, config.port, nonce);
  } catch (err) {
    return {
      kind: 'process',
      why: `could not check whether node containers reach ${config.apiUrl}: port ${config.port} is not free (${(err as Error).message})`,
    };
  }
  const failures: string[] = [];
  try {
    for (const network of candidateNetworks(config)) {
      const problem = await probeNetwork(engine, image, network, config, nonce);
      if (problem === null) {
        return {
          kind: 'docker',
          network,
          detail: `a probe container on network ${network} reached ${config.apiUrl}/healthz`,
        };
      }
      failures.push(`network ${network}: ${problem}`);
    }
  } finally {
    await closeStandIn(standIn);
  }
  const hint = isLoopbackUrl(config.apiUrl)
    ? '; set KUBESIM_API_URL to an address containers reach, or RUNTIME=docker to use Docker anyway'
    : '; RUNTIME=docker uses Docker anyway';
  return {
    kind: 'process',
    why: `node containers cannot reach the API at ${config.apiUrl} (${failures.join('; ')})${hint}`,
  };
}

/** null when a container on `network` got the stand-in's answer, else what went wrong. */
async function probeNetwork(
  engine: ProbeEngine,
  image: string,
  network: string,
  config: Pick<AppConfig, 'apiUrl' | 'dockerTimeoutMs'>,
  nonce: string,
): Promise<string | null> {
  const callMs = Math.min(config.dockerTimeoutMs, 10_000);
  let container: ProbeContainer;
  try {
    await ensureProbeNetwork(engine, network, callMs);
    container = await deadline(
      engine.createContainer({
        name: `kubesim-probe-${nonce.slice(0, 12)}-${network.replace(/[^a-zA-Z0-9_.-]/g, '')}`,
        Image: image,
        Entrypoint: ['node'],
        Cmd: ['-e', PROBE_SCRIPT, `${config.apiUrl.replace(/\/+$/, '')}/healthz`, nonce],
        Labels: { [PROBE_LABEL]: 'true' },
        HostConfig: {
          NetworkMode: network,
          Memory: 128 * 1024 * 1024,
          RestartPolicy: { Name: 'no' },
        },
      }),
      callMs,
      'create the probe container',
    );
  } catch (err) {
    return (err as Error).message;
  }
  try {
    await deadline(container.start(), callMs, 'start the probe container');
    const { StatusCode } = await deadline(container.wait(), PROBE_TIMEOUT_MS, 'the probe');
    if (StatusCode === 0) return null;
    const output = demux(
      await deadline(
        container.logs({ stdout: true, stderr: true, follow: false }),
        callMs,
        'read the probe output',
      ),
    ).trim();
    return output || `the probe exited with code ${StatusCode}`;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await deadline(container.remove({ force: true }), callMs, 'remove the probe').catch(
      () => undefined,
    );
  }
}

/** Runs in the probe container: exit 0 only when this server's stand-in answered. */
const PROBE_SCRIPT = `
const [url, nonce] = process.argv.slice(1);
fetch(url, { signal: AbortSignal.timeout(${FETCH_TIMEOUT_MS}) }).then(
  async (res) => {
    const text = await res.text();
    if (text.includes(nonce)) process.exit(0);
    console.error(url + ' answered HTTP ' + res.status + ', but it was not this kubesim server');
    process.exit(3);
  },
  (err) => {
    const cause = err && err.cause ? err.cause.code || err.cause.message : '';
    console.error(url + ': ' + (cause || (err && err.message) || String(err)));
    process.exit(2);
  },
);
`;

/** A bridge network is made as the Docker runtime would make it; the engine's own ones exist. */
async function ensureProbeNetwork(engine: ProbeEngine, network: string, ms: number): Promise<void> {
  if (['host', 'none', 'bridge'].includes(network)) return;
  const found = await deadline(
    engine.listNetworks({ filters: { name: [network] } }),
    ms,
    'list networks',
  );
  if (found.some((n) => n.Name === network)) return;
  await deadline(
    engine.createNetwork({
      Name: network,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { 'kubesim.managed': 'true' },
    }),
    ms,
    `create network ${network}`,
  );
}

function listenStandIn(host: string, port: number, nonce: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const found = req.url === '/healthz';
      res.writeHead(found ? 200 : 404, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify(found ? { status: 'ok', probe: nonce } : { status: 'not found' }));
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeStandIn(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Container output as text: without a TTY the engine frames it (8-byte headers). */
export function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (
    offset + 8 <= buffer.length &&
    buffer[offset] <= 2 &&
    buffer.readUInt16BE(offset + 1) === 0
  ) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString('utf8') : Buffer.concat(parts).toString('utf8');
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(promise, ms, () => new Error(`${what}: no answer within ${ms} ms`));
}
