import picocolors from 'picocolors';
import type { Check } from './invariants';
import { renderSummary } from './report';

const plain = picocolors.createColors(false);
const held: Check = { name: 'no pod listed twice', held: true, detail: '3 pods' };
const broken: Check = { name: 'no 5xx other than 503', held: false, detail: 'POST /pods 500 ×1' };

describe('renderSummary', () => {
  const counts = new Map([
    ['restart-api (SIGKILL)', { done: 2, ok: 2, failed: 0 }],
    ['create-pod', { done: 5, ok: 4, failed: 1 }],
  ]);

  it('lists the actions by name with their tallies and a total', () => {
    const lines = renderSummary(plain, counts, [held], 42, 61_400).split('\n');
    expect(lines).toContain('kubesim chaos summary — seed 42, 61 s in all');
    const rows = lines.filter((l) => /^(create-pod|restart-api|total)/.test(l));
    expect(rows.map((l) => l.split(/\s{2,}/))).toEqual([
      ['create-pod', '5', '4', '1'],
      ['restart-api (SIGKILL)', '2', '2', '0'],
      ['total', '7'],
    ]);
  });

  it.each<[string, Check[], string, string[]]>([
    ['every check held', [held], 'every invariant held', ['HELD', 'no pod listed twice', '3 pods']],
    [
      'a check failed',
      [held, broken],
      'SOME INVARIANTS DID NOT HOLD',
      ['VIOLATED', 'no 5xx other than 503', 'POST /pods 500 ×1'],
    ],
    ['no check ran (interrupted)', [], 'interrupted: no invariant was checked', []],
  ])('%s: says so last', (_, checks, verdict, row) => {
    const lines = renderSummary(plain, counts, checks, 1, 0).split('\n');
    expect(lines[lines.length - 1]).toBe(verdict);
    if (row.length) expect(lines.map((l) => l.split(/\s{2,}/))).toContainEqual(row);
    else expect(lines.some((l) => /HELD|VIOLATED/.test(l))).toBe(false);
  });
});
