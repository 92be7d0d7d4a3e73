// node --test tests/ui/   (pure helpers of ui/js/model.js; no browser needed)
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  splitEntries, tidyEntry, isDirty, draftForSave, rebaseDraft, listChange, checkFor, ipCheckSummary, diffIsEmpty, personLabel,
  samePolicy, hostOf, newestFirst, diffIds, unnamedIds, draftArg, outcomeBadge, outcomeChanged, roleLabel,
  importIssues, ownerWarning, profileChoices, localTime, fileName,
} from '../../ui/js/model.js';

const policy = (method, trustedIps = [], mandatoryUsers = [], mandatoryGroups = []) => ({ method, trustedIps, mandatoryUsers, mandatoryGroups });

test('splitEntries splits on newlines, commas, semicolons and spaces', () => {
  assert.deepEqual(splitEntries('10.0.0.1\n10.0.0.2,10.0.0.3; 10.0.0.4  10.0.0.5\r\n\t2001:db8::1'),
    ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '2001:db8::1']);
});

test('splitEntries keeps a range with spaces around the dash as one entry, tidied', () => {
  assert.deepEqual(splitEntries('10.0.0.1 - 10.0.0.9, 10.1.0.1-10.1.0.9 10.2.0.1 -10.2.0.9'),
    ['10.0.0.1-10.0.0.9', '10.1.0.1-10.1.0.9', '10.2.0.1-10.2.0.9']);
  assert.deepEqual(splitEntries('10.9.9.9 - 10.9.9.20'), ['10.9.9.9-10.9.9.20']);
  assert.deepEqual(splitEntries('10.0.0.0 / 24 2001:db8:: - 2001:db8::ff'), ['10.0.0.0/24', '2001:db8::-2001:db8::ff']);
});

test('splitEntries keeps words that are no address together: one entry, one error row', () => {
  assert.deepEqual(splitEntries('office wifi'), ['office wifi']);
  assert.deepEqual(splitEntries('  office   wifi 10.0.0.1 vpn gateway'), ['office wifi', '10.0.0.1', 'vpn gateway']);
  assert.deepEqual(splitEntries('cafe 10.0.0.1'), ['cafe', '10.0.0.1']);
});

test('tidyEntry trims and closes the spaces of a range or network, and leaves words alone', () => {
  assert.equal(tidyEntry(' 10.9.9.9 - 10.9.9.20 '), '10.9.9.9-10.9.9.20');
  assert.equal(tidyEntry('10.0.0.0 /24'), '10.0.0.0/24');
  assert.equal(tidyEntry(' 10.0.0.1 '), '10.0.0.1');
  assert.equal(tidyEntry('office - wifi'), 'office - wifi');
});

test('splitEntries drops only separators, never a bad entry', () => {
  assert.deepEqual(splitEntries(' vpn.example.com, 10.0.0.*;;\n\n - 300.1.1.1 '), ['vpn.example.com', '10.0.0.*', '-', '300.1.1.1']);
  assert.deepEqual(splitEntries(''), []);
  assert.deepEqual(splitEntries(null), []);
  assert.deepEqual(splitEntries(' ,; \n'), []);
});

test('isDirty compares the method and the lists as sets', () => {
  const base = policy('app', ['a', 'b'], ['u1'], ['g1']);
  assert.equal(isDirty(base, policy('app', ['b', 'a'], ['u1'], ['g1'])), false);
  assert.equal(isDirty(base, policy('app', ['b', 'a', 'a'], ['u1'], ['g1'])), false);
  assert.equal(isDirty(base, policy('app', ['a'], ['u1'], ['g1'])), true);
  assert.equal(isDirty(base, policy('app', ['a', 'b'], ['u1', 'u2'], ['g1'])), true);
  assert.equal(isDirty(base, policy('app', ['a', 'b'], ['u1'], [])), true);
  assert.equal(isDirty(base, policy('sms', ['a', 'b'], ['u1'], ['g1'])), true);
});

test('isDirty ignores the lists while the method is none', () => {
  assert.equal(isDirty(policy('none'), policy('none', ['x'], ['u'], ['g'])), false);
  assert.equal(isDirty(policy('app', ['x']), policy('none', ['x'])), true);
  assert.equal(isDirty(null, policy('none')), false);
});

test('draftForSave empties the lists of a disabled policy and copies otherwise', () => {
  assert.deepEqual(draftForSave(policy('none', ['x'], ['u'], ['g'])), policy('none'));
  const d = policy('app', ['x'], ['u'], ['g']);
  const out = draftForSave(d);
  assert.deepEqual(out, d);
  out.trustedIps.push('y');
  assert.deepEqual(d.trustedIps, ['x']);
});

test('listChange', () => {
  assert.deepEqual(listChange(['a', 'b'], ['b', 'c', 'c']), { added: ['c'], removed: ['a'] });
});

test('rebaseDraft re-applies my edits on top of their change', () => {
  const oldBase = policy('app', ['a', 'b'], ['u1'], ['g1']);
  const mine = policy('app', ['a', 'c'], ['u1', 'u2'], ['g1']); // -b +c +u2
  const theirs = policy('app', ['a', 'b', 'z'], ['u1', 'u9'], []); // +z +u9 -g1
  assert.deepEqual(rebaseDraft(oldBase, mine, theirs), policy('app', ['a', 'z', 'c'], ['u1', 'u9', 'u2'], []));
});

test('rebaseDraft takes the method only when I changed it', () => {
  const oldBase = policy('app', ['a']);
  assert.equal(rebaseDraft(oldBase, policy('app', ['a', 'b']), policy('sms', ['a'])).method, 'sms');
  assert.equal(rebaseDraft(oldBase, policy('none', ['a']), policy('sms', ['a'])).method, 'none');
});

test('checkFor ignores checks made for older text', () => {
  const checks = [{ index: 0, text: '10.0.0.1', error: null, warnings: [] }, { index: 1, text: 'bad', error: 'no', warnings: [] }];
  assert.equal(checkFor(checks, ['10.0.0.1', 'bad'], 1).error, 'no');
  assert.equal(checkFor(checks, ['10.0.0.1', 'bad2'], 1), null);
  assert.equal(checkFor(checks, ['10.0.0.1', 'bad', 'new'], 2), null);
});

test('ipCheckSummary counts errors, warnings and unchecked entries', () => {
  const entries = ['a', 'b', 'c', 'd'];
  const checks = [
    { text: 'a', error: 'x', warnings: [] },
    { text: 'b', error: null, warnings: ['w'] },
    { text: 'c', error: null, warnings: [], duplicateOf: 1 },
  ];
  assert.deepEqual(ipCheckSummary(entries, checks), { errors: 1, warnings: 2, unchecked: 1 });
});

test('diffIsEmpty', () => {
  const empty = { method: null, trustedIps: { added: [], removed: [] }, mandatoryUsers: { added: [], removed: [] }, mandatoryGroups: { added: [], removed: [] } };
  assert.equal(diffIsEmpty(empty), true);
  assert.equal(diffIsEmpty({ ...empty, method: ['app', 'none'] }), false);
  assert.equal(diffIsEmpty({ ...empty, mandatoryGroups: { added: ['g'], removed: [] } }), false);
});

test('personLabel never returns a bare id', () => {
  assert.equal(personLabel(undefined, 'abc'), 'unknown user abc');
  assert.equal(personLabel({ id: 'abc', displayName: 'Jo', email: 'j@x' }, 'abc'), 'Jo');
  assert.equal(personLabel({ id: 'abc', displayName: '', email: 'j@x' }, 'abc'), 'j@x');
});

// ---- safe-change features ----------------------------------------------------------------------

const change = (added = [], removed = []) => ({ added, removed });
const pdiff = (o = {}) => ({ method: null, trustedIps: change(), mandatoryUsers: change(), mandatoryGroups: change(), ...o });

test('samePolicy compares as the portal stores', () => {
  assert.equal(samePolicy(policy('app', ['a', 'b'], ['u']), policy('app', ['b', 'a'], ['u'])), true);
  assert.equal(samePolicy(policy('none', ['a']), policy('none')), true);
  assert.equal(samePolicy(policy('app', ['a']), policy('sms', ['a'])), false);
  assert.equal(samePolicy(null, policy('none')), false);
});

test('hostOf and fileName', () => {
  assert.equal(hostOf('https://acme.onlyoffice.com/'), 'acme.onlyoffice.com');
  assert.equal(hostOf('http://127.0.0.1:8799'), '127.0.0.1:8799');
  assert.equal(hostOf('not a url'), 'not a url');
  assert.equal(hostOf(null), '');
  assert.equal(fileName('/home/a/Documents/tfa.json'), 'tfa.json');
  assert.equal(fileName('C:\\Users\\a\\tfa.json'), 'tfa.json');
  assert.equal(fileName('tfa.json'), 'tfa.json');
});

test('newestFirst sorts by number without touching the input', () => {
  const entries = [{ number: 1 }, { number: 3 }, { number: 2 }];
  assert.deepEqual(newestFirst(entries).map((e) => e.number), [3, 2, 1]);
  assert.deepEqual(entries.map((e) => e.number), [1, 3, 2]);
  assert.deepEqual(newestFirst(undefined), []);
});

test('diffIds and unnamedIds find the ids a drift banner cannot name yet', () => {
  const d = pdiff({ mandatoryUsers: change(['u1'], ['u2', 'u3']), mandatoryGroups: change([], ['g1']) });
  assert.deepEqual(diffIds(d, 'mandatoryUsers'), ['u1', 'u2', 'u3']);
  assert.deepEqual(diffIds(null, 'mandatoryUsers'), []);
  const known = new Set(['u1', 'u3']);
  assert.deepEqual(unnamedIds(d, (id) => known.has(id), () => false), { users: ['u2'], groups: ['g1'] });
  assert.deepEqual(unnamedIds(pdiff(), () => false, () => false), { users: [], groups: [] });
});

test('draftArg is the stored form of the draft only when it changes something', () => {
  const base = policy('app', ['a'], ['u']);
  assert.equal(draftArg(base, policy('app', ['a'], ['u'])), null);
  assert.deepEqual(draftArg(base, policy('app', ['a', 'b'], ['u'])), policy('app', ['a', 'b'], ['u']));
  assert.deepEqual(draftArg(base, policy('none', ['a'], ['u'])), policy('none'));
  assert.equal(draftArg(null, policy('none')), null);
});

test('outcomeBadge: required, not required, and a sign-in that fails', () => {
  assert.deepEqual(outcomeBadge({ required: true, reason: { kind: 'mandatoryUser' } }), { label: 'Required', tone: 'required' });
  assert.deepEqual(outcomeBadge({ required: false, reason: { kind: 'trustedIp', detail: { index: 0, entry: 'x' } } }), { label: 'Not required', tone: 'not-required' });
  // The server throws: `required` is true, but the person cannot sign in at all.
  assert.deepEqual(outcomeBadge({ required: true, reason: { kind: 'serverError', detail: {} } }), { label: 'Sign-in fails', tone: 'fails' });
  assert.equal(outcomeBadge(null).tone, 'unknown');
});

test('outcomeChanged notices a different verdict or reason', () => {
  const req = { required: true, reason: { kind: 'notOnTrustedIp' } };
  assert.equal(outcomeChanged(req, { required: true, reason: { kind: 'notOnTrustedIp' } }), false);
  assert.equal(outcomeChanged(req, { required: false, reason: { kind: 'trustedIp', detail: { index: 1, entry: 'y' } } }), true);
  assert.equal(outcomeChanged(req, { required: true, reason: { kind: 'mandatoryUser' } }), true);
  assert.equal(outcomeChanged(req, null), false);
});

test('roleLabel', () => {
  assert.equal(roleLabel('docSpaceAdmin'), 'DocSpace admin');
  assert.equal(roleLabel('roomAdmin'), 'Room admin');
  assert.equal(roleLabel('user'), 'User');
  assert.equal(roleLabel(undefined), '');
  assert.equal(roleLabel('newRole'), 'newRole');
});

test('importIssues never loses an entry', () => {
  assert.deepEqual(importIssues({ unresolved: ['user X'], unknownIds: [] }), { unresolved: ['user X'], unknownIds: [], owners: [], any: true });
  assert.deepEqual(importIssues({ unresolved: [], unknownIds: ['group G 1234'] }).any, true);
  assert.deepEqual(importIssues({}), { unresolved: [], unknownIds: [], owners: [], any: false });
});

test('importIssues flags the owner brought into the mandatory users, unless the admin is the owner', () => {
  const owner = { id: 'o1', displayName: 'Olga Owner', isOwner: true };
  const anna = { id: 'u1', displayName: 'Anna', isOwner: false };
  const copied = { unresolved: [], unknownIds: [], users: [owner, anna], draft: { method: 'app', trustedIps: [], mandatoryUsers: ['o1', 'u1'], mandatoryGroups: [] } };
  const asAdmin = importIssues(copied, 'admin');
  assert.deepEqual(asAdmin.owners, ['Olga Owner']);
  assert.equal(asAdmin.any, true, 'never "every user and group was found" while the owner comes along');
  assert.deepEqual(importIssues(copied, 'owner'), { unresolved: [], unknownIds: [], owners: [], any: false });
  // Named but not in the mandatory list: nothing to say.
  assert.equal(importIssues({ ...copied, draft: { ...copied.draft, mandatoryUsers: ['u1'] } }, 'admin').any, false);
});

test('ownerWarning: the owner rule for an admin, nothing for the owner or anyone else', () => {
  assert.match(ownerWarning({ isOwner: true }, 'admin'), /Only the owner can make TFA mandatory for the owner/);
  assert.equal(ownerWarning({ isOwner: true }, 'owner'), null);
  assert.equal(ownerWarning({ isOwner: false }, 'admin'), null);
  assert.equal(ownerWarning(null, 'admin'), null);
});

test('profileChoices: switcher from two profiles, copy offers the others', () => {
  const one = profileChoices({ profiles: [{ name: 'acme', portal: 'https://acme.onlyoffice.com' }], current: 'acme' });
  assert.equal(one.showSwitcher, false);
  assert.deepEqual(one.others, []);
  const three = profileChoices({
    profiles: [{ name: 'acme', portal: 'https://acme.onlyoffice.com' }, { name: 'eu', portal: 'https://eu.example' }, { name: 'eu.example', portal: 'https://eu.example' }],
    current: 'eu',
  });
  assert.equal(three.showSwitcher, true);
  assert.deepEqual(three.options.map((o) => o.current), [false, true, false]);
  assert.deepEqual(three.others.map((o) => o.name), ['acme', 'eu.example']);
  assert.equal(three.options[0].label, 'acme (acme.onlyoffice.com)');
  assert.equal(three.options[2].label, 'eu.example', 'no repeat when the name is the host');
  // Connected to a portal that is not saved: every profile is another one.
  assert.deepEqual(profileChoices({ profiles: three.options, current: null }).others.length, 3);
  assert.deepEqual(profileChoices(null), { options: [], current: null, showSwitcher: false, others: [] });
});

test('localTime formats a date and passes anything else through', () => {
  const t = localTime('2026-11-27T21:05:00Z', 'en-US');
  assert.match(t, /2026/);
  assert.match(t, /Nov/);
  assert.equal(localTime('yesterday'), 'yesterday');
  assert.equal(localTime(null), '');
});
