// Undo and redo of single edits to the draft (Ctrl+Z; Ctrl+Shift+Z or Ctrl+Y). Every change of
// the draft is one step, except typing in one trusted-IP entry, which is one step per burst.
// A new base (load, save, reload, switch) starts a fresh history: undo never crosses a save.

import { clonePolicy } from './model.js';
import { state, on, changeDraft } from './state.js';

const LIMIT = 200;
const BURST_MS = 1500;

let done = [];
let undone = [];
let last = null;
let lastKey = null;
let lastAt = 0;
let applying = false;

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** 'ip:3' when only the text of trusted IP entry 3 changed, else null. */
function editKey(before, after) {
  if (!before || !after || before.method !== after.method) return null;
  if (!same(before.mandatoryUsers, after.mandatoryUsers) || !same(before.mandatoryGroups, after.mandatoryGroups)) return null;
  const a = before.trustedIps;
  const b = after.trustedIps;
  if (a.length !== b.length) return null;
  const changed = a.map((t, i) => (t === b[i] ? -1 : i)).filter((i) => i >= 0);
  return changed.length === 1 ? `ip:${changed[0]}` : null;
}

function onLoaded() {
  done = [];
  undone = [];
  last = state.draft ? clonePolicy(state.draft) : null;
  lastKey = null;
}

function onDraft(now = Date.now()) {
  if (applying || !state.draft) return;
  const current = clonePolicy(state.draft);
  if (last && same(last, current)) return;
  const key = editKey(last, current);
  const merge = key && key === lastKey && now - lastAt < BURST_MS;
  if (last && !merge) {
    done.push(last);
    if (done.length > LIMIT) done.shift();
  }
  undone = [];
  lastKey = key;
  lastAt = now;
  last = current;
}

function apply(policy) {
  applying = true;
  try {
    changeDraft((d) => Object.assign(d, clonePolicy(policy)));
  } finally {
    applying = false;
  }
  last = clonePolicy(policy);
  lastKey = null;
}

export function canUndo() {
  return done.length > 0;
}

export function canRedo() {
  return undone.length > 0;
}

/** Steps back one edit; false when there is nothing to undo. */
export function undo() {
  if (!state.draft || !done.length) return false;
  undone.push(clonePolicy(state.draft));
  apply(done.pop());
  return true;
}

export function redo() {
  if (!state.draft || !undone.length) return false;
  done.push(clonePolicy(state.draft));
  apply(undone.pop());
  return true;
}

/** Which history step a key press asks for: 'undo', 'redo' or null. */
export function undoKey(e) {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const k = (e.key || '').toLowerCase();
  if (k === 'z') return e.shiftKey ? 'redo' : 'undo';
  if (k === 'y' && !e.shiftKey) return 'redo';
  return null;
}

/** Text fields keep their own undo while they hold text the draft does not have yet. */
function ownsUndo(target) {
  if (!target || !target.matches) return false;
  if (!target.matches('input[type=text], input:not([type]), textarea')) return false;
  if (target.classList.contains('ip-text')) return false;
  return target.value !== '';
}

export function initUndo({ announce = () => {} } = {}) {
  on('loaded', onLoaded);
  on('draft', () => onDraft());
  onLoaded();
  if (typeof document === 'undefined') return;
  document.addEventListener('keydown', (e) => {
    const step = undoKey(e);
    if (!step || ownsUndo(e.target) || document.querySelector('dialog[open]')) return;
    e.preventDefault();
    const ok = step === 'undo' ? undo() : redo();
    announce(ok ? (step === 'undo' ? 'Undone.' : 'Redone.') : (step === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.'));
  });
}
