//! Citation reads.

use async_graphql::{Context, ID, Object};
use entity::citation::Entity;

use super::note_list;
use crate::cache::{Dependency, ObjectKey};
use crate::content::{citation, document};
use crate::graphql::context::{database, loaders, parse_id};
use crate::graphql::error::ApiResult;
use crate::graphql::input::page;
use crate::graphql::object::{Citation, List, Stage, list};

#[derive(Default)]
pub struct CitationQuery;

#[Object]
impl CitationQuery {
    /// One citation by id; null if there is none at the stage. `stage: DRAFT` needs a token.
    async fn citation(&self, ctx: &Context<'_>, id: ID, stage: Option<Stage>) -> ApiResult<Option<Citation>> {
        let stage = crate::graphql::context::stage(ctx, stage)?;
        let id = parse_id("id", &id)?;
        let db = database(ctx)?.conn();
        let found = if stage == Stage::Published {
            loaders(ctx)?
                .published(
                    ObjectKey::Row(entity::DocumentType::Citation, id),
                    document::find::<Entity>(db, id, stage),
                    |found| match found {
                        Some(_) => vec![Dependency::Document(entity::DocumentType::Citation, id)],
                        None => vec![Dependency::Kind(entity::DocumentType::Citation)],
                    },
                )
                .await?
        } else {
            document::find::<Entity>(db, id, stage).await?
        };
        Ok(found.map(Citation))
    }

    /// Citations by title, a page at a time (`first`/`last` at most 100, default
    /// 20); `search` narrows to titles, publishers, DOIs or PubMed IDs containing it.
    #[allow(clippy::too_many_arguments)]
    async fn citations(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<Citation>> {
        let stage = crate::graphql::context::stage(ctx, stage)?;
        let request = page(first, after, last, before);
        let rows = citation::list(database(ctx)?.conn(), stage, search.as_deref(), &request).await?;
        note_list::<Entity>(ctx, stage, &rows, &[])?;
        Ok(list(rows, Citation))
    }
}
