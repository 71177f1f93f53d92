//! The clinic's staff: invitations, passwords and sign-in sessions for the web
//! editor. Machines keep using API tokens (`auth`); a signed-in person acts
//! through the same GraphQL API with their role.

pub mod password;
pub mod throttle;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::person::{self, Entity as Person, Model};
use entity::staff_session::{self, Entity as Session};
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use crate::auth::hash as sha256_hex;
pub use entity::Role;

/// How long an invitation may wait to be accepted.
pub const INVITE_VALID_FOR: Duration = Duration::days(7);

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error("{0}")]
    InvalidEmail(String),
    #[error("a name is 1–{} characters", person::NAME.max_chars)]
    InvalidName,
    #[error("{0}")]
    WeakPassword(String),
    #[error("someone with this email is already invited or signed up")]
    EmailTaken,
    #[error("no person with id {0}")]
    NotFound(Uuid),
    #[error("this invitation is unknown, used or expired; ask an administrator for a new one")]
    InviteInvalid,
    #[error("the email or password is wrong")]
    WrongCredentials,
    #[error("you cannot disable yourself or take away your own admin role")]
    LockingSelfOut,
    #[error("a password could not be hashed")]
    Hashing,
    #[error("this would leave no active admin; make someone else an admin first")]
    LastAdmin,
    #[error("this person is disabled; enable them before sending a new invitation")]
    Disabled,
    #[error("database error")]
    Database(#[from] DbErr),
}

pub type Result<T> = std::result::Result<T, PeopleError>;

/// Where a person stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum PersonStatus {
    /// Invited, no password set yet.
    Invited,
    Active,
    /// May not sign in; their sessions have ended.
    Disabled,
}

pub fn status(person: &Model) -> PersonStatus {
    match (&person.disabled_at, &person.password_hash) {
        (Some(_), _) => PersonStatus::Disabled,
        (None, None) => PersonStatus::Invited,
        (None, Some(_)) => PersonStatus::Active,
    }
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Trimmed and lower-cased; refused unless it looks like an address.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let limit = person::EMAIL;
    let looks_right = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'));
    if !looks_right || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PeopleError::InvalidEmail(
            "enter an email address like name@clinic.example".into(),
        ));
    }
    if !limit.admits(&email) {
        return Err(PeopleError::InvalidEmail(format!(
            "an email is at most {} characters",
            limit.max_chars
        )));
    }
    Ok(email)
}

fn normalize_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || !person::NAME.admits(name) {
        return Err(PeopleError::InvalidName);
    }
    Ok(name.to_owned())
}

/// A pending invitation: the person and the code, which is shown this once.
pub struct Invitation {
    pub person: Model,
    pub code: String,
}

/// Invites someone new; the code goes into the link they open to set a password.
pub async fn invite(db: &impl ConnectionTrait, email: &str, name: &str, role: Role) -> Result<Invitation> {
    let email = normalize_email(email)?;
    let name = normalize_name(name)?;
    if Person::find()
        .filter(person::Column::Email.eq(&email))
        .one(db)
        .await?
        .is_some()
    {
        return Err(PeopleError::EmailTaken);
    }
    let code = new_secret();
    let now = crate::content::now();
    let model = person::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        name: Set(name),
        role: Set(role),
        password_hash: Set(None),
        invite_hash: Set(Some(sha256_hex(&code))),
        invite_expires_at: Set(Some(now + INVITE_VALID_FOR)),
        created_at: Set(now),
        last_sign_in_at: Set(None),
        disabled_at: Set(None),
        sessions_valid_after: Set(None),
    };
    let person = Person::insert(model)
        .exec_with_returning(db)
        .await
        // Two invitations of one email at the same moment: the second finds it taken.
        .map_err(|err| match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => PeopleError::EmailTaken,
            _ => PeopleError::Database(err),
        })?;
    Ok(Invitation { person, code })
}

/// A new invitation for someone already known (a forgotten password): their
/// password and sessions end, and the new code is shown this once.
pub async fn reinvite(db: &DatabaseConnection, id: Uuid) -> Result<Invitation> {
    // The new code and the end of the old sessions happen together or not at all.
    let txn = db.begin().await?;
    let db = &txn;
    let person = find(db, id).await?;
    if person.disabled_at.is_some() {
        return Err(PeopleError::Disabled);
    }
    let code = new_secret();
    let now = crate::content::now();
    let mut model: person::ActiveModel = person.into();
    model.password_hash = Set(None);
    model.invite_hash = Set(Some(sha256_hex(&code)));
    model.invite_expires_at = Set(Some(now + INVITE_VALID_FOR));
    model.sessions_valid_after = Set(Some(now));
    let person = model.update(db).await?;
    end_sessions_of(db, id).await?;
    txn.commit().await?;
    Ok(Invitation { person, code })
}

/// The person a valid invitation code is for.
pub async fn invited_by(db: &impl ConnectionTrait, code: &str) -> Result<Model> {
    if code.len() > 100 {
        return Err(PeopleError::InviteInvalid);
    }
    let person = Person::find()
        .filter(person::Column::InviteHash.eq(sha256_hex(code)))
        .one(db)
        .await?
        .ok_or(PeopleError::InviteInvalid)?;
    let live = person
        .invite_expires_at
        .is_some_and(|at| at > crate::content::now());
    if !live || person.disabled_at.is_some() {
        return Err(PeopleError::InviteInvalid);
    }
    Ok(person)
}

/// Sets the password of the invited person; the code cannot be used again, even
/// by a second acceptance sent at the same moment.
pub async fn accept_invite(db: &impl ConnectionTrait, code: &str, password: &str) -> Result<Model> {
    let person = invited_by(db, code).await?;
    password::check(password).map_err(PeopleError::WeakPassword)?;
    let hashed = password::hash_apart(password.to_owned())
        .await
        .ok_or(PeopleError::Hashing)?;
    let accepted = Person::update_many()
        .col_expr(person::Column::PasswordHash, Expr::value(hashed))
        .col_expr(person::Column::InviteHash, Expr::value(Option::<String>::None))
        .col_expr(
            person::Column::InviteExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(person::Column::Id.eq(person.id))
        .filter(person::Column::InviteHash.eq(sha256_hex(code)))
        .exec(db)
        .await?;
    if accepted.rows_affected != 1 {
        return Err(PeopleError::InviteInvalid);
    }
    find(db, person.id).await
}

/// The active person with this email and password; the same refusal for an
/// unknown email, a wrong password and a disabled or still-invited person.
pub async fn verify_credentials(db: &impl ConnectionTrait, email: &str, password: &str) -> Result<Model> {
    let found = match normalize_email(email) {
        Ok(email) => {
            Person::find()
                .filter(person::Column::Email.eq(email))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let usable = found.filter(|p| p.disabled_at.is_none());
    let stored = usable.as_ref().and_then(|p| p.password_hash.clone());
    if password::verify_apart(stored, password.to_owned()).await {
        usable.ok_or(PeopleError::WrongCredentials)
    } else {
        Err(PeopleError::WrongCredentials)
    }
}

/// A signed-in session: `secret` goes into the cookie and is never stored.
pub struct NewSession {
    pub session: staff_session::Model,
    pub secret: String,
}

pub async fn start_session(db: &impl ConnectionTrait, person: &Model, lasts: Duration) -> Result<NewSession> {
    let secret = new_secret();
    let now = crate::content::now();
    let model = staff_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person.id),
        secret_hash: Set(sha256_hex(&secret)),
        created_at: Set(now),
        expires_at: Set(now + lasts),
        ended_at: Set(None),
    };
    let session = Session::insert(model).exec_with_returning(db).await?;
    // Ended and expired sessions are of no more use: each sign-in sweeps them.
    Session::delete_many()
        .filter(
            Condition::any()
                .add(staff_session::Column::EndedAt.is_not_null())
                .add(staff_session::Column::ExpiresAt.lt(now)),
        )
        .exec(db)
        .await?;
    Person::update_many()
        .col_expr(person::Column::LastSignInAt, Expr::value(now))
        .filter(person::Column::Id.eq(person.id))
        .exec(db)
        .await?;
    Ok(NewSession { session, secret })
}

/// The CSRF token of the session whose cookie holds `secret`: derived from it
/// one way, so it can be handed to the page without revealing the cookie.
pub fn csrf_token(secret: &str) -> String {
    sha256_hex(&format!("csrf:{secret}"))
}

/// The live session with this secret and its person: not ended, not expired,
/// the person not disabled.
pub async fn session_of(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<(staff_session::Model, Model)>> {
    if secret.len() > 100 {
        return Ok(None);
    }
    let Some(session) = Session::find()
        .filter(staff_session::Column::SecretHash.eq(sha256_hex(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(live(db, session).await?)
}

/// Whether a session (by id) is still live, for sockets that outlast a request.
pub async fn is_live(db: &impl ConnectionTrait, session_id: Uuid) -> std::result::Result<bool, DbErr> {
    let Some(session) = Session::find_by_id(session_id).one(db).await? else {
        return Ok(false);
    };
    Ok(live(db, session).await?.is_some())
}

async fn live(
    db: &impl ConnectionTrait,
    session: staff_session::Model,
) -> std::result::Result<Option<(staff_session::Model, Model)>, DbErr> {
    if session.ended_at.is_some() || session.expires_at <= crate::content::now() {
        return Ok(None);
    }
    let person = Person::find_by_id(session.person_id).one(db).await?;
    Ok(person
        .filter(|p| p.disabled_at.is_none() && p.password_hash.is_some())
        .filter(|p| {
            p.sessions_valid_after
                .is_none_or(|after| session.created_at > after)
        })
        .map(|p| (session, p)))
}

pub async fn end_session(db: &impl ConnectionTrait, session_id: Uuid) -> Result<()> {
    Session::update_many()
        .col_expr(staff_session::Column::EndedAt, Expr::value(crate::content::now()))
        .filter(staff_session::Column::Id.eq(session_id))
        .filter(staff_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn end_sessions_of(db: &impl ConnectionTrait, person_id: Uuid) -> Result<()> {
    Session::update_many()
        .col_expr(staff_session::Column::EndedAt, Expr::value(crate::content::now()))
        .filter(staff_session::Column::PersonId.eq(person_id))
        .filter(staff_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Model>> {
    Ok(Person::find()
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id)
        .all(db)
        .await?)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Model> {
    Person::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PeopleError::NotFound(id))
}

/// Whether taking `person`'s admin rights away would leave no active admin person.
/// (Admin API tokens do not count: the editor needs a person to manage people.)
async fn last_admin(db: &impl ConnectionTrait, person: &Model) -> Result<bool> {
    if person.role != Role::Admin || person.disabled_at.is_some() || person.password_hash.is_none() {
        return Ok(false);
    }
    let others = Person::find()
        .filter(person::Column::Role.eq(Role::Admin))
        .filter(person::Column::DisabledAt.is_null())
        .filter(person::Column::PasswordHash.is_not_null())
        .filter(person::Column::Id.ne(person.id))
        .count(db)
        .await?;
    Ok(others == 0)
}

/// Changes a person's name and role. A new role ends their sessions (they sign
/// in again with it), so no open socket keeps the old one. `by` (the admin doing
/// it) may not demote themself, and nobody the last active admin.
pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    name: Option<&str>,
    role: Option<Role>,
    by: Option<Uuid>,
) -> Result<Model> {
    let txn = db.begin().await?;
    let db = &txn;
    let person = find(db, id).await?;
    let new_role = role.filter(|role| *role != person.role);
    if new_role.is_some() && by == Some(id) {
        return Err(PeopleError::LockingSelfOut);
    }
    if new_role.is_some_and(|role| role != Role::Admin) && last_admin(db, &person).await? {
        return Err(PeopleError::LastAdmin);
    }
    let mut model: person::ActiveModel = person.into();
    if let Some(name) = name {
        model.name = Set(normalize_name(name)?);
    }
    if let Some(role) = new_role {
        model.role = Set(role);
        model.sessions_valid_after = Set(Some(crate::content::now()));
    }
    let person = model.update(db).await?;
    if new_role.is_some() {
        end_sessions_of(db, id).await?;
    }
    txn.commit().await?;
    Ok(person)
}

/// Disables (their sessions end at once) or enables a person.
pub async fn set_disabled(
    db: &DatabaseConnection,
    id: Uuid,
    disabled: bool,
    by: Option<Uuid>,
) -> Result<Model> {
    // The flag and the end of the sessions happen together or not at all.
    let txn = db.begin().await?;
    let db = &txn;
    let person = find(db, id).await?;
    if disabled && by == Some(id) {
        return Err(PeopleError::LockingSelfOut);
    }
    if disabled && last_admin(db, &person).await? {
        return Err(PeopleError::LastAdmin);
    }
    let now = crate::content::now();
    let mut model: person::ActiveModel = person.into();
    model.disabled_at = Set(disabled.then_some(now));
    if disabled {
        model.sessions_valid_after = Set(Some(now));
    }
    let person = model.update(db).await?;
    if disabled {
        end_sessions_of(db, id).await?;
    }
    txn.commit().await?;
    Ok(person)
}
