//! GraphQL over HTTP, as its specification asks: requests by POST (JSON) and by
//! GET (queries only), the answer's media type negotiated by `Accept`, and status
//! codes that tell a malformed request, a refused document and an answer apart.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::AppState;
use super::http_cache::{self, Cacheability};
use super::persisted::PersistedError;
use crate::cache::{Answer, AnswerKey, ReadSet};
use crate::graphql::error::ApiError;
use crate::graphql::limits::{self, ExecutionStarted, LIMIT_CODES};
use crate::observe::Outcome;

/// The media type of the GraphQL-over-HTTP specification.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The answer's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`: the legacy type; request errors are answered 200.
    Json,
    /// `application/graphql-response+json`: request errors are answered 4xx.
    GraphqlResponse,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        })
    }
}

/// Picks the answer's media type from `Accept`: the GraphQL one when the client
/// prefers it, JSON when the header is missing or accepts anything; `None` when
/// the client accepts neither (answered 406).
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(MediaType, f32, u8)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .or_else(|| p.trim().strip_prefix("Q="))
            })
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        // Ties go to the more specific range, then to the GraphQL type.
        let candidate = match range.as_str() {
            GRAPHQL_RESPONSE_JSON => (MediaType::GraphqlResponse, 3),
            "application/json" => (MediaType::Json, 2),
            "application/*" | "*/*" => (MediaType::Json, 1),
            _ => continue,
        };
        if quality <= 0.0 {
            continue;
        }
        let better = best.is_none_or(|(_, q, s)| quality > q || (quality == q && candidate.1 > s));
        if better {
            best = Some((candidate.0, quality, candidate.1));
        }
    }
    match best {
        Some((media, _, _)) => Some(media),
        // `Accept` names only other types (say `text/html`): nothing we can send.
        None if accept.trim().is_empty() => Some(MediaType::Json),
        None => None,
    }
}

/// Why a request was not a well-formed GraphQL-over-HTTP request.
#[derive(Debug)]
pub struct BadRequest {
    status: StatusCode,
    message: String,
}

impl BadRequest {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

/// The parameters of a POST body (a JSON object), each checked for its type.
pub fn from_post(headers: &HeaderMap, body: &Bytes) -> Result<async_graphql::Request, BadRequest> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check_content_type(content_type)?;
    if body.is_empty() {
        return Err(BadRequest::bad(
            "the request body is empty; send a JSON object with `query`",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| BadRequest::bad(format!("the request body is not valid JSON: {err}")))?;
    let Value::Object(params) = value else {
        return Err(BadRequest::bad(
            "the request body must be one JSON object with `query` (batches are not supported)",
        ));
    };
    from_params(params)
}

/// A POST must say it is JSON. Form and text bodies are refused: browsers send
/// those cross-site without asking first (CSRF), and they are not GraphQL anyway.
fn check_content_type(content_type: &str) -> Result<(), BadRequest> {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "application/json" {
        let got = if essence.is_empty() {
            "no Content-Type".to_owned()
        } else {
            format!("Content-Type {essence}")
        };
        return Err(BadRequest::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send GraphQL requests as `Content-Type: application/json`; got {got}"),
        ));
    }
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(BadRequest::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request bodies must be UTF-8",
            ));
        }
    }
    Ok(())
}

/// The parameters of a GET URL: `query`, `operationName`, and `variables` and
/// `extensions` as JSON text.
pub fn from_query_string(query_string: &str) -> Result<async_graphql::Request, BadRequest> {
    let mut params = Map::new();
    for (name, value) in form_urlencoded_pairs(query_string) {
        let value = match name.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|err| BadRequest::bad(format!("`{name}` is not valid JSON: {err}")))?,
            _ => Value::String(value),
        };
        if params.insert(name.clone(), value).is_some() {
            return Err(BadRequest::bad(format!("`{name}` is given more than once")));
        }
    }
    from_params(params)
}

fn form_urlencoded_pairs(query_string: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query_string.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn from_params(mut params: Map<String, Value>) -> Result<async_graphql::Request, BadRequest> {
    let persisted = params
        .get("extensions")
        .and_then(|e| e.get("persistedQuery"))
        .is_some();
    let query = match params.remove("query") {
        Some(Value::String(query)) => query,
        // A persisted query names its document by hash instead.
        None | Some(Value::Null) if persisted => String::new(),
        None | Some(Value::Null) => {
            return Err(BadRequest::bad("the request has no `query`"));
        }
        Some(_) => return Err(BadRequest::bad("`query` must be a string")),
    };
    let mut request = async_graphql::Request::new(query);
    match params.remove("operationName") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name),
        Some(_) => return Err(BadRequest::bad("`operationName` must be a string or null")),
    }
    match params.remove("variables") {
        None | Some(Value::Null) => {}
        Some(variables @ Value::Object(_)) => {
            request = request.variables(async_graphql::Variables::from_json(variables));
        }
        Some(_) => return Err(BadRequest::bad("`variables` must be an object or null")),
    }
    match params.remove("extensions") {
        None | Some(Value::Null) => {}
        Some(Value::Object(extensions)) => {
            for (name, value) in extensions {
                let value = async_graphql::Value::from_json(value)
                    .map_err(|_| BadRequest::bad("`extensions` holds a value that is not JSON"))?;
                request.extensions.insert(name, value);
            }
        }
        Some(_) => return Err(BadRequest::bad("`extensions` must be an object or null")),
    }
    Ok(request)
}

/// The type of the operation a request would run, when its document parses and
/// names one; parse errors are left for execution to report.
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Answers one GraphQL request that came by `method`.
pub async fn respond(
    state: &AppState,
    method: Method,
    headers: &HeaderMap,
    request: Result<async_graphql::Request, BadRequest>,
) -> Response {
    let started = Instant::now();
    let _in_flight = state.metrics.in_flight();
    let Some(media) = negotiate(headers) else {
        state.metrics.request(None, Outcome::Refused, started.elapsed());
        return plain_error(
            MediaType::Json,
            StatusCode::NOT_ACCEPTABLE,
            "BAD_REQUEST",
            "this endpoint answers `application/graphql-response+json` or `application/json`",
        );
    };
    let mut request = match request {
        Ok(request) => request,
        Err(bad) => {
            state.metrics.request(None, Outcome::Refused, started.elapsed());
            return plain_error(media, bad.status, "BAD_REQUEST", &bad.message);
        }
    };
    // A session acts only with its CSRF header; a cookie alone is the public.
    let public =
        !headers.contains_key(header::AUTHORIZATION) && !headers.contains_key(super::staff::CSRF_HEADER);
    if let Err(err) = state.persisted.resolve(&mut request, public) {
        state.metrics.request(None, Outcome::Refused, started.elapsed());
        let status = match (&err, media) {
            (PersistedError::NotFound | PersistedError::NotAllowed, MediaType::Json) => StatusCode::OK,
            _ => StatusCode::BAD_REQUEST,
        };
        return plain_error(media, status, err.code(), &err.message());
    }
    let operation_name = request.operation_name.clone();
    // A public question answered before: its bytes, without parsing or executing.
    let responses = state.caches.responses().filter(|_| public);
    let answer_key = responses.map(|_| AnswerKey::of(&request));
    if let (Some(responses), Some(key)) = (responses, &answer_key)
        && let Some(answer) = responses.get(key)
    {
        state
            .metrics
            .request(answer.operation.as_deref(), Outcome::Ok, started.elapsed());
        return http_cache::public(headers, &state.cache, media.content_type(), &answer);
    }
    // Noted before anything is read: an answer read across a purge is not kept.
    let epoch = responses.map(|r| r.epoch());
    // Parse only text that fits the limits; the guard refuses the rest.
    let fits = state.limits.check_text(&limits::scan(&request.query)).is_ok();
    let operation = if fits {
        // The document is parsed here (the guard reuses it), so a long one
        // takes its turn in the parse lane here.
        if !state.documents.reuse(&mut request) {
            let _lane = state.parse_lane.enter(&request.query).await;
            state.documents.parse(&mut request);
        }
        operation_type(&mut request)
    } else {
        None
    };
    if method == Method::GET
        && matches!(
            operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        state
            .metrics
            .request(operation_name.as_deref(), Outcome::Refused, started.elapsed());
        let mut response = plain_error(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "mutations and subscriptions cannot be sent with GET: use POST (subscriptions: the WebSocket)",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let identity = super::staff::identify(state, headers).await;
    let execution = Arc::new(ExecutionStarted::default());
    let request = request.data(execution.clone());
    let reads = Arc::new(ReadSet::default());
    let response = match identity {
        Ok(identity) => state.execute_as(identity, request, reads.clone()).await,
        Err(err @ ApiError::Unauthenticated(_)) => {
            state
                .metrics
                .request(operation_name.as_deref(), Outcome::Refused, started.elapsed());
            return unauthenticated(media, err);
        }
        Err(err) => {
            state
                .metrics
                .request(operation_name.as_deref(), Outcome::Refused, started.elapsed());
            return error_response(media, &err);
        }
    };
    let executed = execution.get();
    let outcome = match (executed, response.is_ok()) {
        (false, _) => Outcome::Refused,
        (true, true) => Outcome::Ok,
        (true, false) => Outcome::Errors,
    };
    let operation_name = execution.operation_name().map(str::to_owned).or(operation_name);
    state
        .metrics
        .request(operation_name.as_deref(), outcome, started.elapsed());
    let cacheability = match (public, operation, outcome) {
        (false, _, _) => Cacheability::Private,
        (true, Some(OperationType::Query), Outcome::Ok) => Cacheability::Public,
        _ => Cacheability::NoStore,
    };
    let Some((status, body)) = encode(executed, response, media) else {
        return error_response(media, &ApiError::Internal);
    };
    if cacheability != Cacheability::Public || status != StatusCode::OK {
        return http_cache::finish(
            headers,
            cacheability,
            &state.cache,
            status,
            media.content_type(),
            body,
        );
    }
    let dependencies = reads.dependencies();
    let answer = Arc::new(Answer::new(body, &dependencies, operation_name));
    if let (Some(responses), Some(key), Some(epoch)) = (responses, answer_key, epoch)
        && !reads.is_volatile()
    {
        responses.insert(key, answer.clone(), dependencies, epoch);
    }
    http_cache::public(headers, &state.cache, media.content_type(), &answer)
}

/// The answer as the spec wants it: a refused document gets no `data`, and 400
/// when the client speaks the GraphQL media type (or a limit refused it).
fn encode(
    executed: bool,
    response: async_graphql::Response,
    media: MediaType,
) -> Option<(StatusCode, Vec<u8>)> {
    let has_code = |code: &str| {
        response.errors.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| matches!(c, async_graphql::Value::String(c) if c == code))
        })
    };
    let status = if executed {
        // Nothing could be answered because the database is away: say so, so
        // load balancers and clients retry rather than cache an empty page.
        if response.data == async_graphql::Value::Null && has_code("SERVICE_UNAVAILABLE") {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    } else {
        let by_limit = response.errors.iter().any(|e| {
            e.extensions.as_ref().and_then(|x| x.get("code")).is_some_and(
                |code| matches!(code, async_graphql::Value::String(c) if LIMIT_CODES.contains(&c.as_str())),
            )
        });
        if by_limit || media == MediaType::GraphqlResponse {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        }
    };
    let body = if executed {
        serde_json::to_vec(&response)
    } else {
        serde_json::to_vec(&serde_json::json!({ "errors": response.errors }))
    };
    match body {
        Ok(body) => Some((status, body)),
        Err(err) => {
            tracing::error!(error = %err, "could not serialize a GraphQL answer");
            None
        }
    }
}

fn unauthenticated(media: MediaType, err: ApiError) -> Response {
    let mut response = error_response(media, &err);
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// An error answered before any GraphQL work, with the status its code implies.
pub fn error_response(media: MediaType, err: &ApiError) -> Response {
    let status = match err {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    plain_error(media, status, err.code(), &err.message())
}

fn plain_error(media: MediaType, status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accept_picks_the_preferred_graphql_media_type() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("application/json")), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(MediaType::Json)
        );
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
    }

    #[test]
    fn only_json_bodies_in_utf8_are_taken() {
        assert!(check_content_type("application/json").is_ok());
        assert!(check_content_type("Application/JSON; charset=UTF-8").is_ok());
        for refused in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
        ] {
            let err = check_content_type(refused).unwrap_err();
            assert_eq!(err.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused}");
        }
    }

    #[test]
    fn parameters_of_the_wrong_type_are_bad_requests() {
        let params = |v: Value| match v {
            Value::Object(map) => from_params(map),
            _ => unreachable!(),
        };
        assert!(params(serde_json::json!({ "query": "{ __typename }", "variables": null, "operationName": null, "extensions": null })).is_ok());
        for bad in [
            serde_json::json!({}),
            serde_json::json!({ "query": 1 }),
            serde_json::json!({ "query": "{ a }", "operationName": 1 }),
            serde_json::json!({ "query": "{ a }", "variables": "x" }),
            serde_json::json!({ "query": "{ a }", "extensions": [] }),
        ] {
            assert_eq!(
                params(bad.clone()).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
