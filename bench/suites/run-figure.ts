import { Aborted } from '../lib/lifecycle';
import { FigureResult } from '../lib/report-types';
import { SuiteContext } from './context';
import { serverGone } from './servers';

/** Runs one figure; a failure becomes its row instead of ending the whole bench. */
export async function runFigure(
  ctx: SuiteContext,
  key: string,
  name: string,
  target: string,
  run: () => Promise<FigureResult>,
): Promise<void> {
  try {
    ctx.results.push(await run());
  } catch (err) {
    if (err instanceof Aborted) throw err;
    const message = ((err as Error).message ?? String(err)) + serverGone();
    ctx.log(`${name}: failed: ${message}`);
    ctx.results.push({
      key,
      rows: [
        {
          figure: name,
          measured: `error: ${message.split('\n')[0].slice(0, 160)}`,
          target,
          met: false,
        },
      ],
      raw: { error: message },
    });
  }
}
