// The progress bar of a sign-in scan, shared by the review's impact section, the IP suggestions and
// the People view: shown only when the scan takes longer than half a second, with the counts polled
// from `insight_progress` and a Cancel button (`cancel_insight`). A bar is a `.scan-progress`
// element holding a <progress>, a `.scan-status` text and a `.scan-cancel` button.

import { call } from './api.js';
import { $$ } from './dom.js';
import { plural } from './model.js';

const SHOW_PROGRESS_AFTER_MS = 500;
const POLL_MS = 250;
// The latest scan shown by each bar: an older scan ending must not hide a newer one's progress.
const owners = new WeakMap();

/** Runs `scan()` (a promise-returning call) with `bar` showing its progress; returns its result. */
export async function withScanProgress(bar, scan) {
  const token = {};
  owners.set(bar, token);
  const mine = () => owners.get(bar) === token;
  const status = bar.querySelector('.scan-status');
  let done = false;
  bar.hidden = true;
  const started = Date.now();
  const timer = setInterval(async () => {
    if (Date.now() - started < SHOW_PROGRESS_AFTER_MS) return;
    try {
      const p = await call('insight_progress', {});
      if (done || !mine() || !p.running) return;
      bar.hidden = false;
      status.textContent = `${plural(p.pages, 'page')} read, ${plural(p.events, 'event')}`;
    } catch { /* progress is a courtesy */ }
  }, POLL_MS);
  try {
    return await scan();
  } finally {
    done = true;
    clearInterval(timer);
    if (mine()) bar.hidden = true;
  }
}

export function initScanProgress() {
  for (const bar of $$('.scan-progress')) {
    bar.querySelector('.scan-cancel').addEventListener('click', () => call('cancel_insight', {}).catch(() => {}));
  }
}
