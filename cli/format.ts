import Table from 'cli-table3';
import picocolors from 'picocolors';

export type Palette = ReturnType<typeof picocolors.createColors>;

export interface TtyLike {
  isTTY?: boolean;
}

/** Colour only for a terminal, and never when NO_COLOR is set (no-color.org). */
export function paletteFor(stream: TtyLike, env: Record<string, string | undefined>): Palette {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return picocolors.createColors(Boolean(stream.isTTY) && !noColor);
}

const STATUS_COLOURS: Record<string, keyof Palette> = {
  healthy: 'green',
  running: 'green',
  pending: 'yellow',
  scheduled: 'yellow',
  recovering: 'yellow',
  // amber, as the dashboard shows it: missed heartbeats, not failed yet
  not_ready: 'yellow',
  creating: 'yellow',
  degraded: 'yellow',
  failed: 'red',
  permanently_failed: 'red',
  stopped: 'gray',
  terminated: 'gray',
  unknown: 'gray',
};

/** A node, pod or component status in its colour: green good, yellow on the way, red failed. */
export function colourStatus(palette: Palette, status: string): string {
  const colour = STATUS_COLOURS[status];
  return colour ? (palette[colour] as (s: string) => string)(status) : status;
}

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
};

/** A kubectl-style table: bold headers, no borders, columns three spaces apart. */
export function renderTable(palette: Palette, head: string[], rows: string[][]): string {
  const table = new Table({
    head: head.map((title) => palette.bold(title)),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  return trimLines(table.toString());
}

/** `Key:  value` lines with the values aligned, as in `kubectl describe`. */
export function renderFields(fields: Array<[string, string]>): string {
  const width = Math.max(...fields.map(([key]) => key.length)) + 2;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)}${value}`).join('\n');
}

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Cores as the API gives them (fractional), without float noise: 0.1 + 0.2 → 0.3. */
export function formatCores(cores: number | null | undefined): string {
  if (cores === null || cores === undefined || Number.isNaN(cores)) return '-';
  return String(Number(cores.toFixed(3)));
}

export function formatPercent(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || Number.isNaN(pct)) return '-';
  return `${Number(pct.toFixed(1))}%`;
}

/** Time since `iso` the way kubectl shows ages: 45s, 12m, 5h, 3d. */
export function formatAge(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '-';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '-';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? '-' : entries.map(([key, value]) => `${key}=${value}`).join(',');
}

export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}
