// The policy screen: loading (with Retry), the method radio group and its explanations, the
// "lists are wiped while disabled" state, and the save bar (Unsaved changes, Revert, Review).

import { call } from './api.js';
import { $, $$, setBusy } from './dom.js';
import { confirmDialog } from './confirm.js';
import { clonePolicy } from './model.js';
import { state, on, changeDraft, setLoaded, isDirtyNow, reviewBlocker } from './state.js';
import { toast } from './toast.js';

let handlers = { onNotConnected: () => {}, onReview: () => {} };
let loading = false;

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

  const lists = $('#lists');
  lists.disabled = off;
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

/** Reads the policy from the portal and makes it the new base (the draft is replaced). */
export async function loadPolicy() {
  if (loading) return;
  loading = true;
  showLoadState('loading');
  const reload = $('#reload-policy');
  const retry = $('#load-retry');
  setBusy(reload, true);
  setBusy(retry, true);
  const epoch = state.epoch;
  try {
    const lp = await call('load_policy');
    if (epoch !== state.epoch) return;
    setLoaded(lp);
    stamp();
    showLoadState('done');
  } catch (err) {
    if (epoch !== state.epoch) return;
    if (err.kind === 'notConnected') {
      handlers.onNotConnected(err);
    } else {
      showLoadState('error', err);
      retry.focus();
    }
  } finally {
    loading = false;
    setBusy(reload, false);
    setBusy(retry, false);
  }
}

/** Replaces the base with `lp` (after a save or a reload), optionally keeping a draft. */
export function adoptLoaded(lp, draft) {
  setLoaded(lp, draft);
  stamp();
  showLoadState('done');
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
