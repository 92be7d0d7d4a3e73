// Read-only access: a user who is not the owner or a DocSpace admin sees the policy, what-if and
// export, a plain notice, and no way to review or save (the core refuses their saves anyway).

import { $ } from './dom.js';
import { on, state } from './state.js';

function render() {
  const c = state.connection;
  const readOnly = !!c && c.canEdit === false;
  document.body.classList.toggle('read-only', readOnly);
  $('#read-only-notice').hidden = !readOnly;
  $('#review').hidden = readOnly;
  $('#revert').hidden = readOnly;
  // No control that looks as if it could change the policy (policy.js keeps this on every render).
  $('#method-group').disabled = readOnly;
  if (readOnly) $('#lists').disabled = true;
}

export function initReadOnly() {
  on('connection', render);
  render();
}
