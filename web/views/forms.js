// @ts-check
// Create-node and create-pod forms. The browser does not validate them
// (novalidate): the API's own 4xx message is what the user sees.
import { api } from '../api.js';
import { $, $of, h, toast } from '../dom.js';

/** @type {() => void} */
let created = () => {};

/** @typedef {{ value: string }} Field an input or a select */

/**
 * Empty field → undefined (left out of the body), else a number (or the text, for the API to refuse).
 * @param {Field} input
 */
function num(input) {
  const raw = input.value.trim();
  if (raw === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : raw;
}

/** @param {Field} input */
function text(input) {
  const raw = input.value.trim();
  return raw === '' ? undefined : raw;
}

/**
 * @param {HTMLElement} box
 * @param {string} message
 */
function showError(box, message) {
  box.textContent = message;
  box.hidden = !message;
}

/**
 * @template Answer
 * @param {HTMLFormElement} form
 * @param {HTMLElement} errorBox
 * @param {() => Promise<Answer>} makeRequest
 * @param {(answer: Answer) => void} onSuccess
 */
async function submitWith(form, errorBox, makeRequest, onSuccess) {
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type="submit"]'));
  showError(errorBox, '');
  submit.disabled = true;
  try {
    const result = await makeRequest();
    onSuccess(result);
  } catch (err) {
    showError(
      errorBox,
      err.status === 0 ? err.message : `${err.message}${err.status ? ` (${err.status})` : ''}`,
    );
  } finally {
    submit.disabled = false;
  }
}

/**
 * @param {HTMLDialogElement} dialog
 * @param {HTMLElement} focus
 */
function open(dialog, focus) {
  if (!dialog.open) dialog.showModal();
  focus.focus();
}

// ---- nodes ----

function initNodeForm() {
  const dialog = $of(HTMLDialogElement, '#node-form-dialog');
  const form = $of(HTMLFormElement, '#node-form');
  const errorBox = $('#node-form-error');
  $('#create-node-open').addEventListener('click', () => {
    showError(errorBox, '');
    open(dialog, $of(HTMLInputElement, '#node-name'));
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {import('../types').FormBody} */
    const body = {
      name: $of(HTMLInputElement, '#node-name').value.trim(),
      cpu_cores: num($of(HTMLInputElement, '#node-cpus')),
      node_type: $of(HTMLSelectElement, '#node-type').value,
    };
    const memory = num($of(HTMLInputElement, '#node-memory'));
    if (memory !== undefined) body.memory_mb = memory;
    submitWith(
      form,
      errorBox,
      () => api.createNode(body),
      (node) => {
        dialog.close();
        form.reset();
        showTokenNotice(node);
        toast(`Node ${node?.name ?? body.name} created`);
        created();
      },
    );
  });
}

/**
 * The heartbeat token is shown once by the API; keep it on screen until dismissed.
 * @param {import('../types').CreatedNode | null} node
 */
function showTokenNotice(node) {
  if (!node?.heartbeat_token) return;
  const notices = $('#notices');
  const code = h(
    'code',
    { class: 'token', 'data-testid': 'heartbeat-token' },
    node.heartbeat_token,
  );
  const notice = h(
    'div',
    { class: 'notice', role: 'status', 'data-testid': 'token-notice' },
    h(
      'span',
      {},
      `Node ${node.name} registered. Its heartbeat token is shown only once (needed for an agent you run yourself): `,
    ),
    code,
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small',
        onclick: (/** @type {MouseEvent} */ e) => {
          const button = /** @type {HTMLElement} */ (e.target);
          navigator.clipboard?.writeText(node.heartbeat_token).then(
            () => (button.textContent = 'Copied'),
            () => (button.textContent = 'Copy failed'),
          );
        },
      },
      'Copy',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small',
        'aria-label': 'Dismiss',
        onclick: () => notice.remove(),
      },
      'Dismiss',
    ),
  );
  notices.append(notice);
  while (notices.children.length > 3) notices.firstElementChild?.remove();
}

// ---- pods ----

/**
 * A control of an extra row: a text or number input, or a select of `options`.
 * @typedef {{ name: string, label: string, placeholder?: string, type?: string, value?: string,
 *   step?: string, options?: string[] }} RowField
 */

/** @type {Record<'container' | 'volume' | 'config', { list: string, fields: RowField[] }>} */
const ROW_KINDS = {
  container: {
    list: '#pod-containers',
    fields: [
      { name: 'name', label: 'Name', placeholder: 'sidecar' },
      { name: 'image', label: 'Image', placeholder: 'busybox:latest' },
      { name: 'cpus', label: 'CPU cores', type: 'number', value: '0.1', step: 'any' },
      { name: 'memory', label: 'Memory MB', type: 'number', value: '64', step: '1' },
      { name: 'command', label: 'Command', placeholder: 'optional' },
    ],
  },
  volume: {
    list: '#pod-volumes',
    fields: [
      { name: 'name', label: 'Name', placeholder: 'data' },
      { name: 'type', label: 'Type', options: ['emptyDir', 'hostPath', 'configMap', 'secret'] },
      { name: 'size', label: 'Size GB', type: 'number', value: '1', step: 'any' },
      { name: 'path', label: 'Mount path', placeholder: '/data' },
    ],
  },
  config: {
    list: '#pod-config',
    fields: [
      { name: 'name', label: 'Name', placeholder: 'app-config' },
      { name: 'type', label: 'Type', options: ['env', 'configMap', 'secret'] },
      { name: 'key', label: 'Key', placeholder: 'LOG_LEVEL' },
      { name: 'value', label: 'Value', placeholder: 'info' },
    ],
  },
};

/** @typedef {keyof typeof ROW_KINDS} RowKind */

/** @param {RowKind} kind */
function addRow(kind) {
  const spec = ROW_KINDS[kind];
  const list = $(spec.list);
  const index = list.children.length + 1;
  const row = h('div', { class: 'row-line', 'data-testid': `${kind}-row` });
  for (const field of spec.fields) {
    const label = `${kind === 'config' ? 'Config' : kind[0].toUpperCase() + kind.slice(1)} ${index} ${field.label.toLowerCase()}`;
    const control = field.options
      ? h(
          'select',
          { 'data-field': field.name, 'data-testid': `${kind}-${field.name}`, 'aria-label': label },
          ...field.options.map((o) => h('option', { value: o }, o)),
        )
      : h('input', {
          'data-field': field.name,
          'data-testid': `${kind}-${field.name}`,
          'aria-label': label,
          type: field.type ?? 'text',
          value: field.value,
          step: field.step,
          min: field.type === 'number' ? '0' : undefined,
          placeholder: field.placeholder,
          autocomplete: 'off',
        });
    row.append(
      h(
        'label',
        { class: 'row-field' },
        h('span', { class: 'row-field-label' }, field.label),
        control,
      ),
    );
  }
  if (kind === 'config') {
    // A secret's value is typed masked, as the API will show it.
    const type = /** @type {HTMLSelectElement} */ (row.querySelector('[data-field="type"]'));
    const value = /** @type {HTMLInputElement} */ (row.querySelector('[data-field="value"]'));
    type.addEventListener(
      'change',
      () => (value.type = type.value === 'secret' ? 'password' : 'text'),
    );
  }
  row.append(
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small btn-icon',
        'data-testid': 'row-remove',
        'aria-label': `Remove ${kind} ${index}`,
        onclick: () => row.remove(),
      },
      '✕',
    ),
  );
  list.append(row);
  /** @type {HTMLElement} */ (row.querySelector('input, select')).focus();
}

/**
 * The extra rows of one kind, each as its controls by field name.
 * @param {RowKind} kind
 */
function rowsOf(kind) {
  return [...$(ROW_KINDS[kind].list).children].map((row) => {
    /** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
    const values = {};
    for (const control of /** @type {NodeListOf<HTMLInputElement | HTMLSelectElement>} */ (
      row.querySelectorAll('[data-field]')
    ))
      values[control.dataset.field ?? ''] = control;
    return values;
  });
}

function podBody() {
  const name = $of(HTMLInputElement, '#pod-name').value.trim();
  /** @type {import('../types').FormBody} */
  const main = {
    name,
    image: $of(HTMLInputElement, '#pod-image').value.trim(),
    cpu_req: num($of(HTMLInputElement, '#pod-cpus')),
    memory_req: num($of(HTMLInputElement, '#pod-memory')),
  };
  const command = text($of(HTMLInputElement, '#pod-command'));
  if (command) main.command = command;
  const containers = [main];
  for (const c of rowsOf('container')) {
    /** @type {import('../types').FormBody} */
    const container = {
      name: c.name.value.trim(),
      image: c.image.value.trim(),
      cpu_req: num(c.cpus),
      memory_req: num(c.memory),
    };
    const cmd = text(c.command);
    if (cmd) container.command = cmd;
    containers.push(container);
  }
  /** @type {import('../types').FormBody} */
  const body = { name, containers };
  const volumes = rowsOf('volume').map((v) => ({
    name: v.name.value.trim(),
    type: v.type.value,
    size: num(v.size),
    path: v.path.value.trim(),
  }));
  if (volumes.length) body.volumes = volumes;
  const config = rowsOf('config').map((c) => ({
    name: c.name.value.trim(),
    type: c.type.value,
    key: c.key.value.trim(),
    value: c.value.value,
  }));
  if (config.length) body.config = config;
  return body;
}

/** @param {HTMLFormElement} form */
function resetPodForm(form) {
  form.reset();
  for (const { list } of Object.values(ROW_KINDS)) $(list).replaceChildren();
}

function initPodForm() {
  const dialog = $of(HTMLDialogElement, '#pod-form-dialog');
  const form = $of(HTMLFormElement, '#pod-form');
  const errorBox = $('#pod-form-error');
  $('#create-pod-open').addEventListener('click', () => {
    showError(errorBox, '');
    open(dialog, $of(HTMLInputElement, '#pod-name'));
  });
  $('#pod-add-container').addEventListener('click', () => addRow('container'));
  $('#pod-add-volume').addEventListener('click', () => addRow('volume'));
  $('#pod-add-config').addEventListener('click', () => addRow('config'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = podBody();
    submitWith(
      form,
      errorBox,
      () => api.createPod(body),
      (pod) => {
        dialog.close();
        resetPodForm(form);
        const where = pod?.node_name
          ? ` on ${pod.node_name}`
          : pod?.status === 'pending'
            ? ` (pending: ${pod.reason ?? 'no node fits'})`
            : '';
        toast(`Pod ${pod?.name ?? body.name} created${where}`);
        created();
      },
    );
  });
}

// ---- scheduler ----

let schedulerBusy = false;

async function loadScheduler() {
  const select = $of(HTMLSelectElement, '#scheduler-select');
  try {
    const info = await api.scheduler();
    const algorithms = info?.algorithms?.length
      ? info.algorithms
      : [info?.algorithm].filter(Boolean);
    select.replaceChildren(...algorithms.map((a) => h('option', { value: a }, a)));
    select.value = info?.algorithm ?? '';
    select.dataset.current = select.value;
  } catch (err) {
    toast(`Scheduler: ${err.message}`, 'error');
  }
}

function initScheduler() {
  const select = $of(HTMLSelectElement, '#scheduler-select');
  select.addEventListener('change', async () => {
    const previous = select.dataset.current ?? '';
    const algorithm = select.value;
    schedulerBusy = true;
    select.disabled = true;
    try {
      const info = await api.setScheduler(algorithm);
      select.dataset.current = info?.algorithm ?? algorithm;
      select.value = select.dataset.current;
      toast(`Scheduler set to ${select.value}`);
      created();
    } catch (err) {
      select.value = previous;
      toast(`Scheduler: ${err.message}`, 'error');
    } finally {
      schedulerBusy = false;
      select.disabled = false;
    }
  });
  loadScheduler();
}

/**
 * Follows a change made elsewhere (CLI, another browser), seen in GET /cluster.
 * @param {string | undefined} algorithm
 */
export function syncScheduler(algorithm) {
  const select = $of(HTMLSelectElement, '#scheduler-select');
  if (!algorithm || schedulerBusy || document.activeElement === select) return;
  if (![...select.options].some((o) => o.value === algorithm))
    select.append(h('option', { value: algorithm }, algorithm));
  select.value = algorithm;
  select.dataset.current = algorithm;
}

/** @param {{ onCreated: () => void }} handlers */
export function initForms({ onCreated }) {
  created = onCreated;
  initNodeForm();
  initPodForm();
  initScheduler();
}
