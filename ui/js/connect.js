// The connect screen: portal + API key form, keychain fallback, sandbox, and the automatic
// connection to the remembered portal at launch. The key never outlives a successful connect.

import { call } from './api.js';
import { $, setBusy, setFieldError } from './dom.js';
import { createGenerations } from './loads.js';
import { hostOf } from './model.js';
import { startWait } from './wait.js';

let onConnected = () => {};
let running = false;
/** Connects the admin stopped waiting for are dropped, whatever they answer later. */
const connects = createGenerations();

/** Stops a connect: Rust drops it (it never becomes the connection), the UI forgets it. */
function stopConnecting() {
  connects.invalidate();
  call('cancel_wait', { what: 'connect' }).catch(() => {});
}

const PORTAL_KINDS = new Set(['network', 'timeout', 'tls', 'notDocSpace', 'notFound']);
const KEY_KINDS = new Set(['unauthorized', 'noKey', 'forbidden', 'notAdmin']);

function els() {
  return {
    form: $('#connect-form'),
    portal: $('#portal'),
    portalError: $('#portal-error'),
    key: $('#api-key'),
    keyError: $('#api-key-error'),
    remember: $('#remember'),
    connect: $('#connect'),
    general: $('#connect-error'),
    generalText: $('#connect-error-text'),
    sessionOnly: $('#session-only'),
    sandbox: $('#try-sandbox'),
    sandboxError: $('#sandbox-error'),
  };
}

function clearErrors() {
  const e = els();
  setFieldError(e.portal, e.portalError, null);
  setFieldError(e.key, e.keyError, null);
  e.general.hidden = true;
  e.generalText.textContent = '';
  e.sessionOnly.hidden = true;
  e.sandboxError.hidden = true;
  e.sandboxError.textContent = '';
}

/** Puts a CommandError where the admin will look for it, and focuses that field. */
export function showConnectError(err) {
  const e = els();
  clearErrors();
  if (!err) return;
  const field = err.details && err.details.field;
  if ((err.kind === 'validation' && field !== 'apiKey' && field !== 'remember') || PORTAL_KINDS.has(err.kind)) {
    setFieldError(e.portal, e.portalError, err.message);
    e.portal.focus();
  } else if ((err.kind === 'validation' && field === 'apiKey') || KEY_KINDS.has(err.kind)) {
    setFieldError(e.key, e.keyError, err.message);
    e.key.focus();
  } else {
    e.generalText.textContent = err.message;
    e.general.hidden = false;
    // The keychain refused the key: the admin may still use it for this session.
    e.sessionOnly.hidden = !(err.kind === 'keychain' && e.key.value);
    (e.sessionOnly.hidden ? e.connect : e.sessionOnly).focus();
  }
}

function setRunning(on, button) {
  running = on;
  const e = els();
  for (const b of [e.connect, e.sandbox, e.sessionOnly]) {
    if (b === button) setBusy(b, on);
    else b.disabled = on;
  }
  e.portal.readOnly = on;
  e.key.readOnly = on;
  e.remember.disabled = on;
  e.form.setAttribute('aria-busy', on ? 'true' : 'false');
}

async function attempt(button, command, args) {
  if (running) return;
  setRunning(true, button);
  const ticket = connects.next();
  const wait = startWait({
    what: command === 'start_sandbox' ? 'Starting the sandbox portal' : `Connecting to ${hostOf(args.portal)}`,
    host: $(command === 'start_sandbox' ? '#sandbox-wait' : '#connect-wait'),
    onCancel: () => {
      stopConnecting();
      setRunning(false, button);
      button.focus();
    },
  });
  try {
    const info = await call(command, args);
    wait.done();
    if (!connects.isCurrent(ticket)) return;
    els().key.value = '';
    clearErrors();
    setRunning(false, button);
    onConnected(info);
  } catch (err) {
    wait.done();
    if (!connects.isCurrent(ticket)) return;
    setRunning(false, button);
    if (command === 'start_sandbox') {
      const e = els();
      clearErrors();
      e.sandboxError.textContent = err.message;
      e.sandboxError.hidden = false;
      e.sandbox.focus();
    } else {
      showConnectError(err);
    }
  }
}

function submit(remember) {
  const e = els();
  clearErrors();
  const portal = e.portal.value.trim();
  const apiKey = e.key.value.trim();
  if (!portal) {
    setFieldError(e.portal, e.portalError, 'Enter the address of your portal, for example https://yourname.onlyoffice.com.');
    e.portal.focus();
    return;
  }
  if (!apiKey) {
    setFieldError(e.key, e.keyError, 'Paste an API key of the portal owner or an admin.');
    e.key.focus();
    return;
  }
  attempt(remember ? e.connect : e.sessionOnly, 'connect', { portal, apiKey, remember });
}

export function initConnect(handlers) {
  onConnected = handlers.onConnected;
  const e = els();
  e.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit(e.remember.checked);
  });
  e.sessionOnly.addEventListener('click', () => submit(false));
  e.sandbox.addEventListener('click', () => attempt(e.sandbox, 'start_sandbox'));
  e.portal.addEventListener('input', () => setFieldError(e.portal, e.portalError, null));
  e.key.addEventListener('input', () => setFieldError(e.key, e.keyError, null));
}

function showScreen(name) {
  $('#connect-screen').hidden = name !== 'form';
  $('#connecting-screen').hidden = name !== 'connecting';
}

/** Shows the form, optionally prefilled with a portal and an error to explain. */
export function showConnectForm({ portal, error } = {}) {
  const e = els();
  showScreen('form');
  e.key.value = '';
  if (portal) e.portal.value = portal;
  if (error) showConnectError(error);
  else {
    clearErrors();
    (e.portal.value ? e.key : e.portal).focus();
  }
}

export function hideConnect() {
  showScreen(null);
  els().key.value = '';
}

/** Launch with a remembered portal: connect with its keychain key, fall back to the form. */
export async function autoConnect(portal) {
  showScreen('connecting');
  $('#connecting-portal').textContent = portal;
  els().portal.value = portal;
  const ticket = connects.next();
  const wait = startWait({
    what: `Connecting to ${hostOf(portal)}`,
    host: $('#connecting-wait'),
    onCancel: () => {
      stopConnecting();
      showConnectForm({ portal });
    },
  });
  try {
    const info = await call('connect_saved');
    wait.done();
    if (connects.isCurrent(ticket)) onConnected(info);
  } catch (err) {
    wait.done();
    if (connects.isCurrent(ticket)) showConnectForm({ portal, error: err });
  }
}
