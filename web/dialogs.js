// @ts-check
// In-page dialogs (<dialog>, never window.confirm/prompt) so that a browser test
// can see and click them.
import { $, $of } from './dom.js';

/** @param {HTMLDialogElement} dialog */
function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
}

/**
 * Resolves with the dialog's returnValue once it closes (Escape gives '').
 * @param {HTMLDialogElement} dialog
 * @returns {Promise<string>}
 */
function whenClosed(dialog) {
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
  });
}

/**
 * Asks before a destructive action. Resolves to null when cancelled, otherwise
 * to { mode } (the failure mode when `withMode` is set).
 * @param {{ title: string, message: string, okLabel?: string, withMode?: boolean }} question
 * @returns {Promise<{ mode: string } | null>}
 */
export async function confirmAction({ title, message, okLabel = 'Confirm', withMode = false }) {
  const dialog = $of(HTMLDialogElement, '#confirm-dialog');
  $('#confirm-title', dialog).textContent = title;
  $('#confirm-message', dialog).textContent = message;
  $('#confirm-ok', dialog).textContent = okLabel;
  const modeRow = $('#confirm-mode-row', dialog);
  modeRow.hidden = !withMode;
  const mode = $of(HTMLSelectElement, '#fail-mode', dialog);
  mode.value = 'crash';
  dialog.returnValue = '';
  const closed = whenClosed(dialog);
  openDialog(dialog);
  // Focus the harmless choice first, as native confirm boxes do for destructive actions.
  $('#confirm-cancel', dialog).focus();
  const result = await closed;
  return result === 'ok' ? { mode: mode.value } : null;
}

/**
 * Asks for the API token; resolves to the token or null when cancelled.
 * @param {{ rejected?: boolean }} [options]
 * @returns {Promise<string | null>}
 */
export async function askForToken({ rejected = false } = {}) {
  const dialog = $of(HTMLDialogElement, '#token-dialog');
  const input = $of(HTMLInputElement, '#token-input', dialog);
  $('#token-error', dialog).hidden = !rejected;
  input.value = '';
  dialog.returnValue = '';
  const closed = whenClosed(dialog);
  openDialog(dialog);
  input.focus();
  const result = await closed;
  const token = input.value.trim();
  input.value = '';
  return result === 'ok' && token ? token : null;
}

/**
 * Asks how many replicas a Deployment should have; resolves to { replicas } or null when
 * cancelled. What was typed goes to the API as it is, a number when it reads as one, so
 * the API's own refusal (a negative count, a fraction) is what the user sees.
 * @param {{ name: string, replicas: number }} deployment
 * @returns {Promise<{ replicas: number | string } | null>}
 */
export async function askForReplicas({ name, replicas }) {
  const dialog = $of(HTMLDialogElement, '#scale-dialog');
  $('#scale-title', dialog).textContent = `Scale deployment ${name}`;
  const input = $of(HTMLInputElement, '#scale-replicas', dialog);
  input.value = String(replicas);
  dialog.returnValue = '';
  const closed = whenClosed(dialog);
  openDialog(dialog);
  input.select();
  const result = await closed;
  if (result !== 'ok') return null;
  const raw = input.value.trim();
  return { replicas: raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw };
}

/** Wires the close buttons of the plain dialogs (forms and details). */
export function wireCloseButtons() {
  for (const button of document.querySelectorAll('[data-close-dialog]')) {
    button.addEventListener('click', () => button.closest('dialog')?.close());
  }
  // A click on the backdrop of a detail dialog closes it.
  const details = /** @type {NodeListOf<HTMLDialogElement>} */ (
    document.querySelectorAll('dialog.detail')
  );
  for (const dialog of details) {
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
  }
}
