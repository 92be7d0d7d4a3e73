// The People view: mandatory users and members of mandatory groups with whether they have linked an
// authenticator app, their last sign-in and its method, and failed attempts (`insight_people`).
// The portal owner may reset someone's app (`reset_app`); admins are told why they cannot, as the
// server refuses them. A long scan shows the shared progress bar (scanprogress.js).

import { call } from './api.js';
import { $, h, trapFocus } from './dom.js';
import { confirmDialog } from './confirm.js';
import { state, on } from './state.js';
import { toast } from './toast.js';
import { withScanProgress } from './scanprogress.js';

let seq = 0;
const dialog = () => $('#people-dialog');

function appText(v) {
  if (v === true) return 'linked';
  if (v === false) return 'not linked';
  return 'unknown';
}

async function reset(row) {
  const choice = await confirmDialog({
    title: `Reset the authenticator app of ${row.name}?`,
    message: 'Their app secret and backup codes are wiped. They are signed out everywhere and must link an authenticator app again at their next sign-in.',
    ok: 'Reset the app',
    danger: true,
  });
  if (choice !== 'ok') return;
  try {
    await call('reset_app', { userId: row.id });
    toast(`${row.name} must link an authenticator app again at the next sign-in.`, { tone: 'info' });
    load();
  } catch (err) {
    toast(err.message, { tone: 'error' });
  }
}

function render(v) {
  const note = v.canReset ? null : h('p', { class: 'small muted' },
    "Only the portal owner can reset someone's authenticator app; DocSpace refuses admins.");
  const rows = v.rows.map((r) => h('tr', {},
    h('td', {}, r.name, h('div', { class: 'small muted' }, r.email || '')),
    h('td', {}, r.mandatory),
    h('td', {}, appText(r.hasApp)),
    h('td', {}, r.lastSignIn ? `${r.lastSignIn.slice(0, 16).replace('T', ' ')} (${r.lastMethod})` : 'none in 30 days'),
    h('td', {}, `${r.failedPasswords} / ${r.failedSecondFactor}`),
    h('td', {}, v.canReset && r.hasApp === true
      ? h('button', { type: 'button', class: 'btn btn-sm', onclick: () => reset(r) }, 'Reset app…')
      : null)));
  $('#people-body').replaceChildren(
    ...(v.partial ? [h('p', { class: 'callout callout-warn' }, "This portal's plan only shows the 20 most recent sign-ins.")] : []),
    ...(note ? [note] : []),
    v.rows.length
      ? h('table', { class: 'people-table' },
        h('thead', {}, h('tr', {}, ['Person', 'Mandatory as', 'Authenticator app', 'Last sign-in (UTC)', 'Failed passwords / codes', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))
      : h('p', { class: 'muted' }, 'Nobody is mandatory under the policy on the portal.'));
}

async function load() {
  const my = ++seq;
  $('#people-body').replaceChildren(h('p', { class: 'muted', role: 'status' }, "Reading the portal's people and sign-ins…"));
  try {
    const v = await withScanProgress($('#people-progress'), () => call('insight_people', { days: 30 }));
    if (my === seq && dialog().open) render(v);
  } catch (err) {
    if (my === seq && dialog().open) {
      $('#people-body').replaceChildren(h('p', { class: err.kind === 'cancelled' ? 'muted' : 'callout callout-error' }, err.message));
    }
  }
}

export function initPeople() {
  const d = dialog();
  trapFocus(d);
  const close = () => { seq += 1; if (d.open) d.close(); };
  d.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  $('#people-close').addEventListener('click', close);
  $('#people-export').addEventListener('click', async () => {
    try {
      const r = await call('export_people_csv', { days: 30 });
      if (r.path) toast(`Saved the list to ${r.path}.`, { tone: 'info' });
    } catch (err) {
      toast(err.message, { tone: 'error' });
    }
  });
  $('#open-people').addEventListener('click', () => {
    if (d.open || !state.loaded) return;
    d.showModal();
    $('#people-title').focus();
    load();
  });
  on('connection', close);
}
