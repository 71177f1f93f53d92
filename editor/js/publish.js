// Publishing and unpublishing, with a look first at what the public will see
// change: the draft beside the published copy, for a therapy also its children.
import { gql } from './api.js';
import { alertError, announce, dialog, h, replace } from './dom.js';
import { diffTable, changedFields, formatValue, humanize } from './diff.js';

const FACTS = 'typicalSessions minSessions maxSessions sessionIntervalWeeks procedureMinutesMin procedureMinutesMax repeatAfterMonthsMin repeatAfterMonthsMax insuranceCoverage insuranceNote firstUsedDecade';

const f = (name, label) => ({ name, label });
const md = (v) => v?.markdown ?? v;

/** Per type: how to read one copy, its fields, and the mutations. */
const KINDS = {
  therapy: {
    query: `query($id: ID!, $stage: Stage) { doc: therapy(id: $id, stage: $stage) { id name slug version publishedAt
      summary { markdown } facts { ${FACTS} } practitioners { name }
      sections { id heading position body { markdown } }
      benefits { id title position body { markdown } }
      faqs { id question position answer { markdown } }
      conditions { id suitability note position condition { name } } } }`,
    flat: (d) => ({ name: d.name, slug: d.slug, summary: md(d.summary), practitioners: d.practitioners.map((p) => p.name), ...d.facts }),
    fields: [f('name', 'Name'), f('slug', 'Web address name'), f('summary', 'Summary'), f('practitioners', 'Practitioners'),
      ...FACTS.split(' ').map((n) => f(n, humanize(n)))],
    publish: 'publishTherapy(id: $id, expectedVersion: $v, withChildren: true)',
    unpublish: 'unpublishTherapy(id: $id, withChildren: true)',
  },
  condition: {
    query: 'query($id: ID!, $stage: Stage) { doc: condition(id: $id, stage: $stage) { id name slug bodyRegion version publishedAt description { markdown } } }',
    flat: (d) => ({ name: d.name, slug: d.slug, bodyRegion: d.bodyRegion, description: md(d.description) }),
    fields: [f('name', 'Name'), f('slug', 'Web address name'), f('bodyRegion', 'Body region'), f('description', 'Description')],
    publish: 'publishCondition(id: $id, expectedVersion: $v)', unpublish: 'unpublishCondition(id: $id)',
  },
  practitioner: {
    query: 'query($id: ID!, $stage: Stage) { doc: practitioner(id: $id, stage: $stage) { id name slug title techniques version publishedAt bio { markdown } } }',
    flat: (d) => ({ name: d.name, slug: d.slug, title: d.title, techniques: d.techniques, bio: md(d.bio) }),
    fields: [f('name', 'Name'), f('slug', 'Web address name'), f('title', 'Title'), f('techniques', 'Techniques'), f('bio', 'Biography')],
    publish: 'publishPractitioner(id: $id, expectedVersion: $v)', unpublish: 'unpublishPractitioner(id: $id)',
  },
  faq: {
    query: 'query($id: ID!, $stage: Stage) { doc: faq(id: $id, stage: $stage) { id question version publishedAt answer { markdown } } }',
    flat: (d) => ({ question: d.question, answer: md(d.answer) }),
    fields: [f('question', 'Question'), f('answer', 'Answer')],
    publish: 'publishFaq(id: $id, expectedVersion: $v)', unpublish: 'unpublishFaq(id: $id)',
  },
  section: {
    query: 'query($id: ID!, $stage: Stage) { doc: therapySection(id: $id, stage: $stage) { id heading version publishedAt body { markdown } } }',
    flat: (d) => ({ heading: d.heading, body: md(d.body) }),
    fields: [f('heading', 'Heading'), f('body', 'Text')],
    publish: 'publishTherapySection(id: $id, expectedVersion: $v)', unpublish: 'unpublishTherapySection(id: $id)',
  },
  benefit: {
    query: 'query($id: ID!, $stage: Stage) { doc: benefit(id: $id, stage: $stage) { id title version publishedAt body { markdown } } }',
    flat: (d) => ({ title: d.title, body: md(d.body) }),
    fields: [f('title', 'Title'), f('body', 'Text')],
    publish: 'publishBenefit(id: $id, expectedVersion: $v)', unpublish: 'unpublishBenefit(id: $id)',
  },
  citation: {
    query: 'query($id: ID!, $stage: Stage) { doc: citation(id: $id, stage: $stage) { id title authors publisher year doi pubmedId url note version publishedAt } }',
    flat: (d) => ({ title: d.title, authors: d.authors, publisher: d.publisher, year: d.year, doi: d.doi, pubmedId: d.pubmedId, url: d.url, note: d.note }),
    fields: [f('title', 'Title'), f('authors', 'Authors'), f('publisher', 'Journal or publisher'), f('year', 'Year'),
      f('doi', 'DOI'), f('pubmedId', 'PubMed ID'), f('url', 'Web address'), f('note', 'Note for readers')],
    publish: 'publishCitation(id: $id, expectedVersion: $v)', unpublish: 'unpublishCitation(id: $id)',
  },
};

/** A therapy's children: how each is named and compared. */
const CHILDREN = [
  { key: 'sections', title: 'Sections', name: (c) => c.heading, flat: (c) => ({ heading: c.heading, body: md(c.body), position: c.position + 1 }),
    fields: [f('heading', 'Heading'), f('body', 'Text'), f('position', 'Place in order')] },
  { key: 'benefits', title: 'Benefits', name: (c) => c.title, flat: (c) => ({ title: c.title, body: md(c.body), position: c.position + 1 }),
    fields: [f('title', 'Title'), f('body', 'Text'), f('position', 'Place in order')] },
  { key: 'faqs', title: 'Questions and answers', name: (c) => c.question, flat: (c) => ({ question: c.question, answer: md(c.answer), position: c.position + 1 }),
    fields: [f('question', 'Question'), f('answer', 'Answer'), f('position', 'Place in order')] },
  { key: 'conditions', title: 'Conditions', name: (c) => c.condition?.name ?? 'A condition',
    flat: (c) => ({ condition: c.condition?.name, suitability: c.suitability, note: c.note, position: c.position + 1 }),
    fields: [f('condition', 'Condition'), f('suitability', 'How it responds'), f('note', 'Note'), f('position', 'Place in order')] },
];

const CLAIM_WORDS = {
  THERAPY: 'The therapy', THERAPY_SECTION: 'Section', BENEFIT: 'Benefit', THERAPY_CONDITION: 'Condition', FAQ: 'Question',
};

/** REVIEW_REQUIRED's blockers as a list people can act on. */
export function blockerList(blockers = []) {
  return h('ul', { class: 'blockers' }, blockers.map((b) => {
    const kind = CLAIM_WORDS[String(b.claimType).toUpperCase().replace(/([a-z])([A-Z])/g, '$1_$2')] ?? formatValue(String(b.claimType).toUpperCase());
    return h('li', {}, h('strong', {}, `${kind}: “${b.claim}”`), ` — ${b.reason}.`);
  }));
}

async function load(kind, id) {
  const [draft, published] = await Promise.all(['DRAFT', 'PUBLISHED'].map((stage) => gql(kind.query, { id, stage }).then((d) => d.doc)));
  return { draft, published };
}

/** For a therapy: which children are new, changed or removed against the published page. */
function childChanges(draft, published) {
  const parts = [];
  for (const kind of CHILDREN) {
    const before = new Map((published?.[kind.key] ?? []).map((c) => [c.id, c]));
    const items = [];
    for (const c of draft[kind.key]) {
      const old = before.get(c.id);
      before.delete(c.id);
      const a = old && kind.flat(old);
      const b = kind.flat(c);
      if (!old) items.push(['New', c, null, b]);
      else if (changedFields(a, b, kind.fields).length) items.push(['Changed', c, a, b]);
    }
    for (const old of before.values()) items.push(['Removed', old, kind.flat(old), null]);
    const unchanged = draft[kind.key].length - items.filter(([s]) => s !== 'Removed').length;
    parts.push(h('section', { class: 'children' },
      h('h3', {}, kind.title),
      items.length ? h('ul', {}, items.map(([status, c, a, b]) => h('li', {},
        // Open, so the change shows without a click; still a <details>, so it can be closed.
        h('details', { open: status !== 'Removed' },
          h('summary', {}, h('span', { class: `badge ${status === 'Removed' ? 'draft' : 'changed'}` }, status), ' ', kind.name(c)),
          diffTable(a, b, kind.fields, { beforeLabel: 'Published now', afterLabel: 'After publishing', onlyChanged: true })))))
        : null,
      h('p', { class: 'hint' }, items.length ? `${unchanged} unchanged.` : `No changes (${draft[kind.key].length} in all).`)));
  }
  return parts;
}

/** Runs the mutation; returns true, or shows why not in `box` and returns false. */
async function run(mutation, vars, box, name, doneWord) {
  try {
    await gql(`mutation($id: ID!${mutation.includes('$v') ? ', $v: Int' : ''}) { done: ${mutation} { id } }`, vars);
    announce(`${doneWord} “${name}”.`);
    return true;
  } catch (e) {
    if (e.code === 'REVIEW_REQUIRED') {
      replace(box, h('div', { class: 'notice error' },
        h('p', {}, h('strong', {}, 'This cannot be published yet. '), 'The clinic requires a current clinical review and a source for every claim. Fix these first:'),
        blockerList(e.extensions.blockers)));
      alertError('Not published: a review or sources are missing.');
    } else if (e.code === 'CONFLICT') {
      replace(box, h('p', { class: 'notice error' }, 'Someone changed the draft while you were looking. Close this and open it again to see the latest changes.'));
      alertError('Not published: the draft changed meanwhile.');
    } else {
      replace(box, h('p', { class: 'notice error' }, e.message));
      alertError(e.message);
    }
    return false;
  }
}

/** The dialog both actions share: load, show, confirm, run. */
function stageDialog({ title, name, intro, build, action, actionClass, doneWord }) {
  // Escape resolves undefined: that is "not done" too.
  return dialog(title, (close) => {
    const body = h('div', { class: 'publish-body', tabindex: '0', role: 'region', 'aria-label': 'Changes', 'aria-live': 'polite' }, h('p', {}, 'Loading the draft and the published copy…'));
    const problem = h('div', {});
    const go = h('button', { type: 'button', class: actionClass, disabled: true }, action);
    const cancel = h('button', { type: 'button', autofocus: true, onclick: () => close(false) }, 'Cancel');
    let vars = null;
    go.addEventListener('click', async () => {
      go.disabled = true;
      go.textContent = `${action}…`;
      if (await run(vars.mutation, vars.args, problem, name, doneWord)) close(true);
      else { go.textContent = action; go.disabled = Boolean(problem.querySelector('.blockers')); cancel.textContent = 'Close'; cancel.focus(); }
    });
    build().then((result) => {
      replace(body, intro, result.content);
      vars = result;
      go.disabled = !result.ready;
    }).catch((e) => {
      replace(body, h('p', { class: 'notice error' }, `The copies could not be loaded: ${e.message}`));
      alertError(e.message);
    });
    return h('div', {}, body, problem, h('div', { class: 'actions' }, go, cancel));
  }).then((done) => done === true);
}

/** Shows the draft beside the published copy and publishes on confirmation;
 *  resolves true when published. */
export async function publishDialog({ type, id, name }) {
  if (type === 'therapyCondition') return linkNotice(id, name, true);
  const kind = KINDS[type];
  if (!kind) throw new Error(`Cannot publish a ${type}.`);
  return stageDialog({
    title: `Publish “${name}”`, name, action: 'Publish', actionClass: 'primary', doneWord: 'Published',
    intro: h('p', {}, type === 'therapy'
      ? 'Publishing shows the draft to the public, with its sections, benefits, questions and condition links. Check the changes:'
      : 'Publishing shows the draft to the public. Check the changes:'),
    build: async () => {
      const { draft, published } = await load(kind, id);
      if (!draft) return { content: h('p', { class: 'notice error' }, 'The draft no longer exists.'), ready: false };
      const content = [
        published ? null : h('p', {}, h('span', { class: 'badge draft' }, 'New'), ' This has never been published (or was taken down): all of it becomes public.'),
        h('h3', {}, type === 'therapy' ? 'The therapy' : 'Fields'),
        published && !changedFields(kind.flat(published), kind.flat(draft), kind.fields).length
          ? h('p', {}, 'The same as what the public sees now.')
          : diffTable(published && kind.flat(published), kind.flat(draft), kind.fields,
            { beforeLabel: 'Published now', afterLabel: 'After publishing', onlyChanged: true }),
        type === 'therapy' ? childChanges(draft, published) : null,
      ];
      return { content, ready: true, mutation: kind.publish, args: { id, v: draft.version } };
    },
  });
}

/** Takes a document off the public site after showing what the public sees now. */
export async function unpublishDialog({ type, id, name }) {
  if (type === 'therapyCondition') return linkNotice(id, name, false);
  const kind = KINDS[type];
  if (!kind) throw new Error(`Cannot unpublish a ${type}.`);
  return stageDialog({
    title: `Unpublish “${name}”`, name, action: 'Unpublish', actionClass: 'danger', doneWord: 'Unpublished',
    intro: h('p', {}, type === 'therapy'
      ? 'The public will no longer see this therapy page, nor its sections, benefits and questions. The draft stays; you can publish it again.'
      : 'The public will no longer see this. The draft stays; you can publish it again.'),
    build: async () => {
      const { published } = await load(kind, id);
      if (!published) return { content: h('p', {}, 'It is not published: the public does not see it now.'), ready: false };
      return {
        content: [h('h3', {}, 'What the public sees now'), diffTable(kind.flat(published), null, kind.fields, { beforeLabel: 'Published now', afterLabel: 'After unpublishing' })],
        ready: true, mutation: kind.unpublish, args: { id },
      };
    },
  });
}

/** Condition links have no publishing of their own: they go public with their therapy. */
async function linkNotice(id, name, publishing) {
  let therapy = null;
  try {
    const d = await gql('query($id: ID!) { therapyCondition(id: $id, stage: DRAFT) { therapy { id name } } }', { id });
    therapy = d.therapyCondition?.therapy;
  } catch (e) { /* shown below as "its therapy" */ }
  if (publishing && therapy) return publishDialog({ type: 'therapy', id: therapy.id, name: therapy.name });
  return dialog(`Condition link “${name}”`, (close) => h('div', {},
    h('p', {}, publishing
      ? 'A condition link goes public when its therapy is published.'
      : `A condition link leaves the public page when it is removed from ${therapy ? `“${therapy.name}”` : 'its therapy'} and the therapy is published again.`),
    h('div', { class: 'actions' }, h('button', { type: 'button', autofocus: true, onclick: () => close(false) }, 'Close')))).then(Boolean);
}
