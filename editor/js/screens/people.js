// #/admin/people: who may sign in, with which role; invitations, new invites
// (which reset the password), disabling and enabling.
import { gql, session } from '../api.js';
import { alertError, announce, dialog, h, replace, when } from '../dom.js';
import { badge, confirm, field, formDialog, formMessage, refocus, roleField, roleName, secretBox, table } from '../admin.js';

const PERSON = 'id email name role status createdAt lastSignInAt inviteExpiresAt';
const LIST = `query { people { ${PERSON} } }`;
const INVITE = `mutation($input: InvitePersonInput!) { invitePerson(input: $input) { code path expiresAt person { ${PERSON} } } }`;
const REINVITE = `mutation($id: ID!) { reinvitePerson(id: $id) { code path expiresAt person { ${PERSON} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdatePersonInput!) { updatePerson(id: $id, input: $input) { ${PERSON} } }`;
const DISABLE = `mutation($id: ID!) { disablePerson(id: $id) { ${PERSON} } }`;
const ENABLE = `mutation($id: ID!) { enablePerson(id: $id) { ${PERSON} } }`;

function statusBadge(p) {
  if (p.status === 'ACTIVE') return badge('Active', 'ok');
  if (p.status === 'DISABLED') return badge('Disabled', 'off');
  const expired = p.inviteExpiresAt && new Date(p.inviteExpiresAt) < new Date();
  return [badge(expired ? 'Invitation expired' : 'Invited', expired ? 'off' : 'waiting'),
    p.inviteExpiresAt && !expired ? h('div', { class: 'subline' }, `Link valid until ${when(p.inviteExpiresAt)}`) : null];
}

/** The invitation link, shown once, with what to do with it. */
function linkView(invitation, close) {
  const person = invitation.person;
  return h('div', { class: 'once' },
    h('p', {}, `The invitation for ${person.name} (${person.email}) is ready. Send them this link, for example by email. `,
      `It works once, and only until ${when(invitation.expiresAt)}.`),
    h('p', { class: 'warning' }, h('strong', {}, 'The link is shown only now. '), 'Copy it before you close this window. If it is lost, send a new invite.'),
    secretBox('Invitation link', location.origin + invitation.path),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => close(true) }, 'Done')));
}

function personFields(person = null) {
  const name = field('Name', h('input', { type: 'text', autocomplete: 'off', value: person?.name, required: true }));
  const email = person ? null : field('Email', h('input', { type: 'email', autocomplete: 'off', spellcheck: 'false', required: true }),
    'They sign in with this address.');
  const role = roleField(person?.role || 'EDITOR');
  const fields = { name, role, ...(email ? { email } : {}) };
  return {
    fields,
    nodes: [name.el, email?.el, role.el],
    values: () => ({ name: name.input.value.trim(), role: role.value()[0], ...(email ? { email: email.input.value.trim() } : {}) }),
  };
}

export default async function render(main) {
  const top = formMessage();
  const list = h('div', {});
  main.replaceChildren(
    h('h1', {}, 'People'),
    h('p', {}, 'Who can sign in to the editor, and what each person may do.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: invite }, 'Invite someone')),
    top.el, list);

  async function run(work, done, focusKey) {
    top.set(null);
    try {
      const result = await work();
      if (result === undefined) return;
      announce(done(result));
    } catch (e) {
      top.set(e.message);
      alertError(e.message);
    }
    await load();
    refocus(list, focusKey);
  }

  async function invite() {
    const result = await formDialog('Invite someone', () => personFields(), 'Create the invitation',
      (input) => gql(INVITE, { input }).then((d) => d.invitePerson), linkView);
    if (!result) return;
    announce('Invitation created.');
    await load();
  }

  function reinvite(p) {
    run(async () => {
      const yes = await confirm(`Send ${p.name} a new invite?`,
        `${p.name} can no longer sign in with their current password. The new link lets them choose a new one; an earlier link stops working.`,
        'Make a new invite link', false);
      if (!yes) return undefined;
      const inv = (await gql(REINVITE, { id: p.id })).reinvitePerson;
      await dialog(`New invite for ${p.name}`, (close) => linkView(inv, close));
      return inv;
    }, () => `A new invite was made for ${p.name}.`, `${p.id}:reinvite`);
  }

  function edit(p) {
    run(() => formDialog(`Change ${p.name}`, () => personFields(p), 'Save',
      (input) => gql(UPDATE, { id: p.id, input }).then((d) => d.updatePerson)),
    (q) => `${q.name} saved, role ${roleName(q.role)}.`, `${p.id}:edit`);
  }

  function toggle(p) {
    const disable = p.status !== 'DISABLED';
    run(async () => {
      if (disable && !(await confirm(`Disable ${p.name}?`,
        `${p.name} is signed out at once and cannot sign in until you enable them again. Their work stays.`, 'Disable'))) return undefined;
      return (await gql(disable ? DISABLE : ENABLE, { id: p.id }))[disable ? 'disablePerson' : 'enablePerson'];
    }, (q) => `${q.name} is ${disable ? 'disabled' : 'enabled'}.`, `${p.id}:toggle`);
  }

  function row(p) {
    const me = p.id === session.person?.id;
    const who = h('span', { class: 'visually-hidden' }, ` ${p.name}`);
    return h('tr', { 'data-id': p.id },
      h('th', { scope: 'row' }, p.name, me ? ' (you)' : null),
      h('td', {}, p.email),
      h('td', {}, roleName(p.role)),
      h('td', {}, statusBadge(p)),
      h('td', {}, p.lastSignInAt ? when(p.lastSignInAt) : 'Never'),
      h('td', { class: 'cell-actions' },
        h('button', { type: 'button', 'data-key': `${p.id}:edit`, onclick: () => edit(p) }, 'Change', who.cloneNode(true)),
        me ? null : h('button', { type: 'button', 'data-key': `${p.id}:reinvite`, onclick: () => reinvite(p) }, 'Send a new invite', who.cloneNode(true)),
        me ? null : h('button', { type: 'button', class: p.status === 'DISABLED' ? null : 'danger', 'data-key': `${p.id}:toggle`, onclick: () => toggle(p) },
          p.status === 'DISABLED' ? 'Enable' : 'Disable', who)));
  }

  async function load() {
    let people;
    try {
      people = (await gql(LIST)).people;
    } catch (e) {
      top.set(`The list of people could not be loaded: ${e.message}`);
      alertError(e.message);
      return;
    }
    people.sort((a, b) => a.name.localeCompare(b.name));
    replace(list, table('Everyone with access to the editor',
      ['Name', 'Email', 'Role', 'Status', 'Last signed in', 'Actions'], people.map(row), true));
  }

  await load();
  return {};
}
