// A fake Rust side for previewing ui/ in a plain browser: defines window.__TAURI__.core.invoke
// with an in-memory backend that follows docs/commands.md. Never referenced by ui/index.html.
//
// Query string (see tests/ui/preview.html):
//   state=connect|autoconnect|autofail|policy|loading|loaderror   where the app starts
//   latency=MS        delay of every command (default 250)
//   conflict=1        the first save_policy rejects with kind `conflict`
//   savefail=1        save_policy rejects with kind `saveFailed` (landed unknown)
//   keychain=1        connect with remember:true rejects with kind `keychain`
//   sms=0|1           SMS listed and available (default: listed, no provider)
//   empty=1           the portal starts with TFA disabled and no lists
//   history=1         seed this app's history for the portal (implied by state=history|drift)
//   historyfail=1     save_policy succeeds but returns a historyError
//   profiles=N        number of saved portals (default 3; fewer than 2 hides the switcher)
//   switchfail=NAME   switch_profile to NAME rejects with kind `noKey`
//   export=cancel     export_policy answers {cancelled:true}
//   import=cancel|clean   import_policy answers {cancelled:true}, or a file that resolves fully
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const scenario = params.get('state') || 'connect';
  const latency = Number(params.get('latency') || 250);
  const log = (...a) => { if (params.has('debug')) console.log('[mock]', ...a); };

  // ---- directory ----------------------------------------------------------------------------
  const FIRST = ['Alex', 'Maria', 'John', 'Olga', 'Ivan', 'Sara', 'Peter', 'Nadia', 'Tom', 'Lena', 'Omar', 'Yuki', 'Carlos', 'Emma', 'Raj', 'Ana', 'Ben', 'Chloe', 'David', 'Eva'];
  const LAST = ['Smith', 'Ivanova', 'Brown', 'Petrov', 'Garcia', 'Kim', 'Novak', 'Rossi', 'Dubois', 'Tanaka', 'Weber', 'Silva', 'Jones', 'Khan', 'Larsen'];
  const hex = (n, len) => n.toString(16).padStart(len, '0');
  const uuid = (prefix, n) => `${prefix}${hex(n, 7)}-0000-4000-8000-${hex(n * 7919, 12)}`;
  const people = [];
  for (let i = 0; i < 120; i += 1) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    people.push({
      id: uuid('a', i + 1),
      displayName: `${first} ${last}`,
      email: `${first}.${last}${i > 19 ? i : ''}@acme.example`.toLowerCase(),
      known: true,
      isOwner: i === 0,
      isAdmin: i > 0 && i < 4,
    });
  }
  const owner = people[0];
  const GROUPS = ['Accounting', 'Design', 'Engineering', 'Finance', 'HR', 'IT Operations', 'Legal', 'Marketing', 'Product', 'Sales', 'Security', 'Support',
    'Contractors', 'Interns', 'Management', 'Research', 'QA', 'Procurement', 'Logistics', 'Customer Success', 'Data', 'Executives', 'Facilities', 'Partners',
    'Press', 'Training', 'Translators', 'Vendors', 'Board', 'Audit'];
  const groups = GROUPS.map((name, i) => ({ id: uuid('b', i + 1), name, known: true, isSystem: false }));
  groups.push(
    { id: 'c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e', name: 'Everyone', known: true, isSystem: true },
    { id: 'cd84e66b-b803-40fc-99f9-b2969a54a1de', name: 'DocSpace admins', known: true, isSystem: true },
    { id: 'abef62db-11a8-4673-9d32-ef1d8af19dc0', name: 'Room admins', known: true, isSystem: true },
  );
  const UNKNOWN_USER = '0badc0de-1111-4222-8333-444455556666';
  // Ordinary group membership and account type, for what_if.
  const memberOf = (i) => [groups[i % 30].id, groups[(i * 7 + 3) % 30].id];
  const roleOf = (p) => (p.isOwner ? 'owner' : p.isAdmin ? 'docSpaceAdmin' : 'user');
  const EVERYONE = 'c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e';
  const DOCSPACE_ADMINS = 'cd84e66b-b803-40fc-99f9-b2969a54a1de';
  const ROOM_ADMINS = 'abef62db-11a8-4673-9d32-ef1d8af19dc0';

  // ---- portal -------------------------------------------------------------------------------
  const portalUrl = 'https://acme.onlyoffice.com';
  const smsParam = params.get('sms');
  const offers = {
    sms: { listed: smsParam !== 'hidden', available: smsParam === '1' },
    app: { listed: true, available: true },
  };
  let live = params.get('empty') === '1'
    ? { method: 'none', trustedIps: [], mandatoryUsers: [], mandatoryGroups: [] }
    : {
      method: 'app',
      trustedIps: ['10.0.0.0/8', '192.168.1.10', '2001:db8::/48', '192.168.1.10/24'],
      mandatoryUsers: [people[5].id, people[9].id, UNKNOWN_USER],
      mandatoryGroups: [groups[2].id, groups[10].id],
    };
  // Saved portals (profiles). `live` and `history` always belong to the current one (`cur`).
  const PROFILE_LIST = [
    { name: 'acme', portal: portalUrl },
    { name: 'acme-eu', portal: 'https://acme-eu.onlyoffice.eu' },
    { name: 'lab', portal: 'https://docspace.lab.example.org' },
  ].slice(0, Math.max(0, Number(params.get('profiles') ?? 3)));
  const portals = new Map([
    [portalUrl, null], // filled below from `live`
    ['https://acme-eu.onlyoffice.eu', {
      live: { method: 'app', trustedIps: ['10.20.0.0/16', '198.51.100.7'], mandatoryUsers: [people[2].id, people[7].id], mandatoryGroups: [groups[6].id, groups[11].id] },
      history: [],
      // Found on acme by email (people) and name (groups), except these:
      unresolved: ['user Jean Dupont <jean.dupont@acme-eu.example>', 'group Paris office'],
    }],
    ['https://docspace.lab.example.org', {
      live: { method: 'app', trustedIps: ['192.0.2.0/24'], mandatoryUsers: [], mandatoryGroups: [DOCSPACE_ADMINS] },
      history: [],
      unresolved: [],
    }],
  ]);
  let history = [];
  let cur = portalUrl;
  let connection = null;
  let conflictArmed = params.get('conflict') === '1' || ['conflict', 'overwrite'].includes(scenario);
  const savedPortal = ['autoconnect', 'autofail'].includes(scenario) ? portalUrl : null;
  const DAY = 24 * 3600 * 1000;

  const clone = (x) => JSON.parse(JSON.stringify(x));
  const asStored = (p) => (p.method === 'none' ? { method: 'none', trustedIps: [], mandatoryUsers: [], mandatoryGroups: [] } : clone(p));
  const reject = (kind, message, details) => { const e = { kind, message }; if (details !== undefined) e.details = details; throw e; };
  const personRef = (id) => people.find((p) => p.id === id) || { id, displayName: `unknown user ${id}`, email: null, known: false, isOwner: false, isAdmin: false };
  const groupRef = (id) => groups.find((g) => g.id === id) || { id, name: `unknown group ${id}`, known: false, isSystem: false };
  const loaded = () => ({
    portal: cur,
    policy: clone(live),
    sms: clone(offers.sms),
    app: clone(offers.app),
    users: live.mandatoryUsers.map(personRef),
    groups: live.mandatoryGroups.map(groupRef),
  });
  const info = (sandbox, keyStorage) => ({
    portal: sandbox ? 'http://127.0.0.1:8799' : cur,
    user: clone(owner),
    role: 'owner',
    canEdit: true,
    keyStorage,
    sandbox,
  });
  const CONNECT_SCENARIOS = ['connect', 'autoconnect', 'autofail', 'connect-error', 'keychain'];
  if (!CONNECT_SCENARIOS.includes(scenario)) connection = info(false, 'keychain');
  // reader=1: the key belongs to an ordinary user (read-only access).
  if (connection && params.get('reader') === '1') Object.assign(connection, { role: 'reader', canEdit: false });

  // ---- IP checks (a rough JS copy of the rules in docspace-api.md §5.3) ---------------------
  function parseV4(s) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
    if (!m) return null;
    const parts = m.slice(1).map(Number);
    if (parts.some((n) => n > 255)) return null;
    return { parts, leadingZero: m.slice(1).some((x) => x.length > 1 && x[0] === '0') };
  }
  function isV6(s) {
    return /^[0-9a-fA-F:]+$/.test(s) && s.includes(':') && (s.match(/::/g) || []).length <= 1 && s.split(':').length <= 8;
  }
  function checkOne(text) {
    const out = { error: null, warnings: [], canonical: null };
    const t = text.trim();
    if (!t) { out.error = 'Empty entry: type an address or remove the entry.'; return out; }
    if (t !== text) { out.warnings.push('Has spaces around it: the portal compares the text exactly, so it would never match.'); out.canonical = t; }
    if (t.includes('-') && t.indexOf('-') > 0) {
      const [a, b] = t.split('-').map((x) => x.trim());
      const va = parseV4(a); const vb = parseV4(b);
      if (va && vb) {
        const na = va.parts.reduce((x, y) => x * 256 + y, 0); const nb = vb.parts.reduce((x, y) => x * 256 + y, 0);
        if (na > nb) out.error = 'The range is backwards: the first address is higher than the second. Swap them.';
        if (!out.canonical && t !== `${a}-${b}`) out.canonical = `${a}-${b}`;
        return out;
      }
      if (isV6(a) && isV6(b)) return out;
      out.error = 'Not a valid range: write two addresses of the same family, like 10.0.0.1-10.0.0.50.';
      return out;
    }
    if (t.includes('/')) {
      const [net, lenText] = t.split('/');
      const len = Number(lenText);
      const v4 = parseV4(net);
      if (v4 && Number.isInteger(len) && len >= 0 && len <= 32) {
        if (len === 0) { out.error = '0.0.0.0/0 matches nobody on this server (a known bug); list the ranges you mean instead.'; return out; }
        const n = v4.parts.reduce((x, y) => x * 256 + y, 0);
        const mask = len === 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
        const netN = (n & mask) >>> 0;
        if (netN !== n) {
          const c = [24, 16, 8, 0].map((s) => (netN >>> s) & 255).join('.');
          out.error = `Host bits are set: the portal fails every sign-in that reaches this entry. Use ${c}/${len}.`;
          out.canonical = `${c}/${len}`;
        }
        return out;
      }
      if (isV6(net) && Number.isInteger(len) && len >= 0 && len <= 128) {
        if (len > 32) out.warnings.push(`The portal compares only part of an IPv6 prefix longer than /32: this entry also matches addresses outside ${t}.`);
        if (net !== net.toLowerCase()) out.canonical = `${net.toLowerCase()}/${len}`;
        return out;
      }
      out.error = 'Not a valid CIDR block: write a network address and a prefix length, like 192.168.1.0/24.';
      return out;
    }
    const v4 = parseV4(t);
    if (v4) {
      if (v4.leadingZero) {
        out.warnings.push('Leading zeros: the portal compares the text exactly, so this never matches.');
        out.canonical = v4.parts.join('.');
      }
      return out;
    }
    if (isV6(t)) {
      if (t !== t.toLowerCase()) {
        out.warnings.push('Upper-case IPv6: the portal compares the text exactly, so this never matches.');
        out.canonical = t.toLowerCase();
      }
      return out;
    }
    if (/\*/.test(t)) out.error = 'Wildcards are not supported: use a range (10.0.0.0-10.0.0.255) or CIDR (10.0.0.0/24).';
    else if (/[a-z]/i.test(t)) out.error = 'Host names are not supported: enter an IP address, a range or a CIDR block.';
    else out.error = 'Not an IP address, range or CIDR block.';
    return out;
  }
  function checkIps(entries) {
    const seen = new Map();
    return entries.map((text, index) => {
      const r = checkOne(text);
      const key = (r.canonical || text).trim();
      const duplicateOf = seen.has(key) ? seen.get(key) : null;
      if (!seen.has(key)) seen.set(key, index);
      return { index, text, error: r.error, warnings: r.warnings, canonical: r.canonical, duplicateOf };
    });
  }

  // ---- review --------------------------------------------------------------------------------
  function listChange(a, b) {
    return { added: [...new Set(b.filter((x) => !a.includes(x)))], removed: [...new Set(a.filter((x) => !b.includes(x)))] };
  }
  function diff(before, after) {
    const b = asStored(before); const a = asStored(after);
    return {
      method: b.method !== a.method ? [b.method, a.method] : null,
      trustedIps: listChange(b.trustedIps, a.trustedIps),
      mandatoryUsers: listChange(b.mandatoryUsers, a.mandatoryUsers),
      mandatoryGroups: listChange(b.mandatoryGroups, a.mandatoryGroups),
    };
  }
  const same = (a, b) => JSON.stringify(diff(a, b)) === JSON.stringify(diff(a, a));
  const LABEL = { none: 'disabled', app: 'authenticator app', sms: 'SMS' };
  function review(draft) {
    const problems = [];
    const effects = [];
    if (draft.method !== 'none') {
      const o = offers[draft.method];
      if (!o.listed) problems.push({ level: 'error', field: 'method', message: `This portal does not offer ${LABEL[draft.method]} two-factor authentication. Choose another method.` });
      else if (!o.available) problems.push({ level: 'error', field: 'method', message: 'This portal has no SMS provider configured, so SMS two-factor authentication cannot be turned on.' });
      checkIps(draft.trustedIps).forEach((c) => {
        if (c.error) problems.push({ level: 'error', field: `trustedIps[${c.index}]`, message: `"${c.text}": ${c.error}` });
        c.warnings.forEach((w) => problems.push({ level: 'warning', field: `trustedIps[${c.index}]`, message: `"${c.text}": ${w}` }));
      });
      if ((draft.mandatoryUsers.length || draft.mandatoryGroups.length) && !draft.trustedIps.length) {
        problems.push({ level: 'warning', field: 'mandatoryUsers', message: 'Without trusted IPs everyone must use TFA anyway, so the mandatory users and groups change nothing yet.' });
      }
      effects.push('Every session on the portal is signed out, yours included; people sign in again (API keys keep working).');
      if (live.method === 'none') effects.push(`Two-factor authentication by ${LABEL[draft.method]} becomes required for everyone who is not on a trusted IP.`);
    } else if (live.method !== 'none') {
      effects.push('Two-factor authentication is turned off for everyone.');
      effects.push('The portal wipes the trusted IPs and the mandatory users and groups; turning TFA on again starts from empty lists.');
    }
    const d = diff(live, draft);
    const empty = same(live, draft);
    if (empty) problems.push({ level: 'warning', field: 'policy', message: "Nothing to save: the draft is the same as the portal's policy." });
    const ids = (k) => [...new Set([...live[k], ...draft[k]])];
    return {
      diff: d,
      sideEffects: effects,
      problems,
      canSave: !empty && !problems.some((p) => p.level === 'error'),
      users: ids('mandatoryUsers').map(personRef),
      groups: ids('mandatoryGroups').map(groupRef),
    };
  }

  // ---- history and drift ------------------------------------------------------------------------
  const POLICY_EMPTY = { method: 'none', trustedIps: [], mandatoryUsers: [], mandatoryGroups: [] };
  function summary(d) {
    const parts = [];
    if (d.method) parts.push(`method ${LABEL[d.method[0]]} → ${LABEL[d.method[1]]}`);
    for (const [k, n] of [['trustedIps', 'trusted IPs'], ['mandatoryUsers', 'mandatory users'], ['mandatoryGroups', 'mandatory groups']]) {
      const c = d[k];
      if (c.added.length || c.removed.length) parts.push(`${n} +${c.added.length} −${c.removed.length}`);
    }
    return parts.join('; ') || 'no change';
  }
  function record(before, after, by, note, time) {
    const d = diff(before, after);
    const snap = {
      number: history.length ? history[history.length - 1].number + 1 : 1,
      portal: cur,
      time: new Date(time || Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      by,
      before: asStored(before),
      after: asStored(after),
      note: note && note.trim() ? note.trim() : null,
      diff: d,
      summary: summary(d),
    };
    history.push(snap);
    return snap;
  }
  function drift() {
    const last = history[history.length - 1];
    if (!last || same(last.after, live)) return null;
    return { since: last.number, ours: clone(last.after), diff: diff(last.after, live) };
  }
  if (params.get('history') === '1' || ['history', 'drift'].includes(scenario)) {
    const p1 = { method: 'app', trustedIps: ['10.0.0.0/8', '192.168.1.10'], mandatoryUsers: [people[5].id], mandatoryGroups: [groups[2].id] };
    const p2 = { method: 'app', trustedIps: ['10.0.0.0/8', '192.168.1.10', '2001:db8::/48', '192.168.1.10/24'], mandatoryUsers: [people[5].id, people[9].id, UNKNOWN_USER, people[20].id], mandatoryGroups: [groups[2].id, groups[10].id] };
    record(POLICY_EMPTY, p1, 'Alex Smith', 'Turn on TFA for the pilot (Engineering)', Date.now() - 9 * DAY);
    record(p1, p2, 'Maria Ivanova', null, Date.now() - 2 * DAY - 3600e3);
    record(p2, live, 'Alex Smith', 'Alex Kim left the security team; VPN range stays trusted', Date.now() - 5 * 3600e3);
    if (scenario === 'drift') {
      // Someone changed the policy in DocSpace's own settings since: +1 IP, −1 user, −1 group.
      live = clone(live);
      live.trustedIps.push('172.16.0.0/12');
      live.mandatoryUsers = live.mandatoryUsers.filter((id) => id !== people[9].id);
      live.mandatoryGroups = live.mandatoryGroups.filter((id) => id !== groups[10].id);
    }
  }
  portals.set(portalUrl, { live, history, unresolved: [] });
  const currentProfile = () => (PROFILE_LIST.find((p) => p.portal === cur && connection && !connection.sandbox) || {}).name || null;

  // ---- what-if (the server's rule; a rough matcher like check_ips) -----------------------------
  const v4num = (s) => { const v = parseV4(s); return v ? v.parts.reduce((x, y) => x * 256 + y, 0) : null; };
  function matches(ip, entry) {
    const t = entry.trim();
    const n = v4num(ip);
    if (t.includes('-') && t.indexOf('-') > 0) {
      const [a, b] = t.split('-').map((x) => x.trim());
      const na = v4num(a); const nb = v4num(b);
      return n != null && na != null && nb != null && n >= na && n <= nb;
    }
    if (t.includes('/')) {
      const [net, lenText] = t.split('/');
      const len = Number(lenText);
      const nn = v4num(net);
      if (n == null || nn == null) return ip.toLowerCase().startsWith(net.toLowerCase().replace(/::$/, ':'));
      const mask = len === 0 ? 0 : len === 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
      return ((n & mask) >>> 0) === ((nn & mask) >>> 0);
    }
    return t === ip;
  }
  function evaluate(policy, subject, ip, who) {
    const out = (required, reason, explanation) => ({ required, reason, requestIp: ip, explanation });
    if (policy.method === 'none') return out(false, { kind: 'tfaOff' }, 'Not required: two-factor authentication is off on this portal.');
    const inGroup = (g) => g === EVERYONE || (g === DOCSPACE_ADMINS && ['owner', 'docSpaceAdmin'].includes(subject.role))
      || (g === ROOM_ADMINS && ['owner', 'docSpaceAdmin', 'roomAdmin'].includes(subject.role)) || subject.groups.includes(g);
    const g = policy.mandatoryGroups.find(inGroup);
    if (g) return out(true, { kind: 'mandatoryGroup', detail: g }, `Required: ${who} is in the mandatory group ${groupRef(g).name}, which applies from any address.`);
    if (subject.id && policy.mandatoryUsers.includes(subject.id)) return out(true, { kind: 'mandatoryUser' }, `Required: ${who} is on the list of mandatory users, which applies from any address.`);
    if (!policy.trustedIps.length) return out(true, { kind: 'noTrustedIps' }, `Required: two-factor authentication is on and there are no trusted IPs, so ${who} must use it from any address.`);
    for (let index = 0; index < policy.trustedIps.length; index += 1) {
      const entry = policy.trustedIps[index];
      const c = checkOne(entry);
      if (c.error) {
        return out(true, { kind: 'serverError', detail: { index, entry, detail: c.error } },
          `Sign-in fails: trusted IP entry ${index + 1} (${entry}) makes the server fail with an error (HTTP 500) for ${who} signing in from ${ip}: ${c.error} Fix or remove that entry.`);
      }
      if (matches(ip, entry)) {
        return out(false, { kind: 'trustedIp', detail: { index, entry } }, `Not required: ${who} signs in from ${ip}, which matches trusted IP entry ${index + 1} (${entry}).`);
      }
    }
    return out(true, { kind: 'notOnTrustedIp' }, `Required: ${ip} matches none of the trusted IPs, so ${who} must use a second factor.`);
  }

  // ---- policy files --------------------------------------------------------------------------
  const resolvedNames = (policy) => ({
    users: policy.mandatoryUsers.map(personRef),
    groups: policy.mandatoryGroups.map(groupRef),
  });

  // ---- commands --------------------------------------------------------------------------------
  function page(list, start) {
    return { items: list.slice(start, start + 25), startIndex: start, total: list.length };
  }
  const needConnection = () => { if (!connection) reject('notConnected', 'Not connected to a portal. Connect first.'); };

  const commands = {
    app_state: () => ({ version: '0.1.0-preview', connection: clone(connection), savedPortal }),
    connect: ({ portal, apiKey, remember }) => {
      if (!/^https?:\/\/[^\s/]+\.[^\s/]+/.test(portal || '')) {
        reject('validation', 'That is not a portal address. Type it as https://yourname.onlyoffice.com.', { field: 'portal' });
      }
      if (/^http:\/\//.test(portal)) reject('validation', 'Use https:// for a portal that is not on this computer.', { field: 'portal' });
      if (/unreachable/.test(portal)) reject('network', `Could not reach ${portal}. Check the address and your network.`);
      if (apiKey === 'bad') reject('unauthorized', 'The portal did not accept this API key. Check that it is complete and not expired or revoked.');
      if (apiKey === 'user') {
        connection = { ...info(false, 'session'), role: 'reader', canEdit: false };
        connection.portal = portal.replace(/\/+$/, '');
        return clone(connection);
      }
      if (remember && (params.get('keychain') === '1' || scenario === 'keychain')) reject('keychain', 'The system keychain is locked or not available, so the key could not be stored.');
      connection = info(false, remember ? 'keychain' : 'session');
      connection.portal = portal.replace(/\/+$/, '');
      return clone(connection);
    },
    connect_saved: () => {
      if (scenario === 'autofail') reject('noKey', 'No API key for https://acme.onlyoffice.com is stored in the keychain. Paste the key to connect.');
      connection = info(false, 'keychain');
      return clone(connection);
    },
    start_sandbox: () => { connection = info(true, 'session'); return clone(connection); },
    disconnect: () => { connection = null; return null; },
    forget_key: () => { connection = null; return { removed: true }; },
    load_policy: () => {
      needConnection();
      if (scenario === 'loaderror') reject('network', 'Could not reach https://acme.onlyoffice.com: the connection timed out. Check your network, then retry.');
      return { ...loaded(), drift: drift() };
    },
    check_ips: ({ entries }) => checkIps(entries || []),
    search_people: ({ query, start }) => {
      needConnection();
      const q = String(query || '').toLowerCase();
      return page(people.filter((p) => p.displayName.toLowerCase().includes(q) || p.email.includes(q)).map(clone), start || 0);
    },
    search_groups: ({ query, start }) => {
      needConnection();
      const q = String(query || '').toLowerCase();
      return page(groups.filter((g) => g.name.toLowerCase().includes(q)).map(clone), start || 0);
    },
    review_draft: ({ draft }) => { needConnection(); return review(draft); },
    cancel_wait: () => 0,
    // Sign-in insight: fixed figures over the mock directory.
    insight_impact: ({ draft }) => {
      needConnection();
      const who = (i, hasApp) => ({ id: people[i].id, name: people[i].displayName, hasApp });
      const open = (draft.trustedIps || []).length < live.trustedIps.length + 1;
      return {
        days: 30, signIns: 48210, people: 1604, unanalysable: 1187, partial: false,
        live: { askedSignIns: 9120, askedPeople: 402 },
        draft: { askedSignIns: open ? 12044 : 9120, askedPeople: open ? 533 : 402 },
        newlyAsked: open ? [who(7, false), who(12, true), who(31, null)] : [],
        noLongerAsked: open ? [who(44)] .map(({ id, name }) => ({ id, name })) : [],
        me: [{ ip: '198.51.100.10', signIns: 22, live: false, draft: false }],
        pages: 1,
      };
    },
    insight_suggestions: ({ trustedIps }) => {
      needConnection();
      const has = (n) => (trustedIps || []).includes(n);
      return [
        { network: '198.51.100.0/24', people: 412, signIns: 9310, trusted: has('198.51.100.0/24') ? 'all' : 'none' },
        { network: '10.20.0.0/22', people: 388, signIns: 8102, trusted: has('10.20.0.0/22') ? 'all' : 'partly' },
        { network: '203.0.113.0/24', people: 97, signIns: 1875, trusted: has('203.0.113.0/24') ? 'all' : 'none' },
        { network: '192.0.2.0/24', people: 11, signIns: 140, trusted: 'none' },
      ];
    },
    insight_people: () => {
      needConnection();
      const row = (i, hasApp, last, method, pw, codes) => ({
        id: people[i].id, name: people[i].displayName, email: people[i].email, mandatory: i % 2 ? 'listed' : 'group Engineering',
        hasApp, lastSignIn: last, lastMethod: method, failedPasswords: pw, failedSecondFactor: codes,
      });
      return {
        rows: [row(5, true, '2026-11-30T08:12:09+00:00', 'authenticator app', 0, 1), row(6, false, '2026-11-29T17:40:51+00:00', 'password', 3, 0), row(9, true, null, null, 0, 0)],
        csv: 'id,name\r\n', canReset: !!(connection && connection.role === 'owner'), partial: false,
      };
    },
    reset_app: () => null,
    export_people_csv: () => ({ cancelled: true }),
    insight_progress: () => ({ running: false, pages: 0, events: 0 }),
    cancel_insight: () => null,
    forget_signins: () => ({ removed: true }),
    save_policy: ({ base, draft, overwrite, note }) => {
      needConnection();
      if (conflictArmed && !overwrite) {
        conflictArmed = false;
        // Another admin adds a trusted IP and a mandatory user meanwhile.
        live = clone(live);
        live.trustedIps.push('172.16.0.0/12');
        live.mandatoryUsers.push(people[12].id);
        live.mandatoryGroups = live.mandatoryGroups.filter((g) => g !== groups[10].id);
      }
      if (!overwrite && !same(base, live)) {
        reject('conflict', 'The TFA policy on the portal was changed by someone else since you loaded it.', {
          theirs: diff(base, live),
          live: { policy: clone(live), sms: clone(offers.sms), app: clone(offers.app) },
        });
      }
      if (params.get('savefail') === '1' || scenario === 'savefail') {
        reject('saveFailed', 'The save request to https://acme.onlyoffice.com failed (HTTP 502 Bad Gateway). It is not known whether the change landed: reload the policy and check it before trying again.', { landed: 'unknown' });
      }
      const r = review(draft);
      if (r.problems.some((p) => p.level === 'error')) reject('refused', r.problems.find((p) => p.level === 'error').message);
      const before = clone(live);
      live = asStored(draft);
      if (params.get('historyfail') === '1') {
        return {
          policy: loaded(), signedOut: draft.method !== 'none', recovered: false, snapshot: null,
          historyError: 'Cannot write the history file /home/admin/.local/share/docspace-tfa/history/acme.onlyoffice.com.json: Permission denied (os error 13).',
        };
      }
      const snapshot = record(before, live, connection.user.displayName, note || null);
      return { policy: loaded(), signedOut: draft.method !== 'none', recovered: false, snapshot: clone(snapshot), historyError: null };
    },
    list_history: () => {
      needConnection();
      const users = new Set();
      const gs = new Set();
      for (const e of history) {
        for (const p of [e.before, e.after]) {
          p.mandatoryUsers.forEach((id) => users.add(id));
          p.mandatoryGroups.forEach((id) => gs.add(id));
        }
      }
      return { entries: clone(history), users: [...users].map(personRef), groups: [...gs].map(groupRef) };
    },
    accept_drift: () => {
      needConnection();
      const d = drift();
      if (!d) reject('notFound', 'There is nothing to accept: the policy on the portal is the one this app saved last.');
      return { number: record(d.ours, live, connection.user.displayName, 'Accepted the change made outside this app').number };
    },
    what_if: ({ user, groups: groupIds, ip, draft }) => {
      needConnection();
      const addr = String(ip || '').trim();
      if (!parseV4(addr) && !isV6(addr)) reject('validation', `"${addr}" is not an IP address. Give an IPv4 or IPv6 address such as 203.0.113.7.`, { field: 'ip' });
      const i = people.findIndex((p) => p.id === user);
      if (user && i < 0) reject('notFound', `No person with the id ${user} on this portal.`);
      const person = i >= 0 ? people[i] : null;
      const subject = {
        id: person ? person.id : null,
        role: person ? roleOf(person) : 'user',
        groups: [...new Set([...(person ? memberOf(i) : []), ...(groupIds || [])])],
      };
      const who = person ? person.displayName : 'a member of these groups';
      return {
        person: person ? clone(person) : null,
        role: subject.role,
        groups: subject.groups.map(groupRef),
        ip: addr,
        live: evaluate(live, subject, addr, who),
        draft: draft ? evaluate(asStored(draft), subject, addr, who) : null,
      };
    },
    export_policy: ({ draft }) => {
      needConnection();
      if (params.get('export') === 'cancel') return { cancelled: true };
      return { path: `/home/admin/Documents/${new URL(cur).host.split('.')[0]}-tfa-${draft ? 'draft' : 'policy'}.json` };
    },
    import_policy: () => {
      needConnection();
      const mode = params.get('import');
      if (mode === 'cancel') return { cancelled: true };
      const draft = { method: 'app', trustedIps: ['10.0.0.0/8', '198.51.100.0/24', '203.0.113.7'], mandatoryUsers: [people[5].id, people[30].id], mandatoryGroups: [groups[3].id, EVERYONE] };
      let unresolved = [];
      let unknownIds = [];
      if (mode !== 'clean') {
        draft.mandatoryUsers.push(UNKNOWN_USER);
        unresolved = ['user Dana Scully <dana.scully@fbi.example>', 'group Night shift'];
        unknownIds = [`user Old Admin <old.admin@acme.example> ${UNKNOWN_USER}`];
      }
      return { draft, unresolved, unknownIds, ...resolvedNames(draft), source: '/home/admin/Documents/tfa-policy-2025.json' };
    },
    list_profiles: () => ({ profiles: clone(PROFILE_LIST), current: currentProfile() }),
    switch_profile: ({ name }) => {
      const prof = PROFILE_LIST.find((p) => p.name === name);
      if (!prof) reject('notFound', `There is no saved portal called ${name}.`);
      if (params.get('switchfail') === name) reject('noKey', `No API key for ${prof.portal} is stored in the keychain. Paste the key to connect.`);
      Object.assign(portals.get(cur), { live, history });
      cur = prof.portal;
      ({ live, history } = portals.get(cur));
      connection = info(false, 'keychain');
      return clone(connection);
    },
    copy_from_profile: ({ name }) => {
      needConnection();
      const prof = PROFILE_LIST.find((p) => p.name === name);
      if (!prof) reject('notFound', `There is no saved portal called ${name}.`);
      if (prof.portal === cur) reject('validation', 'That is the portal you are connected to.', { field: 'name' });
      const there = portals.get(prof.portal);
      const draft = clone(there.live);
      return { draft, unresolved: clone(there.unresolved || []), unknownIds: [], ...resolvedNames(draft), source: prof.portal };
    },
  };

  async function invoke(name, args) {
    const fn = commands[name];
    const wait = name === 'load_policy' && scenario === 'loading' ? 1e9 : name === 'check_ips' ? Math.min(latency, 60) : latency;
    await new Promise((r) => setTimeout(r, wait));
    if (!fn) throw `command ${name} not found`;
    try {
      const out = fn(clone(args || {}));
      log(name, args, '->', out);
      return out;
    } catch (e) {
      log(name, args, '=> rejected', e);
      throw e;
    }
  }

  window.__TAURI__ = { core: { invoke } };
  window.__MOCK__ = { people, groups, get live() { return live; }, get history() { return history; }, checkIps };
}());
