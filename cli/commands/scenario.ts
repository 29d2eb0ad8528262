import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { nonNegativeInteger } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError, EXIT_USAGE } from '../errors';
import { sleep } from '../progress';
import { parseScenario } from '../scenario/parse';
import { type Scenario, ScenarioSyntaxError } from '../scenario/scenario';
import { failureMessage, playScenario, type StepResult } from '../scenario/play';
import { startLocalCluster } from '../scenario/local-cluster';
import { loadConfig } from '../../src/config/app-config';
import type { Clock, Occurrence } from '../scenario/schedule';

/** Plays a scenario file against the server; the exit code says whether every expectation held. */
export async function runScenario(
  given: CommandContext,
  file: string,
  options: { seed?: number; start?: boolean },
): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      EXIT_USAGE,
    );
  }
  let scenario: Scenario;
  try {
    scenario = parseScenario(text);
  } catch (err) {
    if (err instanceof ScenarioSyntaxError)
      throw new CliError(`${file}: ${err.message}`, EXIT_USAGE);
    throw err;
  }
  // --start: a cluster of its own, with the scenario's timings, gone when it ends
  const cluster = options.start
    ? await startLocalCluster(scenario.timings ?? {}, given.io.env, given.token)
    : null;
  try {
    const ctx = cluster ? given.withServer(cluster.url) : given;
    if (cluster && !ctx.json) ctx.print(await startedLine(ctx));
    if (!cluster && scenario.timings) await compareTimings(ctx, scenario.timings);
    await play(ctx, scenario, options.seed);
  } finally {
    await cluster?.stop();
  }
}

/** What the cluster `--start` made runs with, as its `GET /cluster` says. */
async function startedLine(ctx: CommandContext): Promise<string> {
  const { timings: t } = await ctx.api.get<{ timings: Record<string, number> }>('/cluster');
  return (
    `started a kubesim of its own at ${ctx.server}: heartbeats every ${t.heartbeat_interval_ms} ms, ` +
    `a node failed after ${t.node_failure_timeout_ms} ms of silence, ` +
    `its pods evicted ${t.pod_eviction_delay_ms} ms later`
  );
}

/** Says so (on stderr) when the server's timings are not those the scenario was written for. */
async function compareTimings(ctx: CommandContext, timings: Record<string, string>) {
  const wanted = loadConfig(timings);
  const cluster = await ctx.api.get<{ timings?: Record<string, number> }>('/cluster');
  const runs = cluster.timings;
  if (!runs) return;
  const fields: Array<[string, keyof typeof wanted]> = [
    ['heartbeat_interval_ms', 'heartbeatIntervalMs'],
    ['node_failure_timeout_ms', 'nodeFailureTimeoutMs'],
    ['pod_eviction_delay_ms', 'podEvictionDelayMs'],
    ['monitor_interval_ms', 'monitorIntervalMs'],
  ];
  const differ = fields.filter(([served, field]) => runs[served] !== wanted[field]);
  if (!differ.length) return;
  const list = differ
    .map(
      ([served, field]) => `${served} ${runs[served]} (the scenario's: ${String(wanted[field])})`,
    )
    .join(', ');
  ctx.note(
    `note: the server's timings differ from the scenario's: ${list}; ` +
      'its waits may not fit (--start plays it on a cluster of its own with them)',
  );
}

async function play(ctx: CommandContext, scenario: Scenario, givenSeed?: number): Promise<void> {
  // without --seed, a fresh one: printed, so a run with random faults can be replayed
  const seed = givenSeed ?? Math.floor(Math.random() * 2 ** 31);
  const clock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms, ctx.io.signal) };
  if (!ctx.json) ctx.print(`scenario ${scenario.name} (seed ${seed}) against ${ctx.server}`);
  const played = await playScenario(ctx.api, scenario, seed, clock, (result, run) => {
    if (!ctx.json) ctx.print(timelineLine(ctx, result, run));
  });
  const expectations = played.steps.filter((r) => r.kind === 'expect');
  if (ctx.json) {
    ctx.print(
      JSON.stringify(
        { scenario: scenario.name, seed, passed: played.passed, steps: played.steps },
        null,
        2,
      ),
    );
  } else if (played.passed) {
    ctx.print(`passed: ${expectations.length} of ${expectations.length} expectations held`);
  }
  if (played.failed) throw new CliError(failureMessage(played.failed));
}

function timelineLine(ctx: CommandContext, r: StepResult, run: Occurrence): string {
  const time = `+${(r.started_ms / 1000).toFixed(1)}s`.padStart(8);
  const repeat = run.step.times > 1 ? ` [${run.repeat}/${run.step.times}]` : '';
  const { green, red } = ctx.palette;
  if (r.kind === 'expect') {
    const took = `${(r.took_ms / 1000).toFixed(1)}s`;
    return r.result === 'held'
      ? `${time}  expect ${r.what}${repeat}: ${green('held')} after ${took} (${r.seen})`
      : `${time}  expect ${r.what}${repeat}: ${red('FAILED')} after ${took}, saw ${r.seen}`;
  }
  if (r.result === 'failed') return `${time}  ${r.what}${repeat}: ${red('FAILED')}: ${r.error}`;
  return `${time}  ${r.what}${repeat}`;
}

export function registerScenarioCommand(program: Command, io: CliIo): void {
  program
    .command('scenario')
    .description('scripted, timed, self-checking lessons')
    .command('run')
    .description(
      "play a scenario file against kubesim: a timeline of its steps and each expectation's result (exit 0 all held, 1 one did not, 2 a malformed file)",
    )
    .argument('<file>', 'scenario YAML (apiVersion: kubesim.io/v1alpha1, kind: Scenario)')
    .option('--seed <n>', 'seed of the jitter, to replay a run exactly', nonNegativeInteger)
    .option(
      '--start',
      "play it on a kubesim of its own (fresh, on loopback, with the scenario's timings), stopped at the end",
    )
    .action((file: string, options: { seed?: number; start?: boolean }, cmd: Command) =>
      runScenario(CommandContext.of(io, cmd), file, options),
    );
}
