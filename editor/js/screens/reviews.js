// Clinical reviews: what is due (the #/reviews screen), and the review panel
// of a therapy or condition page with "Record a review" for reviewers.
import { gql } from '../api.js';
import { alertError, announce, dialog, h, replace, uid } from '../dom.js';
import { fieldSet } from '../forms.js';
import { canReview } from '../roles.js';

const REVIEW = 'reviewer { id name } reviewedOn nextReviewDue status note';
const STATUS_WORDS = { CURRENT: ['Up to date', 'published'], DUE: ['Due soon', 'changed'], OVERDUE: ['Overdue', 'draft'] };

const today = () => new Date().toLocaleDateString('en-CA');
const inDays = (n) => new Date(Date.now() + n * 86400000).toLocaleDateString('en-CA');
const day = (iso) => (iso ? new Date(`${iso}T12:00:00`).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '');

function reviewBadge(status) {
  const [text, cls] = STATUS_WORDS[status] || [status, 'draft'];
  return h('span', { class: `badge ${cls}` }, text);
}

/** The latest review of a therapy (`THERAPY`) or condition, with "Record a review". */
export function reviewPanel({ subjectType, subjectId, name }) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading the review…'));
  const load = async () => {
    const field = subjectType === 'THERAPY' ? 'therapy' : 'condition';
    try {
      const data = await gql(`query($id: ID!) { s: ${field}(id: $id, stage: DRAFT) { review { ${REVIEW} } } }`, { id: subjectId });
      const r = data.s?.review;
      replace(body, r
        ? h('dl', { class: 'review' },
          h('dt', {}, 'Status'), h('dd', {}, reviewBadge(r.status)),
          h('dt', {}, 'Reviewed by'), h('dd', {}, r.reviewer?.name || 'Unknown'),
          h('dt', {}, 'Reviewed on'), h('dd', {}, day(r.reviewedOn)),
          h('dt', {}, 'Next review due'), h('dd', {}, day(r.nextReviewDue)),
          r.note ? [h('dt', {}, 'Note'), h('dd', {}, r.note)] : null)
        : h('p', {}, reviewBadge('OVERDUE'), ' Never reviewed.'));
    } catch (e) {
      replace(body, h('p', { class: 'error' }, e.message));
    }
  };
  const record = async () => {
    if (await recordDialog({ subjectType, subjectId, name })) load();
    button.focus();
  };
  const button = canReview() ? h('button', { type: 'button', onclick: record }, 'Record a review') : null;
  load();
  return h('section', { class: 'card review-panel', 'aria-labelledby': `${subjectId}-rv` },
    h('h2', { id: `${subjectId}-rv` }, 'Clinical review'), body, button);
}

async function recordDialog({ subjectType, subjectId, name }) {
  let practitioners = [];
  try {
    const data = await gql('{ practitioners(first: 100, stage: DRAFT) { nodes { id name } } }');
    practitioners = data.practitioners.nodes;
  } catch (e) {
    alertError(e.message);
    return false;
  }
  return dialog(`Record a review of “${name}”`, (close) => {
    const fs = fieldSet([
      { name: 'reviewerId', label: 'Reviewed by', kind: 'enum', required: true, options: practitioners.map((p) => [p.id, p.name]) },
      { name: 'reviewedOn', label: 'Reviewed on', kind: 'date', required: true, max: today(), hint: 'Not in the future.' },
      { name: 'nextReviewDue', label: 'Next review due', kind: 'date', hint: 'A year after the review when left empty.' },
      { name: 'note', label: 'Note', kind: 'textarea' },
      { name: 'publish', label: 'Show the review on the published page at once (only for a page that is published)', kind: 'boolean' },
    ], { reviewedOn: today() });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Record review');
    return h('form', {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        fs.clearErrors();
        const v = fs.get();
        submit.disabled = true;
        try {
          await gql('mutation($input: RecordReviewInput!, $publish: Boolean!) { recordReview(input: $input, publish: $publish) { id } }', {
            publish: v.publish,
            input: { subjectType, subjectId, reviewerId: v.reviewerId, reviewedOn: v.reviewedOn, nextReviewDue: v.nextReviewDue || null, note: v.note || null },
          });
          announce(`Recorded a review of “${name}”.`);
          close(true);
        } catch (err) {
          fs.showError(err);
        } finally {
          submit.disabled = false;
        }
      },
    }, fs.node, h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => close(false) }, 'Cancel')));
  });
}

/** #/reviews: what is due for review before a date. */
export default async function render(main) {
  const id = uid('due');
  const date = h('input', { id, type: 'date', value: inDays(30) });
  const table = h('div', {});
  const load = async (say = true) => {
    try {
      const data = await gql(`query($d: NaiveDate!) { reviewsDue(before: $d) { subjectType subjectId name nextReviewDue status review { reviewer { name } reviewedOn } } }`, { d: date.value || inDays(30) });
      const rows = data.reviewsDue;
      replace(table, rows.length
        ? h('table', { class: 'data' },
          h('caption', { class: 'visually-hidden' }, `Due for review before ${day(date.value)}`),
          h('thead', {}, h('tr', {}, ['Page', 'Kind', 'Next review due', 'Status', 'Last reviewed'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows.map((r) => h('tr', {},
            h('th', { scope: 'row' }, h('a', { href: `#/${r.subjectType === 'THERAPY' ? 'therapies' : 'conditions'}/${r.subjectId}` }, r.name)),
            h('td', {}, r.subjectType === 'THERAPY' ? 'Therapy' : 'Condition'),
            h('td', {}, r.nextReviewDue ? day(r.nextReviewDue) : 'Never reviewed'),
            h('td', {}, reviewBadge(r.status)),
            h('td', {}, r.review ? `${day(r.review.reviewedOn)} by ${r.review.reviewer?.name || 'unknown'}` : '—')))))
        : h('p', {}, 'Nothing is due for review before that date.'));
      if (say) announce(`${rows.length} ${rows.length === 1 ? 'page is' : 'pages are'} due for review.`);
    } catch (e) {
      replace(table, h('p', { class: 'error' }, e.message));
      alertError(e.message);
    }
  };
  date.addEventListener('change', load);
  replace(main, h('h1', {}, 'Reviews due'),
    h('div', { class: 'field narrow' }, h('label', { for: id }, 'Due before'), date),
    table);
  await load(false);
}
