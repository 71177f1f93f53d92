// #/preview/ID: the therapy page as the public API serves it, from the draft
// (or, on request, the published copy the public sees now). Only the server's
// rendered markdown (the `html` fields) is put in as HTML.
import { gql } from '../api.js';
import { alertError, announce, h, replace, uid, when } from '../dom.js';
import { formatValue } from '../diff.js';

const CITES = 'citations { locator citation { id title authors publisher year link } }';
const QUERY = `query($id: ID!, $stage: Stage) { therapy(id: $id, stage: $stage) {
  id name publishedAt updatedAt summary { html } ${CITES}
  facts { typicalSessions minSessions maxSessions sessionIntervalWeeks procedureMinutesMin procedureMinutesMax
    repeatAfterMonthsMin repeatAfterMonthsMax insuranceCoverage insuranceNote firstUsedDecade }
  sections { id heading body { html } ${CITES} }
  benefits { id title body { html } ${CITES} }
  conditions { id suitability note condition { name bodyRegion } ${CITES} }
  practitioners { id name title }
  faqs { id question answer { html } ${CITES} }
  lastReviewed reviewedBy { name title } review { nextReviewDue status note } } }`;

/** Server-rendered markdown (sanitised by the server's renderer); nothing else goes in as HTML. */
function rendered(html, cls = 'rendered') {
  const box = h('div', { class: cls });
  box.innerHTML = html;
  return box;
}

const range = (a, b, unit) => {
  if (a == null && b == null) return null;
  if (a == null || b == null || a === b) return `${a ?? b} ${unit}`;
  return `${a}–${b} ${unit}`;
};

function factList(f) {
  const rows = [
    ['Typical number of treatments', f.typicalSessions != null ? String(f.typicalSessions) : null],
    ['Number of treatments', range(f.minSessions, f.maxSessions, 'treatments')],
    ['Time between treatments', f.sessionIntervalWeeks != null ? `${f.sessionIntervalWeeks} weeks` : null],
    ['Length of one procedure', range(f.procedureMinutesMin, f.procedureMinutesMax, 'minutes')],
    ['A repeat may be needed after', range(f.repeatAfterMonthsMin, f.repeatAfterMonthsMax, 'months')],
    ['Insurance', [formatValue(f.insuranceCoverage), f.insuranceNote].filter(Boolean).join(' — ')],
    ['First used', f.firstUsedDecade != null ? `the ${f.firstUsedDecade}s` : null],
  ].filter(([, v]) => v);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Numbers the page's sources in the order they are first cited. */
function sourceIndex() {
  const order = new Map();
  const refs = (claim) => {
    const nums = claim.citations.map((c) => {
      if (!order.has(c.citation.id)) order.set(c.citation.id, { n: order.size + 1, citation: c.citation });
      return `${order.get(c.citation.id).n}${c.locator ? ` (${c.locator})` : ''}`;
    });
    return nums.length ? h('p', { class: 'sources-ref' }, `Sources: ${nums.join(', ')}`) : null;
  };
  return { refs, all: () => [...order.values()] };
}

function page(t, stage) {
  const src = sourceIndex();
  const well = t.conditions.filter((c) => c.suitability === 'RESPONDS_WELL');
  const poorly = t.conditions.filter((c) => c.suitability === 'RESPONDS_POORLY');
  const conditionList = (list) => h('ul', {}, list.map((c) => h('li', {},
    h('strong', {}, c.condition?.name ?? 'A condition'), c.note ? ` — ${c.note}` : null, src.refs(c))));
  const parts = [
    h('div', { class: 'public-summary' }, rendered(t.summary.html), src.refs(t)),
    t.sections.map((s) => h('section', {}, h('h2', {}, s.heading), rendered(s.body.html), src.refs(s))),
    t.benefits.length ? h('section', {}, h('h2', {}, 'Benefits'), h('ul', { class: 'benefits' }, t.benefits.map((b) =>
      h('li', {}, h('h3', {}, b.title), rendered(b.body.html), src.refs(b))))) : null,
    well.length ? h('section', {}, h('h2', {}, 'Conditions that respond well'), conditionList(well)) : null,
    poorly.length ? h('section', {}, h('h2', {}, 'Conditions that respond poorly'), conditionList(poorly)) : null,
    h('section', {}, h('h2', {}, 'Treatment facts'), factList(t.facts)),
    t.practitioners.length ? h('section', {}, h('h2', {}, 'Practitioners'), h('ul', {}, t.practitioners.map((p) =>
      h('li', {}, h('strong', {}, p.name), p.title ? `, ${p.title}` : null)))) : null,
    t.faqs.length ? h('section', {}, h('h2', {}, 'Questions and answers'), t.faqs.map((q) =>
      h('div', { class: 'faq' }, h('h3', {}, q.question), rendered(q.answer.html), src.refs(q)))) : null,
  ];
  const sources = src.all();
  parts.push(h('section', {}, h('h2', {}, 'Sources'), sources.length
    ? h('ol', { class: 'sources' }, sources.map(({ citation: c }) => h('li', {},
      `${c.authors.join(', ')}. ${c.title}. ${c.publisher}${c.year ? ` ${c.year}` : ''}. `,
      /^https?:\/\//.test(c.link ?? '') ? h('a', { href: c.link, rel: 'noopener noreferrer' }, c.link) : null)))
    : h('p', {}, 'No sources are cited.')));
  parts.push(h('section', {}, h('h2', {}, 'Clinical review'), t.lastReviewed
    ? h('p', {}, `Reviewed on ${t.lastReviewed}${t.reviewedBy ? ` by ${t.reviewedBy.name}${t.reviewedBy.title ? `, ${t.reviewedBy.title}` : ''}` : ''}.`,
      t.review ? ` Next review due ${t.review.nextReviewDue} (${formatValue(t.review.status).toLowerCase()}).` : null)
    : h('p', {}, 'Not reviewed yet.')));
  const meta = stage === 'DRAFT'
    ? `Draft last saved ${when(t.updatedAt)}.`
    : `Published ${when(t.publishedAt)}.`;
  return h('article', { class: 'public-page', 'aria-label': `${t.name}, as the public sees it` }, h('p', { class: 'hint' }, meta), parts);
}

/** A malformed id in the address is the person's link, not their input. */
const why = (e) => (e.code === 'BAD_USER_INPUT' && e.field === 'id' ? 'this address does not point to any document.' : e.message);

export default async function render(main, { id }) {
  const heading = h('h1', {}, 'Preview');
  const notice = h('p', { class: 'notice preview-notice' });
  const body = h('div', { 'aria-live': 'polite' });
  const name = 'stage';
  const draftId = uid('stage');
  const pubId = uid('stage');
  const toggle = h('fieldset', { class: 'stage-toggle' },
    h('legend', {}, 'Show'),
    h('input', { type: 'radio', name, id: draftId, value: 'DRAFT', checked: true, onchange: () => show('DRAFT', true) }),
    h('label', { for: draftId }, 'The draft (not published yet)'),
    h('input', { type: 'radio', name, id: pubId, value: 'PUBLISHED', onchange: () => show('PUBLISHED', true) }),
    h('label', { for: pubId }, 'What the public sees now'));
  replace(main, heading, h('p', {}, h('a', { href: `#/therapies/${id}` }, '← Back to the therapy')), notice, toggle, body);

  async function show(stage, told) {
    let t;
    try {
      t = (await gql(QUERY, { id, stage })).therapy;
    } catch (e) {
      replace(body, h('p', { class: 'notice error' }, `The page could not be loaded: ${why(e)}`));
      alertError(why(e));
      return;
    }
    if (stage === 'DRAFT') {
      notice.textContent = 'Preview of the draft — not published yet. The public sees this only after it is published.';
      notice.className = 'notice preview-notice draft';
    } else {
      notice.textContent = 'The published page — what the public sees now.';
      notice.className = 'notice preview-notice published';
    }
    if (!t) {
      replace(body, h('p', {}, stage === 'DRAFT' ? 'This therapy does not exist (it may have been deleted).' : 'This therapy is not published: the public sees no page for it.'));
    } else {
      heading.textContent = `Preview: ${t.name}`;
      document.title = `${heading.textContent} · Clinic editor`;
      replace(body, page(t, stage));
    }
    if (told) announce(stage === 'DRAFT' ? 'Showing the draft.' : 'Showing the published page.');
  }

  await show('DRAFT', false);
  return {};
}
