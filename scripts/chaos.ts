/**
 * Chaos run: a real kubesim (child process, embedded PostgreSQL in a temporary folder,
 * agents as child processes, fast timings) under randomly injected faults, then a check
 * of the invariants the spec promises.
 *
 *   npm run chaos -- [--minutes N | --seconds N] [--seed S] [--nodes N] [--keep]
 *
 * Faults, seeded: pods created and deleted (alone and in bursts), simulate/failure
 * crash|hang|partition, agents killed with SIGKILL or frozen with SIGSTOP (SIGCONT later)
 * from outside, the API restarted (SIGTERM or SIGKILL, then started again on the same data
 * folder), nodes stopped, restarted, cordoned, deleted and replaced.
 * At the end: no acknowledged pod lost; no node overcommitted and each node's allocation the
 * sum of its bound pods; every node healthy, permanently_failed or stopped by the chaos; every
 * pod running or pending with a reason. Exits 0 only if every invariant held.
 * Everything it started is stopped on exit, Ctrl-C included (--keep keeps the data folder).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  closeSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const TIMINGS = {
  HEARTBEAT_INTERVAL_MS: '500',
  NODE_FAILURE_TIMEOUT_MS: '3000',
  MONITOR_INTERVAL_MS: '250',
  RECOVERY_BACKOFF_MS: '300',
};
const SETTLE_MS = 60_000;

// ---- options ------------------------------------------------------------------------------

interface Options {
  durationMs: number;
  seed: number;
  nodes: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    durationMs: 5 * 60_000,
    seed: Date.now() % 1_000_000,
    nodes: 5,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${arg} needs a number`);
      return v;
    };
    if (arg === '--minutes') options.durationMs = value() * 60_000;
    else if (arg === '--seconds') options.durationMs = value() * 1000;
    else if (arg === '--seed') options.seed = Math.floor(value());
    else if (arg === '--nodes') options.nodes = Math.max(2, Math.floor(value()));
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('npm run chaos -- [--minutes N | --seconds N] [--seed S] [--nodes N] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return options;
}

/** mulberry32: small, seedable, good enough to pick faults. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// ---- the server under test --------------------------------------------------------------

class Kubesim {
  child: ChildProcess | null = null;
  private exited: Promise<{ code: number | null; signal: string | null }> = Promise.resolve({
    code: null,
    signal: null,
  });
  starts = 0;

  constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly logFile: string,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    const logFrom = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        KUBESIM_API_URL: this.url,
        KUBESIM_DATA_DIR: this.dataDir,
        RUNTIME: 'process',
        LOG_LEVEL: 'warn',
        ...TIMINGS,
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        const tail = readFileSync(this.logFile)
          .subarray(logFrom)
          .toString('utf8')
          .split('\n')
          .slice(-6)
          .join('\n');
        throw new Error(
          `the server exited while starting (${JSON.stringify(await this.exited)}):\n${tail}`,
        );
      }
      const ok = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    throw new Error(`the server did not get ready within ${timeoutMs} ms`);
  }

  /** Sends `signal`; resolves with how it ended and how long it took (SIGKILL after `graceMs`). */
  async stop(signal: 'SIGTERM' | 'SIGKILL', graceMs = 20_000) {
    if (!this.running) return { code: null, signal: null, ms: 0, forced: false };
    const started = Date.now();
    this.child!.kill(signal);
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      this.child?.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, ms: Date.now() - started, forced };
  }

  /** Agents are the server's child processes running the node agent: name → pid. */
  agents(): Map<string, number> {
    const found = new Map<string, number>();
    if (!this.running) return found;
    let out = '';
    try {
      out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(this.child!.pid)], {
        encoding: 'utf8',
      });
    } catch {
      return found; // no children
    }
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (!m || !m[2].includes('node-simulator')) continue;
      const pid = Number(m[1]);
      try {
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        const name = env.find((e) => e.startsWith('NODE_NAME='))?.slice('NODE_NAME='.length);
        if (name) found.set(name, pid);
      } catch {
        /* gone meanwhile */
      }
    }
    return found;
  }

  /** The embedded PostgreSQL this data folder runs, if any. */
  postmasterPid(): number | null {
    const file = join(this.dataDir, 'pg', 'postmaster.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return pid > 0 && alive(pid) ? pid : null;
  }
}

/**
 * Signals a pid only if it still runs the program we expect (`pattern` in its command
 * line): pids are reused, and a stale one must never hit another process.
 */
function signal(pid: number, sig: NodeJS.Signals, pattern: RegExp): void {
  try {
    if (!pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return;
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

const AGENT = /node-simulator/;
const POSTGRES = /postgres/;

// ---- HTTP -------------------------------------------------------------------------------

interface Answer {
  status: number;
  body: any;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    // every write says JSON, body or not: the API refuses others (415)
    headers: method !== 'GET' ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

// ---- the run ----------------------------------------------------------------------------

interface Check {
  name: string;
  held: boolean;
  detail: string;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const random = prng(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-chaos-'));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const logFile = join(dataDir, 'server.log');
  const api = new Kubesim(await freePort(), dataDir, logFile);
  const began = Date.now();
  const stamp = () => `[${((Date.now() - began) / 1000).toFixed(1).padStart(6)}s]`;
  const say = (line: string) => console.log(`${stamp()} ${line}`);

  // every process we start or freeze, so that any exit path can clean up
  const frozen = new Map<number, string>();
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const pid of frozen.keys()) {
        try {
          signal(pid, 'SIGCONT', AGENT);
        } catch {
          /* gone */
        }
      }
      frozen.clear();
      const agentPids = [...api.agents().values()];
      await api.stop('SIGTERM', 15_000).catch(() => undefined);
      for (const pid of agentPids) signal(pid, 'SIGKILL', AGENT);
      const pg = api.postmasterPid();
      if (pg) {
        signal(pg, 'SIGINT', POSTGRES);
        for (let i = 0; i < 100 && alive(pg); i++) await sleep(100);
      }
      if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
      else console.log(`data folder kept: ${dataDir} (server log: ${logFile})`);
    })());

  console.log(
    `kubesim chaos: ${options.durationMs / 1000} s, seed ${options.seed}, ${options.nodes} nodes, data ${dataDir}, ` +
      `API ${api.url}, timings ${JSON.stringify(TIMINGS)}`,
  );

  /** pods answered 201 and not deleted since: name → id */
  const acknowledged = new Map<string, number>();
  /** requests whose outcome we could not see (the API died under them): settled at the end */
  const uncertainCreates = new Set<string>();
  const uncertainDeletes = new Set<string>();
  const stoppedByChaos = new Set<string>();
  const nodeNames = new Set<string>();
  const problems: string[] = [];
  /** restarts after SIGKILL that kubesim refused (its embedded PostgreSQL still running) */
  const refusedRestarts: string[] = [];
  /** SIGTERMs that did not end in exit 0 within 15 s */
  const uncleanStops: string[] = [];
  /** acknowledged pods the API answered 404 for */
  const vanished: string[] = [];
  const counts = new Map<string, { done: number; ok: number; failed: number }>();
  const serverErrors = new Map<string, number>();
  let podSeq = 0;
  let nodeSeq = 0;
  let apiDown = false;

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log(`\n${signal}: stopping the chaos and everything it started…`);
    printSummary(counts, [], options, Date.now() - began);
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const count = (action: string, ok: boolean) => {
    const c = counts.get(action) ?? { done: 0, ok: 0, failed: 0 };
    c.done++;
    if (ok) c.ok++;
    else c.failed++;
    counts.set(action, c);
  };
  /** A request to the API; 5xx other than 503 are noted as server errors. */
  const request = async (method: string, path: string, body?: unknown): Promise<Answer | Error> => {
    try {
      const answer = await call(api.url, method, path, body);
      if (answer.status >= 500 && answer.status !== 503) {
        const key = `${method} ${path.replace(/\/[^/]+/g, (seg, offset) => (offset === 0 ? seg : '/:x'))} ${answer.status}`;
        serverErrors.set(key, (serverErrors.get(key) ?? 0) + 1);
      }
      return answer;
    } catch (err) {
      return err as Error;
    }
  };
  const brief = (a: Answer | Error) =>
    a instanceof Error
      ? `error ${(a.cause as { code?: string })?.code ?? a.message}`
      : `${a.status}${a.status >= 400 ? ` ${String(a.body?.message ?? '').slice(0, 100)}` : ''}`;

  async function startApi(why: string): Promise<void> {
    try {
      await api.start();
    } catch (err) {
      const message = (err as Error).message;
      const orphan = /already running \(pid (\d+)\)/.exec(message);
      if (!orphan) throw err;
      // the embedded PostgreSQL of the killed server is still running: kubesim refuses to start
      refusedRestarts.push(`${why}: pid ${orphan[1]}`);
      say(
        `!! the API would not start: its embedded PostgreSQL (pid ${orphan[1]}) outlived the killed server; stopping it by hand`,
      );
      try {
        signal(Number(orphan[1]), 'SIGINT', POSTGRES);
      } catch {
        /* it went by itself meanwhile */
      }
      for (let i = 0; i < 150 && alive(Number(orphan[1])); i++) await sleep(100);
      await api.start();
    }
  }

  const newNode = async (): Promise<boolean> => {
    const name = `chaos-n${++nodeSeq}`;
    const res = await request('POST', '/nodes', { name, cpu_cores: 4, memory_mb: 8192 });
    const ok = !(res instanceof Error) && res.status === 201;
    if (ok) nodeNames.add(name);
    say(`add-node ${name} → ${brief(res)}`);
    return ok;
  };

  const createPod = async (label = 'create-pod'): Promise<void> => {
    const name = `chaos-p${++podSeq}`;
    const cpu = random.pick([0.1, 0.25, 0.25, 0.5, 0.5, 1]);
    const body = {
      name,
      scheduler_algorithm: random.pick(['first-fit', 'best-fit', 'worst-fit', 'round-robin']),
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          cpu_req: cpu,
          memory_req: 64,
          command: 'sleep 3600',
        },
      ],
      ...(random.next() < 0.3
        ? {
            volumes: [{ name: 'scratch', type: 'emptyDir', size: 1, path: '/scratch' }],
            config: [{ name: 'env', type: 'env', key: 'MODE', value: 'chaos' }],
          }
        : {}),
    };
    const res = await request('POST', '/pods', body);
    if (res instanceof Error || res.status >= 500) uncertainCreates.add(name);
    else if (res.status === 201) acknowledged.set(name, res.body.id);
    const ok = !(res instanceof Error) && res.status === 201;
    count(label, ok);
    say(
      `${label} ${name} (${cpu} cores) → ${brief(res)}` +
        (ok
          ? res.body.node_name
            ? ` on ${res.body.node_name}`
            : ` pending: ${res.body.reason}`
          : ''),
    );
  };

  const actions: Array<{ name: string; weight: () => number; run: () => Promise<void> }> = [
    {
      name: 'create-pod',
      weight: () => (acknowledged.size < 60 ? 30 : 10),
      run: () => createPod(),
    },
    {
      name: 'create-burst',
      weight: () => 3,
      run: async () => {
        const n = random.int(5, 15);
        say(`create-burst of ${n} concurrent pods`);
        await Promise.all(Array.from({ length: n }, () => createPod('create-burst')));
      },
    },
    {
      name: 'delete-pod',
      weight: () => (acknowledged.size > 40 ? 30 : 12),
      run: async () => {
        if (!acknowledged.size) return;
        const name = random.pick([...acknowledged.keys()]);
        const res = await request('DELETE', `/pods/${name}`);
        if (!(res instanceof Error) && res.status === 200) acknowledged.delete(name);
        else if (!(res instanceof Error) && res.status === 404) {
          vanished.push(name);
          acknowledged.delete(name);
        } else {
          uncertainDeletes.add(name);
          acknowledged.delete(name);
        }
        count('delete-pod', !(res instanceof Error) && res.status === 200);
        say(`delete-pod ${name} → ${brief(res)}`);
      },
    },
    {
      name: 'simulate-failure',
      weight: () => 8,
      run: async () => {
        const node = random.pick([...nodeNames]);
        const mode = random.pick(['crash', 'hang', 'partition']);
        const res = await request('POST', `/nodes/${node}/simulate/failure`, { mode });
        count(`simulate-${mode}`, !(res instanceof Error) && res.status === 200);
        say(`simulate-failure ${mode} ${node} → ${brief(res)}`);
      },
    },
    {
      name: 'kill-agent',
      weight: () => 6,
      run: async () => {
        const agents = [...api.agents()];
        if (!agents.length) return;
        const [node, pid] = random.pick(agents);
        try {
          signal(pid, 'SIGKILL', AGENT);
          frozen.delete(pid);
        } catch {
          /* already gone */
        }
        count('kill -9 agent', true);
        say(`kill -9 agent of ${node} (pid ${pid})`);
      },
    },
    {
      name: 'freeze-agent',
      weight: () => 5,
      run: async () => {
        const agents = [...api.agents()].filter(([, pid]) => !frozen.has(pid));
        if (!agents.length) return;
        const [node, pid] = random.pick(agents);
        const forMs = random.int(500, 6000);
        try {
          signal(pid, 'SIGSTOP', AGENT);
        } catch {
          return;
        }
        frozen.set(pid, node);
        setTimeout(() => {
          if (!frozen.delete(pid)) return;
          try {
            signal(pid, 'SIGCONT', AGENT);
            say(`SIGCONT agent of ${node} (pid ${pid}) after ${forMs} ms`);
          } catch {
            /* gone meanwhile */
          }
        }, forMs);
        count('SIGSTOP agent', true);
        say(`SIGSTOP agent of ${node} (pid ${pid}) for ${forMs} ms`);
      },
    },
    {
      name: 'restart-api',
      weight: () => 3,
      run: async () => {
        const signal = random.next() < 0.5 ? 'SIGTERM' : 'SIGKILL';
        say(`restart-api: ${signal} to the server (pid ${api.child?.pid})`);
        apiDown = true;
        const exit = await api.stop(signal);
        if (signal === 'SIGTERM' && (exit.forced || exit.code !== 0)) {
          uncleanStops.push(
            exit.forced
              ? `forced after ${exit.ms} ms`
              : `exit code ${exit.code} after ${exit.ms} ms`,
          );
        }
        say(`restart-api: server ended ${JSON.stringify(exit)}; starting it again`);
        await sleep(random.int(0, 2000));
        await startApi(`after ${signal}`);
        apiDown = false;
        count(`restart-api (${signal})`, true);
        say(`restart-api: up again (start #${api.starts})`);
      },
    },
    {
      name: 'stop-node',
      weight: () => (stoppedByChaos.size < 2 ? 3 : 0),
      run: async () => {
        const node = random.pick([...nodeNames].filter((n) => !stoppedByChaos.has(n)));
        if (!node) return;
        const res = await request('POST', `/nodes/${node}/stop`);
        const ok = !(res instanceof Error) && res.status === 200;
        if (ok) stoppedByChaos.add(node);
        count('stop-node', ok);
        say(`stop-node ${node} → ${brief(res)}`);
      },
    },
    {
      name: 'restart-node',
      weight: () => 4 + 4 * stoppedByChaos.size,
      run: async () => {
        const pool =
          stoppedByChaos.size && random.next() < 0.7 ? [...stoppedByChaos] : [...nodeNames];
        const node = random.pick(pool);
        const res = await request('POST', `/nodes/${node}/restart`);
        const ok = !(res instanceof Error) && res.status === 200;
        if (ok) stoppedByChaos.delete(node);
        count('restart-node', ok);
        say(`restart-node ${node} → ${brief(res)}`);
      },
    },
    {
      name: 'cordon',
      weight: () => 2,
      run: async () => {
        const node = random.pick([...nodeNames]);
        const verb = random.next() < 0.5 ? 'cordon' : 'uncordon';
        const res = await request('POST', `/nodes/${node}/${verb}`);
        count(verb, !(res instanceof Error) && res.status === 200);
        say(`${verb} ${node} → ${brief(res)}`);
      },
    },
    {
      name: 'replace-node',
      weight: () => 1,
      run: async () => {
        const node = random.pick([...nodeNames]);
        const res = await request('DELETE', `/nodes/${node}`);
        const ok = !(res instanceof Error) && res.status === 200;
        if (ok) {
          nodeNames.delete(node);
          stoppedByChaos.delete(node);
        }
        count('delete-node', ok);
        say(
          `delete-node ${node} → ${brief(res)}${ok ? ` (${res.body.rescheduled_pod_ids?.length ?? 0} pods moved)` : ''}`,
        );
        if (ok) count('add-node', await newNode());
      },
    },
  ];

  const checks: Check[] = [];
  try {
    say('starting the server (embedded PostgreSQL, process runtime)…');
    await startApi('first start');
    for (let i = 0; i < options.nodes; i++)
      if (!(await newNode())) throw new Error('could not register the nodes');
    for (let i = 0; i < 10; i++) await createPod();

    // ---- inject ----
    const injectUntil = Date.now() + options.durationMs;
    while (Date.now() < injectUntil && !interrupted) {
      const weights = actions.map((a) => Math.max(0, a.weight()));
      let roll = random.next() * weights.reduce((x, y) => x + y, 0);
      const action = actions[weights.findIndex((w) => (roll -= w) < 0)] ?? actions[0];
      try {
        await action.run();
      } catch (err) {
        problems.push(`${action.name} threw: ${(err as Error).message.split('\n')[0]}`);
        say(`!! ${action.name} threw: ${(err as Error).message}`);
        if (!api.running) await startApi('after a failed action');
      }
      await sleep(random.int(100, 700));
    }
    if (interrupted) return 130;

    // ---- settle ----
    say('injection over: thawing agents, waiting for the cluster to settle (≤ 60 s)…');
    for (const pid of frozen.keys()) {
      try {
        signal(pid, 'SIGCONT', AGENT);
      } catch {
        /* gone */
      }
    }
    frozen.clear();
    if (!api.running || apiDown) await startApi('settle');
    const settleStarted = Date.now();
    let stableFor = 0;
    let nodes: any[] = [];
    let pods: any[] = [];
    const settled = (n: any[], p: any[]) =>
      n.every(
        (x) =>
          x.health_status === 'healthy' ||
          x.health_status === 'permanently_failed' ||
          (x.health_status === 'stopped' && stoppedByChaos.has(x.name)),
      ) && p.every((x) => x.status === 'running' || (x.status === 'pending' && x.reason));
    while (Date.now() - settleStarted < SETTLE_MS) {
      const n = await request('GET', '/nodes?limit=1000');
      const p = await request('GET', '/pods?limit=5000');
      if (!(n instanceof Error) && !(p instanceof Error) && n.status === 200 && p.status === 200) {
        nodes = n.body;
        pods = p.body;
        stableFor = settled(nodes, pods) ? stableFor + 1 : 0;
        if (stableFor >= 3) break;
      }
      await sleep(1000);
    }
    const settleMs = Date.now() - settleStarted;
    say(`settled: ${stableFor >= 3 ? 'yes' : 'NO'} after ${(settleMs / 1000).toFixed(1)} s`);

    // ---- check ----
    const byName = new Map(pods.map((p) => [p.name, p]));
    for (const name of uncertainCreates)
      if (byName.has(name) && !uncertainDeletes.has(name))
        acknowledged.set(name, byName.get(name).id);
    const lost = [...acknowledged.keys()].filter((n) => !byName.has(n));
    const overcommitted = nodes.filter(
      (n) => Math.round(n.cpu_cores_allocated * 1000) > Math.round(n.cpu_cores_total * 1000),
    );
    const drifted = nodes.filter((n) => {
      const bound = pods
        .filter((p) => p.node_id === n.id)
        .reduce((s, p) => s + Math.round(p.cpu_cores_req * 1000), 0);
      return bound !== Math.round(n.cpu_cores_allocated * 1000);
    });
    const badNodes = nodes.filter(
      (n) =>
        !(
          n.health_status === 'healthy' ||
          n.health_status === 'permanently_failed' ||
          (n.health_status === 'stopped' && stoppedByChaos.has(n.name))
        ),
    );
    const badPods = pods.filter(
      (p) => !(p.status === 'running' || (p.status === 'pending' && p.reason)),
    );
    const onDeadNodes = pods.filter(
      (p) =>
        p.node_id !== null &&
        !nodes.some((n) => n.id === p.node_id && n.health_status === 'healthy'),
    );
    const repaired = await request('GET', '/events?reason=AllocationRepaired&limit=1000');
    const repairs =
      repaired instanceof Error || repaired.status !== 200 ? [] : (repaired.body as any[]);
    const ids = pods.map((p) => p.id);
    const list = (xs: string[], max = 8) =>
      xs.length
        ? `${xs.slice(0, max).join(', ')}${xs.length > max ? ` … (${xs.length})` : ''}`
        : '';

    checks.push(
      {
        name: 'the cluster settled within 60 s',
        held: stableFor >= 3,
        detail: `${(settleMs / 1000).toFixed(1)} s`,
      },
      {
        name: 'no acknowledged pod lost',
        held: lost.length === 0 && vanished.length === 0,
        detail:
          lost.length || vanished.length
            ? `lost: ${list([...lost, ...vanished.map((n) => `${n} (404 to DELETE)`)])}`
            : `${acknowledged.size} acknowledged pods all present`,
      },
      {
        name: 'no pod listed twice',
        held: new Set(ids).size === ids.length,
        detail: `${pods.length} pods`,
      },
      {
        name: 'no node overcommitted (allocated ≤ total)',
        held: overcommitted.length === 0,
        detail:
          list(
            overcommitted.map((n) => `${n.name} ${n.cpu_cores_allocated}/${n.cpu_cores_total}`),
          ) || `${nodes.length} nodes`,
      },
      {
        name: "allocated == sum of bound pods' requests",
        held: drifted.length === 0,
        detail:
          list(drifted.map((n) => `${n.name} allocated ${n.cpu_cores_allocated}`)) || 'every node',
      },
      {
        name: 'allocation never drifted (no AllocationRepaired event)',
        held: repairs.length === 0,
        detail: repairs.length ? list(repairs.map((e) => e.message)) : 'none',
      },
      {
        name: 'nodes healthy, permanently_failed or stopped by the chaos',
        held: badNodes.length === 0,
        detail:
          list(badNodes.map((n) => `${n.name}:${n.health_status}`)) ||
          summarize(nodes.map((n) => `${n.health_status}${n.cordoned ? ' (cordoned)' : ''}`)),
      },
      {
        name: 'pods running, or pending with a reason',
        held: badPods.length === 0,
        detail:
          list(badPods.map((p) => `${p.name}:${p.status}`)) ||
          `${summarize(pods.map((p) => p.status))}` +
            (pods.some((p) => p.status === 'pending')
              ? `; waiting because: ${summarize(pods.filter((p) => p.status === 'pending').map((p) => p.reason))}`
              : ''),
      },
      {
        name: 'no pod bound to a node that is not healthy',
        held: onDeadNodes.length === 0,
        detail: list(onDeadNodes.map((p) => `${p.name}@${p.node_name}`)) || 'none',
      },
      {
        name: 'no 5xx other than 503',
        held: serverErrors.size === 0,
        detail: list([...serverErrors].map(([k, v]) => `${k} ×${v}`)) || 'none',
      },
      {
        name: 'SIGTERM: the API exits 0 within 15 s',
        held: uncleanStops.length === 0,
        detail:
          list(uncleanStops) || `${counts.get('restart-api (SIGTERM)')?.done ?? 0} clean stops`,
      },
      {
        name: 'after kill -9 the API starts again by itself',
        held: refusedRestarts.length === 0,
        detail: refusedRestarts.length
          ? `refused ${refusedRestarts.length}×: its embedded PostgreSQL still ran (${list(refusedRestarts, 3)})`
          : `${counts.get('restart-api (SIGKILL)')?.done ?? 0} restarts`,
      },
      {
        name: 'no other problem seen during the run',
        held: problems.length === 0,
        detail: list(problems, 5) || 'none',
      },
    );
  } finally {
    // the summary first: cleanup can take a while (an interrupt printed its own)
    if (!interrupted) printSummary(counts, checks, options, Date.now() - began);
    await cleanup();
  }
  return checks.length && checks.every((c) => c.held) ? 0 : 1;
}

function summarize(xs: string[]): string {
  const tally = new Map<string, number>();
  for (const x of xs) tally.set(x, (tally.get(x) ?? 0) + 1);
  return [...tally].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
}

function printSummary(
  counts: Map<string, { done: number; ok: number; failed: number }>,
  checks: Check[],
  options: Options,
  tookMs: number,
) {
  const rows = [...counts].sort(([a], [b]) => a.localeCompare(b));
  const total = rows.reduce((s, [, c]) => s + c.done, 0);
  const line = '─'.repeat(100);
  console.log(
    `\n${line}\nkubesim chaos summary — seed ${options.seed}, ${(tookMs / 1000).toFixed(0)} s in all\n${line}`,
  );
  console.log(
    `${'fault / action'.padEnd(34)}${'done'.padStart(7)}${'ok'.padStart(7)}${'refused/failed'.padStart(16)}`,
  );
  for (const [name, c] of rows)
    console.log(
      `${name.padEnd(34)}${String(c.done).padStart(7)}${String(c.ok).padStart(7)}${String(c.failed).padStart(16)}`,
    );
  console.log(`${'total'.padEnd(34)}${String(total).padStart(7)}`);
  console.log(line);
  for (const c of checks)
    console.log(`${c.held ? 'HELD    ' : 'VIOLATED'}  ${c.name.padEnd(58)} ${c.detail}`);
  console.log(line);
  console.log(
    !checks.length
      ? 'interrupted: no invariant was checked'
      : checks.every((c) => c.held)
        ? 'every invariant held'
        : 'SOME INVARIANTS DID NOT HOLD',
  );
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: ${(err as Error).stack ?? err}`);
    process.exit(2);
  },
);
