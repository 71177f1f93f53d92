// A therapy's page: its own fields, then its sections, benefits, FAQ entries,
// condition links and practitioners, each editable in place and reorderable.
import { gql } from '../api.js';
import { alertError, announce, dialog, h, replace, uid } from '../dom.js';
import { badge, changedNotice, confirm, createForm, docActions, docForm, fieldSet, watch } from '../forms.js';
import { KINDS, PUBLIC_PEOPLE, SUITABILITY, THERAPY_VERSIONS, loadDraft, publicPeople, statusOf, therapyStatus } from '../kinds.js';
import { canEdit } from '../roles.js';
import { citationsBlock } from '../citations.js';
import { makeReorderable, moveHandle, reorderHint } from '../reorder.js';
import { reviewPanel } from './reviews.js';
import { navigate } from '../app.js';

const LISTS = [
  { kind: 'section', key: 'sections', heading: 'Sections', add: 'Add a section', claim: 'THERAPY_SECTION', reorder: 'reorderTherapySections' },
  { kind: 'benefit', key: 'benefits', heading: 'Benefits', add: 'Add a benefit', claim: 'BENEFIT', reorder: 'reorderBenefits' },
  { kind: 'faq', key: 'faqs', heading: 'Questions and answers', add: 'Add a question', claim: 'FAQ', reorder: 'reorderFaqs' },
];
const SUIT = Object.fromEntries(SUITABILITY);

const SELECTION = `${KINDS.therapy.selection}
  sections { ${KINDS.section.selection} } benefits { ${KINDS.benefit.selection} } faqs { ${KINDS.faq.selection} }
  conditions { ${KINDS.therapyCondition.selection} } practitioners { id name title }`;
const CHILD_KEYS = ['sections', 'benefits', 'faqs', 'conditions'];

/** The draft, the published copy's versions and the ids of the published practitioners. */
async function load(id) {
  const data = await gql(`query($id: ID!) { d: therapy(id: $id, stage: DRAFT) { ${SELECTION} }
    p: therapy(id: $id, stage: PUBLISHED) { ${THERAPY_VERSIONS} } ${PUBLIC_PEOPLE} }`, { id });
  return [data.d, data.p, publicPeople(data)];
}

/** Takes a version the person's own change produced, but not one that would hide another's save. */
function bump(form, version) {
  if (version === form.version() + 1) form.setVersion(version);
}

/** bump() for a child item, whose form is built only when it is first opened. */
function bumpItem(ctrl, version) {
  if (ctrl.form) bump(ctrl.form, version);
  else if (version === ctrl.doc.version + 1) ctrl.doc = { ...ctrl.doc, version };
}

/** One expandable item of a child list: `{ li, id, form(), isDirty(), setDoc(d), version() }`.
 *  `body(ctrl)` builds the editor the first time the item is opened. */
function expandable({ id, name, summary, editable, body }) {
  const bodyId = uid('item');
  const panel = h('div', { id: bodyId, class: 'item-body', hidden: true });
  const label = h('span', { class: 'item-name' }, name);
  const toggle = h('button', { type: 'button', class: 'item-toggle', 'aria-expanded': 'false', 'aria-controls': bodyId }, label);
  const extra = h('span', { class: 'item-summary' }, summary);
  const ctrl = {
    id, built: false, form: null, notice: h('div', {}),
    li: h('li', { class: 'item', 'data-id': id },
      h('div', { class: 'item-head' }, editable ? moveHandle(name) : null, h('h3', {}, toggle), extra), panel),
    setName(n, s) {
      label.textContent = n;
      ctrl.li.querySelector('.handle')?.setAttribute('data-name', n);
      const hidden = ctrl.li.querySelector('.handle .visually-hidden');
      if (hidden) hidden.textContent = `Move ${n}`;
      if (s !== undefined) extra.replaceChildren(s);
    },
    open(yes = true) {
      if (yes && !ctrl.built) { ctrl.built = true; panel.append(ctrl.notice, ...[body(ctrl)].flat()); }
      panel.hidden = !yes;
      toggle.setAttribute('aria-expanded', String(yes));
    },
    isDirty: () => Boolean(ctrl.form?.isDirty()),
  };
  toggle.addEventListener('click', () => ctrl.open(panel.hidden));
  return ctrl;
}

export default async function render(main, { id }) {
  let [doc, pub, people] = await load(id);
  if (!doc) {
    replace(main, h('p', { class: 'crumb' }, h('a', { href: '#/therapies' }, 'All therapies')),
      h('h1', {}, 'Not found'), h('p', {}, 'There is no therapy with this address. It may have been deleted.'));
    return null;
  }
  const readOnly = !canEdit();
  let gone = false;
  const title = h('h1', {}, doc.name);
  const notices = h('div', {});

  /** Every item of every list, by id, for dirty checks and live updates. */
  const items = new Map();
  const listOf = {};
  const forget = (ul) => [...ul.children].forEach((li) => items.delete(li.dataset.id));
  const idsIn = (key) => [...listOf[key].ul.children].map((li) => li.dataset.id);
  /** The draft as the page holds it now (until the lists are built, as loaded). */
  const draftNow = () => (!listOf.practitioners ? doc : {
    version: form.version(),
    ...Object.fromEntries(CHILD_KEYS.map((key) => [key, idsIn(key).map((i) => ({ id: i, version: items.get(i)?.version() }))])),
    practitioners: idsIn('practitioners').map((i) => ({ id: i })),
  });

  const form = docForm('therapy', doc, {
    readOnly,
    onSaved: (d) => { title.textContent = d.name; actions.draw(); notices.replaceChildren(); },
  });
  const actions = docActions({
    kind: 'therapy', id, form, published: pub?.version ?? null, readOnly, withChildren: true, preview: true,
    status: () => therapyStatus(draftNow(), pub, people),
    onDeleted: () => { gone = true; navigate('therapies'); },
    onPublished: () => refreshBadges(),
  });

  // --- sections, benefits, FAQ entries -------------------------------------
  function ownedList(cfg) {
    const ul = h('ul', { class: 'items', 'data-kind': cfg.key, 'aria-label': cfg.heading });
    const k = KINDS[cfg.kind];
    const pubVersions = () => new Map((pub?.[cfg.key] || []).map((x) => [x.id, x.version]));
    const item = (d) => {
      const ctrl = expandable({
        id: d.id, name: k.title(d), editable: !readOnly,
        summary: badge(statusOf(d.version, pubVersions().get(d.id))),
        body: (c) => {
          c.form = docForm(cfg.kind, d, {
            readOnly,
            onSaved: (saved) => { c.setName(k.title(saved)); c.actions.draw(); c.badge(); c.notice.replaceChildren(); },
          });
          c.actions = docActions({
            kind: cfg.kind, id: d.id, form: c.form, published: pubVersions().get(d.id) ?? null, readOnly,
            // Deleting takes the published copy too, so the published versions are read again.
            onDeleted: () => { c.li.remove(); items.delete(d.id); order.reset(); rewatch(); refreshBadges(); addButton?.focus(); },
            onPublished: () => refreshBadges(),
          });
          return [c.actions.node, c.form.node,
            citationsBlock({ claimType: cfg.claim, claimId: d.id, citations: d.citations, readOnly, level: 4, claimName: k.title(d) })];
        },
      });
      ctrl.kind = cfg.kind;
      ctrl.doc = d;
      ctrl.version = () => ctrl.form?.version() ?? ctrl.doc.version;
      ctrl.setVersion = (v) => { bumpItem(ctrl, v); ctrl.badge(); };
      ctrl.badge = () => {
        ctrl.setName(k.title(ctrl.form?.doc() || ctrl.doc), badge(statusOf(ctrl.version(), pubVersions().get(d.id) ?? null)));
        actions.draw();
      };
      ctrl.setDoc = (fresh) => {
        ctrl.doc = fresh;
        if (ctrl.form) ctrl.form.setDoc(fresh);
        ctrl.badge();
      };
      items.set(d.id, ctrl);
      return ctrl.li;
    };
    const order = makeReorderable(ul, async (ids) => {
      const data = await gql(`mutation($t: ID${cfg.kind === 'faq' ? '' : '!'}, $ids: [ID!]!) { r: ${cfg.reorder}(therapyId: $t, ids: $ids) { id version } }`, { t: id, ids });
      data.r.forEach((x) => items.get(x.id)?.setVersion(x.version));
    });
    const add = async () => {
      const d = await dialog(`${cfg.add}`, (close) => createForm(cfg.kind, { extra: { therapyId: id }, done: close, submitLabel: 'Add' }));
      if (!d) { addButton.focus(); return; }
      ul.append(item(d));
      order.reset();
      rewatch();
      actions.draw();
      const ctrl = items.get(d.id);
      ctrl.open();
      ctrl.li.querySelector('.item-toggle').focus();
    };
    const addButton = readOnly ? null : h('button', { type: 'button', onclick: add }, cfg.add);
    const fill = (docs) => { forget(ul); ul.replaceChildren(...docs.map(item)); order.reset(); };
    fill(doc[cfg.key]);
    listOf[cfg.key] = { fill, ul };
    return h('section', { class: 'card child-list', 'aria-labelledby': `${cfg.key}-h` },
      h('h2', { id: `${cfg.key}-h` }, cfg.heading), readOnly ? null : reorderHint(), ul, addButton);
  }

  // --- condition links ---------------------------------------------------------
  function conditionList() {
    const ul = h('ul', { class: 'items', 'data-kind': 'conditions', 'aria-label': 'Conditions' });
    const item = (link) => {
      const ctrl = expandable({
        id: link.id, name: link.condition?.name || 'Condition', editable: !readOnly,
        summary: SUIT[link.suitability],
        body: (c) => {
          c.form = docForm('therapyCondition', link, {
            readOnly,
            onSaved: (saved) => { c.setName(saved.condition?.name || 'Condition', SUIT[saved.suitability]); c.notice.replaceChildren(); actions.draw(); },
          });
          return [
            h('div', { class: 'doc-actions' },
              h('a', { href: `#/conditions/${link.condition?.id}` }, 'Open the condition'),
              readOnly ? null : h('button', { type: 'button', class: 'danger', onclick: () => unlink(c, link) }, 'Unlink',
                h('span', { class: 'visually-hidden' }, ` ${link.condition?.name || 'condition'}`))),
            c.form.node,
            citationsBlock({ claimType: 'THERAPY_CONDITION', claimId: link.id, citations: link.citations, readOnly, level: 4, claimName: link.condition?.name }),
          ];
        },
      });
      ctrl.kind = 'therapyCondition';
      ctrl.doc = link;
      ctrl.version = () => ctrl.form?.version() ?? ctrl.doc.version;
      ctrl.setDoc = (fresh) => {
        ctrl.doc = fresh;
        ctrl.form?.setDoc(fresh);
        ctrl.setName(fresh.condition?.name || 'Condition', SUIT[fresh.suitability]);
        actions.draw();
      };
      items.set(link.id, ctrl);
      return ctrl.li;
    };
    const unlink = async (c, link) => {
      const name = link.condition?.name || 'this condition';
      if (!await confirm(`Unlink “${name}”?`, `“${name}” will no longer be listed on this therapy’s page once it is published again.`, 'Unlink')) return;
      try {
        const data = await gql('mutation($id: ID!) { unlinkCondition(id: $id) { version } }', { id: link.id });
        bump(form, data.unlinkCondition.version);
        c.li.remove();
        items.delete(link.id);
        order.reset();
        rewatch();
        actions.draw();
        announce(`Unlinked “${name}”.`);
        addButton.focus();
      } catch (e) { alertError(e.message); }
    };
    const order = makeReorderable(ul, async (ids) => {
      const data = await gql('mutation($t: ID!, $ids: [ID!]!) { r: reorderTherapyConditions(therapyId: $t, ids: $ids) { version conditions { id version } } }', { t: id, ids });
      bump(form, data.r.version);
      data.r.conditions.forEach((x) => { const c = items.get(x.id); if (c) bumpItem(c, x.version); });
      actions.draw();
    });
    const add = async () => {
      let options;
      try {
        const data = await gql('{ conditions(first: 100, stage: DRAFT) { nodes { id name } } }');
        const linked = new Set([...items.values()].filter((c) => c.kind === 'therapyCondition').map((c) => c.doc.condition?.id));
        options = data.conditions.nodes.filter((c) => !linked.has(c.id)).map((c) => [c.id, c.name]);
      } catch (e) { alertError(e.message); return; }
      if (!options.length) { alertError('Every condition is linked already. Add a new condition under Conditions first.'); return; }
      const link = await dialog('Link a condition', (close) => {
        const fs = fieldSet([
          { name: 'conditionId', label: 'Condition', kind: 'enum', options, required: true },
          { name: 'suitability', label: 'How it responds', kind: 'enum', options: SUITABILITY, required: true },
          { name: 'note', label: 'Note', kind: 'text', hint: 'Optional, such as “partial tears only”.' },
        ], {});
        return h('form', {
          novalidate: true,
          onsubmit: async (e) => {
            e.preventDefault();
            fs.clearErrors();
            const v = fs.get();
            try {
              const data = await gql(`mutation($input: LinkConditionInput!) { l: linkCondition(input: $input) { ${KINDS.therapyCondition.selection} therapy { version } } }`,
                { input: { therapyId: id, conditionId: v.conditionId, suitability: v.suitability, note: v.note.trim() || null } });
              close(data.l);
            } catch (err) { fs.showError(err); }
          },
        }, fs.node, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Link'),
          h('button', { type: 'button', onclick: () => close(undefined) }, 'Cancel')));
      });
      if (!link) { addButton.focus(); return; }
      if (link.therapy) bump(form, link.therapy.version);
      ul.append(item(link));
      order.reset();
      rewatch();
      actions.draw();
      announce(`Linked “${link.condition?.name}”.`);
      items.get(link.id).li.querySelector('.item-toggle').focus();
    };
    const addButton = readOnly ? null : h('button', { type: 'button', onclick: add }, 'Link a condition');
    const fill = (links) => { forget(ul); ul.replaceChildren(...links.map(item)); order.reset(); };
    fill(doc.conditions);
    listOf.conditions = { fill, ul };
    return h('section', { class: 'card child-list', 'aria-labelledby': 'conditions-h' },
      h('h2', { id: 'conditions-h' }, 'Conditions it helps'), readOnly ? null : reorderHint(), ul, addButton);
  }

  // --- practitioners ------------------------------------------------------------
  function practitionerList() {
    const ul = h('ul', { class: 'items', 'data-kind': 'practitioners', 'aria-label': 'Practitioners' });
    let people = doc.practitioners;
    const fill = (list) => {
      people = list;
      ul.replaceChildren(...list.map((p) => h('li', { class: 'item', 'data-id': p.id },
        h('div', { class: 'item-head' }, readOnly ? null : moveHandle(p.name),
          h('a', { class: 'item-name', href: `#/practitioners/${p.id}` }, p.name),
          h('span', { class: 'item-summary' }, p.title),
          readOnly ? null : h('button', { type: 'button', class: 'link', onclick: () => unlink(p) }, 'Unlink',
            h('span', { class: 'visually-hidden' }, ` ${p.name}`))))));
      order.reset();
      actions.draw();
    };
    const order = makeReorderable(ul, async (ids) => {
      const data = await gql('mutation($t: ID!, $ids: [ID!]!) { r: reorderTherapyPractitioners(therapyId: $t, practitionerIds: $ids) { version } }', { t: id, ids });
      bump(form, data.r.version);
      actions.draw();
    });
    const PEOPLE = 'version practitioners { id name title }';
    const unlink = async (p) => {
      try {
        const data = await gql(`mutation($t: ID!, $p: ID!) { r: unlinkPractitioner(therapyId: $t, practitionerId: $p) { ${PEOPLE} } }`, { t: id, p: p.id });
        bump(form, data.r.version);
        fill(data.r.practitioners);
        announce(`${p.name} is no longer listed for this therapy.`);
        addButton.focus();
      } catch (e) { alertError(e.message); }
    };
    const add = async () => {
      let options;
      try {
        const data = await gql('{ practitioners(first: 100, stage: DRAFT) { nodes { id name } } }');
        const linked = new Set(people.map((p) => p.id));
        options = data.practitioners.nodes.filter((p) => !linked.has(p.id)).map((p) => [p.id, p.name]);
      } catch (e) { alertError(e.message); return; }
      if (!options.length) { alertError('Every practitioner is listed already. Add a new one under Practitioners first.'); return; }
      const picked = await dialog('Link a practitioner', (close) => {
        const fs = fieldSet([{ name: 'p', label: 'Practitioner', kind: 'enum', options, required: true }], {});
        return h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); close(fs.get().p); } }, fs.node,
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Link'),
            h('button', { type: 'button', onclick: () => close(undefined) }, 'Cancel')));
      });
      if (!picked) { addButton.focus(); return; }
      try {
        const data = await gql(`mutation($t: ID!, $p: ID!) { r: linkPractitioner(therapyId: $t, practitionerId: $p) { ${PEOPLE} } }`, { t: id, p: picked });
        bump(form, data.r.version);
        fill(data.r.practitioners);
        announce(`Linked ${options.find(([v]) => v === picked)[1]}.`);
      } catch (e) { alertError(e.message); }
      addButton.focus();
    };
    const addButton = readOnly ? null : h('button', { type: 'button', onclick: add }, 'Link a practitioner');
    fill(people);
    listOf.practitioners = { fill, ul };
    return h('section', { class: 'card child-list', 'aria-labelledby': 'practitioners-h' },
      h('h2', { id: 'practitioners-h' }, 'Practitioners who offer it'), readOnly ? null : reorderHint(), ul, addButton);
  }

  async function refreshBadges() {
    try { [, pub, people] = await load(id); } catch (e) { return; }
    items.forEach((c) => { c.badge?.(); c.actions?.refresh(); });
    actions.draw();
  }

  replace(main,
    h('p', { class: 'crumb' }, h('a', { href: '#/therapies' }, 'All therapies')),
    h('div', { class: 'page-head' }, title), actions.node, notices,
    h('section', { class: 'card', 'aria-labelledby': 'details-h' }, h('h2', { id: 'details-h' }, 'Details'), form.node,
      citationsBlock({ claimType: 'THERAPY', claimId: id, citations: doc.citations, readOnly, level: 3, claimName: doc.name })),
    reviewPanel({ subjectType: 'THERAPY', subjectId: id, name: doc.name }),
    LISTS.map(ownedList), conditionList(), practitionerList());

  // --- others' changes ------------------------------------------------------------
  // Refills the lists nobody is editing from a fresh read, keeping open items open.
  const refill = async () => {
    const [fresh, freshPub, freshPeople] = await load(id);
    if (!fresh) return;
    pub = freshPub;
    people = freshPeople;
    for (const key of ['sections', 'benefits', 'faqs', 'conditions']) {
      const lis = [...listOf[key].ul.children];
      if (lis.some((li) => items.get(li.dataset.id)?.isDirty())) continue;
      const open = lis.filter((li) => li.querySelector('.item-toggle[aria-expanded="true"]')).map((li) => li.dataset.id);
      listOf[key].fill(fresh[key]);
      open.forEach((i) => items.get(i)?.open());
    }
    listOf.practitioners.fill(fresh.practitioners);
    rewatch();
    actions.draw();
    return fresh;
  };
  let refillTimer = 0;
  const onChange = async (event) => {
    const ctrl = items.get(event.documentId);
    const who = event.actorName || 'Someone';
    if (event.documentId === id) {
      if (event.version <= form.version()) return;
      if (event.action === 'DELETED') { notices.replaceChildren(h('p', { class: 'banner' }, `${who} deleted this therapy.`)); return; }
      const fresh = await refill();
      if (!fresh) return;
      if (form.isDirty()) notices.replaceChildren(changedNotice(event, doc.name));
      else { form.setDoc(fresh); title.textContent = fresh.name; actions.refresh(); }
    } else if (ctrl && (event.action === 'DELETED' || event.action === 'UNLINKED')) {
      // A link keeps its version when it is removed, so this is not checked against ours.
      if (ctrl.isDirty()) { ctrl.notice.replaceChildren(h('p', { class: 'banner' }, `${who} removed this from the therapy.`)); return; }
      ctrl.li.remove();
      items.delete(ctrl.id);
      refreshBadges();
      announce(`${who} removed “${KINDS[ctrl.kind].title(ctrl.doc)}”.`);
    } else if (!ctrl || event.version <= ctrl.version()) {
      // Ours, or already seen.
    } else if (event.action === 'REORDERED') {
      // One event per moved item: refill once they have all arrived.
      clearTimeout(refillTimer);
      refillTimer = setTimeout(refill, 400);
    } else if (ctrl.isDirty()) {
      ctrl.notice.replaceChildren(changedNotice(event, KINDS[ctrl.kind].title(ctrl.form.doc())));
    } else {
      const fresh = await loadDraft(ctrl.kind, ctrl.id);
      if (fresh && !ctrl.isDirty()) ctrl.setDoc(fresh);
    }
  };
  let stop = () => {};
  function rewatch() {
    stop();
    stop = watch([id, ...items.keys()], onChange);
  }
  rewatch();

  return {
    isDirty: () => !gone && (form.isDirty() || [...items.values()].some((c) => c.isDirty())),
    dispose: () => { stop(); clearTimeout(refillTimer); },
  };
}
