//! Signing in to the editor: `/auth/sign-in`, `/auth/session`, `/auth/sign-out`,
//! `/auth/invite` and `/auth/accept-invite`, and how a request's session
//! cookie becomes its identity.
//!
//! The session secret lives in an `HttpOnly`, `SameSite=Strict` cookie (`Secure`
//! behind HTTPS). The cookie alone grants nothing: a GraphQL request acts for the
//! session only when it also carries the session's CSRF token in `X-CSRF-Token`,
//! which a page on another site can neither read nor send.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use crate::auth::{self, Identity, Role};
use crate::graphql::error::ApiError;
use crate::people::throttle::{SignInThrottle, ThrottleRules};
use crate::people::{self, PeopleError};

/// The session cookie's name.
pub const COOKIE: &str = "cca_session";
/// The header that carries the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The most a sign-in or invitation body may hold.
const BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug, Clone)]
pub struct StaffSettings {
    /// How long a session lasts after signing in.
    pub session_lasts: chrono::Duration,
    /// Mark the cookie `Secure` always (otherwise only when the request came over
    /// HTTPS, as told by `X-Forwarded-Proto: https` from the proxy in front).
    pub always_secure_cookie: bool,
    pub throttle: ThrottleRules,
}

impl Default for StaffSettings {
    fn default() -> Self {
        Self {
            session_lasts: chrono::Duration::hours(12),
            always_secure_cookie: false,
            throttle: ThrottleRules::default(),
        }
    }
}

/// The settings and the instance's sign-in throttle.
pub struct Staff {
    pub settings: StaffSettings,
    throttle: SignInThrottle,
}

impl Staff {
    pub fn new(settings: StaffSettings) -> Self {
        Self {
            throttle: SignInThrottle::new(settings.throttle),
            settings,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/session", get(current_session))
        .route("/auth/sign-in", post(sign_in))
        .route("/auth/sign-out", post(sign_out))
        .route("/auth/invite", post(invitation))
        .route("/auth/accept-invite", post(accept_invite))
}

/// The session secret from the request's `Cookie` headers.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Who a GraphQL request acts as: the bearer token when there is one; else the
/// session when both its cookie and its CSRF token came; else the public.
pub async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::from(auth::AuthError::Malformed))?;
        return Ok(auth::authenticate(state.db.conn(), Some(value)).await?);
    }
    let csrf = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match (session_cookie(headers), csrf) {
        (Some(secret), Some(csrf)) => session_identity(state, &secret, csrf).await,
        (None, Some(_)) => Err(ApiError::Unauthenticated(
            "you are not signed in (no session cookie came with the request)".to_owned(),
        )),
        _ => Ok(Identity::Public),
    }
}

/// The identity of the session with this cookie secret, if `csrf` is its token.
pub async fn session_identity(state: &AppState, secret: &str, csrf: &str) -> Result<Identity, ApiError> {
    let Some((session, person)) = people::session_of(state.db.conn(), secret)
        .await
        .map_err(ApiError::from)?
    else {
        return Err(ApiError::Unauthenticated(
            "your session has ended or expired; sign in again".to_owned(),
        ));
    };
    if !constant_time_eq(csrf.as_bytes(), people::csrf_token(secret).as_bytes()) {
        return Err(ApiError::Forbidden(
            "the CSRF token does not belong to this session".to_owned(),
        ));
    }
    Ok(Identity::Person {
        id: person.id,
        session_id: session.id,
        name: person.name,
        role: person.role,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Preview => "PREVIEW",
        Role::Editor => "EDITOR",
        Role::Reviewer => "REVIEWER",
        Role::Admin => "ADMIN",
    }
}

/// A JSON answer that no cache keeps.
fn answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        axum::Json(body),
    )
        .into_response()
}

fn refusal(err: &ApiError) -> Response {
    let status = match err {
        ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut body = json!({ "code": err.code(), "message": err.message() });
    if let ApiError::BadUserInput { field, message } = err {
        body["field"] = json!(field);
        body["message"] = json!(message);
    }
    answer(status, body)
}

fn person_json(person: &entity::person::Model) -> Value {
    json!({
        "id": person.id,
        "email": person.email,
        "name": person.name,
        "role": role_name(person.role),
    })
}

/// What the page needs about its session: who, the CSRF token and until when.
fn session_json(
    person: &entity::person::Model,
    secret: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Value {
    json!({
        "person": person_json(person),
        "csrfToken": people::csrf_token(secret),
        "expiresAt": expires_at,
    })
}

/// Whether the request came over HTTPS (as the proxy in front says).
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

fn cookie(state: &AppState, headers: &HeaderMap, secret: &str, max_age_secs: i64) -> HeaderValue {
    let secure = state.staff.settings.always_secure_cookie || over_https(headers);
    let value = format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("cca_session=; Max-Age=0"))
}

/// A sign-in or invitation must come from a page of this server: JSON (which a
/// plain cross-site form cannot send) and, when the browser names an `Origin`,
/// this host. This stops another site signing a visitor in to its own account.
fn same_site_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return Err(ApiError::bad_input(
            "body",
            "send the form as JSON (Content-Type: application/json)",
        ));
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/'));
        if origin_host.is_none() || origin_host != host {
            return Err(ApiError::Forbidden(
                "signing in from a page of another site is refused".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Reads the request's JSON body (at most [`BODY_LIMIT`]), after the checks above.
async fn json_body<T: serde::de::DeserializeOwned>(
    request: Request,
) -> Result<(HeaderMap, Option<IpAddr>, T), ApiError> {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let (parts, body) = request.into_parts();
    same_site_json(&parts.headers)?;
    let bytes: Bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::bad_input("body", format!("the body is larger than {BODY_LIMIT} bytes")))?;
    let value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_input("body", "the body is not the JSON this form sends"))?;
    Ok((parts.headers, address, value))
}

#[derive(Deserialize)]
struct SignIn {
    email: String,
    password: String,
}

async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let (headers, address, form) = match json_body::<SignIn>(request).await {
        Ok(read) => read,
        Err(err) => return refusal(&err),
    };
    // An email that cannot be anyone's is counted at the address only, so the
    // throttle keeps no key a guesser made up.
    let account = people::normalize_email(&form.email).ok();
    if let Err(wait) = state.staff.throttle.attempt(account.as_deref(), address) {
        let seconds = wait.as_secs().max(1);
        let minutes = seconds.div_ceil(60);
        let mut response = answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({
                "code": "RATE_LIMITED",
                "message": format!("too many failed sign-ins; try again in {minutes} minute{}", if minutes == 1 { "" } else { "s" }),
                "retryAfterSeconds": seconds,
            }),
        );
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let db = state.db.conn();
    let person = match people::verify_credentials(db, &form.email, &form.password).await {
        Ok(person) => person,
        Err(err) => {
            if matches!(err, PeopleError::WrongCredentials) {
                tracing::info!(address = ?address, "failed sign-in");
            }
            return refusal(&ApiError::from(err));
        }
    };
    state.staff.throttle.succeeded(&person.email, address);
    start_session(&state, &headers, &person).await
}

async fn start_session(state: &AppState, headers: &HeaderMap, person: &entity::person::Model) -> Response {
    let lasts = state.staff.settings.session_lasts;
    let started = match people::start_session(state.db.conn(), person, lasts).await {
        Ok(started) => started,
        Err(err) => return refusal(&ApiError::from(err)),
    };
    let mut response = answer(
        StatusCode::OK,
        session_json(person, &started.secret, started.session.expires_at),
    );
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(state, headers, &started.secret, lasts.num_seconds()),
    );
    response
}

async fn current_session(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let not_signed_in = || refusal(&ApiError::Unauthenticated("you are not signed in".to_owned()));
    let Some(secret) = session_cookie(&headers) else {
        return not_signed_in();
    };
    match people::session_of(state.db.conn(), &secret).await {
        Ok(Some((session, person))) => {
            answer(StatusCode::OK, session_json(&person, &secret, session.expires_at))
        }
        Ok(None) => not_signed_in(),
        Err(err) => refusal(&ApiError::from(err)),
    }
}

/// Ends the session server-side (its cookie stops working everywhere) and
/// clears the cookie. Needs the CSRF token, so another site cannot sign people out.
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let identity = match (
        session_cookie(&headers),
        headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
    ) {
        (Some(secret), Some(csrf)) => session_identity(&state, &secret, csrf).await,
        _ => Err(ApiError::Unauthenticated("you are not signed in".to_owned())),
    };
    let mut response = match identity {
        Ok(Identity::Person { session_id, .. }) => {
            match people::end_session(state.db.conn(), session_id).await {
                Ok(()) => answer(StatusCode::OK, json!({ "signedOut": true })),
                Err(err) => return refusal(&ApiError::from(err)),
            }
        }
        Ok(_) => answer(StatusCode::OK, json!({ "signedOut": true })),
        Err(err @ ApiError::Forbidden(_)) => return refusal(&err),
        // An ended session: clearing the cookie is all there is left to do.
        Err(_) => answer(StatusCode::OK, json!({ "signedOut": true })),
    };
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, &headers, "", 0));
    response
}

#[derive(Deserialize)]
struct InviteCode {
    code: String,
}

/// Who an invitation is for. The code comes in the body, never in a URL, so
/// it stays out of access logs (the editor's link carries it after `#`, which
/// browsers do not send).
async fn invitation(State(state): State<AppState>, request: Request) -> Response {
    let (_, _, form) = match json_body::<InviteCode>(request).await {
        Ok(read) => read,
        Err(err) => return refusal(&err),
    };
    match people::invited_by(state.db.conn(), &form.code).await {
        Ok(person) => answer(
            StatusCode::OK,
            json!({
                "email": person.email,
                "name": person.name,
                "role": role_name(person.role),
                "expiresAt": person.invite_expires_at,
            }),
        ),
        Err(err) => refusal(&ApiError::from(err)),
    }
}

#[derive(Deserialize)]
struct AcceptInvite {
    code: String,
    password: String,
}

async fn accept_invite(State(state): State<AppState>, request: Request) -> Response {
    let (headers, _, form) = match json_body::<AcceptInvite>(request).await {
        Ok(read) => read,
        Err(err) => return refusal(&err),
    };
    match people::accept_invite(state.db.conn(), &form.code, &form.password).await {
        Ok(person) => start_session(&state, &headers, &person).await,
        Err(err) => refusal(&ApiError::from(err)),
    }
}

/// The shared throttle, for tests and the state.
pub fn new_staff(settings: StaffSettings) -> Arc<Staff> {
    Arc::new(Staff::new(settings))
}
