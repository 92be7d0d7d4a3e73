// Loads the real UI (markup of ui/index.html, ui/styles.css, ui/js/main.js) into preview.html on
// top of the mock backend, then drives it into the state named by ?state= for screenshots.

const params = new URLSearchParams(location.search);
const scenario = params.get('state') || 'connect';

async function loadUi() {
  const html = await (await fetch('../../ui/index.html')).text();
  const doc = new DOMParser().parseFromString(html, 'text/html');
  document.title = `${doc.title} (preview)`;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = '../../ui/styles.css';
  const styled = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  document.head.append(link);
  document.body.replaceChildren(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
  await styled;
  await import('../../ui/js/main.js');
}

const $ = (s) => document.querySelector(s);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(pred, what, timeout = 8000) {
  const t0 = performance.now();
  for (;;) {
    const v = pred();
    if (v) return v;
    if (performance.now() - t0 > timeout) throw new Error(`preview: timed out waiting for ${what}`);
    await sleep(25);
  }
}

function type(sel, text) {
  const el = $(sel);
  el.focus();
  el.value = text;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  return el;
}

function key(el, k) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
}

const visible = (sel) => { const el = $(sel); return el && !el.hidden && el.getClientRects().length > 0; };

async function policyReady() {
  await until(() => visible('#policy-form'), 'the policy form');
}

async function makeEdits({ bad = false } = {}) {
  await policyReady();
  type('#ip-input', bad ? '203.0.113.7, 10.0.0.300; 192.168.001.5 172.16.5.1 - 172.16.5.40 vpn.acme.example' : '203.0.113.7');
  $('#ip-add').click();
  // Remove the 192.168.1.10 entry.
  const rows = [...document.querySelectorAll('.ip-row')];
  const row = rows.find((r) => r.querySelector('.ip-text').value === '192.168.1.10');
  if (row) row.querySelector('.ip-remove').click();
  if (!bad) {
    // Fix the portal's broken CIDR entry with its one-click canonical form.
    const fix = await until(() => document.querySelector('.ip-row.has-error .ip-use-canonical'), 'the canonical fix');
    fix.click();
  }
  const search = type('#user-search', 'olga');
  await until(() => document.querySelector('#user-results [role=option]'), 'search results');
  key(search, 'Enter');
  key(search, 'Escape');
  const chip = await until(() => document.querySelector('#group-chips .chip'), 'group chips');
  chip.querySelector('.chip-remove').click();
  search.blur();
}

async function openReview() {
  await until(() => !$('#review').disabled, 'the Review button');
  $('#review').click();
  await until(() => visible('#review-content') || visible('#review-error'), 'the review');
}

const scenarios = {
  'connect-error': async () => {
    await until(() => visible('#connect-form'), 'the connect form');
    type('#portal', 'https://acme.onlyoffice.com');
    type('#api-key', 'bad');
    $('#connect').click();
  },
  keychain: async () => {
    await until(() => visible('#connect-form'), 'the connect form');
    type('#portal', 'https://acme.onlyoffice.com');
    type('#api-key', 'a-perfectly-fine-key');
    $('#connect').click();
  },
  dirty: () => makeEdits({ bad: true }),
  picker: async () => {
    await policyReady();
    const search = type('#user-search', 'a');
    await until(() => document.querySelectorAll('#user-results [role=option]').length > 3, 'search results');
    key(search, 'ArrowDown');
    key(search, 'ArrowDown');
  },
  disabled: async () => {
    await policyReady();
    $('#method-none').click();
  },
  review: async () => {
    await makeEdits();
    await openReview();
  },
  saved: async () => {
    await makeEdits();
    await openReview();
    $('#confirm-save').click();
  },
  savefail: async () => {
    await makeEdits();
    await openReview();
    $('#confirm-save').click();
  },
  conflict: async () => {
    await makeEdits();
    await openReview();
    $('#confirm-save').click();
    await until(() => visible('#conflict-panel'), 'the conflict panel');
  },
  overwrite: async () => {
    await scenarios.conflict();
    $('#conflict-overwrite').click();
  },
  forget: async () => {
    await policyReady();
    $('#forget-key').click();
  },
  drift: async () => {
    await policyReady();
    await until(() => visible('#drift-banner') && $('#drift-diff').getAttribute('aria-busy') !== 'true'
      && /Lena/.test($('#drift-diff').textContent), 'the drift banner with names');
  },
  history: async () => {
    await policyReady();
    $('#open-history').click();
    await until(() => document.querySelector('#history-list .history-entry'), 'the history entries');
  },
  whatif: async () => {
    await policyReady();
    type('#ip-input', '203.0.113.0/24');
    $('#ip-add').click();
    // Fix the portal's broken CIDR in the draft, so live and draft answer differently.
    (await until(() => document.querySelector('.ip-row.has-error .ip-use-canonical'), 'the canonical fix')).click();
    $('#open-what-if').click();
    const search = type('#wi-user-search', 'nadia');
    await until(() => document.querySelector('#wi-user-results [role=option]'), 'people results');
    key(search, 'Enter');
    type('#what-if-ip', '203.0.113.7');
    $('#what-if-run').click();
    await until(() => visible('#what-if-results') && !$('#what-if-results').classList.contains('is-stale')
      && $('#what-if-results').getAttribute('aria-busy') !== 'true', 'the what-if result');
  },
  menu: async () => {
    await policyReady();
    $('#more-actions').click();
  },
  import: async () => {
    await policyReady();
    $('#more-actions').click();
    $('#import-policy').click();
    await until(() => visible('#import-notice'), 'the import notice');
  },
  copy: async () => {
    await policyReady();
    await until(() => !$('#copy-from-item').hidden, 'the copy menu item');
    $('#more-actions').click();
    $('#copy-from-profile').click();
  },
  copied: async () => {
    await scenarios.copy();
    $('#copy-run').click();
    await until(() => visible('#import-notice'), 'the copy notice');
  },
  impact: async () => {
    await makeEdits();
    await openReview();
    const box = await until(() => document.querySelector('#review-impact ul'), 'the impact figures');
    $('#review-impact-section').scrollIntoView();
    return box;
  },
  suggest: async () => {
    await policyReady();
    $('#ip-suggest').click();
    await until(() => document.querySelector('#ip-suggestions li button'), 'the suggestions');
    document.querySelector('#ip-suggestions li button').click();
    $('#ips-panel').scrollIntoView();
  },
  people: async () => {
    await policyReady();
    $('#open-people').click();
    await until(() => document.querySelector('#people-body table'), 'the people table');
  },
  savenote: async () => {
    await makeEdits();
    await openReview();
    type('#save-note', 'Contractors now come in over the new VPN range');
  },
};

loadUi()
  .then(() => (scenarios[scenario] ? scenarios[scenario]() : null))
  .then(() => {
    document.documentElement.dataset.previewDone = 'true';
  })
  .catch((e) => {
    console.error(e);
    document.documentElement.dataset.previewError = String(e.message || e);
  });
