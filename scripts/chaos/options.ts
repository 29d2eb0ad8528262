import { Command, CommanderError, InvalidArgumentError } from 'commander';

export interface Options {
  durationMs: number;
  seed: number;
  nodes: number;
  keep: boolean;
}

const number = (raw: string): number => {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0)
    throw new InvalidArgumentError('needs a number ≥ 0');
  return v;
};

/**
 * The command line, or null after --help (printed). Bad arguments throw. `now` seeds the run
 * when no --seed is given.
 */
export function parseOptions(argv: string[], now = Date.now()): Options | null {
  const options: Options = { durationMs: 5 * 60_000, seed: now % 1_000_000, nodes: 5, keep: false };
  const program = new Command('npm run chaos')
    .usage('-- [--minutes N | --seconds N] [--seed S] [--nodes N] [--keep]')
    .description('A real kubesim under seeded faults, then a check of its invariants.')
    .helpOption('-h, --help', 'this help')
    .option('--minutes <n>', 'how long to inject faults (default 5)', number)
    .option('--seconds <n>', 'the same in seconds', number)
    .option('--seed <s>', 'the seed of the faults (default: from the clock)', number)
    .option('--nodes <n>', 'how many nodes to register, at least 2 (default 5)', number)
    .option('--keep', 'keep the data folder and the server log')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  // whichever of --minutes and --seconds comes last sets the duration
  program.on('option:minutes', (raw: string) => (options.durationMs = Number(raw) * 60_000));
  program.on('option:seconds', (raw: string) => (options.durationMs = Number(raw) * 1000));
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.helpDisplayed') return null;
    const message = (err as Error).message.replace(/^error: /, '');
    throw new Error(`${message} (try --help)`);
  }
  const given = program.opts<{ seed?: number; nodes?: number; keep?: boolean }>();
  if (given.seed !== undefined) options.seed = Math.floor(given.seed);
  if (given.nodes !== undefined) options.nodes = Math.max(2, Math.floor(given.nodes));
  options.keep = !!given.keep;
  return options;
}
