/**
 * The node agent program.
 *   one node:  NODE_ID=… NODE_TOKEN=… API_SERVER=… CPU_CORES=… node main.js
 *   a fleet:   node main.js --fleet N --prefix sim --cpus 4 --api http://…
 * Exit codes: 0 stopped or told to go (signal, terminate, node deleted); 1 the API
 * refused the node's token or a fleet could not start; 2 bad environment or flags.
 */
import { AgentExitReason, NodeAgent } from './agent';
import { ConfigResult, FLEET_USAGE, FleetConfig, parseAgentEnv, parseFleetArgs } from './config';
import { runFleet } from './fleet';
import { Logger, stdoutLogger } from './logger';
import { describeError } from './runtime-deps';

export { Fleet, runFleet } from './fleet';
export type { FleetOptions, FleetStats } from './fleet';
export { NodeAgent } from './agent';
export type { NodeAgentOptions } from './agent';

/** Time a stop signal leaves before the process exits, last heartbeat or not. */
const EXIT_DEADLINE_MS = 1_000;

const PARENT_CHECK_MS = 1_000;

const EXIT_CODES: Record<AgentExitReason, number> = {
  stopped: 0,
  terminated: 0,
  deleted: 0,
  unauthorized: 1,
};

function runOneAgent(logger: Logger): void {
  const parsed = parseAgentEnv(process.env);
  if (!parsed.ok) {
    process.stderr.write(`kubesim-node: invalid environment: ${parsed.errors.join('; ')}\n`);
    process.exit(2);
  }
  const { parentPid, ...options } = parsed.config;
  const agent = new NodeAgent({ ...options, logger, watchAssignments: true });
  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) process.exit(0); // a second signal: do not wait for the last beat
    stopping = true;
    logger.info(`${agent.nodeName}: ${why}, sending a last heartbeat and exiting`);
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    void agent.stop({ lastHeartbeat: true });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGUSR1', () => agent.partition());
  process.on('SIGUSR2', () => agent.heal());
  if (parentPid !== undefined) exitWithParent(parentPid, () => shutdown('parent process gone'));
  void agent.done.then((reason) => process.exit(EXIT_CODES[reason]));
  void agent.start();
}

/**
 * An agent the API started as a child process must not outlive it: a restarted API
 * would launch a second agent for the same node. Orphans are re-parented, so a
 * changed ppid means the parent is gone.
 */
function exitWithParent(parentPid: number, onGone: () => void): void {
  const timer = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

function runFleetCommand(logger: Logger, parsed: ConfigResult<FleetConfig>): void {
  if (!parsed.ok) {
    process.stderr.write(`kubesim-node: ${parsed.errors.join('; ')}\n${FLEET_USAGE}\n`);
    process.exit(2);
  }
  // runFleet stops the fleet on SIGINT/SIGTERM itself.
  runFleet({ ...parsed.config, logger }).then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error(`fleet: ${describeError(error)}`);
      process.exit(1);
    },
  );
}

export function main(argv: string[] = process.argv.slice(2)): void {
  const logger = stdoutLogger();
  // Nothing the agent does should take the process down; say so and carry on.
  process.on('unhandledRejection', (reason) =>
    logger.error(`unexpected: ${describeError(reason)}`),
  );
  const fleet = parseFleetArgs(argv, process.env);
  if (fleet === null) runOneAgent(logger);
  else runFleetCommand(logger, fleet);
}

if (require.main === module) main();
