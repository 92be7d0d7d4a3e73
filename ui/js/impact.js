// "Who would be asked for a second factor" in the review: `insight_impact` applies the server's
// rule to the portal's real sign-ins of the last 30 days, under the live policy and the draft.
// A long scan shows the shared progress bar (scanprogress.js). The review never waits for it:
// errors stay inside this section.

import { call } from './api.js';
import { $, h } from './dom.js';
import { plural } from './model.js';
import { withScanProgress } from './scanprogress.js';

const DAYS = 30;
let seq = 0;

function appNote(p) {
  if (p.hasApp === false) return h('span', { class: 'tag tag-warn' }, 'no app yet: must set one up at the next sign-in');
  if (p.hasApp === true) return h('span', { class: 'tag' }, 'has an app');
  return null;
}

function render(box, r) {
  const rows = [];
  if (r.partial) {
    rows.push(h('p', { class: 'callout callout-warn' }, "This portal's plan only shows the 20 most recent sign-ins: the figures cover those only."));
  }
  rows.push(h('p', {}, `Over ${plural(r.signIns, 'sign-in', 'sign-ins')} by ${plural(r.people, 'person', 'people')} in the last ${r.days} days: `
    + `now ${r.live.askedSignIns} sign-ins (${plural(r.live.askedPeople, 'person', 'people')}) are asked; `
    + `with this draft ${r.draft.askedSignIns} (${plural(r.draft.askedPeople, 'person', 'people')}).`));
  if (r.unanalysable) {
    rows.push(h('p', { class: 'small muted' }, `${plural(r.unanalysable, 'sign-in', 'sign-ins')} came over IPv6, which the portal records cut off, and cannot be analysed.`));
  }
  const list = (title, people, extra) => people.length
    // The list scrolls past 12 lines: focusable, so the keyboard can scroll it too.
    ? [h('h4', {}, `${title} (${people.length})`), h('ul', { class: 'impact-list', tabindex: '0', 'aria-label': title }, people.map((p) => h('li', {}, p.name, ' ', extra(p))))]
    : [];
  rows.push(...list('Newly asked', r.newlyAsked, appNote));
  rows.push(...list('No longer asked', r.noLongerAsked, () => null));
  for (const a of r.me || []) {
    const word = (x) => (x ? 'asked' : 'not asked');
    rows.push(h('p', { class: 'small' }, `You, from ${a.ip} (${plural(a.signIns, 'sign-in', 'sign-ins')}): ${word(a.live)} now, ${word(a.draft)} with this draft.`));
  }
  box.replaceChildren(...rows);
}

/** Fills the review's impact section for `draft`; `stillWanted()` says whether the review is still open. */
export async function showImpact(draft, stillWanted) {
  const my = ++seq;
  const box = $('#review-impact');
  box.replaceChildren(h('p', { class: 'muted' }, "Reading the portal's sign-ins…"));
  try {
    const r = await withScanProgress($('#review-impact-progress'), () => call('insight_impact', { draft, days: DAYS }));
    if (my === seq && stillWanted()) render(box, r);
  } catch (err) {
    if (my === seq && stillWanted()) {
      box.replaceChildren(h('p', { class: err.kind === 'cancelled' ? 'muted' : 'callout callout-error' }, err.message));
    }
  }
}

export function initImpact() {
  $('#review-impact-forget').addEventListener('click', async () => {
    try {
      const r = await call('forget_signins', {});
      $('#review-impact').replaceChildren(h('p', { class: 'muted' }, r.removed
        ? "This computer's copy of the portal's sign-in data was deleted."
        : 'No sign-in data of this portal was kept on this computer.'));
    } catch (err) {
      $('#review-impact').replaceChildren(h('p', { class: 'callout callout-error' }, err.message));
    }
  });
}
