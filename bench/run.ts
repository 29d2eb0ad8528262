/**
 * kubesim's benchmark: measures each figure of SPEC §10 and prints them against their
 * targets; writes every raw number to bench/results/<date>.json and the pod-creation
 * chart to bench/results/<date>.svg. See bench/README.md.
 *
 *   npm run bench [-- --quick] [-- --server URL] [-- --only pods,scale] [-- --cpu-prof]
 *                 [-- --heap-snapshot]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { Aborted, abortSignal, installSignalHandlers, runCleanups } from './lib/lifecycle';
import { machineInfo } from './lib/machine';
import { Progress } from './lib/progress';
import { renderChart, renderCpuTable, renderTable } from './lib/report';
import { ensureBuilt, ROOT } from './lib/server';
import { ANCHORS, makePlan, TARGETS } from './plan';
import { DEFAULT_FIGURES, FigureKey, FIGURES, SuiteContext } from './suites/context';
import { defaultSuite, externalSkips } from './suites/default.suite';
import { loadSuite } from './suites/load.suite';
import { plannedSteps } from './suites/planned-steps';
import { sameClientSuite } from './suites/same-client.suite';
import { forgetServers, serverGone } from './suites/servers';
import { scale15kSuite } from './suites/scale15k.suite';
import { shortSuite } from './suites/short.suite';
import { watchSuite } from './suites/watch.suite';

interface Args {
  quick: boolean;
  server: string | null;
  only: Set<FigureKey>;
  cpuProf: boolean;
  heapSnapshot: boolean;
}

const USAGE = `usage: npm run bench [-- --quick] [-- --server URL] [-- --only ${FIGURES.join(',')}] [-- --cpu-prof]
  --quick       small sizes and short runs (about 3 minutes)
  --server URL  measure a running server on this machine; starts and stops nothing, and skips
                the figures that need control of its environment (detection, rescheduling, RSS)
  --only LIST   run only these figures (scale15k, a ten-minute soak of 15,000 nodes, runs only so)
  --cpu-prof    run the load, client, watch and scale15k servers under node --cpu-prof (profiles in bench/results/)
  --heap-snapshot
                a heap snapshot of each scale15k API process at the end of its soak (beside the profiles)`;

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    server: null,
    only: new Set(DEFAULT_FIGURES),
    cpuProf: false,
    heapSnapshot: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        args.quick = true;
        break;
      case '--server':
        args.server = value()?.replace(/\/+$/, '') ?? null;
        break;
      case '--only': {
        const keys = (value() ?? '').split(',').filter(Boolean);
        const unknown = keys.filter((k) => !(FIGURES as readonly string[]).includes(k));
        if (unknown.length || !keys.length) fail(`--only: unknown figure ${unknown.join(', ')}`);
        args.only = new Set(keys as FigureKey[]);
        break;
      }
      case '--cpu-prof':
        args.cpuProf = true;
        break;
      case '--heap-snapshot':
        args.heapSnapshot = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${argv[i]}`);
    }
  }
  if (args.server !== null) {
    let host = '';
    try {
      host = new URL(args.server).hostname;
    } catch {
      fail(`--server ${args.server}: not a URL`);
    }
    // load stays on this machine's loopback (shared machines, see ENVIRONMENT.md)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host))
      fail(`--server must be a loopback address (127.0.0.1), not ${host}`);
    if (args.cpuProf || args.heapSnapshot)
      fail('--cpu-prof and --heap-snapshot need the bench to start the server (no --server)');
  }
  return args;
}

function fail(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const plan = makePlan(args.quick);
  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const profilesDir = join(resultsDir, `${stamp}-profiles`);

  let progress: Progress | undefined;
  const log = (line: string) => (progress ? progress.log(line) : console.error(line));
  installSignalHandlers(log);

  const base: Omit<SuiteContext, 'progress'> = {
    plan,
    tag: `b${Date.now().toString(36)}`,
    log,
    external: args.server,
    only: args.only,
    cpuProfDir: args.cpuProf ? profilesDir : null,
    heapSnapshotDir: args.heapSnapshot ? profilesDir : null,
    logPrefix: join(resultsDir, stamp),
    results: [],
    chart: [],
    servers: {},
    cpu: [],
    retried503: 0,
  };
  const ctx: SuiteContext = { ...base, progress: new Progress(plannedSteps(base)) };
  const machine = machineInfo();
  const build = args.server ? null : ensureBuilt(log);
  progress = ctx.progress;
  log(
    `kubesim bench ${args.quick ? '--quick ' : ''}against ${args.server ?? 'its own servers'}; ` +
      `machine: ${machine.cpus} cpus, load ${machine.load_average.join(' ')}`,
  );

  let harnessErrors = 0;
  for (const suite of [
    loadSuite,
    sameClientSuite,
    watchSuite,
    defaultSuite,
    shortSuite,
    scale15kSuite,
  ]) {
    try {
      await suite(ctx);
      forgetServers();
    } catch (err) {
      if (err instanceof Aborted || abortSignal.aborted) throw err;
      harnessErrors++;
      const message = ((err as Error).stack ?? String(err)) + serverGone();
      log(`${suite.name} failed: ${message}`);
      ctx.results.push({
        key: suite.name,
        rows: [
          {
            figure: suite.name,
            measured: `error: ${((err as Error).message + serverGone()).split('\n')[0].slice(0, 160)}`,
            target: '—',
            met: false,
          },
        ],
        raw: { error: message },
      });
      forgetServers();
    }
  }
  externalSkips(ctx);
  progress.finish();
  progress = undefined;
  harnessErrors += ctx.results.filter((r) => 'error' in r.raw).length;

  const order = (key: string) => {
    const i = (FIGURES as readonly string[]).indexOf(key);
    return i < 0 ? FIGURES.length : i;
  };
  const results = [...ctx.results].sort((a, b) => order(a.key) - order(b.key));
  const rows = results.flatMap((r) => r.rows);
  const notes = [
    'Shared, noisy machine: take final figures on a quiet one; compare ratios within one run.',
    ...(build?.warning
      ? [`npm run build reported errors: these figures are of dist as it was (${build.built_at})`]
      : []),
    ...(plan.quick
      ? [
          `--quick: ${plan.sizes[plan.sizes.length - 1]} nodes and ${plan.scalePods} pods instead of ` +
            `${TARGETS.nodes} and ${TARGETS.scalePods}, short runs: not comparable with the targets.`,
        ]
      : []),
  ];

  const table = renderTable(rows);
  console.log(`\n${table}\n`);
  if (ctx.cpu.length) console.log(`${renderCpuTable(ctx.cpu)}\n`);
  if (ctx.retried503)
    notes.push(`the server answered 503 to ${ctx.retried503} set-up or check requests (retried)`);
  for (const n of notes) console.log(`note: ${n}`);

  const finishedAt = new Date();
  const report = {
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_s: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    mode: plan.quick ? 'quick' : 'full',
    server: args.server ?? 'started by the bench',
    machine: { ...machine, load_average_at_end: loadavg().map((n) => Math.round(n * 100) / 100) },
    plan,
    build,
    servers: ctx.servers,
    targets: TARGETS,
    anchors: ANCHORS,
    table: rows,
    notes,
    chart: ctx.chart,
    cpu: ctx.cpu,
    retried_503: ctx.retried503,
    figures: Object.fromEntries(results.map((r) => [r.key, r.raw])),
  };
  const suffix = plan.quick ? '-quick' : '';
  const jsonPath = join(resultsDir, `${stamp}${suffix}.json`);
  writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
  const written = [jsonPath];
  if (ctx.chart.length) {
    const svgPath = join(resultsDir, `${stamp}${suffix}.svg`);
    writeFileSync(
      svgPath,
      renderChart(ctx.chart, {
        title: 'kubesim: pod creation against cluster size',
        subtitle:
          `${ctx.chart[0].algorithm}, ${plan.connections} connections, ${plan.podRunS} s per size` +
          ` · ${machine.cpus} cpus · ${(machine.git_commit ?? 'no commit').slice(0, 10)}` +
          `${machine.git_dirty ? '+dirty' : ''} · ${stamp}${plan.quick ? ' · quick' : ''}`,
        targetPerS: TARGETS.podsPerS,
        targetP99Ms: TARGETS.podP99Ms,
      }),
    );
    written.push(svgPath);
  }
  if (ctx.cpuProfDir)
    written.push(`${ctx.cpuProfDir}/ (npx ts-node bench/profile-summary.ts <file>)`);
  console.log(`\nwritten: ${written.map((p) => relative(process.cwd(), p)).join(', ')}`);
  return harnessErrors ? 1 : 0;
}

main().then(
  async (code) => {
    await runCleanups((l) => console.error(l));
    process.exit(code);
  },
  async (err) => {
    if (!(err instanceof Aborted)) console.error(`\nbench failed: ${(err as Error).stack ?? err}`);
    await runCleanups((l) => console.error(l));
    process.exit(err instanceof Aborted ? 130 : 1);
  },
);
