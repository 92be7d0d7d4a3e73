// The header once connected: portal, user, role, sandbox badge, Disconnect and Forget key.

import { call } from './api.js';
import { $, withBusy } from './dom.js';
import { confirmDialog } from './confirm.js';
import { hostOf } from './model.js';
import { state, on, isDirtyNow } from './state.js';
import { toast } from './toast.js';

let onLeft = () => {};

function render() {
  const c = state.connection;
  $('#session').hidden = !c;
  if (!c) return;
  $('#session-portal').textContent = hostOf(c.portal);
  $('#session-portal').title = c.portal;
  $('#session-user').textContent = (c.user && (c.user.displayName || c.user.email)) || 'Unknown user';
  $('#session-role').textContent = { owner: 'Owner', admin: 'Admin', reader: 'Read only' }[c.role] || 'Read only';
  $('#sandbox-badge').hidden = !c.sandbox;
  // The sandbox's key is never stored: there is nothing to forget.
  $('#forget-key').hidden = !!c.sandbox;
  const key = $('#session-key');
  key.textContent = c.sandbox ? 'Simulated portal' : c.keyStorage === 'keychain' ? 'Key in keychain' : 'Key for this session only';
  key.title = c.keyStorage === 'keychain'
    ? 'The API key is stored in the system keychain for the next launch.'
    : 'The API key is kept in memory only and is gone when the app quits.';
}

async function confirmDiscard(action) {
  if (!isDirtyNow()) return true;
  const choice = await confirmDialog({
    title: 'Discard unsaved changes?',
    message: `You have changes to the TFA policy that are not saved. ${action} discards them.`,
    ok: 'Discard changes',
    cancel: 'Keep editing',
    danger: true,
  });
  return choice === 'ok';
}

async function disconnect() {
  if (!(await confirmDiscard('Disconnecting'))) return;
  const portal = state.connection && state.connection.portal;
  try {
    await withBusy($('#disconnect'), () => call('disconnect'));
  } catch (err) {
    // The session is gone for the UI either way; say what happened.
    toast(err.message, { tone: 'error' });
  }
  onLeft({ portal });
}

async function forgetKey() {
  const c = state.connection;
  const host = c ? hostOf(c.portal) : 'this portal';
  const dirty = isDirtyNow();
  const choice = await confirmDialog({
    title: 'Forget the API key?',
    message: `The API key for ${host} is deleted from the system keychain and you are disconnected. To connect again you will need to paste the key.${dirty ? ' Your unsaved changes are discarded.' : ''}`,
    ok: 'Forget key and disconnect',
    danger: true,
  });
  if (choice !== 'ok') return;
  try {
    const res = await withBusy($('#forget-key'), () => call('forget_key'));
    toast(res && res.removed ? `The key for ${host} was deleted from the keychain.` : `No key for ${host} was stored in the keychain.`);
    onLeft({ portal: c && c.portal });
  } catch (err) {
    toast(err.message, { tone: 'error', timeout: 10000 });
  }
}

export function initHeader(handlers) {
  onLeft = handlers.onLeft;
  on('connection', render);
  $('#disconnect').addEventListener('click', disconnect);
  $('#forget-key').addEventListener('click', forgetKey);
  render();
}
