//! Renders the rich text of rows whose rendered columns are null: rows written before
//! those columns existed. Run once at startup, after migrating; a no-op once done.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ModelTrait, QueryFilter, QueryOrder, QuerySelect, Value};

use super::{to_html, to_plain_text};
use crate::content::Result;
use crate::content::document::{self, Document};
use crate::db::Database;

/// Rows read and rendered per transaction: a markdown body may be 100 000
/// characters, so a batch stays a few megabytes at most.
const BATCH: u64 = 100;

/// Fills the rendered columns of every row that lacks them; returns how many rows it filled.
#[tracing::instrument(skip(db))]
pub async fn backfill(db: &Database) -> Result<u64> {
    // Every document table; one without rich text costs nothing.
    let filled = table::<entity::therapy::Entity>(db).await?
        + table::<entity::therapy_section::Entity>(db).await?
        + table::<entity::benefit::Entity>(db).await?
        + table::<entity::faq::Entity>(db).await?
        + table::<entity::condition::Entity>(db).await?
        + table::<entity::practitioner::Entity>(db).await?
        + table::<entity::therapy_condition::Entity>(db).await?;
    if filled > 0 {
        tracing::info!(
            rows = filled,
            "rendered the rich text of rows written before it was kept"
        );
    }
    Ok(filled)
}

async fn table<E: Document>(db: &Database) -> Result<u64> {
    let fields = E::rich_text();
    if fields.is_empty() {
        return Ok(0);
    }
    let unrendered = fields.iter().fold(Condition::any(), |any, field| {
        any.add(field.html.is_null()).add(field.plain_text.is_null())
    });
    let mut filled = 0;
    loop {
        let txn = db.begin_write().await?;
        let rows = E::find()
            .filter(unrendered.clone())
            .order_by_asc(E::id_col())
            .order_by_asc(E::stage_col())
            .limit(BATCH)
            .all(&*txn)
            .await?;
        let mut filled_now = 0;
        for row in &rows {
            let mut row_filled = false;
            for field in fields {
                let Value::String(Some(markdown)) = row.get(field.markdown) else {
                    continue;
                };
                let updated = E::update_many()
                    .col_expr(field.html, Expr::value(Some(to_html(&markdown))))
                    .col_expr(field.plain_text, Expr::value(Some(to_plain_text(&markdown))))
                    .filter(E::id_col().eq(document::id_of::<E>(row)))
                    .filter(E::stage_col().eq(row.get(E::stage_col())))
                    // A save since the read rendered its own markdown: keep that.
                    .filter(field.markdown.eq(markdown))
                    .exec(&*txn)
                    .await?;
                row_filled |= updated.rows_affected > 0;
            }
            filled_now += u64::from(row_filled);
        }
        txn.commit().await?;
        filled += filled_now;
        // A batch that filled nothing holds only rows something else keeps
        // rewriting unrendered; the read path's fallback serves those.
        if (rows.len() as u64) < BATCH || filled_now == 0 {
            return Ok(filled);
        }
    }
}
