// Pure helpers for the policy draft: no DOM, no window, no Tauri. Imported by the UI and by
// `node --test tests/ui/`.

export const METHOD_LABELS = Object.freeze({
  none: 'Disabled',
  app: 'Authenticator app',
  sms: 'SMS',
});

export const LIST_KEYS = Object.freeze(['trustedIps', 'mandatoryUsers', 'mandatoryGroups']);

/** The DocSpace system groups (AuthConstants.cs) and what putting one in the mandatory list means. */
export const SYSTEM_GROUP_NOTES = Object.freeze({
  'c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e': 'Every user of the portal must use TFA, even from a trusted IP.',
  'cd84e66b-b803-40fc-99f9-b2969a54a1de': 'All admins and the owner must use TFA, even from a trusted IP.',
  'abef62db-11a8-4673-9d32-ef1d8af19dc0': 'Every room admin must use TFA, even from a trusted IP.',
  '88f11e7c-7407-4bea-b4cb-070010cdbb6b': 'Every user with the User role must use TFA, even from a trusted IP.',
  'aced04fa-dd96-4b35-af3e-346bf1eb972d': 'Every guest must use TFA, even from a trusted IP.',
});

/** A word that may be (part of) an address: hex digits, `.`, `:`, brackets, `%`, `/`, `*`, `-`, with a digit or a colon. */
function addressLike(token) {
  return /^[0-9a-fA-F:.[\]%/*-]+$/.test(token) && /[0-9:]/.test(token);
}

/**
 * A typed entry in the form the server reads as meant: no spaces around it, around a range's
 * dash (the server trims both sides of a range, so `10.0.0.1 - 10.0.0.9` means `10.0.0.1-10.0.0.9`)
 * or around a network's slash (which the server would fail on).
 */
export function tidyEntry(text) {
  const t = String(text ?? '').trim();
  return addressLike(t.replace(/\s+/g, '')) ? t.replace(/\s*([-/])\s*/g, '$1') : t;
}

/**
 * Splits pasted or typed text into trusted-IP entries: newlines, commas and semicolons separate
 * entries, and so do spaces between addresses. Words that are no address stay together ("office
 * wifi" is one entry, to be marked as one error), and a range or network written with spaces
 * ("10.0.0.1 - 10.0.0.9") is one entry, tidied. Nothing is dropped except the separators.
 */
export function splitEntries(text) {
  if (text == null) return [];
  const out = [];
  for (const chunk of String(text).split(/[\r\n,;]+/)) {
    const tokens = chunk.match(/[^\s/-]+(?:\s*[-/]\s*[^\s/-]+)*|[-/]+/g) || [];
    let words = [];
    const flush = () => {
      if (words.length) out.push(words.join(' '));
      words = [];
    };
    for (const token of tokens) {
      if (addressLike(token.replace(/\s+/g, ''))) {
        flush();
        out.push(tidyEntry(token));
      } else {
        words.push(token);
      }
    }
    flush();
  }
  return out;
}

/** A deep copy of a Policy with all three lists present. */
export function clonePolicy(p) {
  return {
    method: (p && p.method) || 'none',
    trustedIps: [...((p && p.trustedIps) || [])],
    mandatoryUsers: [...((p && p.mandatoryUsers) || [])],
    mandatoryGroups: [...((p && p.mandatoryGroups) || [])],
  };
}

/** What the portal would store for this draft: a disabled policy keeps no lists. */
export function draftForSave(draft) {
  const p = clonePolicy(draft);
  if (p.method === 'none') {
    p.trustedIps = [];
    p.mandatoryUsers = [];
    p.mandatoryGroups = [];
  }
  return p;
}

export function sameSet(a, b) {
  const A = new Set(a || []);
  const B = new Set(b || []);
  if (A.size !== B.size) return false;
  for (const x of A) if (!B.has(x)) return false;
  return true;
}

/**
 * True when saving the draft would change the portal's policy compared with `base`: the method
 * differs, or (method on) one of the lists differs as a set. Lists do not count while the
 * method is `none`, because the portal keeps none then.
 */
export function isDirty(base, draft) {
  if (!base || !draft) return false;
  if (base.method !== draft.method) return true;
  if (draft.method === 'none') return false;
  return LIST_KEYS.some((k) => !sameSet(base[k], draft[k]));
}

/** Added/removed between two lists, each in first-seen order without repeats. */
export function listChange(before, after) {
  const b = new Set(before || []);
  const a = new Set(after || []);
  return {
    added: [...a].filter((x) => !b.has(x)),
    removed: [...b].filter((x) => !a.has(x)),
  };
}

/**
 * Re-applies the admin's edits (draft compared with oldBase) on top of a newer base: the method
 * if the admin changed it, and per list the entries the admin added and removed. Everything else
 * follows newBase, so a change someone else made is kept unless the admin undid it.
 */
export function rebaseDraft(oldBase, draft, newBase) {
  const out = clonePolicy(newBase);
  if (draft.method !== oldBase.method) out.method = draft.method;
  for (const k of LIST_KEYS) {
    const { added, removed } = listChange(oldBase[k], draft[k]);
    const gone = new Set(removed);
    const list = out[k].filter((x) => !gone.has(x));
    for (const x of added) if (!list.includes(x)) list.push(x);
    out[k] = list;
  }
  return out;
}

/** The IpCheck that belongs to entry i, or null when the checks are for older text. */
export function checkFor(checks, entries, i) {
  const c = checks && checks[i];
  if (!c || c.text !== entries[i]) return null;
  return c;
}

/** Counts of entries with an error and with at least one warning (current checks only). */
export function ipCheckSummary(entries, checks) {
  let errors = 0;
  let warnings = 0;
  let unchecked = 0;
  entries.forEach((_, i) => {
    const c = checkFor(checks, entries, i);
    if (!c) unchecked += 1;
    else if (c.error) errors += 1;
    else if ((c.warnings && c.warnings.length) || c.duplicateOf != null) warnings += 1;
  });
  return { errors, warnings, unchecked };
}

/** "the authenticator app" etc., for sentences. */
export function methodPhrase(m) {
  return { none: 'disabled', app: 'authenticator app', sms: 'SMS' }[m] || String(m);
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many || `${one}s`}`;
}

/** True when a PolicyDiff changes nothing. */
export function diffIsEmpty(diff) {
  if (!diff) return true;
  if (diff.method) return false;
  return LIST_KEYS.every((k) => {
    const c = diff[k];
    return !c || ((!c.added || !c.added.length) && (!c.removed || !c.removed.length));
  });
}

/** A person's name for lists: never a bare GUID. */
export function personLabel(p, id) {
  if (!p) return `unknown user ${id}`;
  return p.displayName || p.email || `unknown user ${p.id || id}`;
}

export function groupLabel(g, id) {
  if (!g) return `unknown group ${id}`;
  return g.name || `unknown group ${g.id || id}`;
}

// ---- safe-change features (history, drift, what-if, policy files, profiles) -------------------

/** True when the two policies would be stored the same way by the portal. */
export function samePolicy(a, b) {
  return !!a && !!b && !isDirty(a, b);
}

/** The host of a portal URL, or the text itself when it is not a URL. */
export function hostOf(portal) {
  try {
    return new URL(portal).host || String(portal);
  } catch {
    return String(portal ?? '');
  }
}

/** History entries newest first (the command lists them oldest first); never mutates the input. */
export function newestFirst(entries) {
  return [...(entries || [])].sort((a, b) => (b.number ?? 0) - (a.number ?? 0));
}

/** Every id a PolicyDiff mentions for one list (added, then removed). */
export function diffIds(diff, key) {
  const c = diff && diff[key];
  return c ? [...(c.added || []), ...(c.removed || [])] : [];
}

/** The user and group ids of a diff that `knownPerson` / `knownGroup` cannot name yet. */
export function unnamedIds(diff, knownPerson, knownGroup) {
  return {
    users: diffIds(diff, 'mandatoryUsers').filter((id) => !knownPerson(id)),
    groups: diffIds(diff, 'mandatoryGroups').filter((id) => !knownGroup(id)),
  };
}

/** The `draft` argument of what_if / export_policy: the draft when it changes something, else null. */
export function draftArg(base, draft) {
  return base && draft && isDirty(base, draft) ? draftForSave(draft) : null;
}

/**
 * How to show a what-if Outcome: a badge text and a tone. A trusted-IP entry that makes the
 * server throw is neither "required" nor "not required": the sign-in fails.
 */
export function outcomeBadge(outcome) {
  if (!outcome) return { label: 'Unknown', tone: 'unknown' };
  const kind = outcome.reason && outcome.reason.kind;
  if (kind === 'serverError') return { label: 'Sign-in fails', tone: 'fails' };
  return outcome.required ? { label: 'Required', tone: 'required' } : { label: 'Not required', tone: 'not-required' };
}

/** True when the draft's outcome differs from the live one (badge or reason). */
export function outcomeChanged(live, draft) {
  if (!live || !draft) return false;
  return outcomeBadge(live).tone !== outcomeBadge(draft).tone
    || JSON.stringify(live.reason || null) !== JSON.stringify(draft.reason || null);
}

const ROLE_LABELS = {
  owner: 'Owner', docSpaceAdmin: 'DocSpace admin', roomAdmin: 'Room admin', user: 'User', guest: 'Guest',
};

export function roleLabel(role) {
  return ROLE_LABELS[role] || (role ? String(role) : '');
}

/** The server's owner rule (docs §3.2), in the words the picker, the notices and the review use. */
export const OWNER_RULE = 'Only the owner can make TFA mandatory for the owner: the portal refuses the save unless the owner makes it.';

/** The owner rule when `person` is the portal owner and the admin (`role`) is not: else null. */
export function ownerWarning(person, role) {
  return person && person.isOwner && role !== 'owner' ? OWNER_RULE : null;
}

/**
 * The entries of an Imported the admin must hear about; `any` is false when all resolved and
 * nothing would be refused. `owners` names the portal owner when the draft brings them into the
 * mandatory users and the admin (`role`) is not the owner.
 */
export function importIssues(imported, role = null) {
  const unresolved = [...((imported && imported.unresolved) || [])];
  const unknownIds = [...((imported && imported.unknownIds) || [])];
  const mandatory = new Set((imported && imported.draft && imported.draft.mandatoryUsers) || []);
  const owners = ((imported && imported.users) || [])
    .filter((u) => u && mandatory.has(u.id) && ownerWarning(u, role))
    .map((u) => personLabel(u, u.id));
  return { unresolved, unknownIds, owners, any: unresolved.length + unknownIds.length + owners.length > 0 };
}

/**
 * list_profiles in the shape the header needs: the options (current one marked), whether to
 * show the switcher (two or more profiles) and the profiles a policy can be copied from.
 */
export function profileChoices(res) {
  const list = ((res && res.profiles) || []).filter((p) => p && p.name);
  const current = (res && res.current) || null;
  const options = list.map((p) => {
    const host = hostOf(p.portal || '');
    return {
      name: p.name,
      portal: p.portal || '',
      label: host && host !== p.name ? `${p.name} (${host})` : p.name,
      current: p.name === current,
    };
  });
  return {
    options,
    current,
    showSwitcher: options.length >= 2,
    others: options.length >= 2 ? options.filter((o) => !o.current) : [],
  };
}

/** The last part of a file path (either separator), for short messages. */
export function fileName(path) {
  const parts = String(path ?? '').split(/[\\/]/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : String(path ?? '');
}

/** A history time (RFC 3339) in the local format, or the text as given when it is not a date. */
export function localTime(time, locale) {
  const d = new Date(time);
  if (!time || Number.isNaN(d.getTime())) return String(time ?? '');
  return d.toLocaleString(locale || [], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
