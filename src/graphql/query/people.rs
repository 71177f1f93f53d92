//! Staff (admin only), who is asking, and markdown previews.

use async_graphql::{Context, Object, SimpleObject};

use crate::auth::{Identity, Role};
use crate::content::rich_text;
use crate::graphql::context::{RoleGuard, database, identity};
use crate::graphql::error::ApiResult;
use crate::graphql::object::Person;
use crate::people;

#[derive(Default)]
pub struct PeopleQuery;

/// Who a request acts as.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The person's or the token's name.
    name: String,
    role: Role,
    /// True for a signed-in person, false for an API token.
    is_person: bool,
}

/// Markdown rendered as the public would receive it.
#[derive(SimpleObject)]
pub struct RenderedMarkdown {
    /// Sanitized HTML, as in a rich text field's `html`.
    html: String,
    plain_text: String,
}

#[Object]
impl PeopleQuery {
    /// Everyone who may sign in to the editor, invited ones included (admin only).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn people(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        let found = people::list(database(ctx)?.conn()).await?;
        Ok(found.into_iter().map(Person).collect())
    }

    /// Who this request acts as; null for the public.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Viewer> {
        match identity(ctx) {
            Identity::Public => None,
            Identity::Token { name, role, .. } => Some(Viewer {
                name: name.clone(),
                role: *role,
                is_person: false,
            }),
            Identity::Person { name, role, .. } => Some(Viewer {
                name: name.clone(),
                role: *role,
                is_person: true,
            }),
        }
    }

    /// Markdown rendered exactly as saving it would store and serve it, for a live
    /// preview while editing (any token; at most as long as a rich text field).
    #[graphql(guard = "RoleGuard(Role::Preview)")]
    async fn render_markdown(
        &self,
        #[graphql(validator(max_length = 100000))] markdown: String,
    ) -> RenderedMarkdown {
        RenderedMarkdown {
            html: rich_text::to_html(&markdown),
            plain_text: rich_text::to_plain_text(&markdown),
        }
    }
}
