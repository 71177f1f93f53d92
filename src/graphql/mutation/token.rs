//! API token management (admin only).

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Role as AuthRole};
use crate::graphql::context::{RoleGuard, database, parse_id};
use crate::graphql::error::ApiResult;
use crate::graphql::object::{ApiToken, CreatedToken, Role};

#[derive(Default)]
pub struct TokenMutation;

#[Object(guard = "RoleGuard(AuthRole::Admin)")]
impl TokenMutation {
    /// Creates a token; its secret is in the answer and nowhere else, ever.
    async fn create_api_token(&self, ctx: &Context<'_>, name: String, role: Role) -> ApiResult<CreatedToken> {
        // Through the write gate, like every write, so SQLite never sees two writers.
        let txn = database(ctx)?.begin_write().await?;
        let (token, secret) = auth::create_token(&*txn, &name, role).await?;
        txn.commit().await?;
        Ok(CreatedToken {
            secret,
            token: ApiToken(token),
        })
    }

    /// Revokes a token at once: requests carrying it are refused from now on.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ApiToken> {
        let id = parse_id("id", &id)?;
        let txn = database(ctx)?.begin_write().await?;
        let token = auth::revoke_token(&*txn, id).await?;
        txn.commit().await?;
        Ok(ApiToken(token))
    }
}
