//! Review reads: what is due.

use async_graphql::{Context, Object};
use chrono::NaiveDate;

use crate::auth::Role;
use crate::content::review::{self, ReviewRules};
use crate::graphql::context::{RoleGuard, database};
use crate::graphql::error::ApiResult;
use crate::graphql::object::ReviewDue;

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// Every therapy and condition whose next review falls before `before`, or
    /// that was never reviewed; soonest first (any token).
    #[graphql(guard = "RoleGuard(Role::Preview)")]
    async fn reviews_due(&self, ctx: &Context<'_>, before: NaiveDate) -> ApiResult<Vec<ReviewDue>> {
        let rules = ctx.data_opt::<ReviewRules>().copied().unwrap_or_default();
        let today = review::today();
        let due = review::due_before(database(ctx)?.conn(), before).await?;
        Ok(due
            .into_iter()
            .map(|item| ReviewDue::new(item, &rules, today))
            .collect())
    }
}
