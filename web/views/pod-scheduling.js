// @ts-check
// Why a pod is where it is, in its detail dialog.
import { fmtDateTime, h } from '../dom.js';
import { table } from './detail-blocks.js';

/**
 * Why the pod is where it is: each node considered, the winner first and marked.
 * @param {import('../types').PodScheduling | null} scheduling
 */
export function schedulingView(scheduling) {
  if (!scheduling) return h('p', { class: 'muted' }, 'No scheduling decision recorded.');
  const { summary } = scheduling;
  /** @param {import('../types').NodeVerdict} n */
  const rank = (n) => (n.chosen ? 0 : n.fits ? 1 : 2);
  const nodes = [...scheduling.nodes].sort(
    (a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0),
  );
  return h(
    'div',
    { 'data-testid': 'pod-scheduling' },
    h(
      'p',
      { 'data-testid': 'pod-scheduling-reason' },
      h('strong', {}, scheduling.decision.node ?? 'Pending'),
      ` — ${scheduling.algorithm}, ${scheduling.trigger}, ${fmtDateTime(scheduling.decided_at)}: `,
      scheduling.decision.reason,
    ),
    table(
      ['', 'Node', 'Fits', 'Reasons / how scored', 'Score'],
      nodes.map((n) =>
        h(
          'tr',
          {
            'data-testid': `pod-scheduling-node-${n.name}`,
            'data-fits': String(n.fits),
            'data-chosen': String(n.chosen),
            class: n.chosen ? 'row-chosen' : '',
          },
          h('td', {}, n.chosen ? h('span', { title: 'chosen', 'aria-label': 'chosen' }, '★') : ''),
          h('td', {}, n.name),
          h('td', {}, n.fits ? 'yes' : 'no'),
          h('td', {}, n.fits ? (n.score_note ?? '—') : n.reasons.join(', ')),
          h('td', { class: 'num' }, n.score ?? '—'),
        ),
      ),
      'No nodes were registered.',
      'pod-scheduling-nodes',
    ),
    summary.truncated
      ? h(
          'p',
          { class: 'muted' },
          `${nodes.length} of ${summary.nodes_total} nodes shown (${summary.nodes_fit} fit): the best fitting and a sample of the rest.`,
        )
      : null,
    scheduling.history.length
      ? h(
          'details',
          {},
          h('summary', {}, `Earlier decisions (${scheduling.history.length})`),
          h(
            'ol',
            { class: 'timeline-list', 'data-testid': 'pod-scheduling-history' },
            ...scheduling.history.map((d) =>
              h(
                'li',
                {},
                h('span', { class: 'mono muted' }, fmtDateTime(d.decided_at)),
                ` ${d.trigger}, ${d.algorithm} → ${d.decision.node ?? 'pending'}: ${d.decision.reason}`,
              ),
            ),
          ),
        )
      : null,
  );
}
