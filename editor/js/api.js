// The editor's only way to the server: the public GraphQL API (with the session
// cookie and its CSRF token) and the sign-in endpoints under /auth.

/** Where the server answers; absolute paths, the editor is served by the same server. */
export const GRAPHQL_URL = '/graphql';
export const AUTH_URL = '/auth';

/** The signed-in person and the CSRF token for the session, or null. */
export const session = { person: null, csrfToken: null };

/** An error from the API: `code` is its `extensions.code`, `field` the input
 *  field it concerns (for BAD_USER_INPUT), `errors` every error of the answer. */
export class ApiError extends Error {
  constructor(message, { code = 'INTERNAL', field = null, extensions = {}, errors = [], status = 0 } = {}) {
    super(message);
    this.code = code;
    this.field = field;
    this.extensions = extensions;
    this.errors = errors;
    this.status = status;
  }
}

function headers() {
  const h = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (session.csrfToken) h['x-csrf-token'] = session.csrfToken;
  return h;
}

/** Listeners told when the session ends under us (a 401 from the API). */
const sessionEndListeners = new Set();
export function onSessionEnd(listener) { sessionEndListeners.add(listener); }

/** Runs a GraphQL operation; resolves to `data`, or throws an ApiError for the
 *  first error (all of them in `.errors`). A partial answer is an error too. */
export async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers(),
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new ApiError('The server cannot be reached. Check the connection and try again.', { code: 'NETWORK' });
  }
  let body = null;
  try { body = await response.json(); } catch (e) { /* not JSON */ }
  if (response.status === 401) sessionEndListeners.forEach((l) => l());
  if (!body) {
    throw new ApiError(`The server answered ${response.status} without a GraphQL answer.`, { status: response.status });
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const ext = first.extensions || {};
    throw new ApiError(first.message, {
      code: ext.code || 'INTERNAL',
      field: ext.field || null,
      extensions: ext,
      errors: body.errors,
      status: response.status,
    });
  }
  return body.data;
}

async function auth(path, method, payload) {
  let response;
  try {
    response = await fetch(`${AUTH_URL}/${path}`, {
      method,
      credentials: 'same-origin',
      headers: headers(),
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
  } catch (e) {
    throw new ApiError('The server cannot be reached. Check the connection and try again.', { code: 'NETWORK' });
  }
  let body = {};
  try { body = await response.json(); } catch (e) { /* empty */ }
  if (!response.ok) {
    throw new ApiError(body.message || `The server answered ${response.status}.`, {
      code: body.code || 'INTERNAL', field: body.field || null, status: response.status,
      extensions: { retryAfterSeconds: body.retryAfterSeconds },
    });
  }
  return body;
}

function remember(body) {
  session.person = body.person || null;
  session.csrfToken = body.csrfToken || null;
  return session;
}

/** Asks the server who is signed in; sets and returns `session` (person null when nobody). */
export async function loadSession() {
  try {
    return remember(await auth('session', 'GET'));
  } catch (e) {
    if (e.status === 401) return remember({});
    throw e;
  }
}

export async function signIn(email, password) {
  return remember(await auth('sign-in', 'POST', { email, password }));
}

export async function signOut() {
  try { await auth('sign-out', 'POST', {}); } finally { remember({}); }
}

/** Who an invitation is for ({email, name, role, expiresAt}); ApiError NOT_FOUND when expired or used. */
export async function inviteDetails(code) {
  return auth('invite', 'POST', { code });
}

/** Sets the password of an invited person (the code from the invite link) and signs them in. */
export async function acceptInvite(code, password) {
  return remember(await auth('accept-invite', 'POST', { code, password }));
}

/** A GraphQL subscription over the WebSocket (graphql-transport-ws), with the
 *  session's CSRF token in `connection_init`. Calls `onData(data)` per event and
 *  `onError(error)` once if it fails; returns a function that stops it. */
export function subscribe(query, variables, onData, onError = () => {}) {
  const url = new URL(GRAPHQL_URL, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(url, 'graphql-transport-ws');
  let stopped = false;
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ type: 'connection_init', payload: { csrfToken: session.csrfToken } }));
  });
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'connection_ack') {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    } else if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    } else if (message.type === 'next') {
      if (message.payload.errors) onError(new ApiError(message.payload.errors[0].message));
      else onData(message.payload.data);
    } else if (message.type === 'error') {
      onError(new ApiError(message.payload[0]?.message || 'subscription refused'));
    }
  });
  socket.addEventListener('close', () => { if (!stopped) onError(new ApiError('live updates stopped', { code: 'NETWORK' })); });
  return () => { stopped = true; socket.close(1000); };
}
