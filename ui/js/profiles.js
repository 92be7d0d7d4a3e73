// Saved portals (profiles): a switcher in the header when there are two or more, filled from
// `list_profiles`. Switching (`switch_profile`) asks first when there are unsaved changes, then
// the policy screen starts over on the other portal.

import { call } from './api.js';
import { $, h, setFieldError, trapFocus, withBusy } from './dom.js';
import { confirmDialog } from './confirm.js';
import { hostOf, profileChoices } from './model.js';
import { state, on, setProfiles, isDirtyNow } from './state.js';
import { toast } from './toast.js';
import { startWait } from './wait.js';

let handlers = { onSwitched: () => {}, onLeft: () => {} };
let switching = false;
let seq = 0;

const KEY_KINDS = new Set(['noKey', 'keychain', 'unauthorized', 'forbidden', 'notAdmin']);

export async function refreshProfiles() {
  const my = ++seq;
  const epoch = state.epoch;
  try {
    const res = await call('list_profiles');
    if (my !== seq || epoch !== state.epoch) return;
    setProfiles(profileChoices(res));
  } catch {
    // Not essential: without the list there is simply no switcher.
    if (my === seq && epoch === state.epoch) setProfiles(null);
  }
}

function render() {
  const p = state.profiles;
  const wrap = $('#profile-switch');
  const select = $('#profile-switcher');
  const show = !!(p && p.showSwitcher && state.connection);
  wrap.hidden = !show;
  $('.app-header').classList.toggle('has-profiles', show);
  if (!show) {
    select.replaceChildren();
    return;
  }
  const opts = p.options.map((o) => h('option', { value: o.name, selected: o.current, title: o.portal },
    o.current ? `${o.name} (current)` : o.name));
  // Connected to a portal that is not saved (a session-only key, the sandbox): say which.
  const unsaved = p.current ? null
    : h('option', { value: '', disabled: true, selected: true }, `${hostOf(state.connection.portal)} (not saved)`);
  select.replaceChildren(...[unsaved, h('optgroup', { label: 'Saved portals' }, opts)].filter(Boolean));
  select.value = p.current || '';
  const cur = p.options.find((o) => o.current);
  $('#profile-rename').hidden = !cur;
  select.title = cur ? `Saved portal ${cur.name} (${cur.portal}). Choose another to switch.` : 'Switch to a saved portal';
}

function setSwitching(on) {
  switching = on;
  const select = $('#profile-switcher');
  select.disabled = on;
  select.setAttribute('aria-busy', on ? 'true' : 'false');
  $('#profile-busy').hidden = !on;
}

async function switchTo(name) {
  const p = state.profiles;
  const select = $('#profile-switcher');
  const target = p && p.options.find((o) => o.name === name);
  const restore = () => { select.value = (p && p.current) || ''; };
  if (!target || switching || name === (p && p.current)) {
    restore();
    return;
  }
  const host = hostOf(target.portal) || name;
  if (isDirtyNow()) {
    const choice = await confirmDialog({
      title: `Switch to ${host}?`,
      message: `Your changes to the TFA policy of ${hostOf(state.connection.portal)} are not saved. Switching discards them.`,
      ok: 'Discard and switch',
      cancel: 'Keep editing',
      danger: true,
    });
    if (choice !== 'ok') {
      restore();
      select.focus();
      return;
    }
  }
  const epoch = state.epoch;
  setSwitching(true);
  let stopped = false;
  const wait = startWait({
    what: `Connecting to ${host}`,
    host: $('#policy-wait'),
    onCancel: () => {
      stopped = true;
      call('cancel_wait', { what: 'connect' }).catch(() => {});
    },
  });
  let info = null;
  let error = null;
  try {
    info = await call('switch_profile', { name });
  } catch (err) {
    error = err;
  }
  wait.done();
  setSwitching(false);
  if (epoch !== state.epoch) return;
  if (stopped && !info) {
    // Still on the same portal: the stopped connect never became the connection.
    restore();
    toast(`Stopped connecting to ${host}. You are still on ${hostOf(state.connection.portal)}.`, { tone: 'info' });
    select.focus();
    return;
  }
  if (info) {
    handlers.onSwitched(info);
    toast(`Switched to ${hostOf(info.portal)}.`, { tone: 'info' });
    return;
  }
  restore();
  if (error.kind === 'notConnected') {
    handlers.onLeft({ portal: target.portal, error });
  } else if (KEY_KINDS.has(error.kind)) {
    const choice = await confirmDialog({
      title: `Could not open ${host}`,
      message: `${error.message} Disconnect from ${hostOf(state.connection.portal)} and connect to ${host} with a key?`,
      ok: 'Connect with a key',
      cancel: 'Stay here',
    });
    if (choice === 'ok' && epoch === state.epoch) {
      try {
        await call('disconnect');
      } catch {
        // Leaving anyway.
      }
      handlers.onLeft({ portal: target.portal });
    } else {
      select.focus();
    }
  } else {
    toast(error.message, { tone: 'error', timeout: 12000 });
    select.focus();
  }
}

function openRename() {
  const p = state.profiles;
  const cur = p && p.options.find((o) => o.current);
  if (!cur) return;
  const input = $('#rename-input');
  input.value = cur.name;
  $('#rename-hint').textContent = `The portal at ${cur.portal}. The name is only used on this computer.`;
  setFieldError(input, $('#rename-error'), null);
  $('#rename-dialog').showModal();
  input.select();
}

async function saveRename(e) {
  e.preventDefault();
  const p = state.profiles;
  const cur = p && p.options.find((o) => o.current);
  const input = $('#rename-input');
  if (!cur) return;
  try {
    const res = await withBusy($('#rename-save'), () => call('rename_profile', { name: cur.name, newName: input.value }));
    setProfiles(profileChoices(res));
    $('#rename-dialog').close();
    toast(`This portal is now called ${input.value.trim()}.`, { tone: 'info' });
  } catch (err) {
    setFieldError(input, $('#rename-error'), err.message);
    input.focus();
  }
}

export function initProfiles(h2) {
  handlers = { ...handlers, ...h2 };
  $('#profile-switcher').addEventListener('change', (e) => switchTo(e.target.value));
  $('#profile-rename').addEventListener('click', openRename);
  $('#rename-form').addEventListener('submit', saveRename);
  $('#rename-cancel').addEventListener('click', () => $('#rename-dialog').close());
  $('#rename-dialog').addEventListener('close', () => $('#profile-rename').focus());
  trapFocus($('#rename-dialog'));
  on('profiles', render);
  on('connection', () => {
    if (state.connection) refreshProfiles();
    else render();
  });
}
