// One toast at a time in #toast (role=status, aria-live=polite). The live region stays in the
// document; while no toast shows it is empty, has no size, and its close button is hidden (no Tab
// stop that leads nowhere).

let timer = null;

export function toast(message, { tone = 'success', timeout = 6000 } = {}) {
  const el = document.getElementById('toast');
  const text = document.getElementById('toast-text');
  if (!el || !text) return;
  clearTimeout(timer);
  el.dataset.tone = tone;
  text.textContent = message;
  el.classList.add('is-visible');
  const close = document.getElementById('toast-close');
  if (close) close.hidden = false;
  if (timeout) timer = setTimeout(hideToast, timeout);
}

export function hideToast() {
  const el = document.getElementById('toast');
  if (!el) return;
  clearTimeout(timer);
  const close = document.getElementById('toast-close');
  // Focus on the button would vanish with it: hand it to the main area instead.
  if (close && close === document.activeElement) {
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }
  el.classList.remove('is-visible');
  if (close) close.hidden = true;
  const text = document.getElementById('toast-text');
  if (text) text.textContent = '';
}

export function initToast() {
  const close = document.getElementById('toast-close');
  if (close) {
    close.addEventListener('click', hideToast);
    close.hidden = true;
  }
}
