// #/admin/webhooks: addresses told about content changes (with filters), the
// signing secret shown once, and each webhook's delivery log with retries.
import { gql } from '../api.js';
import { alertError, announce, h, replace, uid, when } from '../dom.js';
import { badge, choices, confirm, field, formDialog, formMessage, refocus, secretBox, table } from '../admin.js';

const HOOK = 'id url documentTypes actions stages active createdAt';
const LIST = `query { webhooks { ${HOOK} } }`;
const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { ${HOOK} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { ${HOOK} } }`;
const DELETE = `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`;
const DELIVERIES = `query($id: ID!) { webhookDeliveries(webhookId: $id, first: 50) {
  id eventSeq status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt } }`;
const RETRY = `mutation($id: ID!) { retryWebhookDelivery(id: $id) { id status } }`;

// The filters the API offers (CreateWebhookInput), in plain words.
const DOCUMENT_TYPES = [
  ['THERAPY', 'Therapies'], ['THERAPY_SECTION', 'Therapy page sections'], ['BENEFIT', 'Benefits'],
  ['FAQ', 'FAQ entries'], ['CONDITION', 'Conditions'], ['PRACTITIONER', 'Practitioners'],
  ['THERAPY_CONDITION', 'Therapy–condition links'], ['THERAPY_PRACTITIONER', 'Therapy–practitioner links'],
  ['CITATION', 'Citations'], ['CLAIM_CITATION', 'Citations attached to text'], ['REVIEW', 'Clinical reviews'],
];
const ACTIONS = [
  ['CREATED', 'Created'], ['UPDATED', 'Changed'], ['DELETED', 'Deleted'], ['PUBLISHED', 'Published'],
  ['UNPUBLISHED', 'Unpublished'], ['RESTORED', 'Restored'], ['REORDERED', 'Reordered'], ['LINKED', 'Linked'],
  ['UNLINKED', 'Unlinked'], ['PURGED', 'Removed for good'], ['REVIEW_DUE', 'Review due'],
];
const STAGES = [['DRAFT', 'Drafts'], ['PUBLISHED', 'Published content']];
const DELIVERY = { PENDING: ['Waiting', 'waiting'], DELIVERED: ['Delivered', 'ok'], FAILED: ['Failed', 'off'] };

const names = (list, values) => (values.length ? values.map((v) => (list.find(([k]) => k === v) || [v, v])[1]).join(', ') : 'All');

function hookFields(hook = null) {
  const url = field('Address (URL)', h('input', { type: 'url', autocomplete: 'off', spellcheck: 'false', required: true, value: hook?.url, placeholder: 'https://' }),
    'Where the messages are sent. It must be reachable on the internet: addresses inside the clinic’s network are refused.');
  const all = 'Tick none to send all.';
  const documentTypes = choices('Which content', 'checkbox', DOCUMENT_TYPES, hook?.documentTypes || [], all);
  const actions = choices('Which changes', 'checkbox', ACTIONS, hook?.actions || [], all);
  const stages = choices('Drafts or published', 'checkbox', STAGES, hook?.stages || [], all);
  return {
    fields: { url, documentTypes, actions, stages },
    nodes: [url.el, h('div', { class: 'filters' }, documentTypes.el, actions.el, stages.el)],
    values: () => ({ url: url.input.value.trim(), documentTypes: documentTypes.value(), actions: actions.value(), stages: stages.value() }),
  };
}

function secretView(created, close) {
  return h('div', { class: 'once' },
    h('p', {}, `The webhook for ${created.webhook.url} is ready. Each message it receives is signed with this secret, so the receiver can check that it came from the clinic.`),
    h('p', { class: 'warning' }, h('strong', {}, 'The secret is shown only now. '),
      'Copy it into the receiving system before you close this window; it cannot be shown again.'),
    secretBox('Signing secret', created.secret),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => close(created) }, 'Done')));
}

/** The delivery log of one webhook, loaded when opened. */
function deliveryLog(hook) {
  const box = h('div', { class: 'deliveries' });
  const top = formMessage();
  const details = h('details', { ontoggle: () => details.open && load() },
    h('summary', {}, 'Delivery log'), top.el, box);

  async function retry(d) {
    top.set(null);
    try {
      await gql(RETRY, { id: d.id });
      announce(`Event ${d.eventSeq} queued to be sent again.`);
    } catch (e) {
      top.set(e.message);
      alertError(e.message);
    }
    await load();
    refocus(box, `${d.id}:retry`);
  }

  const row = (d) => {
    const [label, kind] = DELIVERY[d.status] || [d.status, 'off'];
    const answer = [d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : null, d.lastError].filter(Boolean).join(' · ');
    return h('tr', { 'data-id': d.id },
      h('th', { scope: 'row' }, `#${d.eventSeq}`),
      h('td', {}, badge(label, kind)),
      h('td', {}, String(d.attempts)),
      h('td', { class: 'answer' }, answer || '—'),
      h('td', {}, when(d.createdAt)),
      h('td', {}, d.deliveredAt ? `Delivered ${when(d.deliveredAt)}` : d.status === 'PENDING' ? `Next try ${when(d.nextAttemptAt)}` : '—'),
      h('td', {}, d.status === 'FAILED'
        ? h('button', { type: 'button', 'data-key': `${d.id}:retry`, onclick: () => retry(d) }, 'Retry', h('span', { class: 'visually-hidden' }, ` event ${d.eventSeq}`))
        : null));
  };

  async function load() {
    let list;
    box.setAttribute('aria-busy', 'true');
    try {
      list = (await gql(DELIVERIES, { id: hook.id })).webhookDeliveries;
    } catch (e) {
      top.set(`The delivery log could not be loaded: ${e.message}`);
      alertError(e.message);
      return;
    } finally {
      box.removeAttribute('aria-busy');
    }
    replace(box,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => load().then(() => announce('Delivery log refreshed.')) }, 'Refresh')),
      list.length
        ? table(`Latest deliveries to ${hook.url}`,
          ['Event', 'Status', 'Attempts', 'Last answer', 'Created', 'Sent', 'Actions'], list.map(row), true)
        : h('p', {}, 'Nothing has been sent to this webhook yet.'));
  }
  return details;
}

export default async function render(main) {
  const top = formMessage();
  const list = h('div', {});
  main.replaceChildren(
    h('h1', {}, 'Webhooks'),
    h('p', {}, 'A webhook tells another system, like the website, when content changes, by sending a message to its address.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: create }, 'Add a webhook')),
    top.el, list);

  async function create() {
    const created = await formDialog('Add a webhook', () => hookFields(), 'Add the webhook',
      (input) => gql(CREATE, { input }).then((d) => d.createWebhook), secretView);
    if (!created) return;
    announce('Webhook added.');
    await load();
  }

  async function change(hook, key, work, done) {
    top.set(null);
    try {
      const result = await work();
      if (result === undefined) return;
      announce(done);
    } catch (e) {
      top.set(e.message);
      alertError(e.message);
    }
    await load();
    if (!refocus(list, key)) main.querySelector('h1').focus();
  }

  const edit = (hook) => change(hook, `${hook.id}:edit`, () => formDialog(`Change the webhook`, () => hookFields(hook), 'Save',
    (input) => gql(UPDATE, { id: hook.id, input }).then((d) => d.updateWebhook)), 'Webhook saved.');

  const toggle = (hook) => change(hook, `${hook.id}:toggle`, () => gql(UPDATE, { id: hook.id, input: { active: !hook.active } }),
    hook.active ? 'Webhook paused. New changes wait until you turn it on again.' : 'Webhook turned on.');

  const remove = (hook) => change(hook, null, async () => {
    const yes = await confirm('Delete this webhook?',
      `Nothing more is sent to ${hook.url}. Its delivery log and any messages still waiting are deleted too.`, 'Delete');
    return yes ? gql(DELETE, { id: hook.id }) : undefined;
  }, 'Webhook deleted.');

  const card = (hook) => {
    const titleId = uid('hook');
    return h('section', { class: 'card webhook', 'data-id': hook.id, 'aria-labelledby': titleId },
      h('h2', { id: titleId, tabindex: '-1' }, hook.url),
      h('p', {}, hook.active ? badge('On', 'ok') : badge('Paused', 'off'), ` Added ${when(hook.createdAt)}`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Content'), h('dd', {}, names(DOCUMENT_TYPES, hook.documentTypes)),
        h('dt', {}, 'Changes'), h('dd', {}, names(ACTIONS, hook.actions)),
        h('dt', {}, 'Stages'), h('dd', {}, names(STAGES, hook.stages))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-key': `${hook.id}:edit`, onclick: () => edit(hook) }, 'Change'),
        h('button', { type: 'button', 'data-key': `${hook.id}:toggle`, onclick: () => toggle(hook) }, hook.active ? 'Pause' : 'Turn on'),
        h('button', { type: 'button', class: 'danger', onclick: () => remove(hook) }, 'Delete')),
      deliveryLog(hook));
  };

  async function load() {
    let hooks;
    try {
      hooks = (await gql(LIST)).webhooks;
    } catch (e) {
      top.set(`The webhooks could not be loaded: ${e.message}`);
      alertError(e.message);
      return;
    }
    replace(list, hooks.length ? hooks.map(card) : h('p', {}, 'No webhooks yet.'));
  }

  await load();
  return {};
}
