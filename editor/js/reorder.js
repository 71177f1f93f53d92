// Reordering a list by drag and drop and by keyboard. Each item (a child of the
// list with `data-id`) holds a handle button made by `moveHandle(name)`. With
// focus on it: Alt+ArrowUp/Down moves the item; Space "grabs" it, then plain
// arrows move it and Space/Enter/Escape drops it. Every move is announced and
// persisted; if saving fails the list goes back to the last saved order.
import { alertError, announce, h } from './dom.js';

const HELP_ID = 'reorder-help';

function help() {
  if (!document.getElementById(HELP_ID)) {
    document.body.append(h('p', { id: HELP_ID, class: 'visually-hidden' },
      'Press Alt and the up or down arrow to move this item, or press Space to pick it up, the arrows to move it and Space again to drop it. You can also drag it.'));
  }
  return HELP_ID;
}

/** The handle of an item called `name`. */
export function moveHandle(name) {
  return h('button', { type: 'button', class: 'handle', 'aria-describedby': help(), 'aria-pressed': 'false', 'data-name': name },
    h('span', { 'aria-hidden': 'true' }, '⠿'), h('span', { class: 'visually-hidden' }, `Move ${name}`));
}

/** Makes `list` reorderable; `persist(ids)` saves an order (throws on failure). */
export function makeReorderable(list, persist) {
  const items = () => [...list.children].filter((el) => el.dataset.id);
  const ids = () => items().map((el) => el.dataset.id);
  let saved = ids();
  let queue = Promise.resolve();

  const commit = (item) => {
    const order = ids();
    if (order.join() === saved.join()) return;
    const all = items();
    const name = item.querySelector('.handle')?.dataset.name || 'item';
    announce(`Moved “${name}” to position ${all.indexOf(item) + 1} of ${all.length}.`);
    // Saves one after another, so a quick series of moves lands in order.
    queue = queue.then(async () => {
      try {
        await persist(order);
        saved = order;
      } catch (e) {
        const byId = new Map(items().map((el) => [el.dataset.id, el]));
        saved.forEach((id) => byId.get(id) && list.append(byId.get(id)));
        alertError(`The new order was not saved: ${e.message}. The list is back in its saved order.`);
      }
    });
  };

  const move = (item, by) => {
    const all = items();
    const to = all.indexOf(item) + by;
    if (to < 0 || to >= all.length) return;
    const handle = item.querySelector('.handle');
    if (by < 0) all[to].before(item); else all[to].after(item);
    handle.focus();
    commit(item);
  };

  list.addEventListener('keydown', (e) => {
    const handle = e.target.closest?.('.handle');
    if (!handle || !list.contains(handle)) return;
    const item = handle.closest('[data-id]');
    const grabbed = handle.getAttribute('aria-pressed') === 'true';
    const by = e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : 0;
    if (by && (e.altKey || grabbed)) {
      e.preventDefault();
      move(item, by);
    } else if (e.key === ' ' || (grabbed && (e.key === 'Enter' || e.key === 'Escape'))) {
      e.preventDefault();
      handle.setAttribute('aria-pressed', String(!grabbed));
      item.classList.toggle('grabbed', !grabbed);
      announce(grabbed ? `Dropped “${handle.dataset.name}”.` : `Picked up “${handle.dataset.name}”. Use the arrows to move it, Space to drop it.`);
    }
  });
  list.addEventListener('blur', (e) => {
    const handle = e.target.closest?.('.handle');
    if (handle) { handle.setAttribute('aria-pressed', 'false'); handle.closest('[data-id]')?.classList.remove('grabbed'); }
  }, true);
  // Only the handle starts a drag, so text in the item's inputs can still be selected.
  list.addEventListener('click', (e) => { if (e.target.closest?.('.handle')) e.preventDefault(); });

  let dragged = null;
  list.addEventListener('pointerdown', (e) => {
    const handle = e.target.closest?.('.handle');
    if (handle) handle.closest('[data-id]').draggable = true;
  });
  list.addEventListener('dragstart', (e) => {
    dragged = e.target.closest?.('[data-id]');
    if (!dragged) return;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', dragged.dataset.id);
    dragged.classList.add('dragging');
  });
  list.addEventListener('dragover', (e) => {
    if (!dragged) return;
    const over = e.target.closest?.('[data-id]');
    e.preventDefault();
    if (!over || over === dragged || over.parentElement !== list) return;
    const box = over.getBoundingClientRect();
    if (e.clientY < box.top + box.height / 2) over.before(dragged); else over.after(dragged);
  });
  list.addEventListener('drop', (e) => e.preventDefault());
  list.addEventListener('dragend', () => {
    if (!dragged) return;
    const item = dragged;
    dragged = null;
    item.classList.remove('dragging');
    item.draggable = false;
    commit(item);
  });
  return { reset: () => { saved = ids(); } };
}

/** The visible how-to for sighted keyboard and mouse users. */
export function reorderHint() {
  return h('p', { class: 'hint' }, 'To change the order, drag ⠿, or focus it and press Alt with ↑ or ↓.');
}
