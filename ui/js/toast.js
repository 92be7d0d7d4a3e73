// One toast at a time in #toast (role=status, aria-live=polite).

let timer = null;

export function toast(message, { tone = 'success', timeout = 6000 } = {}) {
  const el = document.getElementById('toast');
  const text = document.getElementById('toast-text');
  if (!el || !text) return;
  clearTimeout(timer);
  el.dataset.tone = tone;
  text.textContent = message;
  el.classList.add('is-visible');
  if (timeout) timer = setTimeout(hideToast, timeout);
}

export function hideToast() {
  const el = document.getElementById('toast');
  if (!el) return;
  clearTimeout(timer);
  el.classList.remove('is-visible');
  const text = document.getElementById('toast-text');
  if (text) text.textContent = '';
}

export function initToast() {
  const close = document.getElementById('toast-close');
  if (close) close.addEventListener('click', hideToast);
}
