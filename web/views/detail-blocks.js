// @ts-check
// The pieces both detail dialogs are made of: fields, tables, event lists, action buttons.
import { h } from '../dom.js';
import { renderEventItem } from './events.js';

export const field = (label, value, testid) =>
  h('div', { class: 'kv' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value ?? '—'));

export function table(headers, rows, empty, testid) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table-compact', 'data-testid': testid },
      h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/**
 * The object an event names opens with `onObject`.
 * @param {import('../types').ClusterEvent[]} events
 * @param {string} testid
 * @param {(ref: string) => void} onObject
 */
export function eventsList(events, testid, onObject) {
  if (!events.length) return h('p', { class: 'muted' }, 'No events.');
  return h(
    'ol',
    { class: 'events-feed detail-events', 'data-testid': testid },
    ...events.map((ev) => renderEventItem(ev, { testid: `${testid}-item`, onObject })),
  );
}

export function actionBar(buttons) {
  return h('div', { class: 'detail-actions' }, ...buttons);
}

/**
 * @param {string} label
 * @param {string} testid
 * @param {(button: HTMLButtonElement) => unknown} onClick
 * @param {boolean} [danger]
 */
export function detailButton(label, testid, onClick, danger = false) {
  return h(
    'button',
    {
      type: 'button',
      class: `btn btn-small${danger ? ' btn-danger-outline' : ''}`,
      'data-testid': testid,
      onclick: (e) => onClick(e.currentTarget),
    },
    label,
  );
}
