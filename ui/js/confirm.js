// An in-page confirmation dialog (<dialog id="confirm-dialog">) instead of window.confirm, so it
// looks like the app, works the same in every webview and can be driven by WebDriver.
// confirmDialog({title, message, ok, alt?, cancel?, danger?}) resolves 'ok' | 'alt' | 'cancel'.

import { $, trapFocus } from './dom.js';

let pending = null;

function finish(choice) {
  const dialog = $('#confirm-dialog');
  const resolve = pending;
  pending = null;
  if (dialog.open) dialog.close();
  if (resolve) resolve(choice);
}

export function initConfirm() {
  const dialog = $('#confirm-dialog');
  trapFocus(dialog);
  $('#confirm-ok').addEventListener('click', () => finish('ok'));
  $('#confirm-alt').addEventListener('click', () => finish('alt'));
  $('#confirm-cancel').addEventListener('click', () => finish('cancel'));
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    finish('cancel');
  });
}

export function confirmDialog({ title, message, ok = 'OK', alt = null, cancel = 'Cancel', danger = false }) {
  if (pending) finish('cancel');
  const dialog = $('#confirm-dialog');
  $('#confirm-title').textContent = title;
  $('#confirm-message').textContent = message;
  const okBtn = $('#confirm-ok');
  okBtn.textContent = ok;
  okBtn.classList.toggle('btn-danger', !!danger);
  okBtn.classList.toggle('btn-primary', !danger);
  const altBtn = $('#confirm-alt');
  altBtn.hidden = !alt;
  altBtn.textContent = alt || '';
  $('#confirm-cancel').textContent = cancel;
  return new Promise((resolve) => {
    pending = resolve;
    dialog.showModal();
    // The safe choice gets the focus, so a stray Enter never destroys anything.
    $('#confirm-cancel').focus();
  });
}
