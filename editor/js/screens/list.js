// A list of one kind of document (#/therapies, #/conditions, #/practitioners,
// #/faqs for the clinic-wide questions, #/citations) with search, each row's
// status, and "New …" for editors.
import { gql } from '../api.js';
import { alertError, dialog, h, replace, uid, when } from '../dom.js';
import { badge, createForm } from '../forms.js';
import { KINDS, PUBLIC_PEOPLE, THERAPY_VERSIONS, lastChanged, publicPeople, statusOf, therapyStatus } from '../kinds.js';
import { canEdit } from '../roles.js';
import { navigate } from '../app.js';

const PAGE = 100;

/** One stage of the list (as `list`), with any `more` root fields. */
async function fetchStage(k, search, stage, fields, more = '') {
  const args = k.search ? '$s: String' : `$f: ${k.filterType}`;
  const pass = k.search ? 'search: $s' : 'filter: $f';
  return gql(`query(${args}) { list: ${k.many}(${pass}, first: ${PAGE}, stage: ${stage}) { totalCount nodes { ${fields} } } ${more} }`,
    k.search ? { s: search || null } : { f: k.filter(search || null) });
}

/** How a row's status and time of change are read: a therapy counts what its page holds. */
function rowReading(type) {
  const name = type === 'faq' ? 'question' : type === 'citation' ? 'title' : 'name';
  if (type !== 'therapy') {
    return {
      draft: `id version updatedAt ${name}`, published: 'id version', more: '',
      status: (d, p) => statusOf(d.version, p?.version), changedAt: (d) => d.updatedAt,
    };
  }
  return {
    draft: `${THERAPY_VERSIONS} ${name}`, published: THERAPY_VERSIONS, more: PUBLIC_PEOPLE,
    status: (d, p, data) => therapyStatus(d, p ?? null, publicPeople(data)), changedAt: lastChanged,
  };
}

export default async function render(main, { type }) {
  const k = KINDS[type];
  const read = rowReading(type);
  const searchId = uid('search');
  const search = h('input', { id: searchId, type: 'search', autocomplete: 'off' });
  const results = h('div', { class: 'list-results' });
  const count = h('p', { class: 'muted', role: 'status' });
  let seq = 0;

  const load = async () => {
    const mine = ++seq;
    const s = search.value.trim();
    try {
      const [{ list: drafts }, published] = await Promise.all([
        fetchStage(k, s, 'DRAFT', read.draft),
        fetchStage(k, s, 'PUBLISHED', read.published, read.more),
      ]);
      if (mine !== seq) return;
      const pub = new Map(published.list.nodes.map((n) => [n.id, n]));
      const rows = drafts.nodes;
      count.textContent = rows.length < drafts.totalCount
        ? `Showing ${rows.length} of ${drafts.totalCount}. Search to narrow the list.`
        : `${rows.length} ${rows.length === 1 ? 'entry' : 'entries'}${s ? ` matching “${s}”` : ''}.`;
      replace(results, rows.length ? h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden' }, k.plural),
        h('thead', {}, h('tr', {}, ['Name', 'Status', 'Last changed'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map((d) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: `#/${k.route}/${d.id}` }, k.title(d) || '(untitled)')),
          h('td', {}, badge(read.status(d, pub.get(d.id), published))),
          h('td', {}, when(read.changedAt(d)))))))
        : h('p', {}, s ? 'Nothing matches that search.' : 'There is nothing here yet.'));
    } catch (e) {
      replace(results, h('p', { class: 'error' }, e.message));
      alertError(e.message);
    }
  };

  let timer = 0;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });

  const create = async () => {
    const doc = await dialog(`New ${k.label}`, (close) => createForm(type, {
      done: close, extra: type === 'faq' ? { therapyId: null } : {},
    }));
    if (doc) navigate(`${k.route}/${doc.id}`);
    else newButton.focus();
  };
  const newButton = canEdit() ? h('button', { type: 'button', class: 'primary', onclick: create }, `New ${k.label}`) : null;

  replace(main,
    h('div', { class: 'page-head' }, h('h1', {}, k.plural), newButton),
    type === 'faq' ? h('p', { class: 'muted' }, 'Questions about the clinic as a whole. Questions about one therapy are on that therapy’s page.') : null,
    h('div', { class: 'field narrow' }, h('label', { for: searchId }, `Search ${k.plural.toLowerCase()}`), search),
    count, results);
  await load();
  return { dispose: () => clearTimeout(timer) };
}
