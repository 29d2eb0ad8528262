import { Argument, type Command } from 'commander';
import { segment } from '../api-client';
import type { NodeTimelineView, PodSchedulingView, SchedulingDecisionView } from '../api-types';
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

/** A node's timeline, oldest first: one line per run of beats, silence and event. */
export function timelineView(palette: Palette, view: NodeTimelineView): string {
  const time = (iso: string) => iso.slice(11, 23);
  const rows = view.entries.map((e) => [
    e.until ? `${time(e.at)}-${time(e.until)}` : time(e.at),
    e.type === 'Warning' ? palette.red(e.reason) : e.reason,
    e.object ?? '-',
    e.message,
  ]);
  return [
    renderFields([
      ['Node', view.node],
      ['Status', view.health_status],
      ['Heartbeats', `${view.heartbeats.total} (last ${formatAge(view.heartbeats.last_at)} ago)`],
    ]),
    '',
    renderTable(palette, ['TIME (UTC)', 'WHAT', 'OBJECT', 'DETAIL'], rows),
  ].join('\n');
}

async function explain(ctx: CommandContext, kind: string, name: string): Promise<void> {
  if (kind === 'node' || kind === 'no') {
    const view = await ctx.api.get<NodeTimelineView>(`/nodes/${segment(name)}/timeline`);
    ctx.show(view, () => timelineView(ctx.palette, view));
    return;
  }
  const view = await ctx.api.get<PodSchedulingView>(`/pods/${segment(name)}/scheduling`);
  ctx.show(view, () => explainView(ctx.palette, view));
}

export function registerExplainCommand(program: Command, io: CliIo): void {
  program
    .command('explain')
    .description(
      "pod: why it landed on its node or is pending (each node's fit, reasons, score); node: its timeline",
    )
    .addArgument(new Argument('<kind>', 'pod or node').choices(['pod', 'po', 'node', 'no']))
    .argument('<name>', 'id or name of the pod or node')
    .action((kind: string, name: string, _options: unknown, cmd: Command) =>
      explain(CommandContext.of(io, cmd), kind, name),
    );
}
