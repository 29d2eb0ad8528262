import type { Command } from 'commander';
import { positiveInteger, positiveNumber } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';

export interface FleetOptions {
  nodes: number;
  cpus: number;
  prefix: string;
  apiServer: string;
  apiToken?: string;
  intervalMs: number;
  takeOver: boolean;
  onStop: 'stop' | 'delete';
  signal?: AbortSignal;
}

type RunFleet = (options: FleetOptions) => Promise<unknown>;

/**
 * The agent is loaded only when asked for: every other command starts without it,
 * and a CLI installed without the agent still works. The path is the same from
 * cli/commands/ in the sources and from dist/cli/commands/ once compiled.
 */
function loadRunFleet(): RunFleet {
  let agent: { runFleet?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    agent = require('../../node-simulator/src/main');
  } catch (err) {
    throw new CliError(`cannot load the node simulator: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof agent.runFleet !== 'function') {
    throw new CliError('cannot load the node simulator: it exports no runFleet');
  }
  return agent.runFleet as RunFleet;
}

interface SimulateOptions {
  nodes: number;
  cpus: number;
  prefix: string;
  interval: number;
  keep?: boolean;
}

async function simulate(ctx: CommandContext, options: SimulateOptions): Promise<void> {
  const runFleet = loadRunFleet();
  ctx.note(
    `running ${options.nodes} simulated node(s) '${options.prefix}-*' against ${ctx.server} ` +
      `(Ctrl-C to end; the nodes are then ${options.keep ? 'stopped and kept' : 'deleted'})`,
  );
  await runFleet({
    nodes: options.nodes,
    cpus: options.cpus,
    prefix: options.prefix,
    apiServer: ctx.server,
    apiToken: ctx.token,
    intervalMs: options.interval,
    // a rerun with the same names runs the nodes the last one left
    takeOver: true,
    onStop: options.keep ? 'stop' : 'delete',
    signal: ctx.io.signal,
  });
}

export function registerSimulateCommand(program: Command, io: CliIo): void {
  program
    .command('simulate')
    .description(
      'run a fleet of virtual nodes in this process, each a real agent; on exit they are deleted (--keep: stopped); existing external nodes of the same names are taken over',
    )
    .requiredOption('--nodes <n>', 'how many nodes', positiveInteger)
    .option('--cpus <cores>', 'CPU cores per node', positiveNumber, 2)
    .option('--prefix <prefix>', 'node names are <prefix>-<n>', 'sim')
    .option('--interval <ms>', 'heartbeat interval in ms', positiveInteger, 5000)
    .option(
      '--keep',
      'on exit, stop the nodes (status stopped) instead of deleting them; a rerun takes them over',
    )
    .action((options: SimulateOptions, cmd: Command) =>
      simulate(CommandContext.of(io, cmd), options),
    );
}
