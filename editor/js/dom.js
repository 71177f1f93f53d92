// Small DOM helpers shared by every screen.

/** Creates an element: `h('button', { class: 'primary', onclick: f }, 'Save')`.
 *  Attributes starting with `on` become listeners; `null`/`false` ones are left
 *  out; children may be strings, nodes, arrays or null. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = value;
    else if (name === 'checked') el.checked = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says something to screen-reader users (politely) and shows it in the toast. */
export function announce(message) {
  const status = document.getElementById('status');
  status.textContent = '';
  // A new text node each time, so the same message twice is read twice.
  requestAnimationFrame(() => { status.textContent = message; });
  toast(message);
}

/** Says an error at once (assertively) and shows it in the toast. */
export function alertError(message) {
  const alert = document.getElementById('alert');
  alert.textContent = '';
  requestAnimationFrame(() => { alert.textContent = message; });
  toast(message, true);
}

function toast(message, isError = false) {
  let box = document.getElementById('toast');
  if (!box) {
    box = h('div', { id: 'toast', class: 'toast', 'aria-hidden': 'true' });
    document.body.append(box);
  }
  box.textContent = message;
  box.classList.toggle('error', isError);
  box.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove('shown'), 4000);
}

let ids = 0;
/** A fresh id for label/description wiring. */
export function uid(prefix = 'f') { ids += 1; return `${prefix}-${ids}`; }

/** Formats an ISO time for people, in their locale. */
export function when(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A modal dialog (native <dialog>): `content` is a node; resolves with the
 *  value passed to `close(value)` (undefined when dismissed with Escape). */
export function dialog(title, build) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const box = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
    const close = (value) => { box.close(); box.remove(); resolve(value); };
    box.addEventListener('cancel', (e) => { e.preventDefault(); close(undefined); });
    box.append(h('h2', { id: titleId }, title), build(close));
    document.body.append(box);
    box.showModal();
  });
}
