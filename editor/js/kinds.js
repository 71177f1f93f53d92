// One entry per content type: its words, its fields, what the API calls it.
// Screens, forms and lists read everything type-specific from here.
import { gql } from './api.js';

const FACTS = 'facts { typicalSessions minSessions maxSessions sessionIntervalWeeks procedureMinutesMin procedureMinutesMax repeatAfterMonthsMin repeatAfterMonthsMax insuranceCoverage insuranceNote firstUsedDecade }';
const CITES = 'citations { id position locator version citation { id title authors publisher year link } }';
const BASE = 'id version updatedAt publishedAt';

/** The treatment facts, in the order the form shows them. */
export const FACT_FIELDS = [
  { name: 'typicalSessions', label: 'Typical number of treatments', kind: 'number' },
  { name: 'minSessions', label: 'Fewest treatments', kind: 'number' },
  { name: 'maxSessions', label: 'Most treatments', kind: 'number' },
  { name: 'sessionIntervalWeeks', label: 'Weeks between treatments', kind: 'number', hint: 'About a month is 4.' },
  { name: 'procedureMinutesMin', label: 'Shortest procedure (minutes)', kind: 'number' },
  { name: 'procedureMinutesMax', label: 'Longest procedure (minutes)', kind: 'number' },
  { name: 'repeatAfterMonthsMin', label: 'Repeat after, at the earliest (months)', kind: 'number' },
  { name: 'repeatAfterMonthsMax', label: 'Repeat after, at the latest (months)', kind: 'number' },
  { name: 'insuranceCoverage', label: 'Insurance coverage', kind: 'enum', options: [
    ['UNKNOWN', 'Not known'], ['COVERED', 'Covered'], ['PARTIALLY_COVERED', 'Partly covered'], ['NOT_COVERED', 'Not covered']] },
  { name: 'insuranceNote', label: 'Why insurance does or does not pay', kind: 'textarea' },
  { name: 'firstUsedDecade', label: 'First used in the decade of', kind: 'number', hint: 'The first year of the decade, such as 1930.' },
];

export const SUITABILITY = [['RESPONDS_WELL', 'Responds well'], ['RESPONDS_POORLY', 'Responds poorly']];

const slug = { name: 'slug', label: 'Page address', kind: 'text', required: true, hint: 'The end of the page’s web address: lowercase letters, digits and hyphens, as in “knee-pain”.' };

function names(type, input = type) {
  return {
    Type: type, one: type[0].toLowerCase() + type.slice(1),
    create: `create${type}`, createInput: `Create${input}Input`,
    update: `update${type}`, updateInput: `Update${input}Input`,
    del: `delete${type}`,
  };
}

/** kind → spec. `fields` are the writable fields (`create: true` ones are asked
 *  for when creating); `selection` is what the editor reads of a draft. */
export const KINDS = {
  therapy: {
    ...names('Therapy'), label: 'therapy', plural: 'Therapies', route: 'therapies', docType: 'THERAPY',
    many: 'therapies', filterType: 'TherapyFilter', filter: (s) => ({ nameContains: s }),
    title: (d) => d.name,
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true, create: true },
      { ...slug, create: true },
      { name: 'summary', label: 'Summary', kind: 'markdown' },
      { name: 'facts', label: 'Treatment facts', kind: 'facts' },
    ],
    selection: `${BASE} name slug summary { markdown } ${FACTS} ${CITES}`,
  },
  condition: {
    ...names('Condition'), label: 'condition', plural: 'Conditions', route: 'conditions', docType: 'CONDITION',
    many: 'conditions', filterType: 'ConditionFilter', filter: (s) => ({ nameContains: s }),
    title: (d) => d.name,
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true, create: true },
      { ...slug, create: true },
      { name: 'bodyRegion', label: 'Part of the body', kind: 'text', optional: true, hint: 'Such as “knee” or “spine”.' },
      { name: 'description', label: 'Description', kind: 'markdown' },
    ],
    selection: `${BASE} name slug bodyRegion description { markdown } therapies { id suitability therapy { id name } }`,
  },
  practitioner: {
    ...names('Practitioner'), label: 'practitioner', plural: 'Practitioners', route: 'practitioners', docType: 'PRACTITIONER',
    many: 'practitioners', filterType: 'PractitionerFilter', filter: (s) => ({ nameContains: s }),
    title: (d) => d.name,
    fields: [
      { name: 'name', label: 'Name', kind: 'text', required: true, create: true },
      { ...slug, create: true },
      { name: 'title', label: 'Professional title', kind: 'text', hint: 'Such as “Naturopathic Doctor”.' },
      { name: 'bio', label: 'About them', kind: 'markdown' },
      { name: 'techniques', label: 'Techniques they are known for', kind: 'lines', hint: 'One per line.' },
    ],
    selection: `${BASE} name slug title bio { markdown } techniques`,
  },
  faq: {
    ...names('Faq'), label: 'question', plural: 'Clinic FAQ', route: 'faqs', docType: 'FAQ', claim: true,
    many: 'faqs', filterType: 'OwnedItemFilter', filter: (s) => ({ clinicWide: true, textContains: s }),
    title: (d) => d.question,
    fields: [
      { name: 'question', label: 'Question', kind: 'text', required: true, create: true },
      { name: 'answer', label: 'Answer', kind: 'markdown', required: true, create: true },
    ],
    selection: `${BASE} question answer { markdown } therapy { id name } ${CITES}`,
  },
  section: {
    ...names('TherapySection'), label: 'section', plural: 'Sections', docType: 'THERAPY_SECTION', claim: true,
    title: (d) => d.heading,
    fields: [
      { name: 'heading', label: 'Heading', kind: 'text', required: true, create: true },
      { name: 'body', label: 'Text', kind: 'markdown', required: true, create: true },
    ],
    selection: `${BASE} heading body { markdown } ${CITES}`,
  },
  benefit: {
    ...names('Benefit'), label: 'benefit', plural: 'Benefits', docType: 'BENEFIT', claim: true,
    title: (d) => d.title,
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true, create: true },
      { name: 'body', label: 'Text', kind: 'markdown', required: true, create: true },
    ],
    selection: `${BASE} title body { markdown } ${CITES}`,
  },
  therapyCondition: {
    ...names('TherapyCondition'), label: 'condition link', docType: 'THERAPY_CONDITION', claim: true, del: null,
    title: (d) => d.condition?.name || 'Condition',
    fields: [
      { name: 'suitability', label: 'How it responds', kind: 'enum', options: SUITABILITY, required: true },
      { name: 'note', label: 'Note', kind: 'text', optional: true, hint: 'Such as “partial tears only”.' },
    ],
    selection: `id version updatedAt suitability note condition { id name } ${CITES}`,
  },
  citation: {
    ...names('Citation'), label: 'citation', plural: 'Citations', route: 'citations', docType: 'CITATION',
    many: 'citations', search: true,
    title: (d) => d.title,
    fields: [
      { name: 'title', label: 'Title', kind: 'text', required: true, create: true },
      { name: 'authors', label: 'Authors', kind: 'lines', required: true, create: true, hint: 'One per line, as “Surname Initials”, in the order the source lists them.' },
      { name: 'publisher', label: 'Journal or publisher', kind: 'text', required: true, create: true },
      { name: 'year', label: 'Year', kind: 'number', optional: true, create: true },
      { name: 'doi', label: 'DOI', kind: 'text', optional: true, create: true, hint: 'Like 10.1370/afm.1504. A DOI or a PubMed ID is needed.' },
      { name: 'pubmedId', label: 'PubMed ID', kind: 'text', optional: true, create: true, hint: 'Like 23690322.' },
      { name: 'url', label: 'Web address', kind: 'text', optional: true, create: true, hint: 'Only when the source is not reached by its DOI.' },
      { name: 'note', label: 'Note for readers', kind: 'textarea', optional: true, create: true, hint: 'Such as what the study found.' },
    ],
    selection: `${BASE} title authors publisher year doi pubmedId url link note`,
  },
};

/** Plain words for the kinds' statuses. */
export const STATUS = {
  draft: ['Draft only', 'draft'],
  published: ['Published', 'published'],
  changed: ['Published, with unpublished changes', 'changed'],
};

/** A draft's status from the published copy's version (null: never published or taken off). */
export function statusOf(draftVersion, publishedVersion) {
  if (publishedVersion === null || publishedVersion === undefined) return 'draft';
  return publishedVersion === draftVersion ? 'published' : 'changed';
}

const CHILD_LISTS = ['sections', 'benefits', 'faqs', 'conditions'];
const VERSIONS = 'id version updatedAt';

/** What therapyStatus reads of a therapy, the same at either stage. */
export const THERAPY_VERSIONS = `${VERSIONS} ${CHILD_LISTS.map((key) => `${key} { ${VERSIONS} }`).join(' ')} practitioners { id }`;

/** A root field for the query of the published stage: the practitioners the public sees. */
export const PUBLIC_PEOPLE = 'publicPeople: practitioners(stage: PUBLISHED, first: 100) { nodes { id } }';

/** The ids PUBLIC_PEOPLE read. */
export const publicPeople = (data) => new Set(data.publicPeople.nodes.map((p) => p.id));

/** A therapy's status counting what its page holds: a section, benefit, question
 *  or condition link new, changed or removed in the draft, or a different list of
 *  practitioners, is an unpublished change too. `draft` and `published` as
 *  THERAPY_VERSIONS reads them (`published` null when there is none). */
export function therapyStatus(draft, published, people) {
  const own = statusOf(draft.version, published?.version);
  if (own !== 'published') return own;
  const changed = CHILD_LISTS.some((key) => versionsDiffer(draft[key], published[key]))
    || peopleDiffer(draft.practitioners, published.practitioners, people);
  return changed ? 'changed' : 'published';
}

function versionsDiffer(drafts, published) {
  const before = new Map(published.map((c) => [c.id, c.version]));
  return drafts.length !== published.length || drafts.some((c) => before.get(c.id) !== c.version);
}

// The published page lists only published practitioners, so an unpublished one
// linked in the draft is no change that publishing the therapy would show.
function peopleDiffer(drafts, published, people) {
  const ids = (list) => list.map((p) => p.id).filter((id) => people.has(id)).join();
  return ids(drafts) !== ids(published);
}

/** When a therapy or anything its page holds last changed (as THERAPY_VERSIONS reads it). */
export function lastChanged(therapy) {
  const times = [therapy, ...CHILD_LISTS.flatMap((key) => therapy[key])].map((d) => d.updatedAt);
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

/** The form's values of a document: markdown as its source, lists as lines. */
export function valuesOf(kind, doc) {
  const values = {};
  for (const f of KINDS[kind].fields) {
    const v = doc[f.name];
    if (f.kind === 'markdown') values[f.name] = v?.markdown ?? '';
    else if (f.kind === 'lines') values[f.name] = (v || []).join('\n');
    else if (f.kind === 'facts') values[f.name] = factsOf(v);
    else if (f.kind === 'number') values[f.name] = v ?? null;
    else values[f.name] = v ?? '';
  }
  return values;
}

function factsOf(facts) {
  const out = {};
  for (const f of FACT_FIELDS) out[f.name] = facts?.[f.name] ?? (f.kind === 'enum' ? 'UNKNOWN' : f.kind === 'number' ? null : '');
  return out;
}

/** The API input for some form values (only the names given). */
export function inputOf(kind, values, { creating = false } = {}) {
  const input = {};
  for (const f of KINDS[kind].fields) {
    if (!(f.name in values)) continue;
    let v = values[f.name];
    if (f.kind === 'lines') v = String(v).split('\n').map((s) => s.trim()).filter(Boolean);
    else if (f.kind === 'facts') v = { ...v, insuranceNote: v.insuranceNote || null };
    else if (f.optional && (v === '' || v === null)) v = null;
    if (creating && v === null) continue;
    input[f.name] = v;
  }
  return input;
}

/** Reads a draft (null when there is none). */
export async function loadDraft(kind, id) {
  const k = KINDS[kind];
  const data = await gql(`query($id: ID!) { doc: ${k.one}(id: $id, stage: DRAFT) { ${k.selection} } }`, { id });
  return data.doc;
}

/** The published copy's version, or null when nothing is published. */
export async function publishedVersion(kind, id) {
  if (kind === 'therapyCondition') return null;
  const data = await gql(`query($id: ID!) { doc: ${KINDS[kind].one}(id: $id, stage: PUBLISHED) { version } }`, { id });
  return data.doc ? data.doc.version : null;
}

/** Saves some fields of a draft; resolves to the saved draft. */
export async function updateDoc(kind, id, values, expectedVersion) {
  const k = KINDS[kind];
  const data = await gql(
    `mutation($id: ID!, $v: Int!, $input: ${k.updateInput}!) { doc: ${k.update}(id: $id, expectedVersion: $v, input: $input) { ${k.selection} } }`,
    { id, v: expectedVersion, input: inputOf(kind, values) });
  return data.doc;
}

/** Creates a document from the create fields (plus `extra` input); resolves to the draft. */
export async function createDoc(kind, values, extra = {}) {
  const k = KINDS[kind];
  const data = await gql(
    `mutation($input: ${k.createInput}!) { doc: ${k.create}(input: $input) { ${k.selection} } }`,
    { input: { ...inputOf(kind, values, { creating: true }), ...extra } });
  return data.doc;
}

export async function deleteDoc(kind, id) {
  await gql(`mutation($id: ID!) { ${KINDS[kind].del}(id: $id) }`, { id });
}
