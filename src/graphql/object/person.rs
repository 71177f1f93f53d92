//! A member of staff who signs in to the editor, and a pending invitation.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Role;
use crate::people::{self, PersonStatus};

pub struct Person(pub entity::person::Model);

/// Someone who signs in to the web editor with an email and a password.
#[Object]
impl Person {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Lower-cased; what they sign in with.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// How history and the editor name them.
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn role(&self) -> Role {
        self.0.role
    }

    async fn status(&self) -> PersonStatus {
        people::status(&self.0)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn last_sign_in_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_sign_in_at
    }

    /// When a pending invitation stops working; null when none is pending.
    async fn invite_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.invite_expires_at
    }
}

/// An invitation, with its code: shown this once, never stored (only its hash).
#[derive(SimpleObject)]
pub struct Invitation {
    pub person: Person,
    /// Give this to the person; it sets their password once.
    pub code: String,
    /// The editor's page that accepts it, like `/editor/#/invite/<code>`: put the
    /// server's address in front.
    pub path: String,
    pub expires_at: DateTime<Utc>,
}
