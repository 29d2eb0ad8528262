/** The printed table and the hand-written SVG chart. */
import { CpuShare } from './cpu';
import { Row } from './report-types';

export function renderTable(rows: Row[]): string {
  const header: Row = { figure: 'figure', measured: 'measured', target: 'target', met: null };
  const cells = (r: Row, isHeader = false) => [
    r.figure,
    r.measured,
    r.target,
    isHeader ? 'met?' : r.met === null ? '—' : r.met ? 'yes' : 'NO',
  ];
  const all = [cells(header, true), ...rows.map((r) => cells(r))];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(all[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...all.slice(1).map(line),
  ].join('\n');
}

/** Where the CPU went during each load run, in cores. */
export function renderCpuTable(rows: Array<{ run: string } & CpuShare>): string {
  const n = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  const cores = rows[0]?.cores ?? 0;
  const all = [
    ['cores used during', 'API', 'PostgreSQL', 'load generator', 'others', 'idle'],
    ...rows.map((r) => [
      r.run,
      n(r.api),
      n(r.postgres),
      n(r.load_generator),
      n(r.others),
      n(r.idle),
    ]),
  ];
  const widths = all[0].map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) =>
    `| ${c.map((s, i) => (i ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join(' | ')} |`;
  const external = rows.some((r) => r.api === null);
  return [
    `where the CPU went (cores, of ${cores})${external ? "; the server's own processes count in 'others'" : ''}:`,
    line(all[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...all.slice(1).map(line),
  ].join('\n');
}

export interface ChartSeries {
  nodes: number;
  pods_per_s: number;
  p99_ms: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round axis maximum above `n`: a few steps per power of ten. */
function niceMax(n: number): number {
  if (!(n > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/**
 * Throughput (bars, left axis) and p99 latency (line, right axis) of pod creation
 * against cluster size, with the SPEC targets as dashed lines.
 */
export function renderChart(
  points: ChartSeries[],
  options: { title: string; subtitle: string; targetPerS: number; targetP99Ms: number },
): string {
  const W = 760;
  const H = 420;
  const m = { left: 70, right: 70, top: 64, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const maxRate = niceMax(Math.max(options.targetPerS, ...points.map((p) => p.pods_per_s)) * 1.1);
  const maxLat = niceMax(Math.max(options.targetP99Ms, ...points.map((p) => p.p99_ms)) * 1.1);
  const slot = pw / Math.max(1, points.length);
  const x = (i: number) => m.left + slot * (i + 0.5);
  const yRate = (v: number) => m.top + ph - (v / maxRate) * ph;
  const yLat = (v: number) => m.top + ph - (v / maxLat) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(options.title)}</text>`,
    `<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(options.subtitle)}</text>`,
  );
  // grid and axes
  for (let i = 0; i <= 5; i++) {
    const y = m.top + (ph * i) / 5;
    out.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`,
      `<text x="${m.left - 8}" y="${y + 4}" text-anchor="end" fill="#1f5fa8">${Math.round(maxRate * (1 - i / 5)).toLocaleString('en-US')}</text>`,
      `<text x="${m.left + pw + 8}" y="${y + 4}" fill="#c4581c">${Math.round(maxLat * (1 - i / 5)).toLocaleString('en-US')}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`,
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f5fa8">pods created per second (201)</text>`,
    `<text transform="translate(${W - 16} ${m.top + ph / 2}) rotate(90)" text-anchor="middle" fill="#c4581c">p99 latency, ms</text>`,
    `<text x="${m.left + pw / 2}" y="${H - 16}" text-anchor="middle">cluster size (nodes)</text>`,
  );
  // targets
  out.push(
    `<line x1="${m.left}" y1="${yRate(options.targetPerS)}" x2="${m.left + pw}" y2="${yRate(options.targetPerS)}" stroke="#1f5fa8" stroke-dasharray="6 4"/>`,
    `<text x="${m.left + 4}" y="${yRate(options.targetPerS) - 4}" fill="#1f5fa8">target ${options.targetPerS.toLocaleString('en-US')}/s</text>`,
    `<line x1="${m.left}" y1="${yLat(options.targetP99Ms)}" x2="${m.left + pw}" y2="${yLat(options.targetP99Ms)}" stroke="#c4581c" stroke-dasharray="2 3"/>`,
    `<text x="${m.left + pw - 4}" y="${yLat(options.targetP99Ms) - 4}" text-anchor="end" fill="#c4581c">target p99 ${options.targetP99Ms} ms</text>`,
  );
  // throughput bars
  const bw = Math.min(80, slot * 0.5);
  points.forEach((p, i) => {
    const y = yRate(p.pods_per_s);
    out.push(
      `<rect x="${x(i) - bw / 2}" y="${y}" width="${bw}" height="${m.top + ph - y}" fill="#1f5fa8" fill-opacity="0.8"/>`,
      `<text x="${x(i)}" y="${y - 6}" text-anchor="middle" fill="#1f5fa8">${Math.round(p.pods_per_s).toLocaleString('en-US')}/s</text>`,
      `<text x="${x(i)}" y="${m.top + ph + 18}" text-anchor="middle">${p.nodes.toLocaleString('en-US')}</text>`,
    );
  });
  // p99 line
  if (points.length) {
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i)} ${yLat(p.p99_ms)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="#c4581c" stroke-width="2"/>`);
    points.forEach((p, i) =>
      out.push(
        `<circle cx="${x(i)}" cy="${yLat(p.p99_ms)}" r="4" fill="#c4581c"/>`,
        `<text x="${x(i) + 8}" y="${yLat(p.p99_ms) + 14}" fill="#c4581c">${Math.round(p.p99_ms)} ms</text>`,
      ),
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
