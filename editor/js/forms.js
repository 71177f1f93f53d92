// Forms built from field specs (see kinds.js): typed inputs, errors at their
// field, dirty tracking, saving through the conflict view; and the pieces every
// document page shares (status badge, publish/unpublish/delete, confirm).
import { alertError, announce, dialog, h, uid } from './dom.js';
import { saveWithConflict } from './conflict.js';
import { markdownEditor } from './markdown.js';
import { FACT_FIELDS, KINDS, STATUS, createDoc, deleteDoc, loadDraft, publishedVersion, statusOf, updateDoc, valuesOf } from './kinds.js';

/** One labelled input for a field spec: `{ node, get(), set(v), focus(), showError(m), clearError() }`. */
function control(spec, value, readOnly) {
  const id = uid('f');
  const hintId = spec.hint ? `${id}-hint` : null;
  const error = h('p', { id: `${id}-err`, class: 'error', hidden: true });
  const attrs = { id, name: spec.name, 'aria-describedby': hintId, 'aria-required': spec.required ? 'true' : null };
  let input;
  let extra = null;
  let get = () => input.value;
  let set = (v) => { input.value = v ?? ''; };
  switch (spec.kind) {
    case 'markdown': {
      const md = markdownEditor({ attrs, value: value ?? '', readOnly });
      input = md.textarea;
      extra = md.node;
      set = (v) => { input.value = v ?? ''; md.refresh(); };
      break;
    }
    case 'number':
      input = h('input', { ...attrs, type: 'number', step: 1, inputmode: 'numeric', readonly: readOnly });
      get = () => (input.value.trim() === '' ? null : Number(input.value));
      break;
    case 'date':
      input = h('input', { ...attrs, type: 'date', readonly: readOnly, max: spec.max });
      break;
    case 'enum':
      input = h('select', { ...attrs, disabled: readOnly },
        (spec.options || []).map(([v, label]) => h('option', { value: v }, label)));
      // Nothing chosen yet: the first option, as a <select> shows it.
      set = (v) => { input.value = v ?? ''; if (input.selectedIndex < 0) input.selectedIndex = 0; };
      break;
    case 'boolean':
      input = h('input', { ...attrs, type: 'checkbox', disabled: readOnly });
      get = () => input.checked;
      set = (v) => { input.checked = Boolean(v); };
      break;
    case 'textarea':
    case 'lines':
      input = h('textarea', { ...attrs, rows: spec.kind === 'lines' ? 4 : 3, readonly: readOnly });
      break;
    default:
      input = h('input', { ...attrs, type: 'text', readonly: readOnly, autocomplete: 'off' });
  }
  set(value);
  // The "required" mark sits outside the label so the label is just the field's name
  // (aria-required says it to screen readers).
  const req = spec.required && !readOnly ? h('span', { class: 'req', 'aria-hidden': 'true' }, '(required)') : null;
  const label = h('label', { for: id }, spec.label);
  const hint = spec.hint ? h('p', { id: hintId, class: 'hint' }, spec.hint) : null;
  const node = spec.kind === 'boolean'
    ? h('div', { class: 'field check' }, input, label, hint, error)
    : h('div', { class: `field ${spec.kind}` }, h('div', { class: 'label-row' }, label, req), hint, extra || input, error);
  return {
    node, input, get, set, spec,
    focus: () => input.focus(),
    showError(message) {
      error.textContent = message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', [hintId, error.id].filter(Boolean).join(' '));
    },
    clearError() {
      error.hidden = true;
      input.removeAttribute('aria-invalid');
      if (hintId) input.setAttribute('aria-describedby', hintId); else input.removeAttribute('aria-describedby');
    },
  };
}

/** Inputs for a list of field specs. `controls` maps each input's API path
 *  ("name", "facts.maxSessions") to its control. */
export function fieldSet(specs, values, { readOnly = false, onInput } = {}) {
  const controls = new Map();
  const nodes = specs.map((spec) => {
    if (spec.kind !== 'facts') {
      const c = control(spec, values[spec.name], readOnly);
      controls.set(spec.name, c);
      return c.node;
    }
    const facts = values[spec.name] || {};
    const parts = FACT_FIELDS.map((f) => {
      const c = control(f, facts[f.name], readOnly);
      controls.set(`${spec.name}.${f.name}`, c);
      return c.node;
    });
    return h('fieldset', { class: 'facts' }, h('legend', {}, spec.label), h('div', { class: 'facts-grid' }, parts));
  });
  const topError = h('p', { class: 'form-error', hidden: true, tabindex: '-1' });
  const node = h('div', { class: 'fields' }, topError, nodes);
  if (onInput) {
    node.addEventListener('input', onInput);
    node.addEventListener('change', onInput);
  }

  const get = () => {
    const out = {};
    for (const spec of specs) {
      if (spec.kind === 'facts') {
        out[spec.name] = Object.fromEntries(FACT_FIELDS.map((f) => [f.name, controls.get(`${spec.name}.${f.name}`).get()]));
      } else out[spec.name] = controls.get(spec.name).get();
    }
    return out;
  };
  const set = (vals) => {
    for (const [path, c] of controls) {
      const [a, b] = path.split('.');
      c.set(b ? vals[a]?.[b] : vals[a]);
    }
  };
  const clearErrors = () => {
    controls.forEach((c) => c.clearError());
    topError.hidden = true;
  };
  /** Shows an API error at its field (or above the fields) and announces it. */
  const showError = (e) => {
    const path = String(e.field || '').replace(/^input\./, '');
    const c = e.code === 'BAD_USER_INPUT' && (controls.get(path) || controls.get(path.split('.').pop()));
    const bare = String(e.message).replace(`${e.field}: `, '');
    const message = bare.charAt(0).toUpperCase() + bare.slice(1);
    if (c) {
      c.showError(message);
      c.focus();
      alertError(`${c.spec.label}: ${message}`);
    } else {
      topError.textContent = e.code === 'FORBIDDEN' ? `Your role does not allow this. ${message}` : message;
      topError.hidden = false;
      topError.focus();
      alertError(message);
    }
  };
  return { node, controls, get, set, clearErrors, showError };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const CONFLICT_KIND = { markdown: 'markdown', number: 'number', date: 'date', enum: 'enum', facts: 'facts' };

/** The edit form of a document: `{ node, isDirty(), version(), setDoc(doc), save() }`.
 *  Only the fields the person changed are sent, so others' edits to the rest stay. */
export function docForm(kind, doc, { readOnly = false, onSaved, onInput } = {}) {
  const spec = KINDS[kind];
  let base = valuesOf(kind, doc);
  let version = doc.version;
  const button = readOnly ? null : h('button', { type: 'submit', class: 'primary' }, 'Save');
  const fs = fieldSet(spec.fields, base, { readOnly, onInput });
  const changed = () => {
    const now = fs.get();
    return spec.fields.map((f) => f.name).filter((n) => !same(now[n], base[n]));
  };
  const setDoc = (d) => {
    doc = d;
    base = valuesOf(kind, d);
    version = d.version;
    fs.set(base);
    fs.clearErrors();
  };
  const save = async () => {
    fs.clearErrors();
    const names = changed();
    if (!names.length) { announce('There are no changes to save.'); return null; }
    const now = fs.get();
    const mine = Object.fromEntries(names.map((n) => [n, now[n]]));
    const fields = spec.fields.filter((f) => names.includes(f.name))
      .map((f) => ({ name: f.name, label: f.label, kind: CONFLICT_KIND[f.kind] || 'text' }));
    button.disabled = true;
    try {
      const saved = await saveWithConflict({
        fields, mine, version, id: doc.id,
        load: async () => { const d = await loadDraft(kind, doc.id); return { ...valuesOf(kind, d), version: d.version }; },
        save: (values, expected) => updateDoc(kind, doc.id, values, expected),
      });
      if (!saved) return null;
      setDoc(saved);
      announce(`Saved “${spec.title(saved)}”.`);
      onSaved?.(saved);
      return saved;
    } catch (e) {
      fs.showError(e);
      return null;
    } finally {
      button.disabled = false;
    }
  };
  const node = h('form', { class: 'doc-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } },
    fs.node, button ? h('div', { class: 'actions' }, button) : null);
  return { node, isDirty: () => changed().length > 0, version: () => version, setVersion: (v) => { version = v; }, setDoc, save, doc: () => doc };
}

/** The fields asked for when creating `kind`, with Create/Cancel; `done(doc|undefined)`. */
export function createForm(kind, { extra = {}, done, submitLabel = 'Create' }) {
  const spec = KINDS[kind];
  const specs = spec.fields.filter((f) => f.create);
  const fs = fieldSet(specs, {});
  const name = fs.controls.get('name');
  const slug = fs.controls.get('slug');
  if (name && slug) {
    // Suggest the web address name from the name until the person edits it.
    let touched = false;
    slug.input.addEventListener('input', () => { touched = true; });
    name.input.addEventListener('input', () => {
      if (!touched) slug.set(name.get().toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''));
    });
  }
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  return h('form', {
    class: 'create-form', novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      fs.clearErrors();
      submit.disabled = true;
      try {
        const doc = await createDoc(kind, fs.get(), extra);
        announce(`Created “${spec.title(doc)}”.`);
        done(doc);
      } catch (err) {
        fs.showError(err);
      } finally {
        submit.disabled = false;
      }
    },
  }, fs.node, h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => done(undefined) }, 'Cancel')));
}

/** A status badge with its words. */
export function badge(status) {
  const [text, cls] = STATUS[status];
  return h('span', { class: `badge ${cls}` }, text);
}

/** Asks before something that cannot be undone easily; resolves true to go ahead. */
export function confirm(title, text, action) {
  return dialog(title, (close) => h('div', {},
    h('p', {}, text),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, action),
      h('button', { type: 'button', autofocus: true, onclick: () => close(false) }, 'Cancel')))).then(Boolean);
}

async function publishing() {
  try {
    return await import('./publish.js');
  } catch (e) {
    alertError('Publishing is not available right now. Try again after reloading the page.');
    return null;
  }
}

/** Status badge, History/Preview links and Publish/Unpublish/Delete for one
 *  document: `{ node, refresh(), draw() }`. `form` is its docForm (for the version and
 *  unsaved edits). `onDeleted()` runs after a delete. `status()`, when given,
 *  tells the status instead of the document's own versions. */
export function docActions({ kind, id, form, published, readOnly, withChildren = false, preview = false, history = true, status: statusNow, onDeleted, onPublished }) {
  const spec = KINDS[kind];
  const name = () => spec.title(form.doc());
  const status = h('span', { class: 'status' });
  const buttons = h('span', { class: 'doc-buttons' });
  let publishedV = published;
  const draw = () => {
    const st = statusNow ? statusNow() : statusOf(form.version(), publishedV);
    status.replaceChildren(h('span', { class: 'visually-hidden' }, 'Status: '), badge(st));
    if (readOnly) return;
    buttons.replaceChildren(...[
      kind !== 'therapyCondition' && (withChildren || st !== 'published')
        ? h('button', { type: 'button', class: 'primary', onclick: publish }, 'Publish') : null,
      kind !== 'therapyCondition' && st !== 'draft' ? h('button', { type: 'button', onclick: unpublish }, 'Unpublish') : null,
      spec.del ? h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete') : null].filter(Boolean));
  };
  const refresh = async () => {
    try { publishedV = await publishedVersion(kind, id); } catch (e) { /* keep the old badge */ }
    draw();
  };
  async function publish() {
    if (form.isDirty()) { alertError('Save your changes first, then publish.'); return; }
    const m = await publishing();
    if (m && await m.publishDialog({ type: kind, id, name: name(), withChildren })) {
      await refresh();
      onPublished?.();
    }
  }
  async function unpublish() {
    const m = await publishing();
    if (m && await m.unpublishDialog({ type: kind, id, name: name() })) {
      await refresh();
      onPublished?.();
    }
  }
  async function remove() {
    if (!await confirm(`Delete “${name()}”?`, `This deletes “${name()}” from the draft and from the published site. It can be brought back from the Trash.`, 'Delete')) return;
    try {
      await deleteDoc(kind, id);
      announce(`Deleted “${name()}”.`);
      onDeleted?.();
    } catch (e) {
      alertError(e.message);
    }
  }
  draw();
  const links = [
    history ? h('a', { href: `#/history/${id}` }, 'History') : null,
    preview ? h('a', { href: `#/preview/${id}` }, 'Preview') : null,
  ];
  return { node: h('div', { class: 'doc-actions' }, status, links, buttons), refresh, draw };
}

/** Watches documents for others' saves (live.js); returns stop(). Without live
 *  updates (no WebSocket) the page just does not refresh itself. */
export function watch(ids, onChange) {
  let stop = null;
  let stopped = false;
  import('./live.js')
    .then((m) => { if (!stopped) stop = m.watchDocument(ids, onChange); })
    .catch(() => {});
  return () => { stopped = true; stop?.(); };
}

/** The notice that someone else changed what the person is editing. */
export function changedNotice(event, what) {
  const box = h('div', { class: 'banner', role: 'status' },
    h('p', {}, `${event.actorName || 'Someone else'} saved a newer version of “${what}” while you were editing. `,
      'When you save, you will see both versions side by side and choose what to keep.'),
    h('button', { type: 'button', class: 'link', onclick: () => box.remove() }, 'Dismiss'));
  return box;
}
