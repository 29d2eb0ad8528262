import { Argument, type Command } from 'commander';
import { segment } from '../api-client';
import type { PodSchedulingView, SchedulingDecisionView } from '../api-types';
import { type CliIo, CommandContext } from '../context';
import { formatAge, type Palette, renderFields, renderTable } from '../format';

/** The nodes of a decision: the winner first and marked, then those that fit, then the rest. */
export function verdictTable(palette: Palette, decision: SchedulingDecisionView): string {
  const rank = (n: SchedulingDecisionView['nodes'][number]) => (n.chosen ? 0 : n.fits ? 1 : 2);
  const rows = [...decision.nodes]
    .sort((a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0))
    .map((n) => [
      n.chosen ? palette.green('*') : '',
      n.name,
      n.fits ? palette.green('yes') : palette.red('no'),
      n.fits ? (n.score_note ?? '-') : n.reasons.join(', '),
      n.score === null ? '-' : String(n.score),
    ]);
  return renderTable(palette, ['', 'NODE', 'FITS', 'REASONS / SCORE', 'SCORE'], rows);
}

export function explainView(palette: Palette, view: PodSchedulingView): string {
  const { summary } = view;
  const counts = Object.entries(summary.unfit_counts)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  const fields: Array<[string, string]> = [
    ['Pod', view.pod],
    ['Decided', `${formatAge(view.decided_at)} ago (${view.trigger})`],
    ['Algorithm', view.algorithm],
    [
      'Node',
      view.decision.node === null
        ? palette.yellow('none: pending')
        : palette.bold(view.decision.node),
    ],
    ['Reason', view.decision.reason],
    [
      'Nodes',
      `${summary.nodes_fit}/${summary.nodes_total} fit${counts ? `; ruled out: ${counts}` : ''}`,
    ],
  ];
  if (view.attempts > 1) fields.push(['Attempts', String(view.attempts)]);
  const parts = [renderFields(fields), '', verdictTable(palette, view)];
  if (summary.truncated) {
    parts.push(
      `(${view.nodes.length} of ${summary.nodes_total} nodes shown: the best fitting and a sample of the rest)`,
    );
  }
  if (view.history.length) {
    parts.push('', palette.bold('Earlier decisions (newest first):'));
    for (const h of view.history) {
      parts.push(
        `  ${formatAge(h.decided_at)} ago  ${h.trigger}  ${h.algorithm}  -> ${h.decision.node ?? 'pending'}: ${h.decision.reason}`,
      );
    }
  }
  return parts.join('\n');
}

async function explainPod(ctx: CommandContext, name: string): Promise<void> {
  const view = await ctx.api.get<PodSchedulingView>(`/pods/${segment(name)}/scheduling`);
  ctx.show(view, () => explainView(ctx.palette, view));
}

export function registerExplainCommand(program: Command, io: CliIo): void {
  program
    .command('explain')
    .description(
      'why a pod landed on its node, or why it is pending: each node, fit, reasons, score',
    )
    .addArgument(new Argument('<kind>', 'pod').choices(['pod', 'po']))
    .argument('<name>', 'id or name of the pod')
    .action((_kind: string, name: string, _options: unknown, cmd: Command) =>
      explainPod(CommandContext.of(io, cmd), name),
    );
}
