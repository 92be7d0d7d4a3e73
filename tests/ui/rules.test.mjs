// The policy rules model.js shares with Rust, fed the cases of tests/fixtures/policy_rules.json,
// which tests/policy_rules.rs feeds to the Rust side: both must give the same answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDirty, draftForSave, rebaseDraft, SYSTEM_GROUP_NOTES } from '../../ui/js/model.js';

const cases = JSON.parse(readFileSync(new URL('../fixtures/policy_rules.json', import.meta.url), 'utf8'));

test('dirty check agrees with the shared cases', () => {
  for (const c of cases.dirty) assert.equal(isDirty(c.base, c.draft), c.dirty, c.name);
});

test('draft for save agrees with the shared cases', () => {
  for (const c of cases.draftForSave) assert.deepEqual(draftForSave(c.draft), c.stored, c.name);
});

test('the system group ids are the shared ones', () => {
  assert.deepEqual(Object.keys(SYSTEM_GROUP_NOTES).sort(), [...cases.systemGroups].sort());
});

test('rebase agrees with the shared cases', () => {
  for (const c of cases.rebase) assert.deepEqual(rebaseDraft(c.oldBase, c.draft, c.newBase), c.expected, c.name);
});
