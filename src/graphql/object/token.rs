//! API tokens as admins see them (never with their secret, except once at creation).

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::api_token::Model;

use super::Role;

pub struct ApiToken(pub Model);

#[Object]
impl ApiToken {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn role(&self) -> Role {
        self.0.role
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the token was revoked; null while it is valid.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// A new token and its secret. The secret is shown only here: store it now.
#[derive(SimpleObject)]
pub struct CreatedToken {
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
    pub token: ApiToken,
}
