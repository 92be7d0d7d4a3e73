// What if: would a person (or a member of some groups) have to use TFA when signing in from an
// address, under the live policy and under the admin's draft? `what_if` applies the server's
// rule; the person and group pickers are the editor's own component in single/multi mode.

import { call } from './api.js';
import { $, $$, setBusy, setFieldError, trapFocus } from './dom.js';
import { createPicker } from './picker.js';
import { draftArg, outcomeBadge, outcomeChanged, personLabel, groupLabel, roleLabel } from './model.js';
import { state, on, isDirtyNow } from './state.js';

const sel = { mode: 'person', person: [], groups: [] };
let seq = 0;
let running = false;
let pickers = null;

const dialog = () => $('#what-if-dialog');

function markStale() {
  $('#what-if-results').classList.add('is-stale');
}

function clearWhoError() {
  setFieldError(null, $('#what-if-who-error'), null);
}

function binding(key, { single, noun }) {
  return {
    single,
    quietWhenEmpty: true,
    ids: () => sel[key],
    add: (id) => {
      sel[key] = single ? [id] : [...sel[key], id];
      clearWhoError();
      changed();
    },
    remove: (id) => {
      sel[key] = sel[key].filter((x) => x !== id);
      changed();
    },
    disabled: () => running,
    area: () => $('#what-if-body'),
    added: (label) => (single ? `Checking ${label}.` : `Added ${label}.`),
    removed: (label) => `Removed ${label}.`,
    already: (label) => `${label} is already ${single ? 'selected' : `one of the ${noun}`}.`,
  };
}

function changed() {
  if (pickers) {
    pickers.user.render();
    pickers.group.render();
  }
  markStale();
}

function setMode(mode) {
  sel.mode = mode;
  $('#wi-user-field').hidden = mode !== 'person';
  $('#wi-group-field').hidden = mode !== 'groups';
  for (const r of $$('input[name="what-if-who"]')) r.checked = r.value === mode;
  clearWhoError();
  markStale();
}

function renderDraftNote() {
  $('#what-if-draft-note').textContent = isDirtyNow()
    ? '“Your draft” is checked with your unsaved changes.'
    : 'You have no unsaved changes, so your draft is the live policy.';
}

function renderCard(card, outcome, { same = false, changedFromLive = false } = {}) {
  const badge = card.querySelector('.verdict');
  const text = card.querySelector('.explanation');
  card.classList.toggle('is-changed', changedFromLive);
  if (!outcome) {
    badge.dataset.tone = 'same';
    badge.textContent = same ? 'Same as live' : '—';
    text.textContent = same ? 'You have no unsaved changes, so your draft is the live policy.' : '';
    return;
  }
  const b = outcomeBadge(outcome);
  badge.dataset.tone = b.tone;
  badge.textContent = b.label;
  text.textContent = outcome.explanation || '';
}

function subjectText(res) {
  const ip = res.ip || $('#what-if-ip').value.trim();
  if (res.person) {
    const role = roleLabel(res.role);
    return `${personLabel(res.person, res.person.id)}${role ? ` (${role})` : ''} signing in from ${ip}`;
  }
  const names = (res.groups || []).map((g) => groupLabel(g, g.id));
  return `A member of ${names.length ? names.join(', ') : 'the chosen groups'} signing in from ${ip}`;
}

function renderResult(res) {
  const results = $('#what-if-results');
  results.hidden = false;
  $('#what-if-placeholder').hidden = true;
  results.classList.remove('is-stale');
  $('#what-if-subject').textContent = subjectText(res);
  renderCard($('#what-if-live'), res.live);
  renderCard($('#what-if-draft'), res.draft, { same: !res.draft, changedFromLive: outcomeChanged(res.live, res.draft) });
  results.scrollIntoView({ block: 'nearest' });
}

async function run() {
  if (running || !state.loaded) return;
  const ipInput = $('#what-if-ip');
  const ip = ipInput.value.trim();
  setFieldError(ipInput, $('#what-if-ip-error'), null);
  clearWhoError();
  $('#what-if-error').hidden = true;
  const user = sel.mode === 'person' ? sel.person[0] || null : null;
  const groups = sel.mode === 'groups' ? [...sel.groups] : [];
  if (!user && !groups.length) {
    setFieldError(null, $('#what-if-who-error'), sel.mode === 'person' ? 'Pick the person to check.' : 'Pick at least one group.');
    $(sel.mode === 'person' ? '#wi-user-search' : '#wi-group-search').focus();
    return;
  }
  if (!ip) {
    setFieldError(ipInput, $('#what-if-ip-error'), 'Type the IP address the person signs in from, like 203.0.113.7.');
    ipInput.focus();
    return;
  }
  const my = ++seq;
  const epoch = state.epoch;
  running = true;
  setBusy($('#what-if-run'), true);
  $('#what-if-results').setAttribute('aria-busy', 'true');
  try {
    const res = await call('what_if', { user, groups, ip, draft: draftArg(state.loaded.policy, state.draft) });
    if (my !== seq || epoch !== state.epoch || !dialog().open) return;
    renderResult(res);
  } catch (err) {
    if (my !== seq || epoch !== state.epoch || !dialog().open) return;
    const field = err.details && err.details.field;
    if (err.kind === 'validation' && field === 'ip') {
      setFieldError(ipInput, $('#what-if-ip-error'), err.message);
      ipInput.focus();
    } else if (err.kind === 'validation' && (field === 'user' || field === 'groups')) {
      setFieldError(null, $('#what-if-who-error'), err.message);
    } else {
      $('#what-if-error-text').textContent = err.message;
      $('#what-if-error').hidden = false;
    }
  } finally {
    if (my === seq) {
      running = false;
      setBusy($('#what-if-run'), false);
      $('#what-if-results').setAttribute('aria-busy', 'false');
    }
  }
}

export function openWhatIf() {
  const d = dialog();
  if (d.open || !state.loaded) return;
  renderDraftNote();
  if (!$('#what-if-results').hidden) markStale();
  d.showModal();
  const first = sel.mode === 'person' ? (sel.person.length ? '#what-if-ip' : '#wi-user-search')
    : (sel.groups.length ? '#what-if-ip' : '#wi-group-search');
  $(first).focus();
}

function closeWhatIf({ focus = true } = {}) {
  seq += 1;
  running = false;
  setBusy($('#what-if-run'), false);
  if (dialog().open) dialog().close();
  if (focus) $('#open-what-if').focus();
}

export function initWhatIf() {
  const d = dialog();
  trapFocus(d);
  pickers = {
    user: createPicker('wi-user', 'user', binding('person', { single: true, noun: 'people' })),
    group: createPicker('wi-group', 'group', binding('groups', { single: false, noun: 'groups' })),
  };
  d.addEventListener('cancel', (e) => {
    e.preventDefault();
    closeWhatIf();
  });
  $('#what-if-close').addEventListener('click', () => closeWhatIf());
  $('#open-what-if').addEventListener('click', openWhatIf);
  $('#what-if-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  $('#what-if-ip').addEventListener('input', () => {
    setFieldError($('#what-if-ip'), $('#what-if-ip-error'), null);
    markStale();
  });
  for (const r of $$('input[name="what-if-who"]')) r.addEventListener('change', () => setMode(r.value));
  on('draft', () => {
    if (d.open) {
      renderDraftNote();
      markStale();
    }
  });
  on('connection', () => {
    if (d.open) closeWhatIf({ focus: false });
    sel.person = [];
    sel.groups = [];
    $('#what-if-ip').value = '';
    $('#what-if-results').hidden = true;
    $('#what-if-placeholder').hidden = false;
    $('#what-if-error').hidden = true;
    setFieldError($('#what-if-ip'), $('#what-if-ip-error'), null);
    setMode('person');
    pickers.user.reset();
    pickers.group.reset();
    changed();
  });
}
