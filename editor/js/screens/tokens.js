// #/admin/tokens: API tokens for the website, apps and scripts; the secret is
// shown once when a token is made, and a token can be revoked.
import { gql } from '../api.js';
import { alertError, announce, h, replace, when } from '../dom.js';
import { badge, confirm, field, formDialog, formMessage, refocus, roleField, roleName, secretBox, table } from '../admin.js';

const TOKEN = 'id name role createdAt revokedAt';
const LIST = `query { apiTokens { ${TOKEN} } }`;
const CREATE = `mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { secret token { ${TOKEN} } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(id: $id) { ${TOKEN} } }`;

function secretView(created, close) {
  return h('div', { class: 'once' },
    h('p', {}, `The token “${created.token.name}” is ready. Give this secret to whoever set up the website, app or script that needs it.`),
    h('p', { class: 'warning' }, h('strong', {}, 'The secret is shown only now. '),
      'Copy it before you close this window; it cannot be shown again. Anyone who has it can act with this token’s role. If it is lost, revoke the token and make a new one.'),
    secretBox('Secret', created.secret),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => close(created) }, 'Done')));
}

function tokenFields() {
  const name = field('Name', h('input', { type: 'text', autocomplete: 'off', required: true }),
    'What uses it, like “Clinic website” or “Mobile app”.');
  const role = roleField('PREVIEW', 'What it may do');
  return { fields: { name, role }, nodes: [name.el, role.el], values: () => ({ name: name.input.value.trim(), role: role.value()[0] }) };
}

export default async function render(main) {
  const top = formMessage();
  const list = h('div', {});
  main.replaceChildren(
    h('h1', {}, 'API tokens'),
    h('p', {}, 'Tokens let the website, apps and scripts use the content. Each has a role, like a person. Revoke a token the moment it is no longer needed or may have leaked.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: create }, 'Create a token')),
    top.el, list);

  async function create() {
    const created = await formDialog('Create a token', tokenFields, 'Create the token',
      (values) => gql(CREATE, values).then((d) => d.createApiToken), secretView);
    if (!created) return;
    announce(`Token “${created.token.name}” created.`);
    await load();
  }

  async function revoke(t) {
    const yes = await confirm(`Revoke “${t.name}”?`,
      `Everything using this token stops working at once. This cannot be undone; you can make a new token.`, 'Revoke');
    if (!yes) return;
    top.set(null);
    try {
      await gql(REVOKE, { id: t.id });
      announce(`Token “${t.name}” revoked.`);
    } catch (e) {
      top.set(e.message);
      alertError(e.message);
    }
    await load();
    refocus(list, `${t.id}:revoke`);
  }

  const row = (t) => h('tr', { 'data-id': t.id },
    h('th', { scope: 'row' }, t.name),
    h('td', {}, roleName(t.role)),
    h('td', {}, when(t.createdAt)),
    h('td', {}, t.revokedAt ? [badge('Revoked', 'off'), h('div', { class: 'subline' }, when(t.revokedAt))] : badge('In use', 'ok')),
    h('td', { class: 'cell-actions' }, t.revokedAt ? null
      : h('button', { type: 'button', class: 'danger', 'data-key': `${t.id}:revoke`, onclick: () => revoke(t) },
        'Revoke', h('span', { class: 'visually-hidden' }, ` ${t.name}`))));

  async function load() {
    let tokens;
    try {
      tokens = (await gql(LIST)).apiTokens;
    } catch (e) {
      top.set(`The tokens could not be loaded: ${e.message}`);
      alertError(e.message);
      return;
    }
    // Tokens in use first, newest first within each group.
    tokens.sort((a, b) => Boolean(a.revokedAt) - Boolean(b.revokedAt) || b.createdAt.localeCompare(a.createdAt));
    replace(list, tokens.length
      ? table('API tokens', ['Name', 'Role', 'Created', 'Status', 'Actions'], tokens.map(row), true)
      : h('p', {}, 'No tokens yet.'));
  }

  await load();
  return {};
}
