// #/history/ID: every revision of one document, newest first; what each changed;
// putting an old revision back into the draft.
import { gql } from '../api.js';
import { alertError, announce, dialog, h, replace, when } from '../dom.js';
import { canEdit } from '../roles.js';
import { changedFields, contentTable, diffTable, humanize, docName, docRoute, typeWord, actionWord } from '../diff.js';

const PAGE = 30;
const QUERY = `query($id: ID!, $first: Int, $after: String) { history(id: $id, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id documentType documentId action stage version actorName occurredAt changedFields snapshot } } }`;

/** A malformed id in the address is the person's link, not their input. */
const why = (e) => (e.code === 'BAD_USER_INPUT' && e.field === 'id' ? 'this address does not point to any document.' : e.message);

export default async function render(main, { id }) {
  const heading = h('h1', {}, 'History');
  const back = h('p', {});
  const top = h('div', {});
  const listBox = h('div', { class: 'history-list' });
  const detail = h('section', { class: 'history-detail card', 'aria-labelledby': 'rev-title' });
  replace(main, heading, back, top, h('div', { class: 'history' }, listBox, detail));

  let revisions = [];
  let pageInfo = null;
  let selected = null;

  async function load(more = false) {
    const d = await gql(QUERY, { id, first: PAGE, after: more ? pageInfo.endCursor : null });
    revisions = more ? [...revisions, ...d.history.nodes] : d.history.nodes;
    pageInfo = { ...d.history.pageInfo, totalCount: d.history.totalCount };
  }

  /** The revision before this one at the same stage (drafts with drafts, public with public). */
  const previous = (rev) => revisions.slice(revisions.indexOf(rev) + 1).find((r) => r.stage === rev.stage && r.snapshot);
  /** The current draft: the newest draft revision, unless the document was deleted since. */
  const currentDraft = () => {
    const r = revisions.find((x) => x.stage === 'DRAFT');
    return r && r.action !== 'DELETED' ? r : null;
  };

  function drawHeader() {
    const first = revisions[0];
    const named = revisions.find((r) => r.snapshot)?.snapshot;
    heading.textContent = first ? `History of ${typeWord(first.documentType).toLowerCase()} “${docName(first.documentType, named)}”` : 'History';
    document.title = `${heading.textContent} · Clinic editor`;
    const route = first ? docRoute(first.documentType, first.documentId, named) : null;
    replace(back, route ? h('a', { href: `#/${route.path}` }, `← Back to ${route.label}`) : null);
  }

  function drawList() {
    if (!revisions.length) {
      replace(listBox, h('p', {}, 'There is no history for this document.'));
      return;
    }
    const rows = revisions.map((rev) => {
      const isSel = rev === selected;
      return h('tr', { class: isSel ? 'selected' : null },
        h('th', { scope: 'row' }, String(rev.version)),
        h('td', {}, actionWord(rev.action), rev.stage === 'PUBLISHED' ? h('span', { class: 'hint' }, ' (public copy)') : null),
        h('td', {}, rev.actorName || 'The system'),
        h('td', {}, h('time', { datetime: rev.occurredAt }, when(rev.occurredAt))),
        h('td', {}, h('button', { type: 'button', class: 'link', 'aria-pressed': isSel ? 'true' : 'false', onclick: () => select(rev, true) },
          isSel ? 'Showing' : 'Show', h('span', { class: 'visually-hidden' }, ` version ${rev.version}, ${actionWord(rev.action)}`))));
    });
    replace(listBox,
      h('table', { class: 'revisions' },
        h('caption', {}, `Revisions, newest first (${revisions.length < pageInfo.totalCount ? `${revisions.length} of ${pageInfo.totalCount}` : revisions.length})`),
        h('thead', {}, h('tr', {}, ['Version', 'What happened', 'Who', 'When', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows)),
      pageInfo?.hasNextPage ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: loadMore }, 'Show older revisions')) : null);
  }

  async function loadMore() {
    try {
      await load(true);
      drawList();
      announce('Older revisions added.');
    } catch (e) { alertError(e.message); }
  }

  function select(rev, focus = false) {
    selected = rev;
    drawList();
    const title = h('h2', { id: 'rev-title', tabindex: '-1' }, `Version ${rev.version}: ${actionWord(rev.action)}`);
    const who = h('p', {}, `${actionWord(rev.action)} by ${rev.actorName || 'the system'} on ${when(rev.occurredAt)}`,
      rev.stage === 'PUBLISHED' ? ' (the copy the public sees)' : '', '.');
    if (!rev.snapshot) {
      replace(detail, title, who, h('p', {}, rev.action === 'DELETED' ? 'The document was deleted here.' : 'This revision holds no content (it was erased or is a deletion).'));
    } else {
      const prev = previous(rev);
      const draft = currentDraft();
      const differs = rev.changedFields.filter((f) => !['version', 'updatedAt', 'createdAt', 'publishedAt', 'stage'].includes(f));
      const restorable = canEdit() && !(draft && differs.length === 0);
      let what;
      if (rev.action === 'DELETED') what = [h('h3', {}, 'What it held when deleted'), contentTable(rev.snapshot)];
      else if (!prev) what = [h('h3', {}, 'Content of this revision'), contentTable(rev.snapshot)];
      else if (!changedFields(prev.snapshot, rev.snapshot).length) what = [h('h3', {}, 'What changed'), h('p', {}, `The content is the same as in version ${prev.version}.`)];
      else {
        what = [h('h3', {}, `What changed since version ${prev.version}`),
          diffTable(prev.snapshot, rev.snapshot, null, { beforeLabel: `Version ${prev.version}`, afterLabel: `Version ${rev.version}`, onlyChanged: true })];
      }
      replace(detail, title, who, what,
        h('h3', {}, 'Compared with the current draft'),
        !draft ? h('p', {}, 'The document has no draft now (it was deleted). Restoring brings it back.')
          : differs.length === 0 ? h('p', {}, 'The current draft has the same content as this revision.')
            : [h('p', {}, `The current draft differs in: ${differs.map(humanize).join(', ')}.`),
              diffTable(draft.snapshot, rev.snapshot, differs,
                { beforeLabel: `Current draft (version ${draft.version})`, afterLabel: `Version ${rev.version}`, onlyChanged: true })],
        restorable ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => restore(rev) }, 'Restore this revision')) : null);
    }
    if (focus) title.focus();
  }

  async function restore(rev) {
    const draft = currentDraft();
    const ok = await dialog(`Restore version ${rev.version}?`, (close) => h('div', {},
      h('p', {}, 'The draft becomes a copy of this revision, saved as a new version. Nothing is lost: the current draft stays in the history.'),
      h('p', {}, 'What the public sees does not change until you publish.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => close(true) }, 'Restore'),
        h('button', { type: 'button', autofocus: true, onclick: () => close(false) }, 'Cancel'))));
    if (!ok) return;
    try {
      const d = await gql('mutation($r: ID!, $v: Int) { restoreRevision(revisionId: $r, expectedVersion: $v) { id version } }',
        { r: rev.id, v: draft ? draft.version : null });
      announce(`Restored version ${rev.version}. The draft is now version ${d.restoreRevision.version}.`);
      await load();
      drawHeader();
      select(revisions.find((r) => r.id === d.restoreRevision.id) ?? revisions[0], true);
    } catch (e) {
      const msg = e.code === 'CONFLICT'
        ? 'The draft was changed meanwhile, so nothing was restored. The list is updated: look again and retry.'
        : e.message;
      replace(top, h('p', { class: 'notice error' }, msg));
      alertError(msg);
      if (e.code === 'CONFLICT') { await load(); drawList(); }
    }
  }

  try {
    await load();
  } catch (e) {
    heading.textContent = 'History';
    replace(top, h('p', { class: 'notice error' }, `The history could not be loaded: ${why(e)}`));
    alertError(why(e));
    return {};
  }
  drawHeader();
  if (revisions.length) select(revisions[0]);
  else { drawList(); replace(detail, h('h2', { id: 'rev-title' }, 'No revisions')); }
  return {};
}
