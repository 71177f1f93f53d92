//! The schema extension that enforces the limits: it prices the text before the
//! parser runs and the parsed document before validation, tags parse and
//! validation errors with codes, and bounds each operation's time and answer size.
//! Being part of the schema, it holds for HTTP and WebSocket alike.

use std::io;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult, Variables,
};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::{QueryLimits, analysis, lexer};
use crate::auth::Identity;
use crate::observe::Metrics;

/// The code of a document that does not parse.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// The code of a document that parses but does not fit the schema (or its variables do not).
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
/// The code of a schema query on a server in production mode.
pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";
/// The code of an answer larger than `max_response_bytes`.
pub const RESPONSE_TOO_LARGE: &str = "RESPONSE_TOO_LARGE";
/// The code of an operation that ran longer than `operation_timeout`.
pub const OPERATION_TIMEOUT: &str = "OPERATION_TIMEOUT";

/// Put in a request's data (as `Arc<ExecutionStarted>`) to learn whether its
/// operation started to run, and its name: until then, errors are request errors
/// (the document was refused) and the answer carries no `data`.
#[derive(Debug, Default)]
pub struct ExecutionStarted(std::sync::OnceLock<Option<String>>);

impl ExecutionStarted {
    pub fn get(&self) -> bool {
        self.0.get().is_some()
    }

    /// The name of the operation that ran, if it has one.
    pub fn operation_name(&self) -> Option<&str> {
        self.0.get()?.as_deref()
    }

    fn mark(&self, operation_name: Option<&str>) {
        let _ = self.0.set(operation_name.map(str::to_owned));
    }
}

/// Documents longer than this are parsed and priced one at a time per instance.
/// Parsing takes time in proportion to length (some 0.2 ms for the 2 KiB attack
/// query): a flood of long documents then holds one core, never all of them, and
/// short ones (most real queries) never wait.
pub const LONG_DOCUMENT_BYTES: usize = 1024;

/// The one-at-a-time lane for parsing long documents; one per instance, shared by
/// the guard and by the HTTP layer, which parses a request's document first.
#[derive(Debug, Clone)]
pub struct ParseLane(Arc<Semaphore>);

impl Default for ParseLane {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(1)))
    }
}

impl ParseLane {
    /// Waits for the lane when `query` is long; hold what it returns while parsing.
    pub async fn enter(&self, query: &str) -> Option<SemaphorePermit<'_>> {
        if query.len() <= LONG_DOCUMENT_BYTES {
            return None;
        }
        // The semaphore is never closed, so acquiring cannot fail.
        self.0.acquire().await.ok()
    }
}

/// Install with `Schema::build(..).extension(QueryGuard::new(limits, metrics))`.
pub struct QueryGuard {
    limits: Arc<QueryLimits>,
    metrics: Metrics,
    introspection: bool,
    lane: ParseLane,
}

impl QueryGuard {
    pub fn new(limits: QueryLimits, metrics: Metrics) -> Self {
        Self {
            limits: Arc::new(limits),
            metrics,
            introspection: true,
            lane: ParseLane::default(),
        }
    }

    /// Parses long documents in `lane`, shared with the rest of the instance.
    pub fn with_parse_lane(self, lane: ParseLane) -> Self {
        Self { lane, ..self }
    }

    /// Refuses documents that ask for the schema (`__schema`, `__type`), with
    /// `INTROSPECTION_DISABLED`, rather than answering them with nulls.
    pub fn without_introspection(self) -> Self {
        Self {
            introspection: false,
            ..self
        }
    }
}

impl ExtensionFactory for QueryGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guard {
            limits: self.limits.clone(),
            metrics: self.metrics.clone(),
            introspection: self.introspection,
            lane: self.lane.clone(),
        })
    }
}

struct Guard {
    limits: Arc<QueryLimits>,
    metrics: Metrics,
    introspection: bool,
    lane: ParseLane,
}

#[async_trait::async_trait]
impl Extension for Guard {
    /// Prices the request before the executor parses it: the text first, then
    /// the parsed document (kept in the request, so it is parsed once). This must
    /// come before the executor's own checks, which expand fragments one spread
    /// at a time and would take minutes over a fragment bomb.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Err(exceeded) = self.limits.check_text(&lexer::scan(&request.query)) {
            self.metrics.limit_refused(exceeded.code);
            return Err(exceeded.into_server_error());
        }
        let variables = request.variables.clone();
        let with_token = request
            .data
            .get(&std::any::TypeId::of::<Identity>())
            .and_then(|data| data.downcast_ref::<Identity>())
            .or_else(|| ctx.data_opt::<Identity>())
            .is_some_and(|identity| identity.role().is_some());
        let long_document = self.lane.enter(&request.query).await;
        let document = request
            .parsed_query()
            .map_err(|err| with_code(err, PARSE_FAILED))?;
        let measured = analysis::measure(document, &ctx.schema_env.registry, &variables, &self.limits);
        drop(long_document);
        if let Err(exceeded) = self.limits.check_measured(&measured, with_token) {
            self.metrics.limit_refused(exceeded.code);
            return Err(exceeded.into_server_error());
        }
        if !self.introspection && measured.introspects {
            self.metrics.limit_refused(INTROSPECTION_DISABLED);
            return Err(coded(
                "introspection is turned off on this server (production mode)".to_owned(),
                INTROSPECTION_DISABLED,
            ));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|err| with_code(err, PARSE_FAILED))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_code(e, VALIDATION_FAILED))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(started) = ctx.data_opt::<Arc<ExecutionStarted>>() {
            started.mark(operation_name);
        }
        let run = next.run(ctx, operation_name);
        let response = match tokio::time::timeout(self.limits.operation_timeout, run).await {
            Ok(response) => response,
            Err(_) => {
                self.metrics.limit_refused(OPERATION_TIMEOUT);
                let seconds = self.limits.operation_timeout.as_secs_f64();
                return Response::from_errors(vec![coded(
                    format!("the operation took longer than its limit of {seconds} s and was stopped"),
                    OPERATION_TIMEOUT,
                )]);
            }
        };
        let max = self.limits.max_response_bytes;
        if serialized_len_within(&response, max) {
            response
        } else {
            self.metrics.limit_refused(RESPONSE_TOO_LARGE);
            Response::from_errors(vec![coded(
                format!("the answer is larger than the limit of {max} bytes: ask for fewer items or fields"),
                RESPONSE_TOO_LARGE,
            )])
        }
    }
}

/// An error with `code`, unless it already has one.
fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

fn coded(message: String, code: &str) -> ServerError {
    with_code(ServerError::new(message, None), code)
}

/// Whether the answer serializes to at most `max` bytes; stops counting past it.
fn serialized_len_within(response: &Response, max: usize) -> bool {
    struct Counter {
        left: usize,
    }
    impl io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.left = self
                .left
                .checked_sub(buf.len())
                .ok_or_else(|| io::Error::other("over the limit"))?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(&mut Counter { left: max }, response).is_ok()
}
