// @ts-check
// The network view: who may talk to whom, as GET /network/matrix answers it for the
// NetworkPolicies in force. A cell is green when the row's pod may open a connection to
// the column's pod (on the chosen port, or on some port), red when a policy denies it.
import { api } from '../api.js';
import { $, $of, fill, h, setText, watchOnScreen } from '../dom.js';

let lastKey = '';
/** @type {() => boolean} */
let onScreen = () => !document.hidden;

function port() {
  const value = $of(HTMLInputElement, '#network-port').value.trim() ?? '';
  return /^\d{1,5}$/.test(value) ? value : '';
}

/** @param {import('../types').NetworkMatrix} matrix */
function render(matrix) {
  /** @param {string} name */
  const short = (name) => (name.startsWith('default/') ? name.slice('default/'.length) : name);
  const key = JSON.stringify(matrix);
  if (key === lastKey) return;
  lastKey = key;
  setText(
    $('#network-policies'),
    matrix.policies.length
      ? `Policies in force: ${matrix.policies.map(short).join(', ')}`
      : 'No NetworkPolicy: every pod may reach every pod.',
  );
  const table = $('#network-matrix');
  $('#network-empty').hidden = matrix.pods.length > 0;
  table.hidden = matrix.pods.length === 0;
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'from \\ to'),
    ...matrix.pods.map((p) => h('th', { scope: 'col', class: 'matrix-col' }, short(p))),
  );
  const rows = matrix.pods.map((from, i) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, short(from)),
      ...matrix.pods.map((to, j) => {
        const allowed = matrix.allowed[i][j];
        return h(
          'td',
          {
            class: `matrix-cell ${allowed ? 'cell-allowed' : 'cell-denied'}`,
            'data-testid': 'network-cell',
            'data-from': from,
            'data-to': to,
            'data-allowed': String(allowed),
            title: `${from} → ${to}: ${allowed ? 'allowed' : 'denied'}`,
          },
          allowed ? '✓' : '✗',
        );
      }),
    ),
  );
  fill(table, h('thead', {}, head), h('tbody', {}, ...rows));
}

/**
 * Reloads the matrix while it is on screen (after pod events, and every few seconds for the
 * policies, which send none); `force` reloads it anyway.
 */
export async function refreshNetwork({ force = false } = {}) {
  if (!force && !onScreen()) return;
  try {
    render(await api.networkMatrix({ port: port() }));
  } catch (err) {
    setText($('#network-policies'), `Cannot load the network matrix: ${err.message}`);
  }
}

export function initNetworkView() {
  $('#network-port')?.addEventListener('change', () => refreshNetwork({ force: true }));
  onScreen = watchOnScreen($('#network'), () => refreshNetwork());
}
