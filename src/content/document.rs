//! Operations shared by every staged document table: find, guarded update,
//! copy between stages, delete. Every write here records its events.

use entity::{DocumentType, EventAction};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, ModelTrait, QueryFilter, QuerySelect, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::registry::Declaration;
use super::rich_text::{self, RichTextColumns};
use super::write::{Change, Write};
use super::{ContentError, Result, Stage, now, validate};

/// A table whose rows are documents keyed by `(id, stage)`, with a version.
pub trait Document: EntityTrait<Model: Serialize + DeserializeOwned + Sync> {
    /// What the shared machinery knows of the kind (see `registry`).
    const DECLARATION: &'static Declaration;
    const TYPE: DocumentType = Self::DECLARATION.document_type;
    fn id_col() -> Self::Column;
    fn stage_col() -> Self::Column;
    fn version_col() -> Self::Column;
    fn updated_at_col() -> Self::Column;
    fn published_at_col() -> Self::Column;

    /// The table's rich text fields, with the columns their renderings are kept in.
    fn rich_text() -> &'static [RichTextColumns<Self::Column>] {
        &[]
    }

    /// Renders the rich text `row` sets into its HTML and plain text columns. Every
    /// write of markdown calls it, so that reads serve the renderings as stored.
    fn render_rich_text(row: &mut Self::ActiveModel) {
        rich_text::render_into::<Self>(row, Self::rich_text());
    }
}

/// Implements [`Document`] for the table of `entity::$module`, whose columns
/// follow the shared names, with its declaration and its rich text columns.
macro_rules! document {
    ($module:ident, $declaration:expr $(, rich text: $($markdown:ident => $html:ident, $text:ident);+)?) => {
        impl $crate::content::document::Document for entity::$module::Entity {
            const DECLARATION: &'static $crate::content::registry::Declaration = &$declaration;
            fn id_col() -> Self::Column {
                entity::$module::Column::Id
            }
            fn stage_col() -> Self::Column {
                entity::$module::Column::Stage
            }
            fn version_col() -> Self::Column {
                entity::$module::Column::Version
            }
            fn updated_at_col() -> Self::Column {
                entity::$module::Column::UpdatedAt
            }
            fn published_at_col() -> Self::Column {
                entity::$module::Column::PublishedAt
            }
            $(
                fn rich_text() -> &'static [$crate::content::rich_text::RichTextColumns<Self::Column>] {
                    &[$($crate::content::rich_text::RichTextColumns {
                        markdown: entity::$module::Column::$markdown,
                        html: entity::$module::Column::$html,
                        plain_text: entity::$module::Column::$text,
                    }),+]
                }
            )?
        }
    };
}

pub(crate) use document;

/// The version stored in a document row.
pub fn version_of<E: Document>(model: &E::Model) -> i32 {
    match model.get(E::version_col()) {
        Value::Int(Some(v)) => v,
        _ => 0,
    }
}

/// The id stored in a document row.
pub fn id_of<E: Document>(model: &E::Model) -> Uuid {
    match model.get(E::id_col()) {
        Value::Uuid(Some(id)) => id,
        _ => Uuid::nil(),
    }
}

/// One document at one stage, if it exists.
pub async fn find<E: Document>(
    db: &impl ConnectionTrait,
    id: Uuid,
    stage: Stage,
) -> Result<Option<E::Model>> {
    Ok(E::find()
        .filter(E::id_col().eq(id))
        .filter(E::stage_col().eq(stage))
        .one(db)
        .await?)
}

/// The draft of a document, or `NOT_FOUND`.
pub async fn draft<E: Document>(db: &impl ConnectionTrait, id: Uuid) -> Result<E::Model> {
    find::<E>(db, id, Stage::Draft)
        .await?
        .ok_or_else(|| ContentError::not_found(E::DECLARATION.label, id))
}

/// Fails with `CONFLICT` unless the draft is at `expected_version` (and with
/// `BAD_USER_INPUT` when no version could be: versions start at 1).
pub fn check_version<E: Document>(draft: &E::Model, id: Uuid, expected_version: i32) -> Result<()> {
    validate::version("expectedVersion", expected_version)?;
    let current_version = version_of::<E>(draft);
    if current_version == expected_version {
        Ok(())
    } else {
        Err(ContentError::Conflict {
            kind: E::DECLARATION.label,
            id,
            expected_version,
            current_version,
        })
    }
}

/// Writes `changes` to the draft in one conditional `UPDATE … WHERE version = ?`,
/// bumping the version; a concurrent save in between makes it fail with `CONFLICT`.
pub async fn update_draft<E>(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    mut changes: E::ActiveModel,
) -> Result<E::Model>
where
    E: Document,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    validate::version("expectedVersion", expected_version)?;
    E::render_rich_text(&mut changes);
    let updated = E::update_many()
        .set(changes)
        .col_expr(E::version_col(), Expr::col(E::version_col()).add(1))
        .col_expr(E::updated_at_col(), Expr::value(now()))
        .filter(E::id_col().eq(id))
        .filter(E::stage_col().eq(Stage::Draft))
        .filter(E::version_col().eq(expected_version))
        .exec(w.db)
        .await?;
    let current = draft::<E>(w.db, id).await?;
    if updated.rows_affected == 0 {
        check_version::<E>(&current, id, expected_version)?;
    }
    record::<E>(w, &current, EventAction::Updated).await?;
    Ok(current)
}

/// The position after the last draft of a hand-ordered list (0 for an empty one).
pub async fn next_position<E: Document>(
    db: &impl ConnectionTrait,
    list: Condition,
    position_col: E::Column,
) -> Result<i32> {
    let max: Option<Option<i32>> = E::find()
        .select_only()
        .column_as(Expr::col(position_col).max(), "max_position")
        .filter(E::stage_col().eq(Stage::Draft))
        .filter(list)
        .into_tuple()
        .one(db)
        .await?;
    position_after(max.flatten())
}

/// The position after `last` (0 for an empty list). Clients give positions up to
/// `validate::MAX_POSITION` only, so the end of `i32` is out of reach; should a
/// list get there anyway, this is an input error rather than an overflow.
pub fn position_after(last: Option<i32>) -> Result<i32> {
    match last {
        None => Ok(0),
        Some(p) => p.checked_add(1).ok_or_else(|| {
            ContentError::invalid(
                "position",
                "the list has no room after its last item; reorder it first",
            )
        }),
    }
}

/// Inserts a new draft row, reads it back and records `action` (CREATED, LINKED…).
pub async fn insert_draft<E>(
    w: &Write<'_>,
    id: Uuid,
    mut row: E::ActiveModel,
    action: EventAction,
) -> Result<E::Model>
where
    E: Document,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    E::render_rich_text(&mut row);
    E::insert(row).exec_without_returning(w.db).await?;
    let created = draft::<E>(w.db, id).await?;
    record::<E>(w, &created, action).await?;
    Ok(created)
}

/// Records a change to one document row (its stage and version are the row's).
pub async fn record<E: Document>(w: &Write<'_>, row: &E::Model, action: EventAction) -> Result<i64> {
    let stage = stage_of::<E>(row);
    w.record(Change {
        document_type: E::TYPE,
        id: id_of::<E>(row),
        action,
        stage,
        version: version_of::<E>(row),
        snapshot: Some(row),
        snapshot_version: E::DECLARATION.snapshot.version,
    })
    .await
}

/// Copies a draft row to the published stage, replacing any earlier published copy.
pub async fn publish_row<E>(w: &Write<'_>, draft: E::Model) -> Result<E::Model>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let id = match draft.get(E::id_col()) {
        Value::Uuid(Some(id)) => id,
        _ => return Err(ContentError::invalid("id", "document has no id")),
    };
    let published_at = now();
    delete_stage::<E>(w.db, id, Stage::Published).await?;
    E::update_many()
        .col_expr(E::published_at_col(), Expr::value(published_at))
        .filter(E::id_col().eq(id))
        .filter(E::stage_col().eq(Stage::Draft))
        .exec(w.db)
        .await?;
    let mut copy = draft.into_active_model().reset_all();
    copy.set(E::stage_col(), Stage::Published.into());
    copy.set(E::published_at_col(), Some(published_at).into());
    E::insert(copy).exec_without_returning(w.db).await?;
    let published = find::<E>(w.db, id, Stage::Published)
        .await?
        .ok_or_else(|| ContentError::not_found(E::DECLARATION.label, id))?;
    record::<E>(w, &published, EventAction::Published).await?;
    Ok(published)
}

/// Removes one stage of a document without recording it (callers record what it
/// means: unpublished, unlinked, replaced); returns whether a row was there.
pub async fn delete_stage<E: Document>(db: &impl ConnectionTrait, id: Uuid, stage: Stage) -> Result<bool> {
    let deleted = E::delete_many()
        .filter(E::id_col().eq(id))
        .filter(E::stage_col().eq(stage))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Removes a document from both stages, or fails with `NOT_FOUND` if it has no draft.
pub async fn delete_document<E: Document>(w: &Write<'_>, id: Uuid) -> Result<()> {
    draft::<E>(w.db, id).await?;
    delete_where::<E>(w, Condition::all().add(E::id_col().eq(id)), EventAction::Deleted).await?;
    Ok(())
}

/// Deletes every row matching `filter`, recording `action` for each (at the row's
/// stage, with the row as it was); returns the rows. A row deleted or unlinked
/// (not merely unpublished) takes what hangs on it at its stage along, as the
/// registry declares it: a therapy its sections, a benefit its citations.
pub async fn delete_where<E: Document>(
    w: &Write<'_>,
    filter: Condition,
    action: EventAction,
) -> Result<Vec<E::Model>> {
    let rows = E::find().filter(filter.clone()).all(w.db).await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    E::delete_many().filter(filter).exec(w.db).await?;
    for row in &rows {
        record::<E>(w, row, action).await?;
    }
    for row in &rows {
        // A deleted document takes its dependants at both stages; an unlinked one
        // (gone from the draft only) takes their drafts.
        let stages: &[Stage] = match action {
            EventAction::Deleted => &[Stage::Draft, Stage::Published],
            EventAction::Unlinked => &[Stage::Draft],
            _ => &[],
        };
        for &stage in stages {
            if stage == stage_of::<E>(row) || action == EventAction::Deleted {
                super::registry::delete_dependants(w, E::TYPE, id_of::<E>(row), stage).await?;
            }
        }
    }
    Ok(rows)
}

/// The stage stored in a document row.
pub fn stage_of<E: Document>(model: &E::Model) -> Stage {
    match model.get(E::stage_col()) {
        Value::String(Some(s)) if s == "PUBLISHED" => Stage::Published,
        _ => Stage::Draft,
    }
}

/// Several documents at one stage, by id, with their ids.
pub async fn find_many<E: Document>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    stage: Stage,
) -> Result<Vec<(Uuid, E::Model)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = E::find()
        .filter(E::id_col().is_in(ids.iter().copied()))
        .filter(E::stage_col().eq(stage))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.get(E::id_col()) {
            Value::Uuid(Some(id)) => Some((id, row)),
            _ => None,
        })
        .collect())
}
