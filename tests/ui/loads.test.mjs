// node --test tests/ui/   (ui/js/loads.js: late answers and reads that meet an edited draft)
import test from 'node:test';
import assert from 'node:assert/strict';
import { createGenerations, meetRead } from '../../ui/js/loads.js';

const policy = (method, trustedIps = [], mandatoryUsers = [], mandatoryGroups = []) => ({ method, trustedIps, mandatoryUsers, mandatoryGroups });

/** A request whose answer the test releases by hand, in any order. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

/**
 * The policy screen's load as ui/js/policy.js runs it: take a ticket, await the answer, and let
 * only the newest ticket for the portal on screen change the screen.
 */
function screen() {
  const reads = createGenerations();
  const s = { portal: null, shown: null, spinning: false };
  s.load = async (answer) => {
    const ticket = reads.next(s.portal);
    s.spinning = true;
    const lp = await answer;
    if (!reads.isCurrent(ticket, s.portal)) return;
    s.spinning = false;
    s.shown = lp;
  };
  s.switchTo = (portal, answer) => {
    s.portal = portal;
    return s.load(answer);
  };
  return s;
}

test('switching portal mid-load: the old answer is dropped and the new load completes the screen', async () => {
  const s = screen();
  const a = deferred();
  const b = deferred();
  const first = s.switchTo('https://a.example', a.promise);
  const second = s.switchTo('https://b.example', b.promise);
  b.resolve({ portal: 'https://b.example' });
  await second;
  a.resolve({ portal: 'https://a.example' });
  await first;
  assert.deepEqual(s.shown, { portal: 'https://b.example' });
  assert.equal(s.spinning, false);
});

test('switching to the sandbox mid-load: the newest answer wins even when the older one comes last', async () => {
  const s = screen();
  const a = deferred();
  const b = deferred();
  const first = s.switchTo('https://a.example', a.promise);
  const second = s.switchTo('http://127.0.0.1:4000', b.promise);
  a.resolve({ portal: 'https://a.example' });
  await first;
  assert.equal(s.shown, null, 'the answer for the previous portal never reaches the screen');
  assert.equal(s.spinning, true);
  b.resolve({ portal: 'http://127.0.0.1:4000' });
  await second;
  assert.deepEqual(s.shown, { portal: 'http://127.0.0.1:4000' });
  assert.equal(s.spinning, false);
});

test('two loads of the same portal: only the newer one lands', async () => {
  const s = screen();
  s.portal = 'https://a.example';
  const old = deferred();
  const fresh = deferred();
  const p1 = s.load(old.promise);
  const p2 = s.load(fresh.promise);
  fresh.resolve({ n: 2 });
  await p2;
  old.resolve({ n: 1 });
  await p1;
  assert.deepEqual(s.shown, { n: 2 });
});

test('invalidate drops every ticket in flight (cancel, leaving the portal)', () => {
  const g = createGenerations();
  const t = g.next('p');
  assert.equal(g.isCurrent(t, 'p'), true);
  assert.equal(g.isCurrent(t, 'q'), false);
  g.invalidate();
  assert.equal(g.isCurrent(t, 'p'), false);
  assert.equal(g.isCurrent(null), false);
});

test('meetRead: an untouched form takes the read', () => {
  const base = policy('app', ['10.0.0.1']);
  const read = policy('app', ['10.0.0.1', '172.16.0.0/12']);
  assert.deepEqual(meetRead({ base, startDraft: base, draft: policy('app', ['10.0.0.1']), read }), { kind: 'replace', draft: read });
  // The first read: nothing on screen yet.
  assert.equal(meetRead({ base: null, startDraft: null, draft: null, read }).kind, 'replace');
});

test('meetRead: an IP added while a read of an unchanged portal is on its way is kept', () => {
  const base = policy('app', ['10.0.0.1']);
  const draft = policy('app', ['10.0.0.1', '10.9.9.9']);
  const met = meetRead({ base, startDraft: base, draft, read: policy('app', ['10.0.0.1']) });
  assert.equal(met.kind, 'keep');
  assert.deepEqual(met.draft, draft);
});

test('meetRead: edits during the read of a portal that moved are offered on top of theirs, never dropped', () => {
  const base = policy('app', ['10.0.0.1'], ['u1']);
  const draft = policy('app', ['10.0.0.1', '10.9.9.9'], ['u1']);
  const read = policy('app', ['10.0.0.1', '172.16.0.0/12'], ['u1', 'u2']);
  const met = meetRead({ base, startDraft: base, draft, read });
  assert.equal(met.kind, 'ask');
  assert.deepEqual(met.draft, policy('app', ['10.0.0.1', '172.16.0.0/12', '10.9.9.9'], ['u1', 'u2']));
});

test('meetRead: edits discarded before the reload stay discarded, edits made during it are kept', () => {
  // "Discard and reload" resets the draft to the base first, so startDraft is the base.
  const base = policy('app', ['10.0.0.1']);
  const during = policy('app', ['10.0.0.1', '10.0.0.7']);
  const met = meetRead({ base, startDraft: base, draft: during, read: policy('app', ['10.0.0.1', '10.0.0.2']) });
  assert.deepEqual(met.draft, policy('app', ['10.0.0.1', '10.0.0.2', '10.0.0.7']));
});

test('search: an answer that arrives after newer typing (still in its debounce) is never shown', async () => {
  // As ui/js/picker.js: a search takes a ticket; every keystroke invalidates the tickets in flight.
  const searches = createGenerations();
  const shown = [];
  const search = async (query, answer) => {
    const ticket = searches.next();
    const items = await answer;
    if (searches.isCurrent(ticket)) shown.push([query, items]);
  };
  const nata = deferred();
  const first = search('nata', nata.promise);
  searches.invalidate(); // the admin types "kowal"; its search waits for the debounce
  nata.resolve(['Natalia']);
  await first;
  assert.deepEqual(shown, [], 'the answer for "nata" does not show under "kowal"');
  const kowal = deferred();
  const second = search('kowal', kowal.promise);
  kowal.resolve(['Jan Kowalski']);
  await second;
  assert.deepEqual(shown, [['kowal', ['Jan Kowalski']]]);
});

test('rebaseDraft agrees with the Rust rebase (src/policy/merge.rs) on the shared cases', async () => {
  const { readFile } = await import('node:fs/promises');
  const { rebaseDraft } = await import('../../ui/js/model.js');
  const { cases } = JSON.parse(await readFile(new URL('../cases/rebase.json', import.meta.url), 'utf8'));
  assert.ok(cases.length >= 5);
  for (const c of cases) assert.deepEqual(rebaseDraft(c.base, c.draft, c.live), c.merged, c.name);
});
