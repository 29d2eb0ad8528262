import { Command, CommanderError, Option } from 'commander';
import { positiveNumber } from './args';
import { registerApplyCommand } from './commands/apply';
import { registerAutoscalerCommand } from './commands/autoscaler';
import { registerClusterCommands } from './commands/cluster';
import { registerEventsCommand } from './commands/events';
import { registerExplainCommand } from './commands/explain';
import { registerGetCommand } from './commands/get';
import { registerKubeconfigCommand } from './commands/kubeconfig';
import { registerNetworkCommands } from './commands/network';
import { registerNodeCommands } from './commands/nodes';
import { registerPodCommands } from './commands/pods';
import { registerResetCommand } from './commands/reset';
import { registerRolloutCommand } from './commands/rollout';
import { registerScenarioCommand } from './commands/scenario';
import { registerSimulateCommand } from './commands/simulate';
import { registerTopCommand } from './commands/top';
import { registerScaleCommand } from './commands/workloads';
import { type CliIo, DEFAULT_SERVER, OUTPUT_FORMATS } from './context';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InterruptedError } from './errors';

const EXAMPLES = `
Examples:
  kubesim add-node 4 --name worker-1 --wait
  kubesim launch-pod 0.5 --name web --image nginx:latest
  kubesim launch-pod -f pod.yaml
  kubesim get pods -o wide
  kubesim explain pod web
  kubesim fail-node worker-1 --mode hang
  kubesim events --watch
  kubesim simulate --nodes 20 --keep
  kubesim scenario run examples/scenarios/lose-a-node.yaml
  kubesim reset --yes
  kubesim can-reach frontend db --port 6379
  kubesim kubeconfig --write && kubectl get nodes`;

export function buildProgram(io: CliIo): Command {
  const program = new Command('kubesim')
    .description('Command-line client for kubesim, a Kubernetes-like cluster simulator.')
    // Settings first: subcommands copy them when they are created.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--server <url>', `kubesim API server (env KUBESIM_SERVER, default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'bearer token for changes (env KUBESIM_API_TOKEN)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'),
    )
    .addOption(
      new Option('--request-timeout <seconds>', 'give up on a request after this long')
        .argParser(positiveNumber)
        .default(10),
    )
    .addHelpText('after', EXAMPLES);

  registerNodeCommands(program, io);
  registerPodCommands(program, io);
  registerGetCommand(program, io);
  registerEventsCommand(program, io);
  registerExplainCommand(program, io);
  registerClusterCommands(program, io);
  registerAutoscalerCommand(program, io);
  registerSimulateCommand(program, io);
  registerResetCommand(program, io);
  registerScenarioCommand(program, io);
  registerKubeconfigCommand(program, io);
  registerNetworkCommands(program, io);
  registerScaleCommand(program, io);
  registerRolloutCommand(program, io);
  registerApplyCommand(program, io);
  registerTopCommand(program, io);
  return program;
}

/**
 * Runs one kubesim command line (without `node kubesim`) and returns its exit
 * code. Errors end as one line on stderr, never a stack trace.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    return report(err, io);
  }
}

function report(err: unknown, io: CliIo): number {
  // Commander has already printed its message (or the help).
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof InterruptedError) return err.exitCode;
  if (err instanceof CliError) {
    io.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_FAILURE;
}
