// Waits the admin can see and stop: a wait that lasts over half a second shows what it waits for
// and a Cancel button, in `host`: a place in the screen or dialog the wait belongs to (the save bar,
// the connect form, the review), never over the content.

import { h } from './dom.js';

/** Shorter waits show nothing: a flash of "Cancel" would only distract. */
export const SHOW_AFTER_MS = 500;

/**
 * startWait({ what, onCancel, host, cancelLabel? }) → { done() }. `what` is a sentence fragment
 * ("Reading the TFA policy from example.com"). `onCancel` runs when the admin clicks Cancel; the
 * wait is over then either way.
 */
export function startWait({ what, onCancel, host, cancelLabel = 'Cancel' }) {
  let row = null;
  let over = false;
  const done = () => {
    over = true;
    clearTimeout(timer);
    if (row) row.remove();
  };
  const timer = setTimeout(() => {
    if (over) return;
    const cancel = h('button', { type: 'button', class: 'btn btn-sm wait-cancel' }, cancelLabel);
    cancel.addEventListener('click', () => {
      done();
      onCancel();
    });
    row = h('div', { class: 'wait-row', role: 'status' },
      h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }),
      h('span', { class: 'wait-text' }, `${what}…`),
      cancel);
    host.append(row);
  }, SHOW_AFTER_MS);
  return { done };
}
