// The About dialog: the app's version and the help links, which Rust opens in the system
// browser (`open_link` with a fixed name; the webview never navigates away).

import { call } from './api.js';
import { $, $$, trapFocus } from './dom.js';
import { state } from './state.js';

let opener = null;

function close() {
  const d = $('#about-dialog');
  if (d.open) d.close();
}

export function openAbout() {
  const d = $('#about-dialog');
  if (d.open) return;
  opener = document.activeElement;
  $('#about-version').textContent = state.version ? `Version ${state.version}` : '';
  $('#about-error').hidden = true;
  d.showModal();
  $('#about-title').focus();
}

export function initAbout() {
  const d = $('#about-dialog');
  trapFocus(d);
  $('#open-about').addEventListener('click', openAbout);
  $('#about-close').addEventListener('click', close);
  $('#about-ok').addEventListener('click', close);
  d.addEventListener('close', () => {
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    opener = null;
  });
  for (const b of $$('[data-link]', d)) {
    b.addEventListener('click', async () => {
      try {
        await call('open_link', { which: b.dataset.link });
      } catch (err) {
        const e = $('#about-error');
        e.textContent = err.message;
        e.hidden = false;
      }
    });
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === 'F1' && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      openAbout();
    }
  });
}
