// Trusted-IP suggestions from the portal's real sign-ins (`insight_suggestions`): networks people
// sign in from, best first, with how much of each the draft's list already trusts. "Add" puts the
// network into the draft through the editor's own path, so `check_ips` checks it like any entry.
// A long scan shows the shared progress bar (scanprogress.js).

import { call } from './api.js';
import { $, h, setBusy } from './dom.js';
import { state } from './state.js';
import { addEntries } from './ips.js';
import { withScanProgress } from './scanprogress.js';

const TRUSTED = { none: 'not trusted yet', partly: 'partly trusted', all: 'already trusted' };

function render(list) {
  const box = $('#ip-suggestions');
  if (!list.length) {
    box.replaceChildren(h('p', { class: 'small muted' }, 'No network of the last 30 days is used by more than one person.'));
    return;
  }
  box.replaceChildren(h('ul', { class: 'suggest-list', 'aria-label': 'Suggested networks' }, list.slice(0, 10).map((s) => h('li', {},
    h('code', {}, s.network),
    h('span', { class: 'small' }, ` ${s.people} people, ${s.signIns} sign-ins, ${TRUSTED[s.trusted] || s.trusted} `),
    s.trusted === 'all' ? null : h('button', {
      type: 'button',
      class: 'btn btn-sm',
      onclick: (e) => { addEntries([s.network]); e.target.disabled = true; },
    }, 'Add')))));
}

export function initSuggest() {
  const button = $('#ip-suggest');
  button.addEventListener('click', async () => {
    if (!state.draft) return;
    setBusy(button, true);
    $('#ip-suggestions').replaceChildren(h('p', { class: 'small muted' }, "Reading the portal's sign-ins…"));
    try {
      const trustedIps = state.draft.trustedIps;
      render(await withScanProgress($('#ip-suggest-progress'), () => call('insight_suggestions', { days: 30, trustedIps })));
    } catch (err) {
      $('#ip-suggestions').replaceChildren(h('p', { class: err.kind === 'cancelled' ? 'small muted' : 'callout callout-error' }, err.message));
    } finally {
      setBusy(button, false);
    }
  });
}
