// node --test tests/ui/   (pure helpers of ui/js/model.js; no browser needed)
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  splitEntries, isDirty, draftForSave, rebaseDraft, listChange, checkFor, ipCheckSummary, diffIsEmpty, personLabel,
} from '../../ui/js/model.js';

const policy = (method, trustedIps = [], mandatoryUsers = [], mandatoryGroups = []) => ({ method, trustedIps, mandatoryUsers, mandatoryGroups });

test('splitEntries splits on newlines, commas, semicolons and spaces', () => {
  assert.deepEqual(splitEntries('10.0.0.1\n10.0.0.2,10.0.0.3; 10.0.0.4  10.0.0.5\r\n\t2001:db8::1'),
    ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '2001:db8::1']);
});

test('splitEntries keeps a range with spaces around the dash as one entry', () => {
  assert.deepEqual(splitEntries('10.0.0.1 - 10.0.0.9, 10.1.0.1-10.1.0.9 10.2.0.1 -10.2.0.9'),
    ['10.0.0.1 - 10.0.0.9', '10.1.0.1-10.1.0.9', '10.2.0.1 -10.2.0.9']);
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
