/** The summary a chaos run prints at the end (or on Ctrl-C): what it did, then what held. */
import { Palette, renderTable } from '../../cli/format';
import type { Check } from './invariants';
import type { Tally } from './record';

export function renderSummary(
  palette: Palette,
  counts: ReadonlyMap<string, Tally>,
  checks: Check[],
  seed: number,
  tookMs: number,
): string {
  const rows = [...counts].sort(([a], [b]) => a.localeCompare(b));
  const total = rows.reduce((s, [, c]) => s + c.done, 0);
  const line = '─'.repeat(100);
  const out = [
    '',
    line,
    `kubesim chaos summary — seed ${seed}, ${(tookMs / 1000).toFixed(0)} s in all`,
    line,
    renderTable(
      palette,
      ['FAULT / ACTION', 'DONE', 'OK', 'REFUSED/FAILED'],
      [
        ...rows.map(([name, c]) => [name, String(c.done), String(c.ok), String(c.failed)]),
        ['total', String(total), '', ''],
      ],
    ),
    line,
  ];
  if (checks.length) {
    out.push(
      renderTable(
        palette,
        ['', 'INVARIANT', 'DETAIL'],
        checks.map((c) => [
          c.held ? palette.green('HELD') : palette.red('VIOLATED'),
          c.name,
          c.detail,
        ]),
      ),
      line,
    );
  }
  out.push(
    !checks.length
      ? 'interrupted: no invariant was checked'
      : checks.every((c) => c.held)
        ? 'every invariant held'
        : palette.red('SOME INVARIANTS DID NOT HOLD'),
  );
  return out.join('\n');
}
