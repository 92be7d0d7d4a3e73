// Start-up and routing between the connect screen and the policy screen, plus the guard that
// asks before the window closes with unsaved changes.

import { call } from './api.js';
import { $ } from './dom.js';
import { initConfirm, confirmDialog } from './confirm.js';
import { installCloseGuard } from './closeguard.js';
import { initConnect, showConnectForm, hideConnect, autoConnect } from './connect.js';
import { initDrift } from './drift.js';
import { initFiles } from './files.js';
import { initHeader } from './header.js';
import { initHistory } from './history.js';
import { initIps, addImported } from './ips.js';
import { initIpImport } from './iplist.js';
import { initPickers } from './picker.js';
import { initPolicy, loadPolicy, resetPolicyScreen, dropReads } from './policy.js';
import { initProfiles } from './profiles.js';
import { initReview, openReview } from './review.js';
import { initReadOnly } from './readonly.js';
import { initImpact } from './impact.js';
import { initSuggest } from './suggest.js';
import { initPeople } from './people.js';
import { initScanProgress } from './scanprogress.js';
import { hostOf } from './model.js';
import { state, on, setConnection, resetSession, isDirtyNow, forgetPortal } from './state.js';
import { initToast, toast, hideToast } from './toast.js';
import { initUndo } from './undo.js';
import { initAbout } from './about.js';
import { initWhatIf } from './whatif.js';

/** After Connect the focus would stay on the hidden form (that is, on <body>): put it on the
 * screen's title while the policy loads, then on the method, the first control of the form. */
function focusPolicyScreen() {
  $('#policy-title').focus({ preventScroll: true });
  const off = on('loaded', () => {
    if (!state.loaded) return;
    off();
    // After the listeners of 'loaded' ran: the form is shown only then.
    setTimeout(() => {
      const a = document.activeElement;
      if (a && a !== document.body && a.id !== 'policy-title') return;
      const checked = $('input[name="method"]:checked') || $('input[name="method"]');
      if (checked) checked.focus({ preventScroll: true });
    }, 0);
  });
}

function enterPolicy(info) {
  // Start-up milestones for scripts/bench-desktop: the connection is there.
  performance.mark('connected');
  // A read still on its way is for the previous portal (or an older connection): drop it.
  dropReads();
  if (state.loaded) forgetPortal();
  // A notice about the previous portal must not be read as one about this one.
  hideToast();
  setConnection(info);
  hideConnect();
  resetPolicyScreen();
  $('#policy-screen').hidden = false;
  document.title = `TFA policy · ${info.portal}`;
  $('#policy-host').textContent = hostOf(info.portal);
  focusPolicyScreen();
  loadPolicy();
}

function leave({ portal, error } = {}) {
  const d = $('#review-dialog');
  if (d.open) d.close();
  dropReads();
  resetSession();
  $('#policy-screen').hidden = true;
  $('#savebar').hidden = true;
  document.title = 'DocSpace TFA Policy';
  showConnectForm({ portal: portal || state.savedPortal, error });
}

function guardClose() {
  window.addEventListener('beforeunload', (e) => {
    if (isDirtyNow()) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  const api = globalThis.__TAURI__ && globalThis.__TAURI__.window;
  if (!api || typeof api.getCurrentWindow !== 'function') return;
  installCloseGuard(api, {
    isDirty: isDirtyNow,
    confirm: confirmDialog,
    subscribe: on,
    notify: (text) => toast(text, { tone: 'info' }),
  });
}

/** History, What if and More need a loaded policy. */
function syncTools() {
  for (const id of ['#open-history', '#open-what-if', '#more-actions']) {
    const el = $(id);
    if (el.getAttribute('aria-busy') !== 'true') el.disabled = !state.loaded;
  }
}

/** "Skip to content" moves focus without scrolling anything: following the link's #main would
 * scroll the window's content even though the body does not scroll. */
function initSkipLink() {
  $('.skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const screen = ['#policy-title', '#connect-title'].map((s) => $(s)).find((el) => el && el.getClientRects().length);
    const target = screen && screen.id === 'policy-title' ? screen : $('#main');
    target.focus({ preventScroll: true });
  });
}

async function boot() {
  initSkipLink();
  initToast();
  initConfirm();
  initConnect({ onConnected: enterPolicy });
  initHeader({ onLeft: leave });
  initIps();
  initIpImport({ add: addImported, report: (text, tone) => toast(text, { tone, timeout: 8000 }) });
  initPickers();
  initPolicy({
    onNotConnected: (err) => leave({ portal: state.connection && state.connection.portal, error: err }),
    onReview: openReview,
  });
  initReview();
  initReadOnly();
  initImpact();
  initSuggest();
  initPeople();
  initScanProgress();
  initDrift();
  initHistory();
  initWhatIf();
  initFiles();
  initProfiles({ onSwitched: enterPolicy, onLeft: leave });
  guardClose();
  initAbout();
  initUndo({ announce: (text) => toast(text, { tone: 'info', timeout: 2500 }) });
  on('loaded', syncTools);
  syncTools();

  // The frame (header) is painted at once; "Starting…" only if the app is slow to answer,
  // so a normal launch goes straight to its first screen without a flash.
  const slow = setTimeout(() => { $('#boot').hidden = false; }, 400);
  performance.mark('boot');
  try {
    const s = await call('app_state');
    state.version = s.version;
    state.savedPortal = s.savedPortal;
    if (s.version) $('#app-version').textContent = `v${s.version}`;
    if (s.connection) enterPolicy(s.connection);
    else if (s.savedPortal) autoConnect(s.savedPortal);
    else showConnectForm();
  } catch (err) {
    showConnectForm({ error: err });
  } finally {
    clearTimeout(slow);
    $('#boot').hidden = true;
    // For the start-up measurement (tests/e2e/test_ux.py): the first screen is up.
    performance.mark('first-screen');
  }
}

boot();
