//! Publish and unpublish: copying drafts to the published stage, or taking the
//! published copy away. A therapy carries its links along; with `with_children`
//! also its sections, benefits and FAQ entries. Every published row that appears
//! or disappears is recorded, so the event log alone can rebuild the published set.

use entity::{EventAction, therapy};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::document::{self, Document};
use super::error::unique_violation_as;
use super::write::Write;
use super::{ContentError, Result, Stage, now, registry};

fn slug_clash(kind: &'static str) -> impl Fn(ContentError) -> ContentError {
    move |err| match err {
        ContentError::Database(db) => {
            unique_violation_as(db, "slug", format!("is already used by another published {kind}"))
        }
        other => other,
    }
}

/// Publishes one document's current draft (if `expected_version` is given, only
/// when the draft is still at that version), with what its kind always takes
/// along (a therapy's links, a claim's citations).
pub async fn publish<E>(w: &Write<'_>, id: Uuid, expected_version: Option<i32>) -> Result<E::Model>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    publish_with::<E>(w, id, expected_version, false).await
}

/// Like [`publish`]; with `with_children` also what the document owns.
pub async fn publish_with<E>(
    w: &Write<'_>,
    id: Uuid,
    expected_version: Option<i32>,
    with_children: bool,
) -> Result<E::Model>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let draft = document::draft::<E>(w.db, id).await?;
    if let Some(expected) = expected_version {
        document::check_version::<E>(&draft, id, expected)?;
    }
    let published = document::publish_row::<E>(w, draft)
        .await
        .map_err(slug_clash(E::DECLARATION.label))?;
    registry::publish_dependants(w, E::TYPE, id, with_children).await?;
    Ok(published)
}

/// Removes a document's published copy, with what its kind always takes along;
/// the draft stays. Returns the draft.
pub async fn unpublish<E: Document>(w: &Write<'_>, id: Uuid) -> Result<E::Model> {
    unpublish_with::<E>(w, id, false).await
}

/// Like [`unpublish`]; with `with_children` also what the document owns.
pub async fn unpublish_with<E: Document>(w: &Write<'_>, id: Uuid, with_children: bool) -> Result<E::Model> {
    let draft = document::draft::<E>(w.db, id).await?;
    let published = Condition::all()
        .add(E::id_col().eq(id))
        .add(E::stage_col().eq(Stage::Published));
    document::delete_where::<E>(w, published, EventAction::Unpublished).await?;
    registry::unpublish_dependants(w, E::TYPE, id, with_children).await?;
    Ok(draft)
}

/// Publishes a therapy with its links, and with `with_children` its owned items
/// (what goes with it is what the registry declares as hanging on it).
pub async fn publish_therapy(
    w: &Write<'_>,
    id: Uuid,
    expected_version: Option<i32>,
    with_children: bool,
) -> Result<therapy::Model> {
    publish_with::<therapy::Entity>(w, id, expected_version, with_children).await
}

/// Takes a therapy (and its links) off the published stage; with `with_children`
/// also its owned items. Returns the draft.
pub async fn unpublish_therapy(w: &Write<'_>, id: Uuid, with_children: bool) -> Result<therapy::Model> {
    unpublish_with::<therapy::Entity>(w, id, with_children).await
}

/// Replaces the published rows whose `owner_col` is `owner` with copies of the
/// drafts: rows gone from the draft are recorded as unpublished, changed ones as published.
pub(super) async fn republish_rows<E>(w: &Write<'_>, owner_col: E::Column, owner: Uuid) -> Result<()>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let drafts = E::find()
        .filter(owner_col.eq(owner))
        .filter(E::stage_col().eq(Stage::Draft))
        .all(w.db)
        .await?;
    let draft_ids: Vec<Uuid> = drafts.iter().map(document::id_of::<E>).collect();
    // Published rows whose draft is gone are unpublished.
    let gone = Condition::all()
        .add(owner_col.eq(owner))
        .add(E::stage_col().eq(Stage::Published))
        .add(E::id_col().is_not_in(draft_ids.iter().copied()));
    document::delete_where::<E>(w, gone, EventAction::Unpublished).await?;
    // Drafts whose published copy already says the same are left alone: no new
    // copy, no event, so subscribers, webhooks and the feed hear only of changes.
    let published = E::find()
        .filter(owner_col.eq(owner))
        .filter(E::stage_col().eq(Stage::Published))
        .all(w.db)
        .await?;
    let mut changed = Vec::new();
    for draft in drafts {
        let id = document::id_of::<E>(&draft);
        let copy = published.iter().find(|p| document::id_of::<E>(p) == id);
        if copy.is_none_or(|copy| !same_content(&draft, copy)) {
            changed.push(draft);
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let changed_ids: Vec<Uuid> = changed.iter().map(document::id_of::<E>).collect();
    let published_at = now();
    E::delete_many()
        .filter(E::id_col().is_in(changed_ids.iter().copied()))
        .filter(E::stage_col().eq(Stage::Published))
        .exec(w.db)
        .await?;
    E::update_many()
        .col_expr(E::published_at_col(), Expr::value(published_at))
        .filter(E::id_col().is_in(changed_ids.iter().copied()))
        .filter(E::stage_col().eq(Stage::Draft))
        .exec(w.db)
        .await?;
    let copies: Vec<E::ActiveModel> = changed
        .into_iter()
        .map(|draft| {
            let mut copy = draft.into_active_model().reset_all();
            copy.set(E::stage_col(), Stage::Published.into());
            copy.set(E::published_at_col(), Some(published_at).into());
            copy
        })
        .collect();
    E::insert_many(copies).exec_without_returning(w.db).await?;
    let published = E::find()
        .filter(E::id_col().is_in(changed_ids.iter().copied()))
        .filter(E::stage_col().eq(Stage::Published))
        .all(w.db)
        .await?;
    for row in &published {
        document::record::<E>(w, row, EventAction::Published).await?;
    }
    Ok(())
}

/// Whether a draft and a published copy hold the same content (stage and
/// publication time aside).
fn same_content<T: serde::Serialize>(draft: &T, published: &T) -> bool {
    let content = |row: &T| {
        let mut value = serde_json::to_value(row).ok()?;
        let fields = value.as_object_mut()?;
        fields.remove("stage");
        fields.remove("publishedAt");
        Some(value)
    };
    matches!((content(draft), content(published)), (Some(a), Some(b)) if a == b)
}
