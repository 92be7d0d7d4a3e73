// The drift banner: the live policy differs from this app's last save (someone changed it on
// the portal, or DocSpace's own page wiped the lists). Shows their change by name and offers
// "Re-apply mine" (the last save becomes the draft, reviewed and saved as usual) or "Accept
// theirs" (`accept_drift`).

import { call } from './api.js';
import { $, setBusy } from './dom.js';
import { confirmDialog } from './confirm.js';
import { samePolicy, unnamedIds } from './model.js';
import { state, on, replaceDraft, setDrift, isDirtyNow, rememberPeople, rememberGroups } from './state.js';
import { renderDiff } from './review.js';
import { toast } from './toast.js';

let lookupFor = null;
let accepting = false;

function renderNames() {
  const d = state.drift;
  if (!d) return;
  renderDiff($('#drift-diff'), d.diff, { emptyText: 'The difference could not be described.' });
}

/** Names for ids only in `drift.ours` (people removed on the portal): one review_draft call. */
async function lookUpNames(drift) {
  const missing = unnamedIds(drift.diff, (id) => state.people.has(id), (id) => state.groups.has(id));
  if (!missing.users.length && !missing.groups.length) return;
  if (lookupFor === drift) return;
  lookupFor = drift;
  const epoch = state.epoch;
  $('#drift-diff').setAttribute('aria-busy', 'true');
  try {
    const r = await call('review_draft', { draft: drift.ours });
    if (epoch !== state.epoch) return;
    rememberPeople(r.users);
    rememberGroups(r.groups);
  } catch {
    // The ids stay as "unknown user <id>"; the banner is still right.
  } finally {
    $('#drift-diff').setAttribute('aria-busy', 'false');
  }
  if (state.drift === drift) renderNames();
}

function renderButtons() {
  const d = state.drift;
  if (!d) return;
  const loaded = state.draft && samePolicy(d.ours, state.draft);
  const reapply = $('#drift-reapply');
  if (!accepting) reapply.disabled = !!loaded;
  $('#drift-hint').textContent = loaded
    ? `Your save #${d.since} is the draft now: review and save to apply it again.`
    : '';
}

function render() {
  const d = state.drift;
  const banner = $('#drift-banner');
  banner.hidden = !d;
  if (!d) return;
  $('#drift-title').textContent = `The policy on the portal changed outside this app since your last save (#${d.since})`;
  renderNames();
  renderButtons();
  lookUpNames(d);
}

async function reapply() {
  const d = state.drift;
  if (!d) return;
  if (isDirtyNow() && !samePolicy(state.draft, d.ours)) {
    const choice = await confirmDialog({
      title: 'Replace your unsaved changes?',
      message: `Re-applying your save #${d.since} replaces the changes you have not saved yet.`,
      ok: 'Replace my changes',
      cancel: 'Keep editing',
      danger: true,
    });
    if (choice !== 'ok' || state.drift !== d) return;
  }
  replaceDraft(d.ours);
  toast(`Loaded your save #${d.since} as a draft — review and save to apply.`, { tone: 'info' });
  const review = $('#review');
  (review.disabled ? $('#policy-title') : review).focus();
}

async function accept() {
  const d = state.drift;
  if (!d || accepting) return;
  const epoch = state.epoch;
  accepting = true;
  setBusy($('#drift-accept'), true);
  $('#drift-reapply').disabled = true;
  try {
    const res = await call('accept_drift');
    if (epoch !== state.epoch) return;
    setDrift(null);
    toast(`Accepted the portal's current policy${res && res.number != null ? ` (history entry #${res.number})` : ''}.`);
    $('#policy-title').focus();
  } catch (err) {
    if (epoch !== state.epoch) return;
    toast(err.message, { tone: 'error', timeout: 10000 });
  } finally {
    accepting = false;
    setBusy($('#drift-accept'), false);
    renderButtons();
  }
}

export function initDrift() {
  $('#drift-reapply').addEventListener('click', reapply);
  $('#drift-accept').addEventListener('click', accept);
  on('drift', render);
  on('draft', renderButtons);
  on('names', () => { if (state.drift) renderNames(); });
}
