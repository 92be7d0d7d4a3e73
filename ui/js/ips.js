// The trusted-IP list editor: add (Enter, paste of many), edit in place, remove (button, or
// Delete on a focused row), and live validation through `check_ips` with errors, warnings,
// duplicates and a one-click canonical form. A bad entry stays on screen with its error.

import { call } from './api.js';
import { $, h, debounce } from './dom.js';
import { splitEntries, tidyEntry, checkFor, ipCheckSummary, plural } from './model.js';
import { state, on, emit, changeDraft } from './state.js';

let seq = 0;
let lastRequested = null;

function entries() {
  return state.draft ? state.draft.trustedIps : [];
}

function listsDisabled() {
  return !state.draft || state.draft.method === 'none';
}

function announce(text) {
  const el = $('#ip-announce');
  el.textContent = '';
  // A fresh text node, so the same message twice is read twice.
  setTimeout(() => { el.textContent = text; }, 30);
}

function inputMessage(text) {
  const el = $('#ip-input-msg');
  el.textContent = text || '';
  el.hidden = !text;
}

// ---- validation ---------------------------------------------------------------------------

const runCheck = debounce(doCheck, 150);

function scheduleCheck() {
  const list = entries();
  const key = JSON.stringify(list);
  if (key === lastRequested) return;
  lastRequested = key;
  if (!list.length) {
    runCheck.cancel();
    seq += 1;
    state.ipChecks = [];
    state.ipCheckState = 'idle';
    state.ipCheckError = null;
    emit('ipChecks');
    return;
  }
  if (state.ipCheckState !== 'pending') {
    state.ipCheckState = 'pending';
    emit('ipChecks');
  }
  runCheck();
}

async function doCheck() {
  const sent = [...entries()];
  const my = ++seq;
  try {
    const res = await call('check_ips', { entries: sent });
    if (my !== seq) return;
    state.ipChecks = Array.isArray(res) ? res : [];
    state.ipCheckError = null;
  } catch (err) {
    if (my !== seq) return;
    state.ipCheckError = err.message;
  }
  const current = JSON.stringify(entries()) === JSON.stringify(sent);
  state.ipCheckState = !current ? 'pending' : state.ipCheckError ? 'failed' : 'idle';
  emit('ipChecks');
}

function recheck() {
  lastRequested = null;
  scheduleCheck();
}

// ---- editing ------------------------------------------------------------------------------

export function addEntries(parts) {
  const existing = entries();
  const fresh = [];
  const repeated = [];
  for (const p of parts) {
    if (existing.includes(p) || fresh.includes(p)) repeated.push(p);
    else fresh.push(p);
  }
  if (fresh.length) changeDraft((d) => d.trustedIps.push(...fresh));
  const said = [];
  if (fresh.length) said.push(fresh.length === 1 ? `Added ${fresh[0]}.` : `Added ${fresh.length} entries.`);
  if (repeated.length) said.push(`Already in the list: ${repeated.join(', ')}.`);
  inputMessage(repeated.length ? said[said.length - 1] : '');
  announce(said.join(' '));
  return fresh.length;
}

function addFromInput() {
  if (listsDisabled()) return;
  const input = $('#ip-input');
  const parts = splitEntries(input.value);
  if (!parts.length) {
    inputMessage('Type an IP address, a range (10.0.0.1-10.0.0.50) or a CIDR block (192.168.1.0/24) first.');
    input.focus();
    return;
  }
  addEntries(parts);
  input.value = '';
  input.focus();
}

function removeAt(i, focusKind) {
  const list = entries();
  if (i < 0 || i >= list.length) return;
  const text = list[i];
  changeDraft((d) => d.trustedIps.splice(i, 1));
  announce(`Removed ${text || 'empty entry'}.`);
  const n = entries().length;
  if (!n) {
    $('#ip-input').focus();
    return;
  }
  const row = $('#ip-list').children[Math.min(i, n - 1)];
  if (!row) return;
  if (focusKind === 'button') row.querySelector('.ip-remove').focus();
  else row.focus();
}

function rowIndex(el) {
  const row = el.closest('.ip-row');
  return row ? Number(row.dataset.index) : -1;
}

// ---- rendering ----------------------------------------------------------------------------

function makeRow() {
  const input = h('input', { type: 'text', class: 'ip-text', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off' });
  const remove = h('button', { type: 'button', class: 'icon-btn ip-remove' }, h('span', { 'aria-hidden': 'true' }, '×'));
  return h('li', { class: 'ip-row', tabindex: '-1' },
    h('div', { class: 'ip-main' }, input, remove),
    h('div', { class: 'ip-msgs' }));
}

function messageKey(c, entriesList) {
  if (!c) return '';
  return JSON.stringify([c.error, c.warnings, c.duplicateOf, c.canonical, c.duplicateOf != null ? entriesList[c.duplicateOf] : null]);
}

function updateRow(row, i, text, list) {
  row.dataset.index = String(i);
  const input = row.querySelector('.ip-text');
  const remove = row.querySelector('.ip-remove');
  const msgs = row.querySelector('.ip-msgs');
  const label = `Trusted IP ${i + 1}`;
  if (input.value !== text) input.value = text;
  input.setAttribute('aria-label', label);
  msgs.id = `ip-msg-${i}`;
  input.setAttribute('aria-describedby', msgs.id);
  row.setAttribute('aria-label', `${label}: ${text || 'empty'}. Press Delete to remove, Enter to edit.`);
  remove.setAttribute('aria-label', `Remove ${text || 'empty entry'}`);

  // While a check is on its way, an entry being edited keeps its previous messages (dimmed)
  // instead of flickering; they count for nothing until the new check arrives.
  let c = checkFor(state.ipChecks, list, i);
  const stale = !c && state.ipCheckState === 'pending' && state.ipChecks.length === list.length && state.ipChecks[i]
    ? state.ipChecks[i] : null;
  if (stale) c = { ...stale, canonical: null };
  row.classList.toggle('is-stale', !!stale);
  const hasError = !!(c && c.error);
  const hasWarning = !!(c && ((c.warnings && c.warnings.length) || c.duplicateOf != null));
  row.classList.toggle('has-error', hasError);
  row.classList.toggle('has-warning', !hasError && hasWarning);
  row.classList.toggle('is-checking', (!c || !!stale) && state.ipCheckState === 'pending');
  input.setAttribute('aria-invalid', hasError && !stale ? 'true' : 'false');

  const key = messageKey(c, list);
  if (msgs.dataset.key === key) return;
  msgs.dataset.key = key;
  msgs.replaceChildren();
  if (!c) return;
  if (c.error) msgs.append(h('p', { class: 'ip-error' }, c.error));
  for (const w of c.warnings || []) msgs.append(h('p', { class: 'ip-warning' }, w));
  if (c.duplicateOf != null) {
    msgs.append(h('p', { class: 'ip-warning ip-duplicate' },
      `Repeats entry ${c.duplicateOf + 1} (${list[c.duplicateOf] ?? ''}); remove one of them.`));
  }
  if (c.canonical && c.canonical !== c.text) {
    msgs.append(h('button', { type: 'button', class: 'link-btn ip-use-canonical', dataset: { canonical: c.canonical } },
      `Use ${c.canonical}`));
  }
}

function renderStatus() {
  const list = entries();
  const status = $('#ip-status');
  const text = $('#ip-status-text');
  const retry = $('#ip-recheck');
  retry.hidden = true;
  status.classList.remove('is-error');
  if (!list.length) {
    text.textContent = '';
    status.hidden = true;
    return;
  }
  status.hidden = false;
  const s = ipCheckSummary(list, state.ipChecks);
  const parts = [plural(list.length, 'entry', 'entries')];
  if (s.errors) parts.push(plural(s.errors, 'error'));
  if (s.warnings) parts.push(`${s.warnings} with warnings`);
  if (state.ipCheckState === 'pending') parts.push('checking…');
  if (state.ipCheckState === 'failed') {
    parts.push(`could not check the entries: ${state.ipCheckError}`);
    retry.hidden = false;
    status.classList.add('is-error');
  }
  text.textContent = parts.join(' · ');
}

function render() {
  const list = entries();
  const ul = $('#ip-list');
  while (ul.children.length > list.length) ul.lastElementChild.remove();
  while (ul.children.length < list.length) ul.append(makeRow());
  list.forEach((text, i) => updateRow(ul.children[i], i, text, list));
  const empty = $('#ip-empty');
  empty.hidden = list.length > 0;
  empty.textContent = listsDisabled()
    ? 'No trusted IPs.'
    : 'No trusted IPs: everyone must use TFA, wherever they sign in from.';
  renderStatus();
}

// ---- events -------------------------------------------------------------------------------

export function initIps() {
  const input = $('#ip-input');
  const ul = $('#ip-list');

  $('#ip-add').addEventListener('click', addFromInput);
  $('#ip-recheck').addEventListener('click', recheck);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addFromInput();
    }
  });
  input.addEventListener('input', () => inputMessage(''));
  input.addEventListener('paste', (e) => {
    const text = e.clipboardData && e.clipboardData.getData('text');
    const parts = splitEntries(text);
    if (parts.length > 1 && !listsDisabled()) {
      e.preventDefault();
      addEntries(parts);
    }
  });

  ul.addEventListener('input', (e) => {
    if (!e.target.classList.contains('ip-text')) return;
    const i = rowIndex(e.target);
    changeDraft((d) => { d.trustedIps[i] = e.target.value; });
  });

  ul.addEventListener('paste', (e) => {
    const field = e.target;
    if (!field.classList || !field.classList.contains('ip-text') || listsDisabled()) return;
    const parts = splitEntries(e.clipboardData && e.clipboardData.getData('text'));
    const whole = field.selectionStart === 0 && field.selectionEnd === field.value.length;
    if (parts.length > 1 && whole) {
      e.preventDefault();
      const i = rowIndex(field);
      changeDraft((d) => d.trustedIps.splice(i, 1, ...parts));
      announce(`Replaced entry ${i + 1} with ${parts.length} entries.`);
    }
  });

  ul.addEventListener('click', (e) => {
    const btn = e.target.closest('button');
    if (!btn || listsDisabled()) return;
    const i = rowIndex(btn);
    if (btn.classList.contains('ip-remove')) {
      removeAt(i, 'button');
    } else if (btn.classList.contains('ip-use-canonical')) {
      const canonical = btn.dataset.canonical;
      changeDraft((d) => { d.trustedIps[i] = canonical; });
      announce(`Entry ${i + 1} is now ${canonical}.`);
      const row = ul.children[i];
      if (row) row.querySelector('.ip-text').focus();
    }
  });

  ul.addEventListener('keydown', (e) => {
    const i = rowIndex(e.target);
    if (i < 0) return;
    const row = ul.children[i];
    if (e.target === row) {
      if (listsDisabled()) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        removeAt(i, 'row');
      } else if (e.key === 'Enter' || e.key === 'F2') {
        e.preventDefault();
        row.querySelector('.ip-text').focus();
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = ul.children[i + (e.key === 'ArrowDown' ? 1 : -1)];
        if (next) next.focus();
      }
    } else if (e.target.classList.contains('ip-text')) {
      if (e.key === 'Enter' || e.key === 'Escape') {
        // Done editing: hand focus to the row, where Delete removes and arrows move.
        e.preventDefault();
        row.focus();
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && e.target.value === '') {
        e.preventDefault();
        removeAt(i, 'row');
      }
    }
  });

  ul.addEventListener('focusout', (e) => {
    if (!e.target.classList.contains('ip-text')) return;
    const i = rowIndex(e.target);
    const row = ul.children[i];
    // Done editing: "10.9.9.9 - 10.9.9.20" is kept as the server reads it, 10.9.9.9-10.9.9.20.
    const tidy = tidyEntry(entries()[i]);
    if (tidy && tidy !== entries()[i] && !listsDisabled()) {
      changeDraft((d) => { d.trustedIps[i] = tidy; });
    }
    // Not while focus moves to another row: removing would shift the row under the pointer.
    if (e.relatedTarget && ul.contains(e.relatedTarget)) return;
    if (entries()[i] === '' && !listsDisabled()) {
      changeDraft((d) => d.trustedIps.splice(i, 1));
      announce('Removed the empty entry.');
    }
  });

  on('draft', () => {
    render();
    scheduleCheck();
  });
  on('ipChecks', render);
  on('loaded', () => {
    inputMessage('');
    $('#ip-input').value = '';
  });
}

/** Adds entries that came from elsewhere (an imported list); how many were new. */
export function addImported(parts) {
  if (listsDisabled()) return 0;
  return addEntries(parts);
}
