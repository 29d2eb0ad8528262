import { Options, parseOptions } from './options';

const DEFAULTS: Options = { durationMs: 300_000, seed: 234_567, nodes: 5, keep: false };

describe('parseOptions', () => {
  it.each<[string[], Partial<Options>]>([
    [[], {}],
    [['--minutes', '1'], { durationMs: 60_000 }],
    [['--seconds', '30'], { durationMs: 30_000 }],
    [['--minutes', '0.5'], { durationMs: 30_000 }],
    [['--seconds', '30', '--minutes', '2'], { durationMs: 120_000 }],
    [['--minutes', '2', '--seconds', '30'], { durationMs: 30_000 }],
    [['--seed', '4.7'], { seed: 4 }],
    [['--nodes', '1'], { nodes: 2 }],
    [['--nodes', '7.9'], { nodes: 7 }],
    [['--keep'], { keep: true }],
  ])('%j', (argv, expected) => {
    expect(parseOptions(argv, 1_234_567)).toEqual({ ...DEFAULTS, ...expected });
  });

  it.each<[string[], RegExp]>([
    [['--minutes', '-1'], /--minutes.*'-1' is invalid/],
    [['--seconds', 'x'], /--seconds.*'x' is invalid/],
    [['--seed'], /--seed.*argument missing/],
    [['--bogus'], /unknown option '--bogus'/],
    [['extra'], /too many arguments/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('--help prints the usage and asks for no run', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(parseOptions(['--help'])).toBeNull();
      expect(write.mock.calls.join('')).toMatch(/--minutes <n>[\s\S]*--keep/);
    } finally {
      write.mockRestore();
    }
  });
});
