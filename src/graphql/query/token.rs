//! API token reads (admin only).

use async_graphql::{Context, Object};

use crate::auth::{self, Role};
use crate::graphql::context::{database, require};
use crate::graphql::error::ApiResult;
use crate::graphql::object::ApiToken;

#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// Every API token, revoked ones included (admin only). Secrets are never shown.
    async fn api_tokens(&self, ctx: &Context<'_>) -> ApiResult<Vec<ApiToken>> {
        require(ctx, Role::Admin)?;
        Ok(auth::list_tokens(database(ctx)?.conn())
            .await?
            .into_iter()
            .map(ApiToken)
            .collect())
    }
}
