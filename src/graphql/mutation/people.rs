//! Managing staff (admin only): invitations, roles, disabling.

use async_graphql::{Context, ID, InputObject, Object};

use crate::auth::{Identity, Role};
use crate::graphql::EditorPath;
use crate::graphql::context::{RoleGuard, database, identity, parse_id};
use crate::graphql::error::ApiResult;
use crate::graphql::object::{Invitation, Person};
use crate::people;

#[derive(Default)]
pub struct PeopleMutation;

#[derive(InputObject)]
pub struct InvitePersonInput {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// Fields to change; a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    pub name: Option<String>,
    pub role: Option<Role>,
}

fn invitation(ctx: &Context<'_>, made: people::Invitation) -> Invitation {
    let editor = ctx
        .data_opt::<EditorPath>()
        .map_or("/editor", |path| path.0.as_str());
    Invitation {
        path: format!("{editor}/#/invite/{}", made.code),
        expires_at: made.person.invite_expires_at.unwrap_or_else(crate::content::now),
        code: made.code,
        person: Person(made.person),
    }
}

/// The admin making the change, when a person (an admin token has no person).
fn acting_person(ctx: &Context<'_>) -> Option<uuid::Uuid> {
    match identity(ctx) {
        Identity::Person { id, .. } => Some(*id),
        _ => None,
    }
}

#[Object(guard = "RoleGuard(Role::Admin)")]
impl PeopleMutation {
    /// Invites someone to the editor: the answer has the code and link to give
    /// them, shown this once; it works for seven days.
    async fn invite_person(&self, ctx: &Context<'_>, input: InvitePersonInput) -> ApiResult<Invitation> {
        let db = database(ctx)?.conn();
        let made = people::invite(db, &input.email, &input.name, input.role).await?;
        Ok(invitation(ctx, made))
    }

    /// A new invitation for someone who forgot their password: their password
    /// and sessions end now.
    async fn reinvite_person(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Invitation> {
        let id = parse_id("id", &id)?;
        let made = people::reinvite(database(ctx)?.conn(), id).await?;
        Ok(invitation(ctx, made))
    }

    /// Changes a person's name or role; the new role holds from their next request.
    async fn update_person(&self, ctx: &Context<'_>, id: ID, input: UpdatePersonInput) -> ApiResult<Person> {
        let id = parse_id("id", &id)?;
        let person = people::update(
            database(ctx)?.conn(),
            id,
            input.name.as_deref(),
            input.role,
            acting_person(ctx),
        )
        .await?;
        Ok(Person(person))
    }

    /// Stops a person signing in; their open sessions end at once.
    async fn disable_person(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Person> {
        let id = parse_id("id", &id)?;
        let person = people::set_disabled(database(ctx)?.conn(), id, true, acting_person(ctx)).await?;
        Ok(Person(person))
    }

    async fn enable_person(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Person> {
        let id = parse_id("id", &id)?;
        let person = people::set_disabled(database(ctx)?.conn(), id, false, acting_person(ctx)).await?;
        Ok(Person(person))
    }
}
