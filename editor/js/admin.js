// Pieces shared by the sign-in, invitation and admin screens: labelled fields
// with their error text, the role choice, showing an API error where it belongs,
// a secret shown once with a Copy button, and a yes/no question.
import { alertError, announce, dialog, h, replace, uid } from './dom.js';

/** A labelled field around `input`: the hint and (once set) the error are tied
 *  to the input with aria-describedby. `error(msg)` sets or clears the error. */
export function field(label, input, hint) {
  input.id ||= uid();
  const hintEl = hint ? h('p', { class: 'hint', id: uid('hint') }, hint) : null;
  const errEl = h('p', { class: 'error', id: uid('err'), hidden: true });
  const el = h('div', { class: 'field' }, h('label', { for: input.id }, label), hintEl, input, errEl);
  const error = (message) => {
    errEl.textContent = message || '';
    errEl.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    const ids = [hintEl?.id, message && errEl.id].filter(Boolean).join(' ');
    if (ids) input.setAttribute('aria-describedby', ids);
    else input.removeAttribute('aria-describedby');
  };
  error(null);
  return { el, input, label, error, focus: () => input.focus() };
}

/** A group of checkboxes or radios in a fieldset; `options` are [value, label, hint?].
 *  `value()` is the list of checked values (one, for radios). */
export function choices(legend, type, options, checked = [], hint) {
  const name = uid('choice');
  const hintEl = hint ? h('p', { class: 'hint', id: uid('hint') }, hint) : null;
  const errEl = h('p', { class: 'error', id: uid('err'), hidden: true });
  const inputs = options.map(([value, label, note]) => {
    const input = h('input', { type, name, value, id: uid(), checked: checked.includes(value) });
    const noteEl = note ? h('span', { class: 'hint', id: uid('hint') }, note) : null;
    if (noteEl) input.setAttribute('aria-describedby', noteEl.id);
    return h('div', { class: 'choice' }, input, h('label', { for: input.id }, label), noteEl);
  });
  const el = h('fieldset', { class: `choices ${type}` }, h('legend', {}, legend), hintEl, inputs, errEl);
  if (hintEl) el.setAttribute('aria-describedby', hintEl.id);
  const boxes = () => [...el.querySelectorAll('input')];
  const error = (message) => {
    errEl.textContent = message || '';
    errEl.hidden = !message;
    el.setAttribute('aria-describedby', [hintEl?.id, message && errEl.id].filter(Boolean).join(' '));
    boxes().forEach((b) => (message ? b.setAttribute('aria-invalid', 'true') : b.removeAttribute('aria-invalid')));
  };
  return {
    el, error,
    value: () => boxes().filter((b) => b.checked).map((b) => b.value),
    focus: () => boxes()[0].focus(),
  };
}

export const ROLES = [
  ['PREVIEW', 'Preview', 'Sees everything, changes nothing.'],
  ['EDITOR', 'Editor', 'Edits and publishes content.'],
  ['REVIEWER', 'Reviewer', 'Editor, and records clinical reviews.'],
  ['ADMIN', 'Administrator', 'Everything, and manages people, API tokens and webhooks.'],
];

export const roleName = (role) => (ROLES.find(([r]) => r === role) || [role, role])[1];

/** The role as radio buttons. */
export function roleField(current = 'EDITOR', legend = 'Role') {
  return choices(legend, 'radio', ROLES, [current]);
}

/** A message box at the top of a form, for errors that belong to no one field. */
export function formMessage() {
  const el = h('p', { class: 'form-error', id: uid('err'), hidden: true });
  return {
    el,
    set(message) { el.textContent = message || ''; el.hidden = !message; },
  };
}

/** Shows an API error: at its field when the API names one we have (`fields`
 *  maps the API's field names to our fields), else in `top`; always announced. */
export function showError(e, fields, top) {
  const name = (e.field || '').split('.').pop();
  const target = e.code === 'BAD_USER_INPUT' && fields[name];
  // The field's own name in front of the message is clear from where it is shown.
  let message = target ? e.message.replace(new RegExp(`^${name}: `), '') : e.message;
  message = message.charAt(0).toUpperCase() + message.slice(1);
  if (target) {
    target.error(message);
    target.focus();
  } else {
    top.set(message);
  }
  alertError(message);
}

/** Runs `work` with the form's submit button disabled and the form busy. */
export async function busy(form, work) {
  const button = form.querySelector('button[type="submit"]');
  if (button) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

/** A secret shown once: a read-only text box with a Copy button. */
export function secretBox(label, value) {
  const input = h('input', { type: 'text', readonly: true, value, class: 'secret', spellcheck: 'false' });
  const copy = async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
    } catch (e) {
      // Clipboard API refused (permissions, older browser): copy the selection instead.
      if (!document.execCommand('copy')) {
        alertError('Could not copy. The text is selected: copy it with your keyboard.');
        return;
      }
    }
    announce('Copied.');
  };
  const f = field(label, input);
  f.el.classList.add('secret-field');
  f.el.append(h('button', { type: 'button', onclick: copy }, 'Copy', h('span', { class: 'visually-hidden' }, ` ${label.toLowerCase()}`)));
  return f.el;
}

/** Asks a yes/no question in a dialog; resolves true for yes. */
export function confirm(title, message, yes, danger = true) {
  return dialog(title, (close) => h('div', {},
    h('p', {}, message),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => close(true) }, yes),
      // Focus starts on Cancel, so Enter alone never deletes anything.
      h('button', { type: 'button', autofocus: danger, onclick: () => close(false) }, 'Cancel')))).then(Boolean);
}

/** A table with a caption (visually hidden when `hideCaption`), column headers
 *  and rows of cells, in a box that scrolls sideways on narrow screens (focusable,
 *  so the keyboard can scroll it too). */
export function table(caption, headers, rows, hideCaption = false) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: hideCaption ? 'visually-hidden' : null }, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
}

/** A status badge: text first, the colour only repeats it. */
export const badge = (text, kind) => h('span', { class: `badge ${kind}` }, text);

/** A form in a dialog: `fields` by API field name; `send(values)` runs the
 *  mutation and returns what `after` turns into the dialog's next content (or null to close). */
export function formDialog(title, build, submitLabel, send, after) {
  return dialog(title, (close) => {
    const top = formMessage();
    const { fields, nodes, values } = build();
    const body = h('div', {});
    const form = h('form', {
      class: 'admin-form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        top.set(null);
        Object.values(fields).forEach((f) => f.error(null));
        const empty = Object.values(fields).find((f) => f.input?.required && !f.input.value.trim());
        if (empty) {
          const message = `${empty.label} is needed.`;
          empty.error(message);
          empty.focus();
          return alertError(message);
        }
        let result;
        try {
          result = await busy(form, () => send(values()));
        } catch (e) {
          return showError(e, fields, top);
        }
        const next = after && after(result, close);
        if (!next) return close(result);
        replace(body, next);
        next.querySelector('input, button').focus();
      },
    }, top.el, nodes,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, submitLabel),
      h('button', { type: 'button', onclick: () => close(undefined) }, 'Cancel')));
    body.append(form);
    return body;
  });
}

/** After a list was drawn again: focus the button `key` (`ID:action`) had, else
 *  the first button (or the heading) of the same row, so keyboard users keep their place. */
export function refocus(container, key) {
  if (!key) return false;
  const id = key.split(':')[0];
  const target = container.querySelector(`[data-key="${CSS.escape(key)}"]`)
    || container.querySelector(`[data-id="${CSS.escape(id)}"] button`)
    || container.querySelector(`[data-id="${CSS.escape(id)}"] th`);
  if (!target) return false;
  if (target.tagName === 'TH') target.setAttribute('tabindex', '-1');
  target.focus();
  return true;
}
