// The review-and-save dialog: `review_draft` shows what would change (by name), the side
// effects and the problems; Confirm calls `save_policy`. A conflict shows what the other person
// changed and offers Reload (keep or drop the edits) or Overwrite (confirmed twice).

import { call } from './api.js';
import { $, h, setBusy, trapFocus } from './dom.js';
import { confirmDialog } from './confirm.js';
import { METHOD_LABELS, hostOf, draftForSave, diffIsEmpty, rebaseDraft, isDirty, personLabel, groupLabel } from './model.js';
import { state, on, rememberPeople, rememberGroups } from './state.js';
import { adoptLoaded, dropReads } from './policy.js';
import { toast } from './toast.js';
import { startWait } from './wait.js';
import { showImpact } from './impact.js';

let seq = 0;
let busy = false;
/** { draft, review } of the review on screen. */
let current = null;

const dialog = () => $('#review-dialog');

// ---- diff rendering -----------------------------------------------------------------------

function personText(id) {
  const p = state.people.get(id);
  const name = personLabel(p, id);
  return p && p.known !== false && p.email && p.email !== name ? `${name} (${p.email})` : name;
}

function groupText(id) {
  return groupLabel(state.groups.get(id), id);
}

function itemList(change, text, unknownOf) {
  const items = [];
  for (const x of (change && change.added) || []) {
    items.push(h('li', { class: `diff-add${unknownOf(x) ? ' is-unknown' : ''}` },
      h('span', { class: 'diff-sign', 'aria-hidden': 'true' }, '+'),
      h('span', { class: 'visually-hidden' }, 'Added: '), text(x)));
  }
  for (const x of (change && change.removed) || []) {
    items.push(h('li', { class: `diff-remove${unknownOf(x) ? ' is-unknown' : ''}` },
      h('span', { class: 'diff-sign', 'aria-hidden': 'true' }, '−'),
      h('span', { class: 'visually-hidden' }, 'Removed: '), text(x)));
  }
  return items;
}

function countText(change) {
  const a = (change && change.added && change.added.length) || 0;
  const r = (change && change.removed && change.removed.length) || 0;
  const parts = [];
  if (a) parts.push(`${a} added`);
  if (r) parts.push(`${r} removed`);
  return parts.join(', ');
}

/** A PolicyDiff in plain words. `methodNow` is named when the method does not change. */
export function renderDiff(container, diff, { methodNow = null, emptyText } = {}) {
  container.replaceChildren();
  if (diffIsEmpty(diff)) {
    container.append(h('p', { class: 'muted diff-empty' }, emptyText || 'No differences.'));
    return;
  }
  const rows = [];
  if (diff.method) {
    const [from, to] = diff.method;
    rows.push(h('li', { class: 'diff-group diff-method' },
      h('span', { class: 'diff-label' }, 'Method'),
      h('span', { class: 'diff-value' }, `${METHOD_LABELS[from] || from} → ${METHOD_LABELS[to] || to}`)));
  } else if (methodNow) {
    rows.push(h('li', { class: 'diff-group diff-method' },
      h('span', { class: 'diff-label' }, 'Method'),
      h('span', { class: 'diff-value muted' }, `${METHOD_LABELS[methodNow] || methodNow} (unchanged)`)));
  }
  const sections = [
    ['Trusted IPs', diff.trustedIps, (x) => h('code', {}, x), () => false],
    ['Mandatory users', diff.mandatoryUsers, personText, (id) => !state.people.get(id) || state.people.get(id).known === false],
    ['Mandatory groups', diff.mandatoryGroups, groupText, (id) => !state.groups.get(id) || state.groups.get(id).known === false],
  ];
  for (const [label, change, text, unknownOf] of sections) {
    const items = itemList(change, text, unknownOf);
    if (!items.length) continue;
    rows.push(h('li', { class: 'diff-group' },
      h('span', { class: 'diff-label' }, label, h('span', { class: 'diff-count' }, countText(change))),
      h('ul', { class: 'diff-items' }, items)));
  }
  container.append(h('ul', { class: 'diff' }, rows));
}

// ---- dialog states ------------------------------------------------------------------------

function setView({ loading = false, content = false, error = null, conflict = false }) {
  $('#review-loading').hidden = !loading;
  $('#review-content').hidden = !content;
  $('#review-error').hidden = !error;
  $('#review-error-text').textContent = error || '';
  $('#review-retry').hidden = true;
  $('#review-reload').hidden = true;
  $('#conflict-panel').hidden = !conflict;
  $('#overwrite-confirm').hidden = true;
  $('#review-body').setAttribute('aria-busy', loading ? 'true' : 'false');
}

function setConfirmEnabled(on) {
  const btn = $('#confirm-save');
  if (btn.getAttribute('aria-busy') !== 'true') btn.disabled = !on;
}

function setBusyState(on, button) {
  busy = on;
  if (button) setBusy(button, on);
  for (const id of ['#review-cancel', '#review-close', '#conflict-reload', '#conflict-overwrite', '#conflict-overwrite-confirm', '#conflict-overwrite-cancel', '#review-reload', '#save-note']) {
    const el = $(id);
    if (el !== button) el.disabled = on;
  }
  if (button !== $('#confirm-save')) $('#confirm-save').disabled = on || !canConfirm();
}

function canConfirm() {
  if (!current || !current.review) return false;
  const r = current.review;
  return r.canSave !== false && !(r.problems || []).some((p) => p.level === 'error');
}

/** The portal moved since the draft's base: their change, mine, and (below) the result. */
function renderMoved(moved) {
  $('#review-moved').hidden = !moved;
  $('#review-diff-title').textContent = moved ? '3. The result: what changes on the portal now' : 'What changes on the portal';
  if (!moved) return;
  renderDiff($('#review-theirs'), moved.theirs, { emptyText: 'No change.' });
  renderDiff($('#review-mine'), moved.mine, { emptyText: 'No change.' });
  const clash = moved.methodClash;
  $('#review-moved-clash').hidden = !clash;
  $('#review-moved-clash').textContent = clash
    ? `You both changed the method: they chose ${METHOD_LABELS[clash[0]] || clash[0]}, you chose ${METHOD_LABELS[clash[1]] || clash[1]}. Yours is kept.`
    : '';
}

function renderReview(r) {
  setView({ content: true });
  // What a save sends: with the portal moved, my change on top of theirs, based on what it holds now.
  current.save = r.moved
    ? { base: r.moved.live, draft: r.moved.merged }
    : { base: state.loaded.policy, draft: current.draft };
  renderMoved(r.moved || null);
  renderDiff($('#review-diff'), r.diff, {
    methodNow: current.draft.method,
    emptyText: "Nothing to save: your draft is the same as the portal's current policy.",
  });

  const effects = r.sideEffects || [];
  $('#review-effects-section').hidden = !effects.length;
  $('#review-effects').replaceChildren(...effects.map((t) => h('li', {}, t)));

  const problems = [...(r.problems || [])].sort((a, b) => (a.level === 'error' ? 0 : 1) - (b.level === 'error' ? 0 : 1));
  $('#review-problems-section').hidden = !problems.length;
  const errors = problems.filter((p) => p.level === 'error').length;
  $('#review-problems-title').textContent = errors
    ? `${errors === 1 ? 'One problem blocks' : `${errors} problems block`} the save`
    : 'Worth a second look';
  // Errors go first, where they cannot be missed; warnings after the side effects.
  const section = $('#review-problems-section');
  const content = $('#review-content');
  if (errors) content.prepend(section);
  else content.append(section);
  section.classList.toggle('has-errors', errors > 0);
  $('#review-problems').replaceChildren(...problems.map((p) => h('li', { class: `problem problem-${p.level}` },
    h('span', { class: 'tag' }, p.level === 'error' ? 'Error' : 'Warning'),
    h('span', {}, p.message))));

  setConfirmEnabled(canConfirm());
}

async function runReview() {
  const my = ++seq;
  current = { draft: draftForSave(state.draft), review: null };
  setView({ loading: true });
  setConfirmEnabled(false);
  try {
    const r = await call('review_draft', { draft: current.draft, myIp: myIp(), base: state.loaded.policy });
    if (my !== seq || !dialog().open) return;
    rememberPeople(r.users);
    rememberGroups(r.groups);
    current.review = r;
    renderReview(r);
    $('#review-title').focus();
    showImpact(current.draft, () => my === seq && dialog().open);
  } catch (err) {
    if (my !== seq || !dialog().open) return;
    if (err.kind === 'validation' && err.details && err.details.field === 'myIp') {
      // A mistyped address must not hide the review: show it under the field and review without it.
      $('#review-my-ip-error').textContent = err.message;
      $('#review-my-ip-error').hidden = false;
      $('#review-my-ip').value = '';
      runReview();
      return;
    }
    setView({ error: err.message });
    $('#review-retry').hidden = false;
    $('#review-retry').focus();
  }
}

/** The address the admin typed for the lockout check, or null. */
function myIp() {
  const v = $('#review-my-ip').value.trim();
  return v === '' ? null : v;
}

export function openReview() {
  const d = dialog();
  if (d.open) return;
  $('#review-portal').textContent = state.connection ? state.connection.portal : '';
  d.showModal();
  $('#review-title').focus();
  runReview();
}

function closeReview() {
  if (busy) return;
  seq += 1;
  current = null;
  if (dialog().open) dialog().close();
  const review = $('#review');
  if (review && !review.disabled) review.focus();
}

// ---- save ---------------------------------------------------------------------------------

function signedOutNote(res) {
  return res && res.signedOut ? ' Every session on the portal was signed out; people sign in again.' : '';
}

/** The toast after a save: the history entry it became, or why it was not recorded. */
function savedToast(res) {
  let msg = `Saved and verified.${signedOutNote(res)}${res.recovered ? ' (The portal’s answer was lost, but reading back showed the change landed.)' : ''}`;
  if (res.historyError) {
    toast(`${msg} The save is not in this app's history, though: ${res.historyError}`, { tone: 'warn', timeout: 15000 });
    return;
  }
  if (res.snapshot && res.snapshot.number != null) msg += ` Recorded as history entry #${res.snapshot.number}.`;
  toast(msg, { timeout: 9000 });
}

async function save(overwrite) {
  if (!current || busy) return;
  const button = overwrite ? $('#conflict-overwrite-confirm') : $('#confirm-save');
  setBusyState(true, button);
  let result = null;
  let error = null;
  const wait = startWait({
    what: `Saving to ${hostOf(state.connection ? state.connection.portal : '')} and reading the policy back`,
    cancelLabel: 'Stop waiting',
    host: $('#review-wait'),
    onCancel: () => call('cancel_wait', { what: 'save' }).catch(() => {}),
  });
  try {
    const saving = current.save || { base: state.loaded.policy, draft: current.draft };
    const args = { base: saving.base, draft: saving.draft, overwrite };
    const note = $('#save-note').value.trim();
    if (note) args.note = note;
    // The lockout check's address goes with each call; the core keeps no such state.
    const ip = myIp();
    if (ip) args.myIp = ip;
    result = await call('save_policy', args);
  } catch (err) {
    error = err;
  }
  wait.done();
  setBusyState(false, button);
  if (result) {
    adoptLoaded(result.policy);
    $('#save-note').value = '';
    closeReview();
    $('#policy-title').focus();
    savedToast(result);
    return;
  }
  if (error.kind === 'conflict') {
    showConflict(error);
    return;
  }
  $('#review-content').hidden = false;
  $('#conflict-panel').hidden = true;
  $('#review-error').hidden = false;
  $('#review-error-text').textContent = error.message;
  const landed = error.details && error.details.landed;
  // A stopped save (kind cancelled) may have landed too: offer the fresh read, never "nothing changed".
  $('#review-reload').hidden = !(error.kind === 'notVerified' || ((error.kind === 'saveFailed' || error.kind === 'cancelled') && landed !== 'no'));
  $('#review-error').focus();
}

function idsOf(diff, key) {
  const c = diff && diff[key];
  return c ? [...(c.added || []), ...(c.removed || [])] : [];
}

async function showConflict(err) {
  const details = err.details || {};
  const theirs = details.theirs;
  $('#review-content').hidden = true;
  $('#review-error').hidden = true;
  $('#conflict-panel').hidden = false;
  $('#overwrite-confirm').hidden = true;
  $('#conflict-message').textContent = err.message;
  setConfirmEnabled(false);
  const diffEl = $('#conflict-diff');
  const nameless = idsOf(theirs, 'mandatoryUsers').some((id) => !state.people.has(id))
    || idsOf(theirs, 'mandatoryGroups').some((id) => !state.groups.has(id));
  if (nameless && current) {
    // The other person may have added people this app has not seen yet: a fresh review names
    // every id in the live policy.
    diffEl.replaceChildren(h('p', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Looking up names…'));
    $('#conflict-title').focus();
    try {
      const r = await call('review_draft', { draft: current.draft });
      rememberPeople(r.users);
      rememberGroups(r.groups);
    } catch {
      // Names stay unknown; the ids are still shown.
    }
  }
  renderDiff(diffEl, theirs, { emptyText: 'The change could not be described.' });
  $('#conflict-title').focus();
}

/** Replaces the base with the portal's current policy, keeping or dropping the admin's edits. */
async function reloadBase(button) {
  const dirty = state.loaded && isDirty(state.loaded.policy, state.draft);
  let keep = false;
  if (dirty) {
    const choice = await confirmDialog({
      title: "Reload the portal's policy?",
      message: "Your draft is based on an older read of the policy. Keep your changes and apply them on top of the portal's current policy, or discard them and start from what the portal holds now.",
      ok: 'Keep my changes',
      alt: 'Discard my changes',
      cancel: 'Cancel',
    });
    if (choice === 'cancel') return;
    keep = choice === 'ok';
  }
  setBusyState(true, button);
  // This read is the newest: an older one still on its way must not land after it.
  dropReads();
  let lp = null;
  try {
    lp = await call('load_policy');
  } catch (err) {
    setBusyState(false, button);
    $('#review-error').hidden = false;
    $('#review-error-text').textContent = err.message;
    return;
  }
  setBusyState(false, button);
  const oldBase = state.loaded.policy;
  const draft = keep ? rebaseDraft(oldBase, state.draft, lp.policy) : null;
  adoptLoaded(lp, draft);
  if (keep && isDirty(lp.policy, state.draft)) {
    toast("Loaded the portal's current policy and kept your changes on top. Review them again.", { tone: 'info' });
    runReview();
  } else {
    closeReview();
    let msg = "Loaded the portal's current policy.";
    if (keep) msg = "Loaded the portal's current policy; it already holds your changes.";
    else if (dirty) msg = "Loaded the portal's current policy. Your changes were discarded.";
    toast(msg, { tone: 'info' });
  }
}

export function initReview() {
  const d = dialog();
  trapFocus(d);
  d.addEventListener('cancel', (e) => {
    e.preventDefault();
    if (!$('#overwrite-confirm').hidden) {
      $('#overwrite-confirm').hidden = true;
      $('#conflict-overwrite').focus();
      return;
    }
    closeReview();
  });
  $('#review-cancel').addEventListener('click', closeReview);
  $('#review-close').addEventListener('click', closeReview);
  $('#review-retry').addEventListener('click', runReview);
  const checkAccess = () => {
    $('#review-my-ip-error').hidden = true;
    runReview();
  };
  $('#review-my-ip-check').addEventListener('click', checkAccess);
  $('#review-my-ip').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      checkAccess();
    }
  });
  $('#confirm-save').addEventListener('click', () => {
    if (canConfirm()) save(false);
  });
  $('#conflict-reload').addEventListener('click', () => reloadBase($('#conflict-reload')));
  $('#review-reload').addEventListener('click', () => reloadBase($('#review-reload')));
  $('#conflict-overwrite').addEventListener('click', () => {
    $('#overwrite-confirm').hidden = false;
    $('#conflict-overwrite-cancel').focus();
  });
  $('#conflict-overwrite-cancel').addEventListener('click', () => {
    $('#overwrite-confirm').hidden = true;
    $('#conflict-overwrite').focus();
  });
  $('#conflict-overwrite-confirm').addEventListener('click', () => save(true));
  $('#save-note').addEventListener('keydown', (e) => {
    // No form to submit: Enter must not do anything surprising next to "Confirm and save".
    if (e.key === 'Enter') e.preventDefault();
  });
  on('connection', () => { $('#save-note').value = ''; });
}
