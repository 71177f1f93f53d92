//! Access: opaque bearer tokens stored only as SHA-256 hashes, each with a role,
//! and the identity a request acts as.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::api_token::{ActiveModel, Column, Entity, Model};
use rand::RngCore;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use entity::Role;

/// Every secret starts with this, so that a leaked one is easy to recognise in logs and scanners.
const SECRET_PREFIX: &str = "cca_";

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Public,
    Token {
        id: Uuid,
        name: String,
        role: Role,
    },
    /// A person signed in to the editor, acting through one of their sessions.
    Person {
        id: Uuid,
        session_id: Uuid,
        name: String,
        role: Role,
    },
}

/// What a non-public identity holds, which may be revoked or end while a
/// socket that opened with it is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Token(Uuid),
    Session(Uuid),
}

impl Identity {
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Public => None,
            Self::Token { role, .. } | Self::Person { role, .. } => Some(*role),
        }
    }

    pub fn credential(&self) -> Option<Credential> {
        match self {
            Self::Public => None,
            Self::Token { id, .. } => Some(Credential::Token(*id)),
            Self::Person { session_id, .. } => Some(Credential::Session(*session_id)),
        }
    }

    /// Preview, editor and admin tokens may read drafts.
    pub fn can_read_drafts(&self) -> bool {
        self.role().is_some()
    }

    pub fn has_role(&self, needed: Role) -> bool {
        self.role().is_some_and(|role| role >= needed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    #[error("the token is unknown or has been revoked")]
    Rejected,
    #[error("no API token with id {0}")]
    NotFound(Uuid),
    #[error("token name must be 1–{} characters, without NUL", entity::limits::API_TOKEN_NAME.max_chars)]
    InvalidName,
    #[error("database error")]
    Database(#[from] DbErr),
}

/// The hex SHA-256 of a secret: what is stored of tokens, sessions and invitations.
pub(crate) fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Resolves an `Authorization` header value; no header is the public.
pub async fn authenticate(db: &impl ConnectionTrait, header: Option<&str>) -> Result<Identity, AuthError> {
    let Some(header) = header else {
        return Ok(Identity::Public);
    };
    // The scheme is case-insensitive (RFC 7235): `Bearer`, `bearer`, `BEARER`.
    let secret = header
        .trim_start()
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim())
        .filter(|s| s.starts_with(SECRET_PREFIX) && s.len() < 200)
        .ok_or(AuthError::Malformed)?;
    let token = Entity::find()
        .filter(Column::SecretHash.eq(hash(secret)))
        .filter(Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(AuthError::Rejected)?;
    Ok(Identity::Token {
        id: token.id,
        name: token.name,
        role: token.role,
    })
}

/// Whether a token exists and is not revoked.
pub async fn is_active(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, AuthError> {
    let token = Entity::find_by_id(id).one(db).await?;
    Ok(token.is_some_and(|t| t.revoked_at.is_none()))
}

/// Whether a token is not revoked, or a session has not ended or expired.
pub async fn still_valid(db: &impl ConnectionTrait, credential: Credential) -> Result<bool, AuthError> {
    match credential {
        Credential::Token(id) => is_active(db, id).await,
        Credential::Session(id) => Ok(crate::people::is_live(db, id).await?),
    }
}

/// Creates a token and returns it with its secret, which is shown this once and never stored.
pub async fn create_token(
    db: &impl ConnectionTrait,
    name: &str,
    role: Role,
) -> Result<(Model, String), AuthError> {
    let name = name.trim();
    let limit = entity::limits::API_TOKEN_NAME;
    if name.is_empty() || !limit.admits(name) {
        return Err(AuthError::InvalidName);
    }
    let secret = new_secret();
    let model = ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        role: Set(role),
        secret_hash: Set(hash(&secret)),
        created_at: Set(crate::content::now()),
        revoked_at: Set(None),
    };
    let model = Entity::insert(model).exec_with_returning(db).await?;
    Ok((model, secret))
}

pub async fn list_tokens(db: &impl ConnectionTrait) -> Result<Vec<Model>, AuthError> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Revokes a token; revoking twice keeps the first revocation time.
pub async fn revoke_token(db: &impl ConnectionTrait, id: Uuid) -> Result<Model, AuthError> {
    let token = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AuthError::NotFound(id))?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut model: ActiveModel = token.into();
    model.revoked_at = Set(Some(crate::content::now()));
    Ok(sea_orm::ActiveModelTrait::update(model, db).await?)
}

/// On a database that has never had a token, creates the first admin token and
/// returns its secret; otherwise `None`.
pub async fn first_admin_token(db: &impl ConnectionTrait) -> Result<Option<String>, AuthError> {
    if Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let (_, secret) = create_token(db, "first admin", Role::Admin).await?;
    Ok(Some(secret))
}
