/**
 * Chaos run: a real kubesim (child process, embedded PostgreSQL in a temporary folder,
 * agents as child processes, fast timings) under randomly injected faults, then a check
 * of the invariants the spec promises.
 *
 *   npm run chaos -- [--minutes N | --seconds N] [--seed S] [--nodes N] [--keep]
 *
 * The faults (chaos/faults.ts) are seeded. At the end (chaos/invariants.ts): no acknowledged
 * pod lost; no node overcommitted and each node's allocation the sum of its bound pods; every
 * node healthy, permanently_failed or stopped by the chaos; every pod running, pending with
 * a reason, or failed as the likely cause of two node failures (PodCausedNodeFailures). Exits 0 only if every invariant held, 1 if one did not, 2 when the run could not
 * be made, 130 when interrupted.
 * Everything it started is stopped on exit, Ctrl-C included (--keep keeps the data folder).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paletteFor } from '../cli/format';
import { freePort } from '../src/database/embedded-postgres';
import { Faults } from './chaos/faults';
import {
  Check,
  checkInvariants,
  clusterSettled,
  exitCode,
  NodeView,
  PodView,
} from './chaos/invariants';
import { parseOptions } from './chaos/options';
import { RunRecord } from './chaos/record';
import { renderSummary } from './chaos/report';
import { ChaosServer, TIMINGS } from './chaos/server';
import { seededRandom } from '../cli/random';
import { SERVER_MAIN, sleep } from './lib/server-process';

const SETTLE_MS = 60_000;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return 0;
  if (!existsSync(SERVER_MAIN))
    throw new Error(`${SERVER_MAIN} is missing: run npm run build first`);
  const random = seededRandom(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-chaos-'));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const logFile = join(dataDir, 'server.log');
  const api = new ChaosServer(await freePort(), dataDir, logFile);
  const began = Date.now();
  const stamp = () => `[${((Date.now() - began) / 1000).toFixed(1).padStart(6)}s]`;
  const say = (line: string) => console.log(`${stamp()} ${line}`);
  const record = new RunRecord();
  const faults = new Faults(api, random, record, say);
  const palette = paletteFor(process.stdout, process.env);
  const printSummary = (checks: Check[]) =>
    console.log(renderSummary(palette, record.counts, checks, options.seed, Date.now() - began));

  // any exit path cleans up what the run started, once
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await api.shutdown(faults.frozen);
      if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
      else console.log(`data folder kept: ${dataDir} (server log: ${logFile})`);
    })());

  console.log(
    `kubesim chaos: ${options.durationMs / 1000} s, seed ${options.seed}, ${options.nodes} nodes, data ${dataDir}, ` +
      `API ${api.url}, timings ${JSON.stringify(TIMINGS)}`,
  );

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log(`\n${signal}: stopping the chaos and everything it started…`);
    printSummary([]);
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let checks: Check[] = [];
  try {
    say('starting the server (embedded PostgreSQL, process runtime)…');
    await faults.startApi('first start');
    for (let i = 0; i < options.nodes; i++)
      if (!(await faults.newNode())) throw new Error('could not register the nodes');
    for (let i = 0; i < 10; i++) await faults.createPod();

    const injectUntil = Date.now() + options.durationMs;
    while (Date.now() < injectUntil && !interrupted) {
      await faults.injectOne();
      await sleep(random.int(100, 700));
    }
    if (interrupted) return 130;

    say('injection over: thawing agents, waiting for the cluster to settle (≤ 60 s)…');
    faults.thaw();
    if (!api.running || faults.apiDown) await faults.startApi('settle');
    const end = await settle(faults, record);
    say(`settled: ${end.settled ? 'yes' : 'NO'} after ${(end.settleMs / 1000).toFixed(1)} s`);
    checks = checkInvariants(record, end);
  } finally {
    // the summary first: cleanup can take a while (an interrupt printed its own)
    if (!interrupted) printSummary(checks);
    await cleanup();
  }
  return exitCode(checks);
}

/**
 * Lists nodes and pods every second until three lists in a row are settled (or 60 s went
 * by), then the AllocationRepaired events.
 */
async function settle(faults: Faults, record: RunRecord) {
  const started = Date.now();
  let stableFor = 0;
  let nodes: NodeView[] = [];
  let pods: PodView[] = [];
  while (Date.now() - started < SETTLE_MS) {
    const n = await faults.request('GET', '/nodes?limit=1000');
    const p = await faults.request('GET', '/pods?limit=5000');
    if (!(n instanceof Error) && !(p instanceof Error) && n.status === 200 && p.status === 200) {
      nodes = n.body;
      pods = p.body;
      stableFor = clusterSettled(nodes, pods, record.stoppedByChaos) ? stableFor + 1 : 0;
      if (stableFor >= 3) break;
    }
    await sleep(1000);
  }
  const settleMs = Date.now() - started;
  const repaired = await faults.request('GET', '/events?reason=AllocationRepaired&limit=1000');
  const repairs = repaired instanceof Error || repaired.status !== 200 ? [] : repaired.body;
  return { nodes, pods, repairs, settled: stableFor >= 3, settleMs };
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: ${(err as Error).stack ?? err}`);
    process.exit(2);
  },
);
