// The policy screen: loading (with Retry), the method radio group and its explanations, the
// "lists are wiped while disabled" state, and the save bar (Unsaved changes, Revert, Review).

import { call } from './api.js';
import { $, $$, setBusy } from './dom.js';
import { confirmDialog } from './confirm.js';
import { clonePolicy, hostOf } from './model.js';
import { createGenerations, meetRead } from './loads.js';
import { state, on, changeDraft, setLoaded, isDirtyNow, reviewBlocker } from './state.js';
import { toast } from './toast.js';
import { startWait } from './wait.js';

let handlers = { onNotConnected: () => {}, onReview: () => {} };
/** Every read of the policy takes a ticket: only the newest one, for the current portal, lands. */
const reads = createGenerations();
let readWait = null;

function offerReason(method) {
  const lp = state.loaded;
  if (!lp || method === 'none') return null;
  const offer = lp[method];
  if (!offer) return null;
  if (!offer.listed) return 'Not offered by this portal';
  if (!offer.available) return method === 'sms' ? 'No SMS provider configured' : 'Not available on this portal';
  return null;
}

function hasAnyList(p) {
  return !!p && (p.trustedIps.length + p.mandatoryUsers.length + p.mandatoryGroups.length) > 0;
}

function renderMethod() {
  const d = state.draft;
  if (!d) return;
  for (const radio of $$('input[name="method"]')) {
    radio.checked = radio.value === d.method;
    const reason = offerReason(radio.value);
    const reasonEl = $(`#method-${radio.value}-reason`);
    if (reasonEl) {
      reasonEl.textContent = reason || '';
      reasonEl.hidden = !reason;
    }
    radio.disabled = !!reason;
    radio.closest('.radio-card').classList.toggle('is-disabled', !!reason);
  }

  const off = d.method === 'none';
  const note = $('#disabled-note');
  note.hidden = !off;
  const base = state.loaded && state.loaded.policy;
  $('#disabled-note-text').textContent = base && base.method !== 'none' && hasAnyList(base)
    ? 'Saving with TFA disabled wipes the trusted IPs and the mandatory users and groups below: the portal keeps no lists while TFA is off. Turning TFA on again starts from empty lists.'
    : 'While TFA is disabled the portal keeps no trusted IPs and no mandatory users or groups. Choose a method to edit the lists.';

  // A reader sees the policy but gets no controls that look as if they could change it.
  const readOnly = !!state.connection && state.connection.canEdit === false;
  $('#method-group').disabled = readOnly;
  const lists = $('#lists');
  lists.disabled = off || readOnly;
  lists.classList.toggle('is-disabled', off);

  const noIps = $('#no-ips-note');
  noIps.hidden = off || d.trustedIps.length > 0 || (d.mandatoryUsers.length + d.mandatoryGroups.length) === 0;
}

function renderSavebar() {
  const dirty = isDirtyNow();
  const raw = state.loaded && state.draft
    && JSON.stringify(clonePolicy(state.loaded.policy)) !== JSON.stringify(clonePolicy(state.draft));
  const blocker = reviewBlocker();
  $('#dirty-indicator').hidden = !dirty;
  $('#savebar').classList.toggle('is-dirty', dirty);
  const msg = $('#savebar-msg');
  msg.textContent = dirty && blocker ? blocker : '';
  msg.hidden = !(dirty && blocker);
  const review = $('#review');
  if (review.getAttribute('aria-busy') !== 'true') review.disabled = !!blocker;
  $('#revert').disabled = !raw;
}

function showLoadState(kind, err) {
  const first = !state.loaded;
  $('#policy-loading').hidden = kind !== 'loading' || !first;
  $('#policy-error').hidden = kind !== 'error';
  $('#policy-form').hidden = first;
  $('#savebar').hidden = first;
  $('#policy-screen').setAttribute('aria-busy', kind === 'loading' ? 'true' : 'false');
  if (kind === 'error') {
    $('#policy-error-text').textContent = err.message;
    $('#load-reconnect').hidden = !['unauthorized', 'forbidden', 'notAdmin', 'noKey'].includes(err.kind);
  }
}

function stamp() {
  const t = new Date();
  $('#loaded-at').textContent = `Read at ${t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

function setReading(on) {
  setBusy($('#reload-policy'), on);
  setBusy($('#load-retry'), on);
}

/** What to do with a read that arrives while the admin kept editing (never a silent loss). */
async function settleRead(lp, start) {
  const met = meetRead({ base: start.base, startDraft: start.draft, draft: state.draft, read: lp.policy });
  if (met.kind !== 'ask') {
    adoptLoaded(lp, met.draft);
    if (met.kind === 'keep') toast('Read the policy again: it has not changed on the portal, and your edits are kept.', { tone: 'info' });
    return;
  }
  const choice = await confirmDialog({
    title: 'The policy changed on the portal while you were editing',
    message: "Keep your changes and apply them on top of the portal's current policy, or discard them and take what the portal holds now.",
    ok: 'Keep my changes',
    alt: 'Take theirs',
    cancel: 'Decide later',
  });
  if (choice === 'alt') {
    adoptLoaded(lp);
    toast("Loaded the portal's current policy. Your changes were discarded.", { tone: 'info' });
  } else if (choice === 'ok') {
    // Re-computed now: the draft may have changed before the dialog opened.
    adoptLoaded(lp, meetRead({ base: start.base, startDraft: start.draft, draft: state.draft, read: lp.policy }).draft);
    toast("Loaded the portal's current policy and kept your changes on top. Review them before saving.", { tone: 'info' });
  } else {
    // Nothing changes: the draft stays on its old base; the review will show the conflict.
    showLoadState('done');
    toast('Kept your draft as it is. The review shows what changed on the portal.', { tone: 'info' });
  }
}

/**
 * Reads the policy from the portal. The newest call always completes the screen; an answer for
 * an older call or another portal is dropped. A draft the admin edits meanwhile is never lost.
 */
export async function loadPolicy() {
  const portal = state.connection ? state.connection.portal : null;
  const ticket = reads.next(portal);
  const start = { base: state.loaded && clonePolicy(state.loaded.policy), draft: state.draft && clonePolicy(state.draft) };
  const current = () => reads.isCurrent(ticket, state.connection ? state.connection.portal : null);
  showLoadState('loading');
  setReading(true);
  if (readWait) readWait.done();
  const wait = startWait({
    what: `Reading the TFA policy from ${hostOf(portal || '')}`,
    host: $(state.loaded ? '#policy-wait' : '#policy-loading-wait'),
    onCancel: () => cancelRead(ticket),
  });
  readWait = wait;
  let lp = null;
  let error = null;
  try {
    lp = await call('load_policy');
  } catch (err) {
    error = err;
  }
  wait.done();
  performance.mark('policy-read');
  if (!current()) return;
  setReading(false);
  if (lp && lp.portal && portal && lp.portal !== portal) {
    error = { kind: 'internal', message: `The answer came from ${hostOf(lp.portal)}, not from ${hostOf(portal)}. Retry.` };
    lp = null;
  }
  if (lp) {
    await settleRead(lp, start);
    return;
  }
  if (error.kind === 'notConnected') {
    handlers.onNotConnected(error);
  } else {
    showLoadState('error', error);
    $('#load-retry').focus();
  }
}

/** The admin stopped waiting for a read: its answer is dropped, the form stays as it is. */
function cancelRead(ticket) {
  if (!reads.isCurrent(ticket)) return;
  reads.invalidate();
  call('cancel_wait', { what: 'load' }).catch(() => {});
  setReading(false);
  if (state.loaded) {
    showLoadState('done');
    toast('Stopped reading the policy. The form still shows the policy read before.', { tone: 'info' });
    $('#reload-policy').focus();
  } else {
    showLoadState('error', { kind: 'cancelled', message: 'You stopped reading the policy. Retry when the portal answers again.' });
    $('#load-retry').focus();
  }
}

/** Drops every read in flight (the screen is about to show another portal or none). */
export function dropReads() {
  reads.invalidate();
  if (readWait) readWait.done();
  setReading(false);
}

/** Replaces the base with `lp` (after a save or a reload), optionally keeping a draft. */
export function adoptLoaded(lp, draft) {
  setLoaded(lp, draft);
  showLoadState('done');
  // After the first frame: the first time-of-day formatting loads the locale data (~10 ms), which
  // the policy need not wait for.
  $('#loaded-at').textContent = '';
  requestAnimationFrame(() => setTimeout(stamp, 0));
}

export function resetPolicyScreen() {
  $('#policy-loading').hidden = false;
  $('#policy-error').hidden = true;
  $('#policy-form').hidden = true;
  $('#savebar').hidden = true;
  $('#loaded-at').textContent = '';
}

async function reloadClicked() {
  if (isDirtyNow()) {
    const choice = await confirmDialog({
      title: 'Discard unsaved changes?',
      message: 'Reading the policy from the portal again replaces your unsaved changes.',
      ok: 'Discard and reload',
      cancel: 'Keep editing',
      danger: true,
    });
    if (choice !== 'ok') return;
    // Discarded now, so edits made while the read is on its way are the only ones kept.
    setLoaded(state.loaded);
  }
  await loadPolicy();
}

export function initPolicy(h) {
  handlers = { ...handlers, ...h };
  $('#policy-form').addEventListener('submit', (e) => e.preventDefault());
  $('#method-group').addEventListener('change', (e) => {
    if (e.target.name !== 'method') return;
    const value = e.target.value;
    changeDraft((d) => { d.method = value; });
  });
  $('#revert').addEventListener('click', () => {
    if (!state.loaded) return;
    setLoaded(state.loaded);
    toast('Changes discarded: back to the policy read from the portal.', { tone: 'info' });
    const checked = $('input[name="method"]:checked');
    if (checked) checked.focus();
  });
  $('#review').addEventListener('click', () => {
    if (!reviewBlocker()) handlers.onReview();
  });
  $('#load-retry').addEventListener('click', loadPolicy);
  $('#reload-policy').addEventListener('click', reloadClicked);
  $('#load-reconnect').addEventListener('click', () => handlers.onNotConnected(null));

  on('draft', () => {
    renderMethod();
    renderSavebar();
  });
  on('ipChecks', renderSavebar);
  on('loaded', renderMethod);
}
