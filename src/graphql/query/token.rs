//! API token reads (admin only).

use async_graphql::{Context, Object};

use crate::auth::{self, Role};
use crate::graphql::context::{RoleGuard, database};
use crate::graphql::error::ApiResult;
use crate::graphql::object::ApiToken;

#[derive(Default)]
pub struct TokenQuery;

#[Object(guard = "RoleGuard(Role::Admin)")]
impl TokenQuery {
    /// Every API token, revoked ones included (admin only). Secrets are never shown.
    async fn api_tokens(&self, ctx: &Context<'_>) -> ApiResult<Vec<ApiToken>> {
        Ok(auth::list_tokens(database(ctx)?.conn())
            .await?
            .into_iter()
            .map(ApiToken)
            .collect())
    }
}
