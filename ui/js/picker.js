// People and group pickers: the chips of a selection and a search-as-you-type combobox (ARIA 1.2
// combobox + listbox) that pages through `search_people` / `search_groups`. Only what the admin
// searches for is ever loaded, 25 at a time. The selection lives elsewhere (a binding): the
// mandatory lists of the draft, or the what-if panel's person (single) and groups.

import { call } from './api.js';
import { $, h, debounce, setBusy } from './dom.js';
import { SYSTEM_GROUP_NOTES, ownerWarning } from './model.js';
import { createGenerations } from './loads.js';
import { state, on, changeDraft, rememberPeople, rememberGroups } from './state.js';

const KINDS = {
  user: {
    command: 'search_people',
    cache: () => state.people,
    remember: rememberPeople,
    noun: 'user',
    plural: 'people',
    label: (p, id) => (p ? p.displayName || p.email || `unknown user ${p.id}` : `unknown user ${id}`),
    sub: (p) => (p && p.known !== false ? p.email || null : 'Not found on this portal'),
    tags: (p) => (p ? [p.isOwner && 'Owner', !p.isOwner && p.isAdmin && 'Admin'].filter(Boolean) : []),
    // Found where the problem is made: the owner is flagged when picked, not after Confirm.
    note: (p) => ownerWarning(p, state.connection && state.connection.role),
    pickWarning: (p) => ownerWarning(p, state.connection && state.connection.role),
  },
  group: {
    command: 'search_groups',
    cache: () => state.groups,
    remember: rememberGroups,
    noun: 'group',
    plural: 'groups',
    label: (g, id) => (g ? g.name || `unknown group ${g.id}` : `unknown group ${id}`),
    sub: (g) => (g && g.known === false ? 'Not found on this portal' : g && g.isSystem ? 'System group' : null),
    tags: () => [],
    note: (g, id) => SYSTEM_GROUP_NOTES[id] || null,
    pickWarning: () => null,
  },
};

/**
 * binding: { ids(): string[], add(id), remove(id), disabled(): bool, single?: bool,
 *            area?(): Element (where the popup must fit), added(label): string, removed(label): string,
 *            already(label): string, quietWhenEmpty?: bool }
 * Returns { render(), reset() } for the owner to call when the selection changes elsewhere.
 */
export function createPicker(prefix, kindName, binding) {
  const k = KINDS[kindName];
  const b = binding;
  const root = $(`#${prefix}-picker`);
  const input = $(`#${prefix}-search`);
  const popup = $(`#${prefix}-popup`);
  const listbox = $(`#${prefix}-results`);
  const status = $(`#${prefix}-status`);
  const more = $(`#${prefix}-more`);
  const chips = $(`#${prefix}-chips`);
  const empty = $(`#${prefix}-empty`);
  const announcer = $(`#${prefix}-announce`);

  /** Only the newest query's answer is shown: typing drops every answer still on its way. */
  const searches = createGenerations();
  const p = { query: '', items: [], total: 0, active: -1, open: false, loading: false, error: null, rovingId: null };

  const current = () => b.ids();
  const disabled = () => b.disabled();

  function announce(text) {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 30);
  }

  // ---- popup ------------------------------------------------------------------------------

  // Opens downwards, or upwards when there is more room above; compact when neither side has
  // room. Never scrolls the page: a popup that grew the scroll area would make the content jump
  // when it closes.
  function place() {
    const area = (b.area && b.area()) || document.getElementById('main') || document.documentElement;
    const box = area.getBoundingClientRect();
    const r = input.getBoundingClientRect();
    const below = box.bottom - r.bottom;
    const above = r.top - box.top;
    const up = below < 330 && above > below;
    popup.classList.toggle('popup-up', up);
    popup.classList.toggle('popup-compact', Math.max(below, above) < 330);
  }

  function setOpen(open) {
    if (open && !p.open) place();
    p.open = open;
    popup.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (!open) input.removeAttribute('aria-activedescendant');
  }

  function optionId(i) {
    return `${prefix}-opt-${i}`;
  }

  function setActive(i) {
    const prev = listbox.children[p.active];
    if (prev) {
      prev.setAttribute('aria-selected', 'false');
      prev.classList.remove('is-active');
    }
    p.active = i;
    const el = listbox.children[i];
    if (el) {
      el.setAttribute('aria-selected', 'true');
      el.classList.add('is-active');
      input.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function renderPopup() {
    const added = new Set(current());
    listbox.replaceChildren(...p.items.map((item, i) => {
      const isAdded = added.has(item.id);
      const sub = k.sub(item);
      const warning = k.pickWarning(item);
      return h('li', {
        id: optionId(i),
        role: 'option',
        class: `option${isAdded ? ' is-added' : ''}`,
        'aria-selected': 'false',
        dataset: { id: item.id, index: String(i) },
      },
      h('span', { class: 'option-text' },
        h('span', { class: 'option-name' }, k.label(item, item.id)),
        sub ? h('span', { class: 'option-sub' }, sub) : null,
        warning ? h('span', { class: 'option-sub option-note' }, warning) : null),
      k.tags(item).map((t) => h('span', { class: 'tag' }, t)),
      isAdded ? h('span', { class: 'tag tag-added' }, b.single ? 'Selected' : 'Added') : null);
    }));
    if (p.active >= p.items.length) p.active = p.items.length - 1;
    if (p.active >= 0) setActive(p.active);
    else input.removeAttribute('aria-activedescendant');

    status.classList.toggle('is-error', !!p.error);
    if (p.error) status.textContent = p.error;
    else if (p.loading && !p.items.length) status.textContent = 'Searching…';
    else if (!p.items.length) status.textContent = p.query ? `No ${k.plural} match “${p.query}”.` : `No ${k.plural} found.`;
    else status.textContent = `Showing ${p.items.length} of ${p.total}${p.loading ? ' · loading…' : ''}`;
    more.hidden = !(p.items.length < p.total) || !!p.error;
  }

  async function search(query, start) {
    const ticket = searches.next();
    p.loading = true;
    p.error = null;
    if (start === 0) {
      p.query = query;
    }
    input.setAttribute('aria-busy', 'true');
    if (start > 0) setBusy(more, true);
    setOpen(true);
    renderPopup();
    try {
      const res = await call(k.command, { query, start });
      if (!searches.isCurrent(ticket)) return;
      const items = (res && res.items) || [];
      k.remember(items);
      if (start === 0) {
        p.items = items;
        p.active = items.length ? 0 : -1;
      } else {
        const seen = new Set(p.items.map((x) => x.id));
        p.items = p.items.concat(items.filter((x) => !seen.has(x.id)));
        if (p.active < 0 && p.items.length) p.active = 0;
      }
      p.total = res && typeof res.total === 'number' ? res.total : p.items.length;
      // A page that brings nothing new ends the paging even if `total` says otherwise.
      if (start > 0 && !items.length) p.total = p.items.length;
    } catch (err) {
      if (!searches.isCurrent(ticket)) return;
      p.error = err.message;
    } finally {
      if (searches.isCurrent(ticket)) {
        p.loading = false;
        input.setAttribute('aria-busy', 'false');
        setBusy(more, false);
      }
    }
    renderPopup();
    if (start === 0) announce(p.error || (p.items.length ? `${p.total} ${p.total === 1 ? 'result' : 'results'}.` : `No ${k.plural} found.`));
  }

  const debouncedSearch = debounce((q) => search(q, 0), 250);

  function loadMore() {
    if (p.loading || p.items.length >= p.total) return;
    search(p.query, p.items.length);
  }

  function pick(i) {
    const item = p.items[i];
    if (!item || disabled()) return;
    const label = k.label(item, item.id);
    if (current().includes(item.id)) {
      announce(b.already(label));
      return;
    }
    b.add(item.id);
    const warning = k.pickWarning(item);
    announce(warning ? `${b.added(label)} ${warning}` : b.added(label));
    p.rovingId = item.id;
    // Done with this query: the next one starts from an empty box ("kowal", not "natakowal").
    // ArrowDown in the empty box reopens these results.
    input.value = '';
    setOpen(false);
  }

  function move(delta) {
    const n = p.items.length;
    if (!n) return;
    let i = p.active + delta;
    if (i >= n) {
      loadMore();
      i = n - 1;
    }
    if (i < 0) i = 0;
    setActive(i);
  }

  input.addEventListener('input', () => {
    const q = input.value.trim();
    // An answer still on its way is for older text: it must never show under the new text.
    searches.invalidate();
    if (!q) {
      debouncedSearch.cancel();
      p.loading = false;
      input.setAttribute('aria-busy', 'false');
      setOpen(false);
      return;
    }
    debouncedSearch(q);
  });

  input.addEventListener('keydown', (e) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!p.open) {
          const q = input.value.trim();
          if (p.items.length && (q === p.query || !q)) {
            setOpen(true);
            renderPopup();
          }
          else search(q, 0);
        } else if (e.altKey) {
          // Alt+Down only opens.
        } else move(1);
        break;
      case 'ArrowUp':
        if (p.open) {
          e.preventDefault();
          move(-1);
        }
        break;
      case 'PageDown':
        if (p.open) { e.preventDefault(); move(10); }
        break;
      case 'PageUp':
        if (p.open) { e.preventDefault(); move(-10); }
        break;
      case 'Enter':
        e.preventDefault();
        if (p.open && p.active >= 0) pick(p.active);
        else if (input.value.trim()) {
          debouncedSearch.cancel();
          search(input.value.trim(), 0);
        }
        break;
      case 'Escape':
        if (p.open) {
          e.preventDefault();
          e.stopPropagation();
          setOpen(false);
        } else if (input.value) {
          e.preventDefault();
          input.value = '';
        }
        break;
      case 'Tab':
        setOpen(false);
        break;
      default:
    }
  });

  input.addEventListener('focus', () => {
    if (input.value.trim() && p.items.length && input.value.trim() === p.query) setOpen(true);
  });

  root.addEventListener('focusout', (e) => {
    if (!root.contains(e.relatedTarget)) setOpen(false);
  });

  // Keep the focus in the input while clicking in the popup.
  popup.addEventListener('mousedown', (e) => {
    if (e.target.closest('.option, button')) e.preventDefault();
  });
  listbox.addEventListener('click', (e) => {
    const opt = e.target.closest('.option');
    if (!opt) return;
    setActive(Number(opt.dataset.index));
    pick(Number(opt.dataset.index));
    // A click adds one and closes, so the new chip is in view; the keyboard (Enter) keeps the
    // list open for adding several. ArrowDown reopens the same results.
    setOpen(false);
    input.focus();
  });
  more.addEventListener('click', () => {
    loadMore();
    input.focus();
  });

  document.addEventListener('pointerdown', (e) => {
    if (p.open && !root.contains(e.target)) setOpen(false);
  });

  // ---- chips ------------------------------------------------------------------------------

  function removeId(id, focusAfter) {
    const ids = current();
    const i = ids.indexOf(id);
    if (i < 0 || disabled()) return;
    const label = k.label(k.cache().get(id), id);
    const next = ids[i + 1] ?? ids[i - 1] ?? null;
    b.remove(id);
    announce(b.removed(label));
    if (p.open) renderPopup();
    if (!focusAfter) return;
    const target = next && chips.querySelector(`.chip[data-id="${CSS.escape(next)}"]`);
    if (target) {
      p.rovingId = next;
      renderChips();
      chips.querySelector(`.chip[data-id="${CSS.escape(next)}"]`).focus();
    } else {
      input.focus();
    }
  }

  function renderChips() {
    const ids = current();
    const focusedId = document.activeElement && chips.contains(document.activeElement)
      ? document.activeElement.closest('.chip')?.dataset.id : null;
    if (!ids.includes(p.rovingId)) p.rovingId = ids[0] ?? null;
    const seen = new Set();
    chips.replaceChildren(...ids.map((id) => {
      const item = k.cache().get(id);
      const unknown = !item || item.known === false;
      const label = k.label(item, id);
      const sub = k.sub(item) || (item ? null : 'Not found on this portal');
      const note = k.note(item, id);
      const repeat = seen.has(id);
      seen.add(id);
      return h('li', {
        class: `chip${unknown ? ' chip-unknown' : ''}${note ? ' chip-system' : ''}`,
        tabindex: id === p.rovingId && !repeat ? '0' : '-1',
        dataset: { id },
        title: note || null,
        'aria-describedby': `${prefix}-chip-hint`,
      },
      h('span', { class: 'chip-text' },
        h('span', { class: 'chip-name' }, label),
        sub ? h('span', { class: 'chip-sub' }, sub) : null,
        note ? h('span', { class: 'chip-note' }, note) : null),
      k.tags(item).map((t) => h('span', { class: 'tag' }, t)),
      h('button', {
        type: 'button',
        class: 'chip-remove',
        tabindex: '-1',
        'aria-label': `Remove ${label}`,
        title: `Remove ${label}`,
      }, h('span', { 'aria-hidden': 'true' }, '×')));
    }));
    empty.hidden = ids.length > 0 || !!b.quietWhenEmpty;
    if (focusedId) {
      const el = chips.querySelector(`.chip[data-id="${CSS.escape(focusedId)}"]`);
      if (el) el.focus();
    }
  }

  chips.addEventListener('click', (e) => {
    const btn = e.target.closest('.chip-remove');
    if (!btn) return;
    removeId(btn.closest('.chip').dataset.id, true);
  });

  chips.addEventListener('focusin', (e) => {
    const chip = e.target.closest('.chip');
    if (!chip) return;
    p.rovingId = chip.dataset.id;
    for (const c of chips.children) c.tabIndex = c === chip ? 0 : -1;
  });

  chips.addEventListener('keydown', (e) => {
    const chip = e.target.closest('.chip');
    if (!chip || e.target !== chip) return;
    const all = [...chips.children];
    const i = all.indexOf(chip);
    let target = null;
    switch (e.key) {
      case 'Delete':
      case 'Backspace':
        e.preventDefault();
        removeId(chip.dataset.id, true);
        return;
      case 'ArrowRight':
      case 'ArrowDown':
        target = all[i + 1];
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        target = all[i - 1];
        break;
      case 'Home':
        target = all[0];
        break;
      case 'End':
        target = all[all.length - 1];
        break;
      default:
        return;
    }
    e.preventDefault();
    if (target) target.focus();
  });

  function reset() {
    input.value = '';
    p.items = [];
    p.total = 0;
    p.query = '';
    searches.invalidate();
    setOpen(false);
  }

  function render() {
    renderChips();
    if (p.open) renderPopup();
  }

  on('names', renderChips);
  return { render, reset };
}

/** The mandatory users and groups of the draft. */
function draftBinding(listKey, plural) {
  return {
    ids: () => (state.draft ? state.draft[listKey] : []),
    add: (id) => changeDraft((d) => d[listKey].push(id)),
    remove: (id) => changeDraft((d) => { d[listKey] = d[listKey].filter((x) => x !== id); }),
    disabled: () => !state.draft || state.draft.method === 'none',
    added: (label) => `Added ${label} to the mandatory ${plural}.`,
    removed: (label) => `Removed ${label}.`,
    already: (label) => `${label} is already a mandatory ${plural === 'users' ? 'user' : 'group'}.`,
  };
}

export function initPickers() {
  for (const picker of [
    createPicker('user', 'user', draftBinding('mandatoryUsers', 'users')),
    createPicker('group', 'group', draftBinding('mandatoryGroups', 'groups')),
  ]) {
    on('draft', picker.render);
    on('loaded', picker.reset);
  }
}
