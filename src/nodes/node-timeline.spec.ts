import { buildTimeline, foldHeartbeats } from './node-timeline';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const beats = (...seconds: number[]) => seconds.map((s) => ({ at: t(s) }));

describe('foldHeartbeats', () => {
  it.each([
    ['no beats', [], 10, []],
    ['one steady run', [0, 1, 2, 3], 4, [['heartbeats', 0, 3, '4 heartbeats']]],
    [
      'a silence between two runs',
      [0, 1, 2, 8, 9],
      9,
      [
        ['heartbeats', 0, 2, '3 heartbeats'],
        ['missed', 2, 8, 'silent 6.0 s: 5 heartbeats missed'],
        ['heartbeats', 8, 9, '2 heartbeats'],
      ],
    ],
    [
      'a node silent until now',
      [0, 1],
      6,
      [
        ['heartbeats', 0, 1, '2 heartbeats'],
        ['missed', 1, 6, 'silent 5.0 s: 4 heartbeats missed'],
      ],
    ],
  ] as const)('%s', (_what, seconds, now, expected) => {
    const entries = foldHeartbeats(beats(...seconds), 1000, new Date(t(now)));
    expect(entries.map((e) => [e.kind, e.at, e.until, e.message])).toEqual(
      expected.map(([kind, from, to, message]) => [kind, t(from), t(to), message]),
    );
  });

  it('puts events and beats on one axis, oldest first', () => {
    const entries = buildTimeline(
      beats(0, 1, 9),
      [
        { type: 'Warning', reason: 'NodeFailed', object: 'node/a', message: 'm', created_at: t(5) },
        { type: 'Warning', reason: 'PodEvicted', object: 'pod/p', message: 'm', created_at: t(6) },
      ],
      1000,
      new Date(t(9)),
    );
    expect(entries.map((e) => e.reason)).toEqual([
      'Heartbeats',
      'MissedHeartbeats',
      'NodeFailed',
      'PodEvicted',
      'Heartbeats',
    ]);
  });
});
