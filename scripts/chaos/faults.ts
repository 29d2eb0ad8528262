/**
 * The faults and actions a chaos run injects, picked by weight with the run's seeded random:
 * pods created and deleted (alone and in bursts), simulate/failure crash|hang|partition,
 * agents killed with SIGKILL or frozen with SIGSTOP (SIGCONT later) from outside, the API
 * restarted (SIGTERM or SIGKILL, then started again on the same data folder), nodes stopped,
 * restarted, cordoned, deleted and replaced. Everything seen goes into the run's record.
 */
import { callJson } from '../lib/http';
import type { Random } from '../../cli/random';
import { signalIfStill, sleep } from '../lib/server-process';
import type { RunRecord } from './record';
import { AGENT, ChaosServer } from './server';

interface Answer {
  status: number;
  body: any;
}

interface Action {
  name: string;
  weight: () => number;
  run: () => Promise<void>;
}

/** A short account of an answer for the log: its status and message, or the network error. */
export const brief = (a: Answer | Error) =>
  a instanceof Error
    ? `error ${(a.cause as { code?: string })?.code ?? a.message}`
    : `${a.status}${a.status >= 400 ? ` ${String(a.body?.message ?? '').slice(0, 100)}` : ''}`;

/** "GET /nodes/:x 500": the path's first segment, the others as :x. */
export const routeKey = (method: string, path: string, status: number) =>
  `${method} ${path.replace(/\/[^/]+/g, (seg, offset) => (offset === 0 ? seg : '/:x'))} ${status}`;

const ok = (a: Answer | Error, status = 200): a is Answer =>
  !(a instanceof Error) && a.status === status;

export class Faults {
  /** agents stopped with SIGSTOP and not yet thawed: pid → node name */
  readonly frozen = new Map<number, string>();
  /** the API is being restarted on purpose */
  apiDown = false;
  private podSeq = 0;
  private nodeSeq = 0;

  constructor(
    private readonly api: ChaosServer,
    private readonly random: Random,
    private readonly record: RunRecord,
    private readonly say: (line: string) => void,
  ) {}

  /** A request to the API; 5xx other than 503 are noted as server errors. */
  async request(method: string, path: string, body?: unknown): Promise<Answer | Error> {
    try {
      const answer = await callJson(this.api.url, method, path, body, {}, 15_000);
      if (answer.status >= 500 && answer.status !== 503) {
        const key = routeKey(method, path, answer.status);
        this.record.serverErrors.set(key, (this.record.serverErrors.get(key) ?? 0) + 1);
      }
      return answer;
    } catch (err) {
      return err as Error;
    }
  }

  async startApi(why: string): Promise<void> {
    await this.api.startOrRecover(why, this.record.refusedRestarts, this.say);
  }

  async newNode(): Promise<boolean> {
    const name = `chaos-n${++this.nodeSeq}`;
    const res = await this.request('POST', '/nodes', { name, cpu_cores: 4, memory_mb: 8192 });
    const created = ok(res, 201);
    if (created) this.record.nodeNames.add(name);
    this.say(`add-node ${name} → ${brief(res)}`);
    return created;
  }

  async createPod(label = 'create-pod'): Promise<void> {
    const { random, record } = this;
    const name = `chaos-p${++this.podSeq}`;
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
    const res = await this.request('POST', '/pods', body);
    if (res instanceof Error || res.status >= 500) record.uncertainCreates.add(name);
    else if (res.status === 201) record.acknowledged.set(name, res.body.id);
    const created = ok(res, 201);
    record.count(label, created);
    this.say(
      `${label} ${name} (${cpu} cores) → ${brief(res)}` +
        (created
          ? res.body.node_name
            ? ` on ${res.body.node_name}`
            : ` pending: ${res.body.reason}`
          : ''),
    );
  }

  /** Picks one action by weight and runs it; a throw is a problem, and the API is brought back. */
  async injectOne(): Promise<void> {
    const weights = this.actions.map((a) => Math.max(0, a.weight()));
    let roll = this.random.next() * weights.reduce((x, y) => x + y, 0);
    const action = this.actions[weights.findIndex((w) => (roll -= w) < 0)] ?? this.actions[0];
    try {
      await action.run();
    } catch (err) {
      this.record.problems.push(`${action.name} threw: ${(err as Error).message.split('\n')[0]}`);
      this.say(`!! ${action.name} threw: ${(err as Error).message}`);
      if (!this.api.running) await this.startApi('after a failed action');
    }
  }

  /** SIGCONT to every agent still frozen. */
  thaw(): void {
    for (const pid of this.frozen.keys()) signalIfStill(pid, 'SIGCONT', AGENT);
    this.frozen.clear();
  }

  private readonly actions: Action[] = [
    {
      name: 'create-pod',
      weight: () => (this.record.acknowledged.size < 60 ? 30 : 10),
      run: () => this.createPod(),
    },
    {
      name: 'create-burst',
      weight: () => 3,
      run: async () => {
        const n = this.random.int(5, 15);
        this.say(`create-burst of ${n} concurrent pods`);
        await Promise.all(Array.from({ length: n }, () => this.createPod('create-burst')));
      },
    },
    {
      name: 'delete-pod',
      weight: () => (this.record.acknowledged.size > 40 ? 30 : 12),
      run: () => this.deletePod(),
    },
    {
      name: 'simulate-failure',
      weight: () => 8,
      run: async () => {
        const node = this.random.pick([...this.record.nodeNames]);
        const mode = this.random.pick(['crash', 'hang', 'partition']);
        const res = await this.request('POST', `/nodes/${node}/simulate/failure`, { mode });
        this.record.count(`simulate-${mode}`, ok(res));
        this.say(`simulate-failure ${mode} ${node} → ${brief(res)}`);
      },
    },
    { name: 'kill-agent', weight: () => 6, run: async () => this.killAgent() },
    { name: 'freeze-agent', weight: () => 5, run: async () => this.freezeAgent() },
    { name: 'restart-api', weight: () => 3, run: () => this.restartApi() },
    {
      name: 'stop-node',
      weight: () => (this.record.stoppedByChaos.size < 2 ? 3 : 0),
      run: () =>
        this.nodeVerb(
          'stop',
          this.random.pick([...this.record.nodeNames].filter((n) => !this.stopped(n))),
        ),
    },
    {
      name: 'restart-node',
      weight: () => 4 + 4 * this.record.stoppedByChaos.size,
      run: () => {
        const { stoppedByChaos, nodeNames } = this.record;
        const useStopped = stoppedByChaos.size && this.random.next() < 0.7;
        return this.nodeVerb(
          'restart',
          this.random.pick([...(useStopped ? stoppedByChaos : nodeNames)]),
        );
      },
    },
    {
      name: 'cordon',
      weight: () => 2,
      run: () => {
        const node = this.random.pick([...this.record.nodeNames]);
        return this.nodeVerb(this.random.next() < 0.5 ? 'cordon' : 'uncordon', node);
      },
    },
    { name: 'replace-node', weight: () => 1, run: () => this.replaceNode() },
  ];

  private stopped(node: string): boolean {
    return this.record.stoppedByChaos.has(node);
  }

  private async deletePod(): Promise<void> {
    const { acknowledged, vanished, uncertainDeletes } = this.record;
    if (!acknowledged.size) return;
    const name = this.random.pick([...acknowledged.keys()]);
    const res = await this.request('DELETE', `/pods/${name}`);
    if (ok(res, 404)) vanished.push(name);
    else if (!ok(res)) uncertainDeletes.add(name);
    acknowledged.delete(name);
    this.record.count('delete-pod', ok(res));
    this.say(`delete-pod ${name} → ${brief(res)}`);
  }

  private killAgent(): void {
    const agents = [...this.api.agents()];
    if (!agents.length) return;
    const [node, pid] = this.random.pick(agents);
    signalIfStill(pid, 'SIGKILL', AGENT);
    this.frozen.delete(pid);
    this.record.count('kill -9 agent', true);
    this.say(`kill -9 agent of ${node} (pid ${pid})`);
  }

  private freezeAgent(): void {
    const agents = [...this.api.agents()].filter(([, pid]) => !this.frozen.has(pid));
    if (!agents.length) return;
    const [node, pid] = this.random.pick(agents);
    const forMs = this.random.int(500, 6000);
    signalIfStill(pid, 'SIGSTOP', AGENT);
    this.frozen.set(pid, node);
    setTimeout(() => {
      if (!this.frozen.delete(pid)) return;
      signalIfStill(pid, 'SIGCONT', AGENT);
      this.say(`SIGCONT agent of ${node} (pid ${pid}) after ${forMs} ms`);
    }, forMs);
    this.record.count('SIGSTOP agent', true);
    this.say(`SIGSTOP agent of ${node} (pid ${pid}) for ${forMs} ms`);
  }

  private async restartApi(): Promise<void> {
    const signal = this.random.next() < 0.5 ? 'SIGTERM' : 'SIGKILL';
    this.say(`restart-api: ${signal} to the server (pid ${this.api.child?.pid})`);
    this.apiDown = true;
    const exit = await this.api.stop(signal);
    if (signal === 'SIGTERM' && (exit.forced || exit.code !== 0)) {
      this.record.uncleanStops.push(
        exit.forced ? `forced after ${exit.ms} ms` : `exit code ${exit.code} after ${exit.ms} ms`,
      );
    }
    this.say(`restart-api: server ended ${JSON.stringify(exit)}; starting it again`);
    await sleep(this.random.int(0, 2000));
    await this.startApi(`after ${signal}`);
    this.apiDown = false;
    this.record.count(`restart-api (${signal})`, true);
    this.say(`restart-api: up again (start #${this.api.starts})`);
  }

  /** POST /nodes/<node>/<verb>; `stop-node`, `restart-node`, `cordon` or `uncordon` in the tally. */
  private async nodeVerb(verb: 'stop' | 'restart' | 'cordon' | 'uncordon', node?: string) {
    if (!node) return;
    const res = await this.request('POST', `/nodes/${node}/${verb}`);
    if (ok(res) && verb === 'stop') this.record.stoppedByChaos.add(node);
    if (ok(res) && verb === 'restart') this.record.stoppedByChaos.delete(node);
    const action = verb === 'stop' || verb === 'restart' ? `${verb}-node` : verb;
    this.record.count(action, ok(res));
    this.say(`${action} ${node} → ${brief(res)}`);
  }

  private async replaceNode(): Promise<void> {
    const node = this.random.pick([...this.record.nodeNames]);
    const res = await this.request('DELETE', `/nodes/${node}`);
    const deleted = ok(res);
    if (deleted) {
      this.record.nodeNames.delete(node);
      this.record.stoppedByChaos.delete(node);
    }
    this.record.count('delete-node', deleted);
    this.say(
      `delete-node ${node} → ${brief(res)}${deleted ? ` (${res.body.rescheduled_pod_ids?.length ?? 0} pods moved)` : ''}`,
    );
    if (deleted) this.record.count('add-node', await this.newNode());
  }
}
