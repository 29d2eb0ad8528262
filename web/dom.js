// @ts-check
// Small DOM and formatting helpers shared by the views. Everything the API sends
// reaches the page through textContent or attributes, never through innerHTML.

/** @typedef {Node | string | number | null | undefined | false | unknown[]} Child a child, or a list of them */

/**
 * An element with attributes (`class`, `text`, `dataset`, `on<event>` handlers, the rest as
 * attributes) and children.
 * @template {keyof HTMLElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {Record<string, any>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[Tag]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {HTMLElement} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, /** @type {Child[]} */ (child));
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's children, skipping null/false ones as h() does.
 * @param {HTMLElement} el
 * @param {...Child} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * The element `selector` finds in `root`: the page's own markup, so it is there.
 * @param {string} selector
 * @param {ParentNode} [root]
 */
export const $ = (selector, root = document) =>
  /** @type {HTMLElement} */ (root.querySelector(selector));

/**
 * As `$`, for an element of a given kind (an input, a dialog, a canvas…): index.html says
 * which, and an element of another kind is a mistake in the page, reported as one.
 * @template {typeof HTMLElement} Kind
 * @param {Kind} kind
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {InstanceType<Kind>}
 */
export function $of(kind, selector, root = document) {
  const el = root.querySelector(selector);
  if (!(el instanceof kind)) throw new TypeError(`${selector} is not a ${kind.name}`);
  return /** @type {InstanceType<Kind>} */ (el);
}

/**
 * The element matching `selector` that an event happened in (a click on a row's button…).
 * @template {typeof HTMLElement} Kind
 * @param {Event} event
 * @param {string} selector
 * @param {Kind} [kind] what it must be: another element is not it
 * @returns {InstanceType<Kind> | null}
 */
export function closestTo(event, selector, kind) {
  const target = event.target;
  const found = target instanceof HTMLElement ? target.closest(selector) : null;
  return found instanceof (kind ?? HTMLElement) ? /** @type {InstanceType<Kind>} */ (found) : null;
}

/**
 * The row an Enter key was pressed on (rows are focusable), if it was pressed on a row.
 * @param {KeyboardEvent} event
 * @returns {HTMLElement | null}
 */
export function enteredRow(event) {
  const target = event.target;
  if (event.key !== 'Enter' || !(target instanceof HTMLElement) || target.tagName !== 'TR')
    return null;
  return target;
}

/**
 * Sets text only when it changed, so periodic refreshes do not churn the DOM.
 * @param {Element} el
 * @param {unknown} text
 */
export function setText(el, text) {
  const value = String(text);
  if (el.textContent !== value) el.textContent = value;
}

/**
 * @param {Element} el
 * @param {string} name
 * @param {unknown} value
 */
export function setAttr(el, name, value) {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/**
 * Keeps one row per item in a tbody, keyed, in the items' order: rows are
 * created once and then only updated, so charts and focus inside them survive
 * a refresh.
 */
/**
 * @template T
 * @param {HTMLElement} tbody
 * @param {T[]} items
 * @param {{
 *   key: (item: T) => number | string,
 *   create: (item: T) => HTMLElement,
 *   update: (row: HTMLElement, item: T) => void,
 *   remove?: (row: HTMLElement, key: string) => void,
 * }} rows
 */
export function syncRows(tbody, items, { key, create, update, remove }) {
  /** @type {Map<string, HTMLElement>} */
  const existing = new Map();
  for (const row of /** @type {NodeListOf<HTMLElement>} */ (
    tbody.querySelectorAll(':scope > tr[data-key]')
  ))
    existing.set(row.dataset.key ?? '', row);
  /** @type {HTMLElement | null} */
  let previous = null;
  for (const item of items) {
    const k = String(key(item));
    let row = existing.get(k);
    if (row) existing.delete(k);
    else {
      row = create(item);
      row.dataset.key = k;
    }
    update(row, item);
    /** @type {Element | null} */
    const expected = previous ? previous.nextElementSibling : tbody.firstElementChild;
    if (expected !== row) tbody.insertBefore(row, expected);
    previous = row;
  }
  for (const [k, row] of existing) {
    remove?.(row, k);
    row.remove();
  }
}

/**
 * @param {number | string | null | undefined} value
 */
export function fmtCores(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  const n = Number(value);
  return (Math.round(n * 100) / 100).toString();
}

/**
 * @param {number | string | null | undefined} part
 * @param {number | string | null | undefined} total
 */
export function pct(part, total) {
  if (!total) return 0;
  return Math.max(0, Math.min(100, (Number(part) / Number(total)) * 100));
}

/**
 * @param {number | null | undefined} seconds
 */
export function fmtAge(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * @param {string | null | undefined} iso
 */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString();
}

/**
 * @param {string | null | undefined} iso
 */
export function fmtDateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export const NODE_STATUSES = [
  'healthy',
  'not_ready',
  'pending',
  'recovering',
  'failed',
  'permanently_failed',
  'stopped',
];
export const POD_STATUSES = ['running', 'scheduled', 'pending', 'failed'];

// Kept in step with the --status-* variables in styles/base.css; Chart.js needs the values.
/** @type {Record<string, string>} */
export const STATUS_COLOURS = {
  healthy: '#1a7f37',
  running: '#1a7f37',
  not_ready: '#d97706',
  pending: '#8c959f',
  scheduled: '#0969da',
  recovering: '#bf8700',
  failed: '#cf222e',
  permanently_failed: '#82071e',
  stopped: '#57606a',
};

/**
 * @param {string | null | undefined} status
 */
export function statusLabel(status) {
  return String(status ?? 'unknown').replace(/_/g, ' ');
}

/**
 * @param {string} status
 * @param {string} [testid]
 */
export function badge(status, testid) {
  return h('span', { class: `badge status-${status}`, 'data-testid': testid }, statusLabel(status));
}

/**
 * @param {Element} el
 * @param {string} status
 */
export function updateBadge(el, status) {
  setText(el, statusLabel(status));
  const cls = `badge status-${status}`;
  if (el.className !== cls) el.className = cls;
}

/**
 * Short message in the corner; `kind` is 'ok' or 'error'.
 * @param {string} message
 * @param {'ok' | 'error'} [kind]
 */
export function toast(message, kind = 'ok') {
  const region = $('#toasts');
  const item = h(
    'div',
    {
      class: `toast toast-${kind}`,
      role: kind === 'error' ? 'alert' : 'status',
      'data-testid': 'toast',
    },
    message,
  );
  region.append(item);
  while (region.children.length > 4) region.firstElementChild?.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

/**
 * Follows whether an element is on screen (scrolled into view, its tab shown): `shown` runs
 * each time it comes into view; the answer tells whether it is now. Without
 * IntersectionObserver it always is.
 * @param {Element} el
 * @param {() => void} shown
 * @returns {() => boolean}
 */
export function watchOnScreen(el, shown) {
  if (!('IntersectionObserver' in window)) return () => !document.hidden;
  let inView = false;
  new IntersectionObserver((entries) => {
    const was = inView;
    inView = entries.some((e) => e.isIntersecting);
    if (inView && !was) shown();
  }).observe(el);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && inView) shown();
  });
  return () => inView && !document.hidden;
}

/**
 * Runs fn once, ms after the first of a burst of calls. Unlike a strict
 * debounce a steady stream of calls cannot postpone it forever.
 * @template {unknown[]} Args
 * @param {(...args: Args) => unknown} fn
 * @param {number} ms
 * @returns {(...args: Args) => void}
 */
export function coalesce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | 0} */
  let timer = 0;
  return (...args) => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = 0;
      fn(...args);
    }, ms);
  };
}
