// The history of this app's saves to the portal (`list_history`): newest first, each with who,
// when, the note and the change by name. Restoring needs no command: the policy before a save
// (undo) or after it becomes the draft, which goes through the usual review and save.

import { call } from './api.js';
import { $, h, trapFocus } from './dom.js';
import { confirmDialog } from './confirm.js';
import { localTime, newestFirst, samePolicy, hostOf } from './model.js';
import { state, on, replaceDraft, isDirtyNow, rememberPeople, rememberGroups } from './state.js';
import { renderDiff } from './review.js';
import { toast } from './toast.js';

let seq = 0;
let entries = [];

const dialog = () => $('#history-dialog');

function setView({ loading = false, error = null, empty = false }) {
  $('#history-loading').hidden = !loading;
  $('#history-error').hidden = !error;
  $('#history-error-text').textContent = error || '';
  $('#history-empty').hidden = !empty;
  $('#history-body').setAttribute('aria-busy', loading ? 'true' : 'false');
  if (loading || error) $('#history-list').replaceChildren();
}

function entryItem(e) {
  const live = state.loaded && samePolicy(e.after, state.loaded.policy);
  const diffEl = h('div', { class: 'history-diff' });
  if (e.diff) {
    renderDiff(diffEl, e.diff, { methodNow: e.after && e.after.method, emptyText: 'This save changed nothing.' });
  } else {
    diffEl.append(h('p', {}, e.summary || ''));
  }
  const when = localTime(e.time);
  return h('li', { class: 'history-entry', id: `history-entry-${e.number}`, 'aria-labelledby': `history-entry-${e.number}-title` },
    h('div', { class: 'history-head' },
      h('h3', { class: 'history-num', id: `history-entry-${e.number}-title` },
        `#${e.number}`, h('span', { class: 'visually-hidden' }, `, saved ${when} by ${e.by || 'unknown'}`)),
      h('span', { class: 'history-meta', 'aria-hidden': 'true' },
        h('time', { datetime: e.time }, when), e.by ? ` · ${e.by}` : ''),
      live ? h('span', { class: 'tag tag-live' }, 'On the portal now') : null),
    e.note ? h('p', { class: 'history-note' }, h('span', { class: 'visually-hidden' }, 'Note: '), e.note) : null,
    diffEl,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-sm', id: `history-restore-before-${e.number}`, dataset: { number: String(e.number), which: 'before' } },
        'Restore the policy before this save'),
      h('button', { type: 'button', class: 'btn btn-sm', id: `history-restore-after-${e.number}`, dataset: { number: String(e.number), which: 'after' } },
        'Restore this version')));
}

function render() {
  setView({ empty: !entries.length });
  $('#history-list').replaceChildren(...entries.map(entryItem));
}

async function load() {
  const my = ++seq;
  const epoch = state.epoch;
  setView({ loading: true });
  try {
    const res = await call('list_history');
    if (my !== seq || epoch !== state.epoch || !dialog().open) return;
    rememberPeople(res.users);
    rememberGroups(res.groups);
    entries = newestFirst(res.entries);
    render();
    $('#history-title').focus();
  } catch (err) {
    if (my !== seq || epoch !== state.epoch || !dialog().open) return;
    setView({ error: err.message });
    $('#history-retry').focus();
  }
}

export function openHistory() {
  const d = dialog();
  if (d.open || !state.loaded) return;
  $('#history-portal').textContent = state.connection ? hostOf(state.connection.portal) : 'this portal';
  d.showModal();
  $('#history-title').focus();
  load();
}

function closeHistory({ focus = true } = {}) {
  seq += 1;
  if (dialog().open) dialog().close();
  if (focus) $('#open-history').focus();
}

async function restore(number, which) {
  const e = entries.find((x) => x.number === number);
  if (!e || !state.loaded) return;
  const policy = which === 'before' ? e.before : e.after;
  if (isDirtyNow() && !samePolicy(policy, state.draft)) {
    const choice = await confirmDialog({
      title: 'Replace your unsaved changes?',
      message: `Loading ${which === 'before' ? `the policy before #${number}` : `#${number}`} replaces the changes you have not saved yet.`,
      ok: 'Replace my changes',
      cancel: 'Keep editing',
      danger: true,
    });
    if (choice !== 'ok') return;
  }
  closeHistory({ focus: false });
  replaceDraft(policy);
  const what = which === 'before' ? `the policy before #${number}` : `#${number}`;
  if (samePolicy(policy, state.loaded.policy)) {
    toast(`${what[0].toUpperCase()}${what.slice(1)} is the policy on the portal now — nothing to save.`, { tone: 'info' });
    $('#policy-title').focus();
  } else {
    toast(`Loaded ${what} as a draft — review and save to apply.`, { tone: 'info', timeout: 8000 });
    const review = $('#review');
    (review.disabled ? $('#policy-title') : review).focus();
  }
}

export function initHistory() {
  const d = dialog();
  trapFocus(d);
  d.addEventListener('cancel', (e) => {
    e.preventDefault();
    closeHistory();
  });
  $('#history-close').addEventListener('click', () => closeHistory());
  $('#history-retry').addEventListener('click', load);
  $('#open-history').addEventListener('click', openHistory);
  $('#history-list').addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-which]');
    if (btn) restore(Number(btn.dataset.number), btn.dataset.which);
  });
  on('connection', () => {
    entries = [];
    if (dialog().open) closeHistory({ focus: false });
  });
}
