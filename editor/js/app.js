// The editor's shell: who is signed in, the navigation, and the router that
// loads one screen module at a time (each `screens/*.js` exports a default
// `render(main, params)`; see `ROUTES`).
import { loadSession, onSessionEnd, session, signOut } from './api.js';
import { alertError, announce, h, replace } from './dom.js';
import { can } from './roles.js';

/** Hash routes: a pattern, the screen module, the least role that sees it (null:
 *  shown signed out), and the names of the pattern's groups. */
const ROUTES = [
  [/^invite\/([\w-]+)$/, 'invite', null, ['code']],
  [/^sign-in$/, 'signin', null, []],
  [/^therapies$/, 'list', 'PREVIEW', [], { type: 'therapy' }],
  [/^therapies\/([\w-]+)$/, 'therapy', 'PREVIEW', ['id']],
  [/^conditions$/, 'list', 'PREVIEW', [], { type: 'condition' }],
  [/^conditions\/([\w-]+)$/, 'document', 'PREVIEW', ['id'], { type: 'condition' }],
  [/^practitioners$/, 'list', 'PREVIEW', [], { type: 'practitioner' }],
  [/^practitioners\/([\w-]+)$/, 'document', 'PREVIEW', ['id'], { type: 'practitioner' }],
  [/^faqs$/, 'list', 'PREVIEW', [], { type: 'faq' }],
  [/^faqs\/([\w-]+)$/, 'document', 'PREVIEW', ['id'], { type: 'faq' }],
  [/^citations$/, 'list', 'PREVIEW', [], { type: 'citation' }],
  [/^citations\/([\w-]+)$/, 'document', 'PREVIEW', ['id'], { type: 'citation' }],
  [/^reviews$/, 'reviews', 'PREVIEW', []],
  [/^history\/([\w-]+)$/, 'history', 'PREVIEW', ['id']],
  [/^preview\/([\w-]+)$/, 'preview', 'PREVIEW', ['id']],
  [/^trash$/, 'trash', 'EDITOR', []],
  [/^admin\/people$/, 'people', 'ADMIN', []],
  [/^admin\/tokens$/, 'tokens', 'ADMIN', []],
  [/^admin\/webhooks$/, 'webhooks', 'ADMIN', []],
];

const NAV = [
  ['therapies', 'Therapies', 'PREVIEW'],
  ['conditions', 'Conditions', 'PREVIEW'],
  ['practitioners', 'Practitioners', 'PREVIEW'],
  ['faqs', 'Clinic FAQ', 'PREVIEW'],
  ['citations', 'Citations', 'PREVIEW'],
  ['reviews', 'Reviews due', 'PREVIEW'],
  ['trash', 'Trash', 'EDITOR'],
  ['admin/people', 'People', 'ADMIN'],
  ['admin/tokens', 'API tokens', 'ADMIN'],
  ['admin/webhooks', 'Webhooks', 'ADMIN'],
];

/** The screen on show: what `render` returned (`isDirty()`, `dispose()`). */
let current = null;
let currentHash = null;

/** Goes to a route (`navigate('therapies/ID')`), asking first if there are unsaved changes. */
export function navigate(route) {
  location.hash = `#/${route}`;
}

/** Whether the screen on show holds changes not saved yet. */
export function hasUnsavedChanges() {
  return Boolean(current && current.isDirty && current.isDirty());
}

const LEAVE_QUESTION = 'You have unsaved changes. Leave this page and lose them?';

window.addEventListener('beforeunload', (event) => {
  if (hasUnsavedChanges()) {
    event.preventDefault();
    event.returnValue = LEAVE_QUESTION;
  }
});

window.addEventListener('hashchange', () => {
  if (location.hash === currentHash) return;
  if (hasUnsavedChanges() && !window.confirm(LEAVE_QUESTION)) {
    // Stay: put the address back without another hashchange round.
    history.replaceState(null, '', currentHash);
    return;
  }
  show();
});

onSessionEnd(() => {
  if (session.person) {
    session.person = null;
    session.csrfToken = null;
    alertError('Your session has ended. Sign in again.');
    location.hash = '#/sign-in';
    show();
  }
});

function routeOf(hash) {
  const path = hash.replace(/^#\/?/, '');
  for (const [pattern, screen, role, names, extra] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      const params = { ...(extra || {}) };
      names.forEach((name, i) => { params[name] = decodeURIComponent(match[i + 1]); });
      return { screen, role, params, path };
    }
  }
  return null;
}

function shell() {
  const active = (location.hash.replace(/^#\/?/, '').split('/').slice(0, 2).join('/'));
  const links = NAV.filter(([, , role]) => can(role)).map(([route, label]) => {
    const here = active === route || active.startsWith(`${route}/`) || (active.split('/')[0] === route);
    return h('li', {}, h('a', { href: `#/${route}`, 'aria-current': here ? 'page' : null }, label));
  });
  const person = session.person;
  return h('div', { class: 'shell' },
    h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: '#/therapies' }, 'Clinic editor'),
      h('nav', { 'aria-label': 'Main' }, h('ul', {}, links)),
      h('div', { class: 'who' },
        h('span', {}, `${person.name} `, h('span', { class: 'role' }, person.role.toLowerCase())),
        h('button', { type: 'button', class: 'link', onclick: doSignOut }, 'Sign out'))),
    h('main', { id: 'main', tabindex: '-1' }));
}

async function doSignOut() {
  if (hasUnsavedChanges() && !window.confirm(LEAVE_QUESTION)) return;
  current = null;
  await signOut();
  announce('Signed out.');
  location.hash = '#/sign-in';
  show();
}

/** Renders the route in the address bar. */
/** Counts the screens asked for, so a slow one finishing after a newer one was
 *  asked for is dropped, not taken for the screen on show. */
let shown = 0;

async function show() {
  const app = document.getElementById('app');
  const turn = ++shown;
  if (current && current.dispose) current.dispose();
  current = null;
  currentHash = location.hash;
  let route = routeOf(location.hash);
  if (!session.person && (!route || route.role !== null)) {
    route = routeOf('#/sign-in');
  } else if (session.person && (!route || route.screen === 'signin')) {
    location.replace('#/therapies');
    return;
  }
  let main;
  if (route.role === null) {
    main = h('main', { id: 'main', tabindex: '-1', class: 'signed-out' });
    replace(app, main);
  } else {
    replace(app, shell());
    main = app.querySelector('#main');
    if (!can(route.role)) {
      replace(main, h('h1', {}, 'Not available'), h('p', {}, 'Your role does not give access to this page.'));
      app.dataset.shown = currentHash;
      return;
    }
  }
  app.setAttribute('aria-busy', 'true');
  let screen = null;
  try {
    const module = await import(`./screens/${route.screen}.js`);
    screen = (await module.default(main, route.params)) || null;
  } catch (e) {
    if (turn === shown) {
      replace(main, h('h1', {}, 'Something went wrong'), h('p', {}, e.message));
      alertError(e.message);
    }
  }
  if (turn !== shown) {
    // Another screen was asked for meanwhile and owns the page now.
    if (screen && screen.dispose) screen.dispose();
    return;
  }
  current = screen;
  app.setAttribute('aria-busy', 'false');
  // Which address the screen on show was drawn for (tests wait on it).
  app.dataset.shown = currentHash;
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
    document.title = `${heading.textContent} · Clinic editor`;
  }
}

/** After signing in: to the page asked for, or the therapies. */
export function signedIn() {
  location.hash = '#/therapies';
  show();
}

async function start() {
  try {
    await loadSession();
  } catch (e) {
    replace(document.getElementById('app'), h('main', { id: 'main' }, h('h1', {}, 'The editor cannot reach the server'), h('p', {}, e.message)));
    return;
  }
  show();
}

start();
