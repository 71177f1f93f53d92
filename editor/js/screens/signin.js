// #/sign-in: email and password, then on to the editor.
import { signIn } from '../api.js';
import { signedIn } from '../app.js';
import { announce, alertError, h } from '../dom.js';
import { busy, field, formMessage } from '../admin.js';

/** "Try again in 3 minutes" from the server's wait in seconds. */
export function retryText(seconds) {
  const minutes = Math.max(1, Math.ceil((Number(seconds) || 60) / 60));
  return `Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

export default async function render(main) {
  const email = field('Email', h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, spellcheck: 'false' }));
  const password = field('Password', h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true }));
  const top = formMessage();

  const submit = async (event) => {
    event.preventDefault();
    top.set(null);
    email.error(null);
    password.error(null);
    if (!email.input.value.trim() || !password.input.value) {
      const empty = email.input.value.trim() ? password : email;
      empty.error(empty === email ? 'Enter your email address.' : 'Enter your password.');
      empty.focus();
      alertError(empty === email ? 'Enter your email address.' : 'Enter your password.');
      return;
    }
    try {
      await busy(form, () => signIn(email.input.value.trim(), password.input.value));
    } catch (e) {
      let message = e.message;
      if (e.code === 'UNAUTHENTICATED' || e.status === 401) message = 'That email and password do not match. Check them and try again.';
      else if (e.code === 'RATE_LIMITED' || e.status === 429) message = `Too many attempts to sign in. ${retryText(e.extensions.retryAfterSeconds)}`;
      top.set(message);
      // Tie the message to the fields it is about, so it is read with them.
      for (const f of [email, password]) {
        f.input.setAttribute('aria-invalid', 'true');
        f.input.setAttribute('aria-describedby', top.el.id);
      }
      password.input.value = '';
      password.focus();
      alertError(message);
      return;
    }
    announce('Signed in.');
    signedIn();
  };

  const form = h('form', { novalidate: true, onsubmit: submit },
    top.el, email.el, password.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')));

  main.replaceChildren(
    h('h1', {}, 'Sign in to the clinic editor'),
    form,
    h('p', { class: 'hint' }, 'No account yet? Ask an administrator for an invitation.'));
}
