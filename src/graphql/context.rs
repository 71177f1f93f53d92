//! What resolvers take from the request context: the database, the caller's
//! identity and role checks, the stage to read at, and write transactions.

use async_graphql::Context;
use futures_util::future::BoxFuture;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::loader::Loaders;
use super::object::Stage;
use crate::auth::{Identity, Role};
use crate::content::{self, Actor, Write};
use crate::db::Database;
use crate::log::EventBus;

pub fn database<'c>(ctx: &Context<'c>) -> ApiResult<&'c Database> {
    ctx.data::<Database>().map_err(|_| {
        tracing::error!("the schema was built without a database");
        ApiError::Internal
    })
}

/// The request's DataLoaders (made fresh for each request by the server).
pub fn loaders<'c>(ctx: &Context<'c>) -> ApiResult<&'c Loaders> {
    ctx.data::<Loaders>().map_err(|_| {
        tracing::error!("request has no loaders");
        ApiError::Internal
    })
}

pub fn identity<'c>(ctx: &Context<'c>) -> &'c Identity {
    ctx.data_opt::<Identity>().unwrap_or(&Identity::Public)
}

/// Fails unless the caller holds at least `role`: `UNAUTHENTICATED` without a
/// token, `FORBIDDEN` with a weaker one.
pub fn require(ctx: &Context<'_>, role: Role) -> ApiResult<()> {
    let identity = identity(ctx);
    match identity.role() {
        None => Err(ApiError::Unauthenticated(format!(
            "this needs {} token; send it as `Authorization: Bearer <token>`",
            role_name(role)
        ))),
        Some(_) if identity.has_role(role) => Ok(()),
        Some(held) => Err(ApiError::Forbidden(format!(
            "this needs {} token; this one is {} token",
            role_name(role),
            role_name(held)
        ))),
    }
}

/// Field guard: the caller must hold at least this role. Put on whole mutation
/// objects so that the role is checked before any argument is looked at.
pub struct RoleGuard(pub Role);

impl async_graphql::Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        Ok(require(ctx, self.0)?)
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Preview => "a preview",
        Role::Editor => "an editor",
        Role::Reviewer => "a reviewer",
        Role::Admin => "an admin",
    }
}

/// The stage a root field reads at: `PUBLISHED` unless a token holder asks for `DRAFT`.
pub fn stage(ctx: &Context<'_>, requested: Option<Stage>) -> ApiResult<content::Stage> {
    match requested.unwrap_or(Stage::Published) {
        Stage::Published => Ok(content::Stage::Published),
        Stage::Draft if identity(ctx).can_read_drafts() => Ok(content::Stage::Draft),
        Stage::Draft => Err(ApiError::Unauthenticated(
            "reading drafts needs a preview, editor or admin token".to_owned(),
        )),
    }
}

/// Parses a GraphQL `ID` as a document id.
pub fn parse_id(field: &str, id: &async_graphql::ID) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        // Enough of the value to recognise it; a megabyte of garbage is not echoed back.
        let shown: String = id.chars().take(40).collect();
        let cut = if shown.len() < id.len() { "…" } else { "" };
        ApiError::bad_input(field, format!("{shown:?}{cut} is not a valid id"))
    })
}

pub fn parse_ids(field: &str, ids: &[async_graphql::ID]) -> ApiResult<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

/// Who the event log names for this request's changes.
pub fn actor(ctx: &Context<'_>) -> Actor {
    match identity(ctx) {
        Identity::Public => Actor::system("public"),
        Identity::Token { id, name, .. } => Actor {
            token_id: Some(*id),
            name: name.clone(),
        },
        // A person's changes carry their name; the log's token id stays empty.
        Identity::Person { name, .. } => Actor {
            token_id: None,
            name: name.clone(),
        },
    }
}

/// How long a writer waits for this instance to apply its events (evict what its
/// write made stale) before answering anyway.
const APPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs a content write as an editor, in one transaction with its events: all of
/// it or nothing. After the commit, this instance's subscribers are woken, and
/// the answer waits until its events are applied here, so a read sent after it
/// to this instance never gets a cached answer older than the write.
pub async fn write<T, F>(ctx: &Context<'_>, f: F) -> ApiResult<T>
where
    F: for<'t> FnOnce(&'t Write<'t>) -> BoxFuture<'t, content::Result<T>>,
{
    write_as(ctx, Role::Editor, f).await
}

/// Like [`write`], for callers holding at least `role`.
pub async fn write_as<T, F>(ctx: &Context<'_>, role: Role, f: F) -> ApiResult<T>
where
    F: for<'t> FnOnce(&'t Write<'t>) -> BoxFuture<'t, content::Result<T>>,
{
    require(ctx, role)?;
    let db = database(ctx)?;
    let actor = actor(ctx);
    let txn = db.begin_content_write().await?;
    let write = Write::new(&txn, &actor);
    let out = f(&write).await?;
    let last_seq = write.last_seq();
    txn.commit().await?;
    if let Ok(bus) = ctx.data::<EventBus>() {
        bus.wake();
        if let Some(seq) = last_seq
            && !bus.caught_up(seq, APPLY_WAIT).await
            && bus.is_running()
        {
            tracing::warn!(seq, "a write's events were not applied in time; caches may lag");
        }
    }
    Ok(out)
}
