// @ts-check
// The pieces both detail dialogs are made of: fields, tables, event lists, action buttons.
import { h } from '../dom.js';
import { renderEventItem } from './events.js';

/**
 * @param {string} label
 * @param {import('../dom.js').Child} value
 * @param {string} [testid]
 */
export const field = (label, value, testid) =>
  h('div', { class: 'kv' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value ?? '—'));

/**
 * @param {string[]} headers
 * @param {HTMLElement[]} rows
 * @param {string} empty what is said when there are no rows
 * @param {string} [testid]
 */
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

/** @param {HTMLButtonElement[]} buttons */
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
      onclick: (/** @type {MouseEvent} */ e) =>
        onClick(/** @type {HTMLButtonElement} */ (e.currentTarget)),
    },
    label,
  );
}
