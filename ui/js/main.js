// Start-up and routing between the connect screen and the policy screen, plus the guard that
// asks before the window closes with unsaved changes.

import { call } from './api.js';
import { $ } from './dom.js';
import { initConfirm, confirmDialog } from './confirm.js';
import { initConnect, showConnectForm, hideConnect, autoConnect } from './connect.js';
import { initDrift } from './drift.js';
import { initFiles } from './files.js';
import { initHeader } from './header.js';
import { initHistory } from './history.js';
import { initIps } from './ips.js';
import { initPickers } from './picker.js';
import { initPolicy, loadPolicy, resetPolicyScreen } from './policy.js';
import { initProfiles } from './profiles.js';
import { initReview, openReview } from './review.js';
import { initImpact } from './impact.js';
import { initSuggest } from './suggest.js';
import { initPeople } from './people.js';
import { hostOf } from './model.js';
import { state, on, setConnection, resetSession, isDirtyNow, forgetPortal } from './state.js';
import { initToast, toast } from './toast.js';
import { initWhatIf } from './whatif.js';

function enterPolicy(info) {
  if (state.loaded) forgetPortal();
  setConnection(info);
  hideConnect();
  resetPolicyScreen();
  $('#policy-screen').hidden = false;
  document.title = `TFA policy · ${info.portal}`;
  $('#policy-host').textContent = hostOf(info.portal);
  loadPolicy();
}

function leave({ portal, error } = {}) {
  const d = $('#review-dialog');
  if (d.open) d.close();
  resetSession();
  $('#policy-screen').hidden = true;
  $('#savebar').hidden = true;
  document.title = 'DocSpace TFA Policy';
  showConnectForm({ portal: portal || state.savedPortal, error });
}

function installCloseGuard() {
  window.addEventListener('beforeunload', (e) => {
    if (isDirtyNow()) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  const api = globalThis.__TAURI__ && globalThis.__TAURI__.window;
  if (!api || typeof api.getCurrentWindow !== 'function') return;
  let unlisten = null;
  let registering = null;
  const onClose = async (event) => {
    event.preventDefault();
    const choice = await confirmDialog({
      title: 'Quit with unsaved changes?',
      message: 'Your changes to the TFA policy are not saved. Quitting discards them.',
      ok: 'Discard and quit',
      cancel: 'Keep editing',
      danger: true,
    });
    if (choice !== 'ok') return;
    if (unlisten) {
      unlisten();
      unlisten = null;
    }
    try {
      await api.getCurrentWindow().destroy();
    } catch {
      // No permission to destroy the window: with the listener gone, the next close goes through.
      toast('Close the window again to quit.', { tone: 'info' });
    }
  };
  // Listen only while there is something to lose, so a clean window closes natively.
  const sync = async () => {
    if (registering) await registering;
    const dirty = isDirtyNow();
    if (dirty && !unlisten) {
      registering = api.getCurrentWindow().onCloseRequested(onClose)
        .then((fn) => { unlisten = fn; })
        .catch(() => {})
        .finally(() => { registering = null; });
      await registering;
    } else if (!dirty && unlisten) {
      unlisten();
      unlisten = null;
    }
  };
  on('draft', sync);
  on('loaded', sync);
}

/** History, What if and More need a loaded policy. */
function syncTools() {
  for (const id of ['#open-history', '#open-what-if', '#more-actions']) {
    const el = $(id);
    if (el.getAttribute('aria-busy') !== 'true') el.disabled = !state.loaded;
  }
}

async function boot() {
  initToast();
  initConfirm();
  initConnect({ onConnected: enterPolicy });
  initHeader({ onLeft: leave });
  initIps();
  initPickers();
  initPolicy({
    onNotConnected: (err) => leave({ portal: state.connection && state.connection.portal, error: err }),
    onReview: openReview,
  });
  initReview();
  initImpact();
  initSuggest();
  initPeople();
  initDrift();
  initHistory();
  initWhatIf();
  initFiles();
  initProfiles({ onSwitched: enterPolicy, onLeft: leave });
  installCloseGuard();
  on('loaded', syncTools);
  syncTools();

  $('#boot').hidden = false;
  try {
    const s = await call('app_state');
    state.version = s.version;
    state.savedPortal = s.savedPortal;
    if (s.version) $('#app-version').textContent = `v${s.version}`;
    $('#boot').hidden = true;
    if (s.connection) enterPolicy(s.connection);
    else if (s.savedPortal) autoConnect(s.savedPortal);
    else showConnectForm();
  } catch (err) {
    $('#boot').hidden = true;
    showConnectForm({ error: err });
  }
}

boot();
