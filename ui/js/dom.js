// Small DOM helpers. Text always goes in through textContent: no innerHTML anywhere.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** h('li', {class: 'chip', dataset: {id}}, 'text', child) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function show(el, visible) {
  el.hidden = !visible;
}

/** Marks a button (or any control) busy: spinner via CSS, aria-busy, disabled. */
export function setBusy(el, busy) {
  el.setAttribute('aria-busy', busy ? 'true' : 'false');
  el.classList.toggle('is-busy', !!busy);
  if ('disabled' in el) el.disabled = !!busy;
}

/** Runs fn with the button busy; restores it afterwards, whatever happens. */
export async function withBusy(el, fn) {
  setBusy(el, true);
  try {
    return await fn();
  } finally {
    setBusy(el, false);
  }
}

/** Shows an inline error paragraph and ties it to its input with aria-invalid. */
export function setFieldError(input, errorEl, message) {
  if (message) {
    errorEl.textContent = message;
    errorEl.hidden = false;
    if (input) input.setAttribute('aria-invalid', 'true');
  } else {
    errorEl.textContent = '';
    errorEl.hidden = true;
    if (input) input.removeAttribute('aria-invalid');
  }
}

export function debounce(fn, ms) {
  let t = null;
  const d = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keeps Tab and Shift+Tab inside a modal <dialog>. */
export function trapFocus(dialog) {
  dialog.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = $$(FOCUSABLE, dialog).filter((el) => !el.closest('[hidden]') && el.getClientRects().length);
    if (!items.length) {
      e.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !dialog.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !dialog.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  });
}
