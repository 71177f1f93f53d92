//! Cursor pagination over any document table: keyset cursors on (sort key, id),
//! so that pages stay stable while editors insert and delete.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ColumnTrait, ColumnType, Condition, ConnectionTrait, ModelTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::document::Document;
use super::{ContentError, Result};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// The largest page a client may ask for; asking for more is an input error.
pub const MAX_PAGE_SIZE: i32 = 100;
/// The longest cursor accepted: room for a sort key as long as the longest title,
/// however it is escaped. Longer strings cannot be cursors this API made.
pub const MAX_CURSOR_LEN: usize = 8 * 1024;

/// Relay-style page arguments.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// The column a list is sorted by (ties broken by id), with the name cursors carry.
#[derive(Debug, Clone, Copy)]
pub struct Ordering<C> {
    pub column: C,
    pub name: &'static str,
    pub direction: Direction,
}

/// One page of documents with their cursors.
#[derive(Debug)]
pub struct Page<M> {
    pub items: Vec<(String, M)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub total_count: u64,
}

#[derive(Serialize, Deserialize)]
enum SortKey {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The ordering the cursor was made for; a cursor from another ordering is refused.
    by: String,
    key: SortKey,
    id: Uuid,
}

impl SortKey {
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::String(Some(s)) => Some(Self::Text(s.to_string())),
            Value::Int(Some(i)) => Some(Self::Int(i.into())),
            Value::BigInt(Some(i)) => Some(Self::Int(i)),
            Value::ChronoDateTimeUtc(Some(t)) => Some(Self::Time(t)),
            _ => None,
        }
    }

    /// Whether the key can be compared with `column` without the database failing:
    /// a cursor is client input, and a forged one may carry any key.
    fn fits(&self, column: &ColumnType) -> bool {
        match self {
            Self::Text(text) => {
                matches!(column, ColumnType::String(_) | ColumnType::Text) && !text.contains('\0')
            }
            Self::Int(int) => matches!(column, ColumnType::Integer) && i32::try_from(*int).is_ok(),
            // Within what both databases store (PostgreSQL's range ends earlier than chrono's).
            Self::Time(time) => {
                matches!(column, ColumnType::TimestampWithTimeZone) && (1..=9999).contains(&time.year())
            }
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Text(s) => s.into(),
            Self::Int(i) => match i32::try_from(i) {
                Ok(i) => i.into(),
                Err(_) => i.into(),
            },
            Self::Time(t) => t.into(),
        }
    }
}

fn encode_cursor<E: Document>(model: &E::Model, ordering: &Ordering<E::Column>) -> String {
    let id = match model.get(E::id_col()) {
        Value::Uuid(Some(id)) => id,
        _ => Uuid::nil(),
    };
    let key = SortKey::from_value(model.get(ordering.column)).unwrap_or(SortKey::Int(0));
    let cursor = Cursor {
        by: ordering.name.to_owned(),
        key,
        id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// Reads a cursor for `ordering`: one made for another ordering, or whose key does
/// not fit the ordering's column, or that is no cursor at all, is a `BAD_USER_INPUT`.
fn decode_cursor<C: ColumnTrait>(field: &str, cursor: &str, ordering: &Ordering<C>) -> Result<(Value, Uuid)> {
    let invalid = || ContentError::invalid(field, "is not a cursor returned by this list");
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.by != ordering.name {
        return Err(ContentError::invalid(
            field,
            format!(
                "was made for ordering by {}, not by {}",
                cursor.by.chars().take(32).collect::<String>(),
                ordering.name
            ),
        ));
    }
    if !cursor.key.fits(ordering.column.def().get_column_type()) {
        return Err(invalid());
    }
    Ok((cursor.key.into_value(), cursor.id))
}

/// Rows strictly beyond `(key, id)` in the given direction.
fn beyond<E: Document>(column: E::Column, key: Value, id: Uuid, direction: Direction) -> Condition {
    let (past_key, past_id) = match direction {
        Direction::Ascending => (column.gt(key.clone()), E::id_col().gt(id)),
        Direction::Descending => (column.lt(key.clone()), E::id_col().lt(id)),
    };
    Condition::any()
        .add(past_key)
        .add(Condition::all().add(column.eq(key)).add(past_id))
}

fn page_size(field: &str, value: i32) -> Result<u64> {
    if !(0..=MAX_PAGE_SIZE).contains(&value) {
        return Err(ContentError::invalid(
            field,
            format!("must be between 0 and {MAX_PAGE_SIZE}, got {value}"),
        ));
    }
    Ok(value as u64)
}

/// Fetches one page of `select` in `ordering`, honouring the Relay arguments.
pub async fn fetch_page<E: Document>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    ordering: Ordering<E::Column>,
    request: &PageRequest,
) -> Result<Page<E::Model>>
where
    E::Model: Sync,
{
    if request.first.is_some() && request.last.is_some() {
        return Err(ContentError::invalid(
            "last",
            "cannot be combined with first; page one way at a time",
        ));
    }
    let total_count = select.clone().count(db).await?;
    let backward = request.last.is_some();
    let limit = match request.last {
        Some(last) => page_size("last", last)?,
        None => page_size("first", request.first.unwrap_or(DEFAULT_PAGE_SIZE))?,
    };
    let flipped = match ordering.direction {
        Direction::Ascending => Direction::Descending,
        Direction::Descending => Direction::Ascending,
    };
    let mut select = select;
    if let Some(after) = &request.after {
        let (key, id) = decode_cursor("after", after, &ordering)?;
        select = select.filter(beyond::<E>(ordering.column, key, id, ordering.direction));
    }
    if let Some(before) = &request.before {
        let (key, id) = decode_cursor("before", before, &ordering)?;
        select = select.filter(beyond::<E>(ordering.column, key, id, flipped));
    }
    let scan = if backward { flipped } else { ordering.direction };
    let order = match scan {
        Direction::Ascending => Order::Asc,
        Direction::Descending => Order::Desc,
    };
    let mut rows = select
        .order_by(ordering.column, order.clone())
        .order_by(E::id_col(), order)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if backward {
        rows.reverse();
    }
    let items = rows
        .into_iter()
        .map(|row| (encode_cursor::<E>(&row, &ordering), row))
        .collect();
    Ok(Page {
        items,
        has_previous_page: if backward { more } else { request.after.is_some() },
        has_next_page: if backward { request.before.is_some() } else { more },
        total_count,
    })
}

/// A case-insensitive "contains" filter, with `%` and `_` in the needle taken literally.
pub fn contains<C: ColumnTrait>(column: C, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
