// #/invite/CODE: an invited person sees who the invitation is for, chooses a
// password, and is signed in.
import { acceptInvite, inviteDetails } from '../api.js';
import { signedIn } from '../app.js';
import { alertError, announce, h, replace, when } from '../dom.js';
import { busy, field, formMessage, roleName, showError } from '../admin.js';

const MIN_LENGTH = 12;

function unusable(main, focus) {
  replace(main,
    h('h1', {}, 'This invitation cannot be used'),
    h('p', {}, 'It has expired, or it was already used. Ask an administrator to send you a new invitation.'),
    h('p', {}, h('a', { href: '#/sign-in' }, 'Go to sign in')));
  // Shown after the screen was already on view: move focus to the news.
  if (focus) {
    const heading = main.querySelector('h1');
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

export default async function render(main, { code }) {
  let invite;
  try {
    invite = await inviteDetails(code);
  } catch (e) {
    if (e.status === 404 || e.status === 410 || e.code === 'NOT_FOUND') return unusable(main, false);
    replace(main, h('h1', {}, 'The invitation could not be opened'), h('p', {}, e.message));
    alertError(e.message);
    return {};
  }

  const email = field('Email', h('input', { type: 'email', readonly: true, value: invite.email, autocomplete: 'username' }),
    'You sign in with this address.');
  const password = field('New password', h('input', { type: 'password', autocomplete: 'new-password', minlength: MIN_LENGTH, required: true }),
    `At least ${MIN_LENGTH} characters. A few unrelated words make a strong one that is easy to remember.`);
  const repeat = field('Type the password again', h('input', { type: 'password', autocomplete: 'new-password', required: true }));
  const top = formMessage();

  const fail = (f, message) => {
    f.error(message);
    f.focus();
    alertError(message);
  };

  const submit = async (event) => {
    event.preventDefault();
    [password, repeat].forEach((f) => f.error(null));
    top.set(null);
    const value = password.input.value;
    if ([...value].length < MIN_LENGTH) return fail(password, `The password needs at least ${MIN_LENGTH} characters.`);
    if (repeat.input.value !== value) return fail(repeat, 'The two passwords are not the same. Type it again.');
    try {
      await busy(form, () => acceptInvite(code, value));
    } catch (e) {
      if (e.status === 404 || e.code === 'NOT_FOUND') {
        alertError('This invitation has expired or was already used.');
        return unusable(main, true);
      }
      return showError(e, { password }, top);
    }
    announce(`Welcome, ${invite.name}. Your password is set and you are signed in.`);
    signedIn();
  };

  const form = h('form', { novalidate: true, onsubmit: submit },
    top.el, email.el, password.el, repeat.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Set password and sign in')));

  replace(main,
    h('h1', {}, `Welcome, ${invite.name}`),
    h('p', {}, 'You are invited to the clinic editor. Choose a password to start.'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Name'), h('dd', {}, invite.name),
      h('dt', {}, 'Role'), h('dd', {}, roleName(invite.role)),
      invite.expiresAt ? [h('dt', {}, 'Invitation valid until'), h('dd', {}, when(invite.expiresAt))] : null),
    form);
  return {};
}
