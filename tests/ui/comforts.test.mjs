// node --test tests/ui/   Undo/redo of single edits, the close guard and the IP list import,
// each without a browser or a window manager.
import test from 'node:test';
import assert from 'node:assert/strict';
import { state, setLoaded, changeDraft } from '../../ui/js/state.js';
import { initUndo, undo, redo, undoKey, canUndo, canRedo } from '../../ui/js/undo.js';
import { installCloseGuard } from '../../ui/js/closeguard.js';
import { parseIpList } from '../../ui/js/iplist.js';

const policy = (method, trustedIps = [], mandatoryUsers = [], mandatoryGroups = []) => ({ method, trustedIps, mandatoryUsers, mandatoryGroups });
const loaded = (p) => ({ policy: p, users: [], groups: [] });

initUndo();

test('undo and redo step through single edits and stop at the loaded policy', () => {
  setLoaded(loaded(policy('app', ['10.0.0.1'])));
  assert.equal(canUndo(), false);
  changeDraft((d) => d.trustedIps.push('10.0.0.2'));
  changeDraft((d) => d.mandatoryUsers.push('u1'));
  changeDraft((d) => { d.method = 'sms'; });
  assert.ok(undo());
  assert.deepEqual(state.draft, policy('app', ['10.0.0.1', '10.0.0.2'], ['u1']));
  assert.ok(undo());
  assert.deepEqual(state.draft, policy('app', ['10.0.0.1', '10.0.0.2']));
  assert.ok(redo());
  assert.deepEqual(state.draft, policy('app', ['10.0.0.1', '10.0.0.2'], ['u1']));
  assert.ok(undo() && undo());
  assert.deepEqual(state.draft, policy('app', ['10.0.0.1']), 'back to what was loaded');
  assert.equal(undo(), false, 'nothing before the loaded policy');
  assert.ok(canRedo());
  changeDraft((d) => d.trustedIps.push('10.9.9.9'));
  assert.equal(canRedo(), false, 'a new edit drops the redo steps');
});

test('typing in one IP entry is one step; a new base clears the history', () => {
  setLoaded(loaded(policy('app', ['10.0.0.1'])));
  changeDraft((d) => { d.trustedIps[0] = '10.0.0.12'; });
  changeDraft((d) => { d.trustedIps[0] = '10.0.0.123'; });
  assert.ok(undo());
  assert.deepEqual(state.draft.trustedIps, ['10.0.0.1']);
  changeDraft((d) => d.trustedIps.push('10.0.0.5'));
  setLoaded(loaded(policy('app', ['10.0.0.1', '10.0.0.5'])));
  assert.equal(canUndo(), false, 'undo never crosses a save or reload');
});

test('the keys: Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo', () => {
  assert.equal(undoKey({ ctrlKey: true, key: 'z' }), 'undo');
  assert.equal(undoKey({ ctrlKey: true, shiftKey: true, key: 'Z' }), 'redo');
  assert.equal(undoKey({ ctrlKey: true, key: 'y' }), 'redo');
  assert.equal(undoKey({ metaKey: true, key: 'z' }), 'undo');
  assert.equal(undoKey({ key: 'z' }), null);
  assert.equal(undoKey({ ctrlKey: true, altKey: true, key: 'z' }), null);
});

function fakeWindow() {
  const w = { handler: null, destroyed: 0, unlistened: 0 };
  w.api = {
    getCurrentWindow: () => ({
      onCloseRequested: async (fn) => { w.handler = fn; return () => { w.handler = null; w.unlistened += 1; }; },
      destroy: async () => { w.destroyed += 1; },
    }),
  };
  return w;
}

function closeEvent() {
  const e = { prevented: false, preventDefault() { e.prevented = true; } };
  return e;
}

test('the close guard lets a clean window close and asks before losing changes', async () => {
  const w = fakeWindow();
  let dirty = false;
  let answer = 'cancel';
  const asked = [];
  const topics = {};
  const guard = installCloseGuard(w.api, {
    isDirty: () => dirty,
    confirm: async (opts) => { asked.push(opts.title); return answer; },
    subscribe: (topic, fn) => { topics[topic] = fn; },
    notify: () => {},
  });
  assert.ok(topics.draft && topics.loaded, 'follows the draft and the loaded policy');
  await guard.sync();
  assert.equal(w.handler, null, 'clean: the window closes natively');

  dirty = true;
  await topics.draft();
  assert.ok(guard.listening() && w.handler, 'dirty: the close is intercepted');
  const kept = closeEvent();
  await w.handler(kept);
  assert.ok(kept.prevented);
  assert.deepEqual(asked, ['Quit with unsaved changes?']);
  assert.equal(w.destroyed, 0, '"Keep editing" keeps the window');

  answer = 'ok';
  const quit = closeEvent();
  await w.handler(quit);
  assert.equal(w.destroyed, 1, '"Discard and quit" closes it');
  assert.equal(guard.listening(), false);

  dirty = false;
  await guard.sync();
  dirty = true;
  await guard.sync();
  dirty = false;
  await topics.loaded();
  assert.equal(guard.listening(), false, 'saved again: nothing to guard');
});

test('an IP list file: plain text, CSV with a header, comments, quotes', () => {
  assert.deepEqual(parseIpList('10.0.0.1\n# office\n\n10.0.0.0/24 10.1.1.1\r\n'), ['10.0.0.1', '10.0.0.0/24', '10.1.1.1']);
  assert.deepEqual(parseIpList('\uFEFFip,comment\n10.0.0.1,"Office, 2nd floor"\n"192.168.1.0/24";vpn\nbad entry,kept\n'),
    ['10.0.0.1', '192.168.1.0/24', 'bad entry']);
  assert.deepEqual(parseIpList('Address\t Note\n2001:db8::/48\tlab\n'), ['2001:db8::/48']);
  assert.deepEqual(parseIpList(''), []);
});
