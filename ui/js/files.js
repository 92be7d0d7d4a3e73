// Policy files and copying between portals, behind the "More" menu:
// - Export: `export_policy` writes the draft (when it changes something) or the live policy to a
//   reviewable file chosen in a native dialog.
// - Import: `import_policy` reads a file resolved against this portal; it becomes the draft.
// - Copy from another saved portal: `copy_from_profile`, the other portal's live policy as a draft.
// Entries that could not be matched are never dropped silently: the notice lists them.

import { call } from './api.js';
import { $, h, setBusy, trapFocus } from './dom.js';
import { confirmDialog } from './confirm.js';
import { initMenu } from './menu.js';
import { draftArg, fileName, hostOf, importIssues, samePolicy, plural } from './model.js';
import { state, on, replaceDraft, setNotice, isDirtyNow, rememberPeople, rememberGroups } from './state.js';
import { toast } from './toast.js';

let busy = false;

async function withMenuBusy(fn) {
  if (busy) return;
  busy = true;
  const btn = $('#more-actions');
  setBusy(btn, true);
  try {
    await fn();
  } finally {
    busy = false;
    setBusy(btn, false);
    btn.disabled = !state.loaded;
  }
}

function afterNewDraft(what, policy) {
  if (samePolicy(policy, state.loaded.policy)) {
    toast(`${what} matches the policy on the portal now — nothing to save.`, { tone: 'info', timeout: 8000 });
    $('#policy-title').focus();
  } else {
    toast(`${what} is loaded as a draft — review and save to apply.`, { tone: 'info', timeout: 8000 });
    const review = $('#review');
    (review.disabled ? $('#policy-title') : review).focus();
  }
}

// ---- export / import ----------------------------------------------------------------------

async function exportPolicy() {
  if (!state.loaded) return;
  const epoch = state.epoch;
  await withMenuBusy(async () => {
    const draft = draftArg(state.loaded.policy, state.draft);
    try {
      const res = await call('export_policy', { draft });
      if (epoch !== state.epoch || !res || res.cancelled) return;
      toast(`Exported ${draft ? 'your draft (with the unsaved changes)' : 'the live policy'} to ${res.path}.`, { timeout: 10000 });
    } catch (err) {
      if (epoch === state.epoch) toast(err.message, { tone: 'error', timeout: 12000 });
    }
  });
  $('#more-actions').focus();
}

/** Replaces the draft with an Imported (import or copy), after asking if edits would be lost. */
async function adoptImported(res, { kind, what }) {
  if (isDirtyNow() && !samePolicy(res.draft, state.draft)) {
    const choice = await confirmDialog({
      title: 'Replace your unsaved changes?',
      message: `${what} replaces the changes you have not saved yet.`,
      ok: 'Replace my changes',
      cancel: 'Keep my changes',
      danger: true,
    });
    if (choice !== 'ok') {
      toast('Nothing was changed: your unsaved changes are kept.', { tone: 'info' });
      return false;
    }
  }
  rememberPeople(res.users);
  rememberGroups(res.groups);
  const issues = importIssues(res, state.connection && state.connection.role);
  replaceDraft(res.draft, { kind, source: res.source || '', ...issues });
  afterNewDraft(what, res.draft);
  return true;
}

async function importPolicy() {
  if (!state.loaded) return;
  const epoch = state.epoch;
  let res = null;
  await withMenuBusy(async () => {
    try {
      res = await call('import_policy');
    } catch (err) {
      if (epoch === state.epoch) toast(err.message, { tone: 'error', timeout: 12000 });
    }
  });
  if (epoch !== state.epoch || !res || res.cancelled) {
    $('#more-actions').focus();
    return;
  }
  await adoptImported(res, { kind: 'import', what: res.source ? `The policy in ${fileName(res.source)}` : 'The imported policy' });
}

// ---- notice -------------------------------------------------------------------------------

function renderNotice() {
  const n = state.notice;
  const el = $('#import-notice');
  const show = !!n && (n.kind === 'copy' || n.any);
  el.hidden = !show;
  if (!show) return;
  el.classList.toggle('callout-warn', n.any);
  el.classList.toggle('callout-info', !n.any);
  const owners = n.owners || [];
  const count = n.unresolved.length + n.unknownIds.length + owners.length;
  if (n.kind === 'copy') {
    $('#import-notice-title').textContent = `Draft copied from ${hostOf(n.source) || 'another portal'}`;
    $('#import-notice-text').textContent = n.any
      ? `Users and groups were matched on this portal by email and name; ${plural(count, 'entry', 'entries')} need a look before you save.`
      : 'Every user and group was found on this portal. Review the draft and save it to apply it here.';
  } else {
    $('#import-notice-title').textContent = `${plural(count, 'entry', 'entries')} of the imported file need a look`;
    $('#import-notice-text').textContent = `From ${n.source || 'the file'}. The rest of the file is loaded as your draft.`;
  }
  $('#import-notice-unresolved').hidden = !n.unresolved.length;
  $('#import-unresolved').replaceChildren(...n.unresolved.map((t) => h('li', {}, t)));
  $('#import-notice-owner').hidden = !owners.length;
  $('#import-owner').replaceChildren(...owners.map((t) => h('li', {}, t)));
  $('#import-notice-unknown').hidden = !n.unknownIds.length;
  $('#import-unknown').replaceChildren(...n.unknownIds.map((t) => h('li', {}, t)));
}

// ---- copy from another saved portal -------------------------------------------------------

let copying = false;

function openCopy() {
  const others = (state.profiles && state.profiles.others) || [];
  if (!others.length || !state.loaded) return;
  const list = $('#copy-profiles');
  list.replaceChildren(...others.map((o, i) => h('label', { class: 'copy-choice' },
    h('input', { type: 'radio', name: 'copy-profile', value: o.name, checked: i === 0 }),
    h('span', { class: 'copy-choice-text' },
      h('span', { class: 'copy-choice-name' }, o.name),
      h('span', { class: 'copy-choice-portal' }, o.portal)))));
  if (isDirtyNow()) {
    list.append(h('p', { class: 'small warn-text' }, 'Your unsaved changes on this portal are replaced by the copy.'));
  }
  $('#copy-error').hidden = true;
  $('#copy-dialog').showModal();
  list.querySelector('input').focus();
}

function closeCopy({ focus = true } = {}) {
  if (copying) return;
  const d = $('#copy-dialog');
  if (d.open) d.close();
  if (focus) $('#more-actions').focus();
}

async function runCopy() {
  const picked = document.querySelector('input[name="copy-profile"]:checked');
  if (!picked || copying) return;
  const name = picked.value;
  const epoch = state.epoch;
  copying = true;
  setBusy($('#copy-run'), true);
  $('#copy-cancel').disabled = true;
  $('#copy-error').hidden = true;
  let res = null;
  try {
    res = await call('copy_from_profile', { name });
  } catch (err) {
    if (epoch === state.epoch) {
      $('#copy-error-text').textContent = err.message;
      $('#copy-error').hidden = false;
    }
  } finally {
    copying = false;
    setBusy($('#copy-run'), false);
    $('#copy-cancel').disabled = false;
  }
  if (!res || epoch !== state.epoch) return;
  closeCopy({ focus: false });
  const from = hostOf(res.source || '') || name;
  // The admin was told in the dialog that the copy replaces the unsaved changes.
  rememberPeople(res.users);
  rememberGroups(res.groups);
  replaceDraft(res.draft, { kind: 'copy', source: res.source || name, ...importIssues(res, state.connection && state.connection.role) });
  afterNewDraft(`The policy of ${from}`, res.draft);
}

function renderMenu() {
  const others = (state.profiles && state.profiles.others) || [];
  $('#copy-from-item').hidden = !others.length;
}

export function initFiles() {
  initMenu($('#more-actions'), $('#more-menu'), {
    onPick: (item) => {
      if (item.id === 'export-policy') exportPolicy();
      else if (item.id === 'import-policy') importPolicy();
      else if (item.id === 'copy-from-profile') openCopy();
    },
  });
  $('#import-notice-dismiss').addEventListener('click', () => {
    setNotice(null);
    $('#policy-title').focus();
  });
  const d = $('#copy-dialog');
  trapFocus(d);
  d.addEventListener('cancel', (e) => {
    e.preventDefault();
    closeCopy();
  });
  $('#copy-cancel').addEventListener('click', () => closeCopy());
  $('#copy-run').addEventListener('click', runCopy);
  on('notice', renderNotice);
  on('profiles', renderMenu);
  on('connection', () => {
    if ($('#copy-dialog').open) {
      copying = false;
      closeCopy({ focus: false });
    }
  });
  renderMenu();
}


