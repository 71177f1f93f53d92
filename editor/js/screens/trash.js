// #/trash: deleted documents that can still come back, newest deletion first.
import { gql } from '../api.js';
import { alertError, announce, h, replace, uid, when } from '../dom.js';
import { canEdit } from '../roles.js';
import { docName, docRoute, typeWord } from '../diff.js';

const QUERY = `query($type: DocumentType, $after: String) { trash(documentType: $type, first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id documentType documentId actorName occurredAt snapshot } } }`;

const FILTERS = ['THERAPY', 'THERAPY_SECTION', 'BENEFIT', 'FAQ', 'CONDITION', 'PRACTITIONER', 'THERAPY_CONDITION', 'CITATION'];

export default async function render(main) {
  const filterId = uid('type');
  const filter = h('select', { id: filterId, onchange: () => load() },
    h('option', { value: '' }, 'All kinds'),
    FILTERS.map((t) => h('option', { value: t }, typeWord(t))));
  const notice = h('div', {});
  const box = h('div', { 'aria-live': 'polite', 'aria-busy': 'false' });
  replace(main,
    h('h1', {}, 'Trash'),
    h('p', {}, 'Deleted items stay here until an administrator erases them. Restoring brings an item back as a draft: publish it to show it to the public again.'),
    h('div', { class: 'field filter' }, h('label', { for: filterId }, 'Show'), filter),
    notice, box);

  let entries = [];
  let pageInfo = null;

  async function load(more = false) {
    box.setAttribute('aria-busy', 'true');
    try {
      const d = await gql(QUERY, { type: filter.value || null, after: more ? pageInfo.endCursor : null });
      entries = more ? [...entries, ...d.trash.nodes] : d.trash.nodes;
      pageInfo = d.trash.pageInfo;
      draw();
    } catch (e) {
      replace(notice, h('p', { class: 'notice error' }, `The trash could not be loaded: ${e.message}`));
      alertError(e.message);
    } finally {
      box.setAttribute('aria-busy', 'false');
    }
  }

  function draw() {
    if (!entries.length) {
      replace(box, h('p', {}, filter.value ? `No deleted ${typeWord(filter.value).toLowerCase()} items.` : 'The trash is empty.'));
      return;
    }
    replace(box,
      h('table', { class: 'trash' },
        h('caption', { class: 'visually-hidden' }, 'Deleted items, newest first'),
        h('thead', {}, h('tr', {}, ['Kind', 'Name', 'Deleted by', 'When', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, entries.map((e) => {
          const name = docName(e.documentType, e.snapshot);
          return h('tr', {},
            h('td', {}, typeWord(e.documentType)),
            h('th', { scope: 'row' }, name),
            h('td', {}, e.actorName || 'The system'),
            h('td', {}, h('time', { datetime: e.occurredAt }, when(e.occurredAt))),
            h('td', { class: 'row-actions' },
              canEdit() ? h('button', { type: 'button', onclick: () => restore(e, name) }, 'Restore', h('span', { class: 'visually-hidden' }, ` “${name}”`)) : null,
              ' ', h('a', { href: `#/history/${e.documentId}` }, 'History', h('span', { class: 'visually-hidden' }, ` of “${name}”`))));
        }))),
      pageInfo?.hasNextPage ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => load(true) }, 'Show older')) : null);
  }

  async function restore(entry, name) {
    try {
      await gql('mutation($r: ID!) { restoreRevision(revisionId: $r) { id version } }', { r: entry.id });
      entries = entries.filter((e) => e !== entry);
      draw();
      const route = docRoute(entry.documentType, entry.documentId, entry.snapshot);
      const link = h('a', { href: `#/${route.path}` }, `Open ${route.label}`);
      replace(notice, h('p', { class: 'notice ok', tabindex: '-1' }, `Restored “${name}” as a draft. `, link));
      link.focus();
      announce(`Restored “${name}” as a draft. Publish it to show it to the public.`);
    } catch (e) {
      replace(notice, h('p', { class: 'notice error' }, `“${name}” could not be restored: ${e.message}`));
      alertError(e.message);
    }
  }

  await load();
  return {};
}
