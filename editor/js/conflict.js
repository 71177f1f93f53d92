// Saving when someone else may have saved first. The person's own text is never
// thrown away: on a conflict both versions are shown side by side and they
// choose, field by field, what to keep.
import { gql } from './api.js';
import { announce, alertError, dialog, h, uid, when } from './dom.js';
import { diffTable, formatValue, humanize, same } from './diff.js';

/** Who saved the current draft and when, from the document's history (if it has an id). */
async function lastSaver(id) {
  if (!id) return null;
  try {
    const d = await gql('query($id: ID!) { history(id: $id, first: 5) { nodes { actorName occurredAt version stage } } }', { id });
    return d.history.nodes.find((n) => n.stage === 'DRAFT') ?? null;
  } catch (e) {
    return null;
  }
}

/** Facts are an object: each differing fact becomes a row of its own. */
function rows(fields, mine, theirs) {
  const out = [];
  for (const field of fields) {
    if (field.kind === 'facts') {
      const a = theirs[field.name] ?? {};
      const b = mine[field.name] ?? {};
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (!same(a[key], b[key])) {
          const v = a[key] ?? b[key];
          const kind = typeof v === 'number' ? 'number' : /^[A-Z][A-Z_]+$/.test(v ?? '') ? 'enum' : 'text';
          out.push({ name: `${field.name}.${key}`, label: `${field.label}: ${humanize(key)}`, kind, theirs: a[key], mine: b[key], parent: field.name, key });
        }
      }
    } else if (!same(theirs[field.name], mine[field.name])) {
      const list = Array.isArray(theirs[field.name]) || Array.isArray(mine[field.name]);
      out.push({ ...field, theirs: list ? theirs[field.name] ?? [] : theirs[field.name], mine: list ? mine[field.name] ?? [] : mine[field.name], list });
    }
  }
  return out;
}

/** The editable merged value of one row, prefilled with the person's text. */
function mergedInput(row, id) {
  const value = row.mine ?? '';
  if (row.list) return h('textarea', { id, rows: '5', 'aria-describedby': `${id}-hint` }, value.join('\n'));
  if (row.kind === 'markdown') return h('textarea', { id, rows: '8' }, String(value));
  if (row.kind === 'enum') {
    // Without a list of choices, the choice is between the two versions.
    const options = row.options ?? [...new Set([row.theirs, row.mine].filter((v) => v != null))];
    return h('select', { id }, options.map((o) => {
      const [v, label] = Array.isArray(o) ? o : typeof o === 'string' ? [o, formatValue(o)] : [o.value, o.label];
      return h('option', { value: v, selected: v === value }, label);
    }));
  }
  const type = row.kind === 'number' ? 'number' : row.kind === 'date' ? 'date' : 'text';
  return h('input', { id, type, value: String(value) });
}

const read = (row, input) => {
  if (row.list) return input.value.split('\n').map((l) => l.trim()).filter(Boolean);
  if (row.kind === 'number') return input.value === '' ? null : Number(input.value);
  if (row.kind === 'date' || row.kind === 'enum') return input.value === '' ? null : input.value;
  return input.value;
};

const set = (row, input, value) => {
  input.value = value == null ? '' : row.list ? value.join('\n') : String(value);
};

/** The conflict view; resolves to the merged values, or null when cancelled. */
function conflictView(fields, mine, theirs, saver, again) {
  const list = rows(fields, mine, theirs);
  const who = saver?.actorName ?? 'Someone else';
  const at = saver?.occurredAt ? ` on ${when(saver.occurredAt)}` : '';
  return dialog('Someone else saved this first', (close) => {
    const inputs = [];
    const parts = list.map((row) => {
      const id = uid('merge');
      const input = mergedInput(row, id);
      inputs.push([row, input]);
      const choose = (which) => () => {
        set(row, input, which === 'mine' ? row.mine : row.theirs);
        announce(`${row.label}: ${which === 'mine' ? 'your version' : 'their version'} is in the merged value.`);
      };
      return h('fieldset', { class: 'merge' },
        h('legend', {}, row.label),
        diffTable({ v: row.theirs }, { v: row.mine }, [{ name: 'v', label: row.label }],
          { beforeLabel: `Saved by ${saver?.actorName ?? 'someone else'}`, afterLabel: 'Yours (not saved)', lineWords: ['Only in theirs: ', 'Only in yours: '], changedWord: 'Differs' }),
        h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: choose('mine') }, 'Keep mine', h('span', { class: 'visually-hidden' }, ` (${row.label})`)),
          h('button', { type: 'button', onclick: choose('theirs') }, 'Take theirs', h('span', { class: 'visually-hidden' }, ` (${row.label})`))),
        h('div', { class: 'field' }, h('label', { for: id }, `Merged ${row.label.toLowerCase()}`),
          row.list ? h('p', { class: 'hint', id: `${id}-hint` }, 'One per line.') : null, input));
    });
    const saveMerged = () => {
      const values = { ...mine };
      for (const [row, input] of inputs) {
        if (row.parent) values[row.parent] = { ...(values[row.parent] ?? {}), [row.key]: read(row, input) };
        else values[row.name] = read(row, input);
      }
      close(values);
    };
    // Focus starts on the explanation, so it is read first.
    return h('div', {}, h('div', { class: 'conflict' },
      again ? h('p', { class: 'notice error' }, 'It was saved again while you were merging. Here is the newest version.') : null,
      h('p', { tabindex: '-1', autofocus: true }, `${who} saved a newer version${at} (version ${theirs.version}) while you were editing. `,
        'Your text is kept. For each difference below, keep yours, take theirs, or edit the merged value; then save.'),
      list.length ? parts : h('p', {}, 'Your text and theirs are the same now; saving keeps it.')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: saveMerged }, 'Save merged'),
        h('button', { type: 'button', onclick: () => close(null) }, 'Cancel')));
  });
}

/** Saves `mine` at `version`; on CONFLICT lets the person merge with the current
 *  draft and saves that, as often as it takes. Resolves the saved document, or
 *  null when they cancel (their text stays in their form). Other errors are thrown. */
export async function saveWithConflict({ fields, mine, version, load, save, id = null }) {
  let values = mine;
  let expected = version;
  let again = false;
  for (;;) {
    try {
      return await save(values, expected);
    } catch (e) {
      if (e.code !== 'CONFLICT') throw e;
    }
    alertError('Someone else saved this first. Compare the two versions.');
    const theirs = await load();
    const saver = await lastSaver(id ?? theirs.id);
    const merged = await conflictView(fields, values, theirs, saver, again);
    if (!merged) {
      announce('Not saved. Your text is still in the form.');
      return null;
    }
    values = merged;
    expected = theirs.version;
    again = true;
  }
}
