import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '../args';

/** Paging shared by the list commands; the server answers 100 by default. */
export interface ListOptions {
  limit?: number;
  offset?: number;
}

export function listOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'at most this many (server default: 100)', positiveInteger)
    .option('--offset <n>', 'skip this many first', nonNegativeInteger);
}
