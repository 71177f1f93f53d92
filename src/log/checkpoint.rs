//! Durable checkpoints: the last event each named consumer handled, kept in
//! `event_checkpoint` so that a consumer resumes where it stopped after a restart.

use entity::event_checkpoint::{ActiveModel, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The consumer's checkpoint; a consumer new to this database starts at the
/// beginning of the log (its row is made at 0).
pub async fn get_or_start(db: &impl ConnectionTrait, consumer: &str) -> Result<i64, DbErr> {
    if let Some(seq) = get(db, consumer).await? {
        return Ok(seq);
    }
    let row = ActiveModel {
        consumer: Set(consumer.to_owned()),
        seq: Set(0),
        updated_at: Set(crate::db::now()),
    };
    // Another runner may have made it in the meantime: theirs stands.
    Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(get(db, consumer).await?.unwrap_or(0))
}

/// The consumer's checkpoint, if it has one.
pub async fn get(db: &impl ConnectionTrait, consumer: &str) -> Result<Option<i64>, DbErr> {
    Ok(Entity::find_by_id(consumer.to_owned())
        .one(db)
        .await?
        .map(|row| row.seq))
}

/// Moves the checkpoint from `from` to `to`, only if it is still at `from`: true
/// if it moved. Of several runners of one consumer (on several instances), the
/// first to move it wins the events in between, and the others roll back; on
/// PostgreSQL the others wait on the row until the winner commits or rolls back.
pub async fn advance(db: &impl ConnectionTrait, consumer: &str, from: i64, to: i64) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::Seq, Expr::value(to))
        .col_expr(Column::UpdatedAt, Expr::value(crate::db::now()))
        .filter(Column::Consumer.eq(consumer))
        .filter(Column::Seq.eq(from))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
