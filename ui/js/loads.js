// Pure rules for answers that arrive late: which answer may still change the screen, and how a
// policy read meets a draft the admin kept editing while it was on its way. No DOM, no Tauri:
// imported by the UI and by `node --test tests/ui/`.

import { clonePolicy, rebaseDraft, samePolicy } from './model.js';

/**
 * A generation counter: every request takes a ticket, and only the newest ticket (for the portal
 * it was taken for) may change the screen. `invalidate()` drops every ticket in flight (typing a
 * new query, cancelling a wait, leaving the portal).
 */
export function createGenerations() {
  let gen = 0;
  return {
    next(portal = null) {
      gen += 1;
      return { gen, portal };
    },
    invalidate() {
      gen += 1;
    },
    /** True while `ticket` is the newest one and was taken for `portal` (when given). */
    isCurrent(ticket, portal) {
      return !!ticket && ticket.gen === gen && (portal === undefined || ticket.portal === portal);
    },
  };
}

function sameText(a, b) {
  return JSON.stringify(clonePolicy(a)) === JSON.stringify(clonePolicy(b));
}

/**
 * How a policy read (`read`) meets the form. `base` is the policy the form was based on when the
 * read started, `startDraft` the draft then, `draft` the draft now.
 * - `replace`: the admin did not touch the form meanwhile: the read becomes base and draft.
 * - `keep`: the admin edited meanwhile, but the portal holds what the form was based on: the new
 *   base, with the draft as it is (nothing to ask).
 * - `ask`: the admin edited meanwhile and the portal changed too: offer "keep mine" (`merged`,
 *   the edits made during the read on top of the portal's policy) or "take theirs" (`read`).
 * Never loses an edit silently.
 */
export function meetRead({ base, startDraft, draft, read }) {
  if (!base || !startDraft || !draft || sameText(startDraft, draft)) {
    return { kind: 'replace', draft: clonePolicy(read) };
  }
  const merged = rebaseDraft(startDraft, draft, read);
  if (samePolicy(base, read)) return { kind: 'keep', draft: merged };
  return { kind: 'ask', draft: merged };
}
