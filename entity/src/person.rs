//! A member of the clinic's staff who signs in to the editor with an email and a
//! password. Only an argon2id hash of the password is kept, and only the SHA-256
//! hash of a pending invitation's code.

use sea_orm::entity::prelude::*;

use crate::Role;
use crate::limits::{TextLimit, varchar};

pub const EMAIL: TextLimit = varchar("person", "email", 254);
pub const NAME: TextLimit = varchar("person", "name", 200);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased, so that sign-in ignores case.
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The argon2id hash in PHC format; none until the invitation is accepted.
    pub password_hash: Option<String>,
    #[sea_orm(unique)]
    pub invite_hash: Option<String>,
    pub invite_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_sign_in_at: Option<DateTimeUtc>,
    pub disabled_at: Option<DateTimeUtc>,
    /// Sessions started before this are refused (set by a new invitation, a role
    /// change or disabling), even one whose row a racing sign-in wrote late.
    pub sessions_valid_after: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
