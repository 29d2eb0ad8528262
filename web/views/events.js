// @ts-check
// The events feed: filled once from GET /events, then only from the SSE stream.
import { api } from '../api.js';
import { $, $of, fmtTime, h } from '../dom.js';

const MAX_ITEMS = 200;
const seen = new Map(); // event id -> <li>
/** @type {(ref: string) => void} */
let openObject = () => {};

/**
 * One event as a list item; `onObject` opens the node or pod it is about.
 * @param {import('../types').ClusterEvent} ev
 * @param {{ testid?: string, onObject?: (ref: string) => void }} [options]
 */
export function renderEventItem(ev, { testid = 'event-item', onObject } = {}) {
  const warning = ev.type === 'Warning';
  const objectLabel = ev.object ?? '';
  const object =
    onObject && /^(node|pod)\//.test(objectLabel)
      ? h(
          'button',
          {
            type: 'button',
            class: 'link event-object',
            title: `Show ${objectLabel}`,
            onclick: () => onObject(objectLabel),
          },
          objectLabel,
        )
      : h('span', { class: 'event-object' }, objectLabel);
  return h(
    'li',
    {
      class: `event${warning ? ' event-warning' : ''}`,
      'data-testid': testid,
      'data-type': ev.type ?? '',
      'data-reason': ev.reason ?? '',
      'data-object': objectLabel,
    },
    h(
      'div',
      { class: 'event-line' },
      h('time', { class: 'event-time', datetime: ev.created_at ?? '' }, fmtTime(ev.created_at)),
      h('span', { class: `event-type type-${warning ? 'warning' : 'normal'}` }, ev.type ?? ''),
      h('strong', { class: 'event-reason' }, ev.reason ?? ''),
      object,
    ),
    h('div', { class: 'event-message' }, ev.message ?? ''),
  );
}

/** @param {HTMLElement} feed */
function trim(feed) {
  while (feed.children.length > MAX_ITEMS) {
    const last = /** @type {HTMLElement} */ (feed.lastElementChild);
    seen.delete(last.dataset.eventId ?? '');
    last.remove();
  }
}

/** @param {import('../types').ClusterEvent} ev */
function itemFor(ev) {
  const item = renderEventItem(ev, { onObject: openObject });
  item.dataset.eventId = String(ev.id);
  item.dataset.sort = String(Date.parse(ev.created_at ?? '') || 0);
  return item;
}

/**
 * Adds one live event at the top (newest first); duplicates are ignored.
 * @param {import('../types').ClusterEvent} ev
 */
export function addEvent(ev) {
  const key = String(ev.id);
  if (seen.has(key)) return;
  const feed = $('#events-feed');
  const item = itemFor(ev);
  seen.set(key, item);
  feed.prepend(item);
  trim(feed);
}

/** Merges a page from GET /events (after load or a reconnect of the stream). */
export async function loadEvents() {
  const events = await api.events({ limit: 50 });
  const feed = $('#events-feed');
  const fresh = (events ?? []).filter((ev) => !seen.has(String(ev.id)));
  if (!fresh.length) return;
  for (const ev of fresh) seen.set(String(ev.id), itemFor(ev));
  // Rebuild in order: rare (load and reconnect only), and it keeps newest first.
  const items = [...seen.values()].sort(
    (a, b) =>
      Number(b.dataset.sort) - Number(a.dataset.sort) ||
      Number(b.dataset.eventId) - Number(a.dataset.eventId),
  );
  feed.replaceChildren(...items);
  trim(feed);
}

/** @param {{ onObject: (ref: string) => void }} handlers */
export function initEventsFeed({ onObject }) {
  openObject = onObject;
  const feed = $('#events-feed');
  const warningsOnly = $of(HTMLInputElement, '#events-warnings-only');
  warningsOnly.addEventListener('change', () => {
    feed.classList.toggle('warnings-only', warningsOnly.checked);
  });
}
