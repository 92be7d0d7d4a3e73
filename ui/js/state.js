// The app's state and a tiny publish/subscribe. Modules change state through the functions here
// and re-render what they own when a topic fires. Topics: connection, loaded, draft, ipChecks, names,
// drift, profiles, notice.

import { clonePolicy, isDirty, ipCheckSummary } from './model.js';

export const state = {
  version: null,
  savedPortal: null,
  /** ConnectionInfo or null. */
  connection: null,
  /** Bumped on every connect and disconnect: answers for an older session are dropped. */
  epoch: 0,
  /** LoadedPolicy as last read from (or saved to) the portal: the base of the draft. */
  loaded: null,
  /** The Policy being edited. */
  draft: null,
  /** IpCheck[] for draft.trustedIps (entries whose text changed since are ignored). */
  ipChecks: [],
  /** 'idle' | 'pending' | 'failed' */
  ipCheckState: 'idle',
  ipCheckError: null,
  /** id -> PersonRef / GroupRef, from the loaded policy, searches and reviews. */
  people: new Map(),
  groups: new Map(),
  /** Drift of the loaded policy (load_policy's `drift`), or null. */
  drift: null,
  /** list_profiles as shaped by model.profileChoices, or null before the first answer. */
  profiles: null,
  /** Where the current draft came from when not from the editor: {kind, source, unresolved, unknownIds}. */
  notice: null,
};

const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

export function emit(topic) {
  for (const fn of listeners.get(topic) || []) {
    try {
      fn(state);
    } catch (e) {
      console.error(`listener for ${topic} failed`, e);
    }
  }
}

export function rememberPeople(list) {
  for (const p of list || []) if (p && p.id) state.people.set(p.id, p);
  emit('names');
}

export function rememberGroups(list) {
  for (const g of list || []) if (g && g.id) state.groups.set(g.id, g);
  emit('names');
}

export function setConnection(info) {
  state.epoch += 1;
  state.connection = info;
  emit('connection');
}

/** Makes `loaded` the new base. The draft becomes a copy of it, or `draft` when given. */
export function setLoaded(loaded, draft) {
  state.loaded = loaded;
  state.drift = (loaded && loaded.drift) || null;
  state.notice = null;
  if (loaded) {
    rememberPeople(loaded.users);
    rememberGroups(loaded.groups);
    state.draft = clonePolicy(draft || loaded.policy);
  } else {
    state.draft = null;
    state.ipChecks = [];
  }
  emit('loaded');
  emit('draft');
  emit('drift');
  emit('notice');
}

/** Replaces the draft with another policy (restore, import, copy); the base stays. */
export function replaceDraft(policy, notice = null) {
  if (!state.loaded) return;
  state.draft = clonePolicy(policy);
  state.notice = notice;
  emit('draft');
  emit('notice');
}

export function setDrift(drift) {
  state.drift = drift || null;
  emit('drift');
}

export function setNotice(notice) {
  state.notice = notice || null;
  emit('notice');
}

export function setProfiles(choices) {
  state.profiles = choices;
  emit('profiles');
}

export function changeDraft(fn) {
  if (!state.draft) return;
  fn(state.draft);
  emit('draft');
}

/** Before showing another portal: nothing of the previous one (policy, names) may linger. */
export function forgetPortal() {
  state.people.clear();
  state.groups.clear();
  setLoaded(null);
}

export function resetSession() {
  state.epoch += 1;
  state.connection = null;
  state.people.clear();
  state.groups.clear();
  state.profiles = null;
  setLoaded(null);
  emit('profiles');
  emit('connection');
}

export function isDirtyNow() {
  return !!(state.loaded && state.draft && isDirty(state.loaded.policy, state.draft));
}

/** Why "Review and save…" is not available right now, or null when it is. */
export function reviewBlocker() {
  if (!state.loaded || !state.draft) return 'Nothing loaded yet.';
  if (!isDirtyNow()) return 'No changes to save.';
  if (state.draft.method !== 'none') {
    const s = ipCheckSummary(state.draft.trustedIps, state.ipChecks);
    if (s.errors) return `Fix the ${s.errors === 1 ? 'trusted IP entry' : `${s.errors} trusted IP entries`} marked in red before saving.`;
    if (state.ipCheckState === 'pending') return 'Checking the trusted IPs…';
  }
  return null;
}
