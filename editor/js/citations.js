// The sources a claim cites, in order, and the picker that cites another
// (an existing citation, or a new one made on the spot).
import { gql } from './api.js';
import { alertError, announce, dialog, h, uid } from './dom.js';
import { createForm } from './forms.js';
import { makeReorderable, moveHandle } from './reorder.js';

const CC = 'id position locator version citation { id title authors publisher year link }';

/** "Rabago D, Patterson JJ et al. Title. Journal, 2013." */
export function describe(c) {
  const authors = c.authors?.length ? `${c.authors.slice(0, 3).join(', ')}${c.authors.length > 3 ? ' et al. ' : '. '}` : '';
  return `${authors}${c.title}. ${c.publisher}${c.year ? `, ${c.year}` : ''}.`;
}

/** The claim's sources with "Cite a source"; `claimType` is the DocumentType.
 *  `heading` is the heading level of its title. */
export function citationsBlock({ claimType, claimId, citations, readOnly, level = 3, claimName = '' }) {
  let list = [...citations].sort((a, b) => a.position - b.position);
  const ol = h('ol', { class: 'citations' });
  const empty = h('p', { class: 'muted' }, 'No sources cited yet.');
  const draw = () => {
    empty.hidden = list.length > 0;
    ol.replaceChildren(...list.map((cc) => h('li', { 'data-id': cc.id },
      readOnly || list.length < 2 ? null : moveHandle(cc.citation.title),
      h('span', { class: 'cite-text' },
        h('a', { href: `#/citations/${cc.citation.id}` }, describe(cc.citation)),
        cc.locator ? h('span', { class: 'locator' }, ` (${cc.locator})`) : null),
      readOnly ? null : h('button', { type: 'button', class: 'link', onclick: () => remove(cc) }, 'Remove',
        h('span', { class: 'visually-hidden' }, ` source “${cc.citation.title}”`)))));
    order.reset();
  };
  const order = makeReorderable(ol, async (ids) => {
    await gql('mutation($c: ID!, $ids: [ID!]!) { reorderClaimCitations(claimId: $c, ids: $ids) }', { c: claimId, ids });
    const byId = new Map(list.map((cc) => [cc.id, cc]));
    list = ids.map((id) => byId.get(id));
  });
  async function remove(cc) {
    try {
      await gql('mutation($id: ID!) { uncite(id: $id) }', { id: cc.id });
      list = list.filter((x) => x.id !== cc.id);
      draw();
      announce(`Removed the source “${cc.citation.title}”.`);
      add.focus();
    } catch (e) {
      alertError(e.message);
    }
  }
  async function cite() {
    const picked = await pickCitation(claimName);
    if (!picked) return;
    try {
      const data = await gql(`mutation($input: CiteInput!) { cite(input: $input) { ${CC} } }`,
        { input: { claimType, claimId, citationId: picked.id, locator: picked.locator || null } });
      list.push(data.cite);
      draw();
      announce(`Cited “${picked.title}”.`);
    } catch (e) {
      alertError(e.message);
    }
    add.focus();
  }
  const add = readOnly ? null : h('button', { type: 'button', onclick: cite }, 'Cite a source');
  draw();
  return h('div', { class: 'claim-citations' }, h(`h${level}`, {}, 'Sources'), empty, ol, add);
}

/** The picker: search the citations, or make a new one. Resolves to
 *  `{ id, title, locator }` or undefined. */
export function pickCitation(claimName) {
  return dialog(claimName ? `Cite a source for “${claimName}”` : 'Cite a source', (close) => {
    const searchId = uid('s');
    const locId = uid('l');
    const locator = h('input', { id: locId, type: 'text', 'aria-describedby': `${locId}-hint` });
    const results = h('ul', { class: 'pick-list', 'aria-live': 'polite' });
    const search = h('input', { id: searchId, type: 'search', autocomplete: 'off' });
    const choose = (c) => close({ id: c.id, title: c.title, locator: locator.value.trim() });
    let seq = 0;
    let timer = 0;
    const find = async () => {
      const mine = ++seq;
      try {
        const data = await gql('query($s: String) { citations(search: $s, first: 20, stage: DRAFT) { totalCount nodes { id title authors publisher year } } }',
          { s: search.value.trim() || null });
        if (mine !== seq) return;
        const nodes = data.citations.nodes;
        results.replaceChildren(...(nodes.length ? nodes.map((c) => h('li', {},
          h('span', {}, describe(c)), ' ',
          h('button', { type: 'button', onclick: () => choose(c) }, 'Cite', h('span', { class: 'visually-hidden' }, ` “${c.title}”`))))
          : [h('li', {}, 'No citation matches. Make a new one below.')]));
      } catch (e) {
        results.replaceChildren(h('li', { class: 'error' }, e.message));
      }
    };
    search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 250); });
    find();
    const newArea = h('div', { class: 'new-citation', hidden: true });
    const toggle = h('button', {
      type: 'button', 'aria-expanded': 'false',
      onclick: () => {
        const open = newArea.hidden;
        newArea.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        if (open) {
          newArea.replaceChildren(h('h3', {}, 'New citation'), createForm('citation', {
            submitLabel: 'Create and cite',
            done: (doc) => (doc ? choose(doc) : toggle.click()),
          }));
          newArea.querySelector('input')?.focus();
        }
      },
    }, 'New citation');
    return h('div', { class: 'picker' },
      h('div', { class: 'field' }, h('label', { for: searchId }, 'Search sources'), search),
      h('div', { class: 'field' }, h('label', { for: locId }, 'Where in the source (optional)'),
        h('p', { id: `${locId}-hint`, class: 'hint' }, 'Such as “p. 4” or “Table 2”.'), locator),
      results,
      h('div', { class: 'actions' }, toggle, h('button', { type: 'button', onclick: () => close(undefined) }, 'Cancel')),
      newArea);
  });
}
