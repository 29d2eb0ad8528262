/**
 * Throughput against API workers: runs the bench once per KUBESIM_WORKERS value (by default
 * `--quick --only client`, the same-client rows) and sets the rows side by side, with each
 * row's ratio to the first worker count, as a table, a JSON file and an SVG chart.
 *
 *   npm run bench:workers                          # workers 1, 2, 4
 *   npm run bench:workers -- --workers 1,2 -- --only client
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { Command } from 'commander';

const RESULTS = join(__dirname, 'results');

interface Run {
  per_s: number;
  latency_ms: { p50: number; p99: number };
}
type ClientFigures = Record<string, Run | Run[] | number | unknown>;

/** The rows compared: a name, and where the figure sits in the client figures. */
const ROWS: Array<{ name: string; pick: (c: ClientFigures) => number | undefined; unit: string }> =
  [
    { name: 'register nodes, c16', pick: (c) => rate(c.register), unit: '/s' },
    { name: 'first heartbeats, c16', pick: (c) => rate(c.first_beats), unit: '/s' },
    { name: 'beats by id, c16', pick: (c) => rate(c.beats_by_id, 0), unit: '/s' },
    { name: 'beats by id, c32', pick: (c) => rate(c.beats_by_id, 1), unit: '/s' },
    { name: 'beats by name, c16', pick: (c) => rate(c.beats_by_name, 0), unit: '/s' },
    { name: 'beats by name, c32', pick: (c) => rate(c.beats_by_name, 1), unit: '/s' },
    { name: 'fresh nodes × 3 beats, c32', pick: (c) => rate(c.mixed_beats), unit: '/s' },
    { name: 'minimal pods, c32', pick: (c) => rate(c.pods_minimal), unit: '/s' },
    { name: 'full-spec pods, c32', pick: (c) => rate(c.pods_full), unit: '/s' },
    {
      name: 'list 1,000 pods, p50',
      pick: (c) => (c.list_pods as Run | undefined)?.latency_ms?.p50,
      unit: ' ms',
    },
  ];

function rate(value: unknown, index?: number): number | undefined {
  const run = (index === undefined ? value : (value as Run[] | undefined)?.[index]) as
    Run | undefined;
  return typeof run?.per_s === 'number' ? run.per_s : undefined;
}

/** One bench run with this many workers; the figures of the results file it wrote. */
function benchWith(workers: number, args: string[]): { file: string; client: ClientFigures } {
  const before = new Set(readdirSync(RESULTS));
  process.stderr.write(`== KUBESIM_WORKERS=${workers}: npm run bench -- ${args.join(' ')}\n`);
  const run = spawnSync('npx', ['ts-node', join(__dirname, 'run.ts'), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, KUBESIM_WORKERS: String(workers) },
  });
  const file = readdirSync(RESULTS).find((f) => !before.has(f) && f.endsWith('.json'));
  if (!file)
    throw new Error(`the bench with ${workers} worker(s) wrote no results (exit ${run.status})`);
  const report = JSON.parse(readFileSync(join(RESULTS, file), 'utf8'));
  if (!report.figures?.client)
    throw new Error(`${file} has no same-client figures: keep "client" in --only`);
  return { file, client: report.figures.client };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Each row's figure as a share of the first worker count's: one line per row. */
function chart(
  workers: number[],
  rows: Array<{ name: string; values: Array<number | undefined> }>,
) {
  const W = 760;
  const H = 420;
  const m = { left: 60, right: 230, top: 50, bottom: 50 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const ratios = rows.map((r) =>
    r.values.map((v) => (v && r.values[0] ? v / r.values[0] : undefined)),
  );
  const max = Math.max(1.5, ...ratios.flat().filter((v): v is number => v !== undefined)) * 1.1;
  const x = (i: number) =>
    m.left + (workers.length === 1 ? pw / 2 : (pw * i) / (workers.length - 1));
  const y = (v: number) => m.top + ph - (v / max) * ph;
  const colours = [
    '#0969da',
    '#1a7f37',
    '#8250df',
    '#bf3989',
    '#d97706',
    '#57606a',
    '#cf222e',
    '#116329',
    '#953800',
    '#0550ae',
  ];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">Throughput against API workers (KUBESIM_WORKERS)</text>`,
    `<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle" fill="#555">workers · each row as a share of ${workers[0]} worker(s); the list row is its p50 (lower is better)</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v.toFixed(1)}×</text>`,
    );
  }
  workers.forEach((w, i) =>
    out.push(`<text x="${x(i)}" y="${m.top + ph + 18}" text-anchor="middle">${w}</text>`),
  );
  out.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  ratios.forEach((series, r) => {
    const colour = colours[r % colours.length];
    const points = series
      .map((v, i) => (v === undefined ? null : `${x(i)},${y(v)}`))
      .filter((p): p is string => p !== null);
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"/>`,
    );
    out.push(
      `<rect x="${m.left + pw + 16}" y="${m.top + r * 20 - 9}" width="10" height="10" fill="${colour}"/>`,
      `<text x="${m.left + pw + 32}" y="${m.top + r * 20}">${esc(rows[r].name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function main(): void {
  const program = new Command()
    .name('bench:workers')
    .description('the bench once per worker count, its same-client rows side by side')
    .option('--workers <list>', 'worker counts, comma-separated', '1,2,4')
    .argument('[bench...]', 'arguments for the bench (after --)', [])
    .parse();
  const workers = String(program.opts().workers)
    .split(',')
    .map((w) => Number(w.trim()));
  if (!workers.length || workers.some((w) => !Number.isInteger(w) || w < 1))
    program.error('--workers takes whole numbers of 1 or more, e.g. 1,2,4');
  const args: string[] = program.args.length ? program.args : ['--quick', '--only', 'client'];

  const runs = workers.map((w) => benchWith(w, args));
  const rows = ROWS.map((row) => ({
    name: row.name,
    unit: row.unit,
    values: runs.map((r) => row.pick(r.client)),
  }));
  const table = new Table({
    head: ['row', ...workers.map((w) => `${w} worker${w > 1 ? 's' : ''}`)],
  });
  for (const row of rows) {
    const base = row.values[0];
    table.push([
      row.name,
      ...row.values.map((v, i) =>
        v === undefined
          ? '–'
          : `${v.toFixed(v < 100 ? 1 : 0)}${row.unit}${i && base ? ` (${(v / base).toFixed(2)}×)` : ''}`,
      ),
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);

  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, 'Z');
  const base = join(RESULTS, `${stamp}-workers`);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ workers, bench_args: args, runs: runs.map((r) => r.file), rows }, null, 2)}\n`,
  );
  writeFileSync(`${base}.svg`, chart(workers, rows));
  process.stdout.write(`written: ${base}.json, ${base}.svg (one run per worker count)\n`);
}

main();
