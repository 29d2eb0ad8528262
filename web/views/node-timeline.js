// @ts-check
// A node's story in its detail dialog: heartbeats, silences and events on one axis.
import { fmtDateTime, fmtTime, h } from '../dom.js';

const TIMELINE_CLASS = { heartbeats: 'tl-beats', missed: 'tl-missed', event: 'tl-event' };

/**
 * The node's story on one axis: runs of heartbeats as green bars, silences as red
 * ones, events as ticks (warnings red); the list below says the same in words.
 * @param {import('../types').NodeTimeline | null} timeline
 */
export function timelineView(timeline) {
  const entries = timeline?.entries ?? [];
  if (!entries.length) return h('p', { class: 'muted' }, 'Nothing on the timeline yet.');
  const times = entries.flatMap((e) => [Date.parse(e.at), Date.parse(e.until ?? e.at)]);
  const start = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - start);
  /** @param {string} iso */
  const x = (iso) => ((Date.parse(iso) - start) / span) * 100;
  const axis = h(
    'div',
    { class: 'timeline-axis', 'data-testid': 'node-timeline-axis', role: 'img' },
    ...entries.map((e) => {
      const left = x(e.at);
      const width = e.until ? Math.max(0.5, x(e.until) - left) : 0;
      return h('span', {
        class: `tl-mark ${TIMELINE_CLASS[e.kind] ?? 'tl-event'}${e.type === 'Warning' ? ' tl-warning' : ''}`,
        style: `left:${left.toFixed(2)}%;${e.until ? `width:${width.toFixed(2)}%` : ''}`,
        title: `${fmtDateTime(e.at)} ${e.reason}: ${e.message}`,
        'data-reason': e.reason,
      });
    }),
  );
  axis.setAttribute(
    'aria-label',
    `Timeline from ${fmtDateTime(entries[0].at)}: ${entries.length} entries`,
  );
  return h(
    'div',
    { class: 'timeline', 'data-testid': 'node-timeline' },
    axis,
    h(
      'ol',
      { class: 'timeline-list' },
      ...entries
        .slice(-30)
        .reverse()
        .map((e) =>
          h(
            'li',
            {
              'data-testid': 'node-timeline-entry',
              'data-reason': e.reason,
              'data-kind': e.kind,
              class: e.type === 'Warning' ? 'tl-warning-text' : '',
            },
            h('span', { class: 'mono muted' }, fmtTime(e.at)),
            ' ',
            h('strong', {}, e.reason),
            e.object && e.object.startsWith('pod/') ? ` ${e.object}` : '',
            ` — ${e.message}`,
          ),
        ),
    ),
  );
}
