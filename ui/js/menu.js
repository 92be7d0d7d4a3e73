// A menu button (WAI-ARIA APG "menu button"): Enter, Space or ArrowDown opens it on the first
// item, ArrowUp on the last; arrows, Home/End and the first letter move; Escape closes and
// returns to the button; Tab and a click elsewhere close it.

import { $$ } from './dom.js';

export function initMenu(button, menu, { onPick } = {}) {
  const items = () => $$('[role="menuitem"]', menu).filter((el) => !el.closest('[hidden]') && !el.disabled);
  const isOpen = () => !menu.hidden;

  function open(focus = 'first') {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const list = items();
    const target = focus === 'last' ? list[list.length - 1] : list[0];
    if (target) target.focus();
  }

  function close(refocus = true) {
    if (!isOpen()) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }

  function move(delta) {
    const list = items();
    if (!list.length) return;
    const i = list.indexOf(document.activeElement);
    list[(i + delta + list.length) % list.length].focus();
  }

  button.addEventListener('click', () => (isOpen() ? close() : open()));
  button.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      open(e.key === 'ArrowUp' ? 'last' : 'first');
    }
  });

  menu.addEventListener('keydown', (e) => {
    const list = items();
    switch (e.key) {
      case 'ArrowDown': e.preventDefault(); move(1); break;
      case 'ArrowUp': e.preventDefault(); move(-1); break;
      case 'Home': e.preventDefault(); if (list[0]) list[0].focus(); break;
      case 'End': e.preventDefault(); if (list.length) list[list.length - 1].focus(); break;
      case 'Escape': e.preventDefault(); e.stopPropagation(); close(); break;
      case 'Tab': close(false); break;
      default:
        if (e.key.length === 1 && /\S/.test(e.key)) {
          const i = list.indexOf(document.activeElement);
          const rotated = [...list.slice(i + 1), ...list.slice(0, i + 1)];
          const hit = rotated.find((el) => el.textContent.trim().toLowerCase().startsWith(e.key.toLowerCase()));
          if (hit) hit.focus();
        }
    }
  });

  menu.addEventListener('click', (e) => {
    const item = e.target.closest('[role="menuitem"]');
    if (!item || item.disabled) return;
    close();
    if (onPick) onPick(item);
  });

  document.addEventListener('pointerdown', (e) => {
    if (isOpen() && !menu.contains(e.target) && !button.contains(e.target)) close(false);
  });
  menu.addEventListener('focusout', (e) => {
    if (isOpen() && e.relatedTarget && !menu.contains(e.relatedTarget) && e.relatedTarget !== button) close(false);
  });

  return { open, close, isOpen };
}
