// Side-by-side comparison of two versions of a document, for publishing,
// history and conflicts. Changes are marked with words (and <ins>/<del>), never
// by colour alone.
import { h } from './dom.js';

/** Fields every document has that say nothing about its content. */
export const META = new Set(['id', 'stage', 'version', 'createdAt', 'updatedAt', 'publishedAt', '__typename']);

const LABELS = {
  pubmedId: 'PubMed ID', doi: 'DOI', url: 'Web address', body: 'Text', therapyId: 'Therapy',
  conditionId: 'Condition', practitionerId: 'Practitioner', citationId: 'Source', claimId: 'Claim',
  claimType: 'Kind of claim', reviewerId: 'Reviewer', subjectId: 'Subject', subjectType: 'Kind of subject',
  position: 'Place in order', slug: 'Web address name', insuranceCoverage: 'Insurance',
  typicalSessions: 'Typical number of treatments', minSessions: 'Fewest treatments', maxSessions: 'Most treatments',
  sessionIntervalWeeks: 'Weeks between treatments', procedureMinutesMin: 'Procedure minutes (from)',
  procedureMinutesMax: 'Procedure minutes (to)', repeatAfterMonthsMin: 'Repeat after months (from)',
  repeatAfterMonthsMax: 'Repeat after months (to)', insuranceNote: 'Insurance note', firstUsedDecade: 'First used (decade)',
};

/** "typicalSessions" → "Typical sessions". */
export function humanize(name) {
  if (LABELS[name]) return LABELS[name];
  const words = String(name).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ENUM_WORDS = /^[A-Z][A-Z_]+$/;

/** A value as plain text people read: lists joined, enums in words, empty as "(empty)". */
export function formatValue(value) {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (Array.isArray(value)) return value.length ? value.map(formatValue).join(', ') : '(none)';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'object') {
    if ('markdown' in value) return formatValue(value.markdown);
    return Object.entries(value).filter(([k]) => !META.has(k))
      .map(([k, v]) => `${humanize(k)}: ${formatValue(v)}`).join('\n');
  }
  if (typeof value === 'string' && ENUM_WORDS.test(value)) {
    const words = value.replace(/_/g, ' ').toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  return String(value);
}

/** Whether two values read the same (an empty string and null do). */
export function same(a, b) {
  return formatValue(a) === formatValue(b);
}

/** Snapshots list their keys alphabetically; people read the name and text first. */
const FIRST = ['name', 'title', 'heading', 'question', 'slug', 'summary', 'description', 'body', 'answer', 'bio', 'suitability', 'note'];

/** The fields to compare: the given list, else every content key of either side. */
export function fieldsOf(before, after, fields) {
  if (fields) return fields.map((f) => (typeof f === 'string' ? { name: f, label: humanize(f) } : { label: humanize(f.name), ...f }));
  // Ids of related documents mean nothing to people (and never change): left out.
  const names = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])]
    .filter((n) => !META.has(n) && !/[a-z]Id$/.test(n) || n === 'pubmedId');
  const rank = (n) => (FIRST.includes(n) ? FIRST.indexOf(n) : FIRST.length);
  names.sort((a, b) => rank(a) - rank(b));
  return names.map((name) => ({ name, label: humanize(name) }));
}

/** The fields in which the two differ. */
export function changedFields(before, after, fields) {
  return fieldsOf(before, after, fields).filter((f) => !same(before?.[f.name], after?.[f.name]));
}

/** A line diff (longest common subsequence): [{ op: 'same'|'add'|'del', text }]. */
export function lineDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 250000) {
    return [...x.map((text) => ({ op: 'del', text })), ...y.map((text) => ({ op: 'add', text }))];
  }
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push({ op: 'same', text: x[i] }); i += 1; j += 1; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) { out.push({ op: 'del', text: x[i] }); i += 1; }
    else { out.push({ op: 'add', text: y[j] }); j += 1; }
  }
  while (i < n) out.push({ op: 'del', text: x[i++] });
  while (j < m) out.push({ op: 'add', text: y[j++] });
  return out;
}

const isLong = (text) => text.includes('\n') || text.length > 120;

/** One line of a line diff: removed and added lines say so in words. */
function line(op, text, words) {
  const shown = text === '' ? '\u00a0' : text;
  if (op === 'del') return h('del', { class: 'line' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, '− '), h('span', { class: 'visually-hidden' }, words[0]), shown);
  if (op === 'add') return h('ins', { class: 'line' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, '+ '), h('span', { class: 'visually-hidden' }, words[1]), shown);
  return h('span', { class: 'line' }, shown);
}

/** The two cells of a row: long text with the changed lines marked on each side. */
function cells(a, b, changed, words) {
  const left = formatValue(a);
  const right = formatValue(b);
  if (!changed || !(isLong(left) || isLong(right)) || a == null || b == null) {
    return [h('td', { class: 'value' }, left), h('td', { class: 'value' }, right)];
  }
  const ops = lineDiff(left, right);
  return [
    h('td', { class: 'value lines' }, ops.filter((o) => o.op !== 'add').map((o) => line(o.op, o.text, words))),
    h('td', { class: 'value lines' }, ops.filter((o) => o.op !== 'del').map((o) => line(o.op, o.text, words))),
  ];
}

/** A table comparing `before` and `after` field by field. `fields`: [{name, label}]
 *  or every content key. Options: `beforeLabel`, `afterLabel`, `caption`,
 *  `onlyChanged` (leave out rows that are the same), `lineWords` and `changedWord`
 *  (for comparisons that are not before/after). `before` null means "new". */
export function diffTable(before, after, fields, options = {}) {
  const { beforeLabel = 'Before', afterLabel = 'After', caption = null, onlyChanged = false } = options;
  // How a screen reader hears lines only on one side, and the status of a changed row.
  const { lineWords = ['Removed: ', 'Added: '], changedWord = 'Changed' } = options;
  const rows = [];
  for (const field of fieldsOf(before, after, fields)) {
    const a = before?.[field.name];
    const b = after?.[field.name];
    const changed = !same(a, b);
    if (onlyChanged && !changed) continue;
    let status = 'Same';
    if (changed) status = before == null ? 'New' : after == null ? 'Removed' : changedWord;
    rows.push(h('tr', { class: changed ? 'changed' : 'same' },
      h('th', { scope: 'row' }, field.label),
      cells(a, b, changed && before != null && after != null, lineWords),
      h('td', { class: 'status' }, h('span', { class: `badge ${changed ? 'changed' : ''}` }, status))));
  }
  if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: '4' }, 'No differences.')));
  return h('table', { class: 'diff' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Field'),
      h('th', { scope: 'col' }, beforeLabel),
      h('th', { scope: 'col' }, afterLabel),
      h('th', { scope: 'col' }, 'Status'))),
    h('tbody', {}, rows));
}

// Words for documents and events, shared by the history and the trash.

const TYPES = {
  THERAPY: 'Therapy', THERAPY_SECTION: 'Section', BENEFIT: 'Benefit', FAQ: 'Question and answer', CONDITION: 'Condition',
  PRACTITIONER: 'Practitioner', THERAPY_CONDITION: 'Condition link', THERAPY_PRACTITIONER: 'Practitioner link',
  CITATION: 'Source', CLAIM_CITATION: 'Use of a source', REVIEW: 'Clinical review',
};
export const typeWord = (type) => TYPES[type] ?? formatValue(type);

const ACTIONS = {
  CREATED: 'Created', UPDATED: 'Edited', DELETED: 'Deleted', PUBLISHED: 'Published', UNPUBLISHED: 'Unpublished',
  RESTORED: 'Restored', REORDERED: 'Reordered', LINKED: 'Linked', UNLINKED: 'Unlinked', PURGED: 'Erased for good',
  REVIEW_DUE: 'Review fell due',
};
export const actionWord = (action) => ACTIONS[action] ?? formatValue(action);

/** A document's name from its snapshot, whatever its type. */
export function docName(type, snap) {
  if (!snap) return typeWord(type).toLowerCase();
  return snap.name ?? snap.title ?? snap.heading ?? snap.question
    ?? (snap.suitability ? `${typeWord(type)} (${formatValue(snap.suitability).toLowerCase()})` : typeWord(type).toLowerCase());
}

const ROUTES = { THERAPY: 'therapies', CONDITION: 'conditions', PRACTITIONER: 'practitioners', FAQ: 'faqs', CITATION: 'citations' };

/** Where a document is edited: its own page, else its therapy's page, else a list. */
export function docRoute(type, id, snap) {
  if (type === 'FAQ' && snap?.therapyId) return { path: `therapies/${snap.therapyId}`, label: 'the therapy' };
  if (ROUTES[type]) return { path: `${ROUTES[type]}/${id}`, label: `the ${typeWord(type).toLowerCase()}` };
  if (type === 'REVIEW' && snap?.subjectId) {
    return snap.subjectType === 'CONDITION' ? { path: `conditions/${snap.subjectId}`, label: 'the condition' } : { path: `therapies/${snap.subjectId}`, label: 'the therapy' };
  }
  if (snap?.therapyId) return { path: `therapies/${snap.therapyId}`, label: 'the therapy' };
  return { path: 'therapies', label: 'the therapies' };
}

/** One version on its own: field and value. */
export function contentTable(snap, fields, caption = null) {
  return h('table', { class: 'diff content' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', {}, fieldsOf(snap, null, fields).map((f) => h('tr', {},
      h('th', { scope: 'row' }, f.label), h('td', { class: 'value' }, formatValue(snap?.[f.name]))))));
}
