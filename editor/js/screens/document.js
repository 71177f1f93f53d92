// One condition, practitioner, FAQ entry or citation: its fields, status,
// publishing, and what hangs on it (sources, reviews, linked therapies).
import { h, replace } from '../dom.js';
import { changedNotice, docActions, docForm, watch } from '../forms.js';
import { KINDS, loadDraft, publishedVersion } from '../kinds.js';
import { canEdit } from '../roles.js';
import { citationsBlock } from '../citations.js';
import { reviewPanel } from './reviews.js';
import { navigate } from '../app.js';

export default async function render(main, { type, id }) {
  const k = KINDS[type];
  const [doc, pubV] = await Promise.all([loadDraft(type, id), publishedVersion(type, id)]);
  const back = h('p', { class: 'crumb' }, h('a', { href: `#/${k.route}` }, `All ${k.plural.toLowerCase()}`));
  if (!doc) {
    replace(main, back, h('h1', {}, 'Not found'), h('p', {}, `There is no ${k.label} with this address. It may have been deleted.`));
    return null;
  }
  const readOnly = !canEdit();
  let gone = false;
  const title = h('h1', {}, k.title(doc));
  const notices = h('div', {});
  const form = docForm(type, doc, {
    readOnly,
    onSaved: (d) => { title.textContent = k.title(d); actions.draw(); notices.replaceChildren(); },
  });
  const actions = docActions({
    kind: type, id, form, published: pubV, readOnly,
    onDeleted: () => { gone = true; navigate(k.route); },
  });

  const extras = [];
  const about = doc.therapy ? h('p', {}, 'This question is about ', h('a', { href: `#/therapies/${doc.therapy.id}` }, doc.therapy.name), '.') : null;
  if (type === 'faq') {
    extras.push(h('section', { class: 'card' }, citationsBlock({ claimType: 'FAQ', claimId: id, citations: doc.citations, readOnly, level: 2, claimName: doc.question })));
  }
  if (type === 'citation' && doc.link) {
    extras.push(h('p', {}, 'Readers reach this source at: ', h('span', { class: 'mono' }, doc.link)));
  }
  if (type === 'condition') {
    extras.push(reviewPanel({ subjectType: 'CONDITION', subjectId: id, name: doc.name }));
    extras.push(h('section', { class: 'card' }, h('h2', {}, 'Therapies for this condition'),
      doc.therapies.length
        ? h('ul', {}, doc.therapies.map((l) => h('li', {}, h('a', { href: `#/therapies/${l.therapy?.id}` }, l.therapy?.name || 'A therapy'),
          ` — ${l.suitability === 'RESPONDS_WELL' ? 'responds well' : 'responds poorly'}`)))
        : h('p', {}, 'No therapy links to this condition yet. Link it from a therapy’s page.')));
  }

  replace(main, back, h('div', { class: 'page-head' }, title), actions.node, notices,
    about,
    h('section', { class: 'card', 'aria-label': 'Details' }, form.node), extras);

  const stop = watch([id], async (event) => {
    if (event.version <= form.version()) return;
    if (event.action === 'DELETED') { notices.replaceChildren(h('p', { class: 'banner' }, `${event.actorName || 'Someone'} deleted this ${k.label}.`)); return; }
    if (form.isDirty()) { notices.replaceChildren(changedNotice(event, k.title(form.doc()))); return; }
    const fresh = await loadDraft(type, id);
    if (fresh && !form.isDirty()) {
      form.setDoc(fresh);
      title.textContent = k.title(fresh);
      actions.refresh();
    }
  });
  return { isDirty: () => !gone && form.isDirty(), dispose: stop };
}
