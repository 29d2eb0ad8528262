/**
 * What PostgreSQL does during the two hot paths, without copying any of kubesim's SQL:
 * starts a load server, runs a burst of pod creations (alone, then while every node beats)
 * and one of heartbeats, and meanwhile samples pg_stat_activity (what each backend runs or waits on) and reads the
 * counters (transactions, rows, WAL, deadlocks) before and after, per request.
 *
 *   npx ts-node bench/diagnose-sql.ts [--nodes 500] [--seconds 5] [--algorithm best-fit]
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { Api } from './lib/api';
import { beatAll, Beater, registerNodes } from './lib/cluster';
import { CpuMeter } from './lib/cpu';
import { installSignalHandlers, runCleanups } from './lib/lifecycle';
import { runLoad } from './lib/load';
import { LocalServer } from './lib/server';
import { heartbeatThroughput } from './figures/heartbeats';
import { PodLoad } from './figures/pod-creation';
import { SERVERS } from './plan';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface Counters {
  xact_commit: number;
  xact_rollback: number;
  deadlocks: number;
  tup_inserted: number;
  tup_updated: number;
  tup_returned: number;
  tup_fetched: number;
  wal_records: number;
  wal_bytes: number;
  wal_fsyncs: number | null;
  wal_fsync_ms: number | null;
}

async function counters(db: Client): Promise<Counters> {
  const [d] = (
    await db.query(
      `SELECT xact_commit, xact_rollback, deadlocks, tup_inserted, tup_updated, tup_returned,
              tup_fetched
         FROM pg_stat_database WHERE datname = current_database()`,
    )
  ).rows;
  const [w] = (await db.query(`SELECT wal_records, wal_bytes FROM pg_stat_wal`)).rows;
  // PostgreSQL 18 counts WAL syncs in pg_stat_io; older ones in pg_stat_wal
  let fsyncs: number | null = null;
  let fsyncMs: number | null = null;
  try {
    const [io] = (
      await db.query(
        `SELECT sum(fsyncs) AS fsyncs, sum(fsync_time) AS ms FROM pg_stat_io WHERE object = 'wal'`,
      )
    ).rows;
    fsyncs = Number(io.fsyncs);
    fsyncMs = Number(io.ms);
  } catch {
    // not available in this version
  }
  return {
    xact_commit: Number(d.xact_commit),
    xact_rollback: Number(d.xact_rollback),
    deadlocks: Number(d.deadlocks),
    tup_inserted: Number(d.tup_inserted),
    tup_updated: Number(d.tup_updated),
    tup_returned: Number(d.tup_returned),
    tup_fetched: Number(d.tup_fetched),
    wal_records: Number(w.wal_records),
    wal_bytes: Number(w.wal_bytes),
    wal_fsyncs: fsyncs,
    wal_fsync_ms: fsyncMs,
  };
}

type TableStats = Map<string, Record<string, number>>;

/** Per table: scans, rows read, inserts and updates (HOT ones apart), dead rows. */
async function tableStats(db: Client): Promise<TableStats> {
  const { rows } = await db.query(
    `SELECT relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd,
            n_tup_hot_upd, n_live_tup, n_dead_tup
       FROM pg_stat_user_tables`,
  );
  return new Map(
    rows.map((r) => [
      r.relname as string,
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => k !== 'relname')
          .map(([k, v]) => [k, Number(v ?? 0)]),
      ),
    ]),
  );
}

function printTableStats(before: TableStats, after: TableStats, requests: number): void {
  const per = (n: number) => (n / Math.max(1, requests)).toFixed(2);
  console.log('   per request, by table (after: live / dead rows):');
  for (const [table, a] of after) {
    const b = before.get(table) ?? {};
    const d = (k: string) => a[k] - (b[k] ?? 0);
    if (!d('seq_scan') && !d('idx_scan') && !d('n_tup_ins') && !d('n_tup_upd')) continue;
    console.log(
      `     ${table.padEnd(16)} seq scans ${per(d('seq_scan'))} (${per(d('seq_tup_read'))} rows read), ` +
        `index scans ${per(d('idx_scan'))} (${per(d('idx_tup_fetch'))} rows), ` +
        `inserts ${per(d('n_tup_ins'))}, updates ${per(d('n_tup_upd'))} (${per(d('n_tup_hot_upd'))} HOT); ` +
        `${a.n_live_tup} / ${a.n_dead_tup}`,
    );
  }
}

/** Samples every backend of the database every `everyMs` until stopped. */
function sampleActivity(db: Client, everyMs: number) {
  const tally = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await db.query(
        `SELECT state, wait_event_type, wait_event, regexp_replace(left(query, 90), '\\s+', ' ', 'g') AS q
           FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND backend_type = 'client backend'`,
      );
      samples++;
      for (const r of rows) {
        const what =
          r.state === 'active'
            ? `active  ${r.wait_event_type ? `${r.wait_event_type}:${r.wait_event}` : 'on CPU'}  ${r.q}`
            : `${r.state}${r.wait_event ? ` (${r.wait_event})` : ''}`;
        tally.set(what, (tally.get(what) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { samples, tally };
    },
  };
}

async function measure(
  title: string,
  db: Client,
  meter: CpuMeter,
  work: () => Promise<{ requests: number; perS: number }>,
): Promise<void> {
  const before = await counters(db);
  const tablesBefore = await tableStats(db);
  const sampler = sampleActivity(db, 20);
  meter.begin();
  const { requests, perS } = await work();
  const cpu = meter.end();
  const { samples, tally } = await sampler.stop();
  const after = await counters(db);
  // the statistics collector publishes table counters with a delay
  await new Promise((r) => setTimeout(r, 1200));
  const tablesAfter = await tableStats(db);
  const per = (k: keyof Counters) => {
    const a = after[k];
    const b = before[k];
    return a === null || b === null ? '—' : ((a - b) / Math.max(1, requests)).toFixed(2);
  };
  console.log(`\n== ${title}: ${requests} answered, ${perS.toFixed(0)}/s`);
  if (cpu)
    console.log(
      `   cores: API ${cpu.api} · PostgreSQL ${cpu.postgres} · load generator ${cpu.load_generator} · others ${cpu.others} · idle ${cpu.idle}`,
    );
  console.log(
    `   per request: ${per('xact_commit')} transactions, ${per('tup_inserted')} rows inserted, ` +
      `${per('tup_updated')} updated, ${per('tup_returned')} returned, ${per('tup_fetched')} fetched, ` +
      `${per('wal_records')} WAL records, ${per('wal_bytes')} WAL bytes, ${per('wal_fsyncs')} WAL syncs`,
  );
  console.log(
    `   deadlocks: ${after.deadlocks - before.deadlocks}, ` +
      `transactions rolled back: ${after.xact_rollback - before.xact_rollback}`,
  );
  if (after.wal_fsyncs !== null && before.wal_fsyncs !== null) {
    const n = after.wal_fsyncs - before.wal_fsyncs;
    const ms = (after.wal_fsync_ms ?? 0) - (before.wal_fsync_ms ?? 0);
    console.log(
      `   WAL syncs: ${n}${ms > 0 ? `, ${(ms / Math.max(1, n)).toFixed(3)} ms each` : ' (timing off)'}`,
    );
  }
  printTableStats(tablesBefore, tablesAfter, requests);
  console.log(`   backends sampled ${samples} times (every 20 ms); share of backend-samples:`);
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  for (const [what, n] of [...tally].sort((a, b) => b[1] - a[1]).slice(0, 14))
    console.log(`   ${((100 * n) / total).toFixed(1).padStart(5)}%  ${what}`);
}

async function main(): Promise<void> {
  installSignalHandlers((l) => console.error(l));
  const nodes = Number(arg('nodes', '500'));
  const seconds = Number(arg('seconds', '5'));
  const algorithm = arg('algorithm', 'best-fit');
  const server = await LocalServer.start({ label: 'diagnose', env: SERVERS.load });
  const api = new Api(server.url);
  const port = Number(readFileSync(server.postgresPidFile, 'utf8').split('\n')[3]);
  const db = new Client({
    // the embedded database's password is kept beside its folder (<data>/pg.password)
    connectionString: `postgres://postgres:${readFileSync(`${dirname(server.postgresPidFile)}.password`, 'utf8').trim()}@127.0.0.1:${port}/kubesim`,
  });
  await db.connect();
  try {
    // WAL sync timing is off by default; a superuser may switch it on for this server
    await db.query(`ALTER SYSTEM SET track_wal_io_timing = on`).catch(() => undefined);
    await db.query(`SELECT pg_reload_conf()`);
    const registered = await registerNodes(api, { prefix: 'dg', from: 1, to: nodes + 1, cpus: 16 });
    await beatAll(api, registered);
    const meter = new CpuMeter(server.pid, server.postgresPidFile);
    const pods = new PodLoad(api, 'dgp', 64);
    await pods.run({ label: 'warm-up', nodes, algorithm, durationS: 1 });
    await measure(`pod creations, ${nodes} nodes, ${algorithm}`, db, meter, async () => {
      const r = await pods.run({ label: 'diag', nodes, algorithm, durationS: seconds });
      return { requests: r.created, perS: r.pods_per_s };
    });
    // as in a cluster: the nodes beat (every second) while pods are created
    const beater = new Beater(api, 1000);
    for (const node of registered) beater.add(node);
    await measure(
      `pod creations while ${nodes} nodes beat every second, ${algorithm}`,
      db,
      meter,
      async () => {
        const r = await pods.run({ label: 'diag-beating', nodes, algorithm, durationS: seconds });
        return { requests: r.created, perS: r.pods_per_s };
      },
    );
    beater.stop();
    await measure('GET /healthz (no database: the HTTP stack alone)', db, meter, async () => {
      const r = await runLoad({
        url: server.url,
        connections: 64,
        durationS: seconds,
        request: { method: 'GET', path: '/healthz' },
      });
      const ok = r.statusCounts['200'] ?? 0;
      return { requests: ok, perS: ok / r.durationS };
    });
    const empty = registered.filter((n) => !pods.nodesWithPods.has(n.id));
    await measure(`heartbeats, ${empty.length} nodes`, db, meter, async () => {
      const r = await heartbeatThroughput(api, empty, { durationS: seconds, connections: 64 });
      return { requests: r.ok, perS: r.beats_per_s };
    });
  } finally {
    await db.end().catch(() => undefined);
    api.close();
    await server.stop();
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
