//! Publish and unpublish: copying drafts to the published stage, or taking the
//! published copy away. A therapy carries its links along; with `with_children`
//! also its sections, benefits and FAQ entries.

use entity::{benefit, faq, therapy, therapy_condition as tc, therapy_practitioner as tp, therapy_section};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use uuid::Uuid;

use super::document::{self, Document};
use super::error::unique_violation_as;
use super::owned::OwnedItem;
use super::{ContentError, Result, Stage, now};

fn slug_clash(kind: super::DocumentKind) -> impl Fn(ContentError) -> ContentError {
    move |err| match err {
        ContentError::Database(db) => {
            unique_violation_as(db, "slug", format!("is already used by another published {kind}"))
        }
        other => other,
    }
}

/// Publishes one document's current draft (if `expected_version` is given, only
/// when the draft is still at that version).
pub async fn publish<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<E::Model>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let draft = document::draft::<E>(db, id).await?;
    if let Some(expected) = expected_version {
        document::check_version::<E>(&draft, id, expected)?;
    }
    document::publish_row::<E>(db, draft)
        .await
        .map_err(slug_clash(E::KIND))
}

/// Removes a document's published copy; the draft stays. Returns the draft.
pub async fn unpublish<E: Document>(db: &impl ConnectionTrait, id: Uuid) -> Result<E::Model> {
    let draft = document::draft::<E>(db, id).await?;
    document::delete_stage::<E>(db, id, Stage::Published).await?;
    Ok(draft)
}

/// Publishes a therapy with its links, and with `with_children` its owned items.
pub async fn publish_therapy(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: Option<i32>,
    with_children: bool,
) -> Result<therapy::Model> {
    let published = publish::<therapy::Entity>(db, id, expected_version).await?;
    republish_rows::<tc::Entity>(db, tc::Column::TherapyId, id).await?;
    tp::Entity::delete_many()
        .filter(tp::Column::TherapyId.eq(id))
        .filter(tp::Column::Stage.eq(Stage::Published))
        .exec(db)
        .await?;
    let links = tp::Entity::find()
        .filter(tp::Column::TherapyId.eq(id))
        .filter(tp::Column::Stage.eq(Stage::Draft))
        .all(db)
        .await?;
    if !links.is_empty() {
        tp::Entity::insert_many(links.into_iter().map(|link| {
            let mut copy = link.into_active_model().reset_all();
            copy.stage = sea_orm::ActiveValue::Set(Stage::Published);
            copy
        }))
        .exec_without_returning(db)
        .await?;
    }
    if with_children {
        republish_owned::<therapy_section::Entity>(db, id).await?;
        republish_owned::<benefit::Entity>(db, id).await?;
        republish_owned::<faq::Entity>(db, id).await?;
    }
    Ok(published)
}

/// Takes a therapy (and its links) off the published stage; with `with_children`
/// also its owned items. Returns the draft.
pub async fn unpublish_therapy(
    db: &impl ConnectionTrait,
    id: Uuid,
    with_children: bool,
) -> Result<therapy::Model> {
    let draft = unpublish::<therapy::Entity>(db, id).await?;
    tc::Entity::delete_many()
        .filter(tc::Column::TherapyId.eq(id))
        .filter(tc::Column::Stage.eq(Stage::Published))
        .exec(db)
        .await?;
    tp::Entity::delete_many()
        .filter(tp::Column::TherapyId.eq(id))
        .filter(tp::Column::Stage.eq(Stage::Published))
        .exec(db)
        .await?;
    if with_children {
        unpublish_owned::<therapy_section::Entity>(db, id).await?;
        unpublish_owned::<benefit::Entity>(db, id).await?;
        unpublish_owned::<faq::Entity>(db, id).await?;
    }
    Ok(draft)
}

async fn republish_owned<E>(db: &impl ConnectionTrait, owner: Uuid) -> Result<()>
where
    E: OwnedItem,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    republish_rows::<E>(db, E::owner_col(), owner).await
}

async fn unpublish_owned<E: OwnedItem>(db: &impl ConnectionTrait, owner: Uuid) -> Result<()> {
    E::delete_many()
        .filter(E::owner_col().eq(owner))
        .filter(E::stage_col().eq(Stage::Published))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the published rows whose `owner_col` is `owner` with copies of the drafts.
async fn republish_rows<E>(db: &impl ConnectionTrait, owner_col: E::Column, owner: Uuid) -> Result<()>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let published_at = now();
    E::delete_many()
        .filter(owner_col.eq(owner))
        .filter(E::stage_col().eq(Stage::Published))
        .exec(db)
        .await?;
    E::update_many()
        .col_expr(E::published_at_col(), Expr::value(published_at))
        .filter(owner_col.eq(owner))
        .filter(E::stage_col().eq(Stage::Draft))
        .exec(db)
        .await?;
    let drafts = E::find()
        .filter(owner_col.eq(owner))
        .filter(E::stage_col().eq(Stage::Draft))
        .all(db)
        .await?;
    if drafts.is_empty() {
        return Ok(());
    }
    let copies: Vec<E::ActiveModel> = drafts
        .into_iter()
        .map(|draft| {
            let mut copy = draft.into_active_model().reset_all();
            copy.set(E::stage_col(), Stage::Published.into());
            copy
        })
        .collect();
    E::insert_many(copies).exec_without_returning(db).await?;
    Ok(())
}
