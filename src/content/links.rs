//! Links a therapy owns: to the conditions it treats (with a suitability) and to
//! its practitioners. Links are edited in the therapy's draft and published with it.

use std::collections::HashSet;

use entity::{therapy_condition as tc, therapy_practitioner as tp};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::document;
use super::error::unique_violation_as;
use super::filter::ids_at;
use super::owned::reorder;
use super::write::{Change, Write};
use super::{ContentError, Result, Stage, Suitability, now, validate};
use entity::{DocumentType, EventAction};

#[derive(Debug, Clone)]
pub struct NewConditionLink {
    pub therapy_id: Uuid,
    pub condition_id: Uuid,
    pub suitability: Suitability,
    pub note: Option<String>,
    pub position: Option<i32>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears the note.
#[derive(Debug, Clone, Default)]
pub struct ConditionLinkChanges {
    pub suitability: Option<Suitability>,
    pub note: Option<Option<String>>,
}

fn note(value: Option<String>) -> Result<Option<String>> {
    match value {
        Some(n) if !n.trim().is_empty() => Ok(Some(validate::rich_text(
            "note",
            &n,
            false,
            &validate::limits::THERAPY_CONDITION_NOTE,
        )?)),
        _ => Ok(None),
    }
}

pub async fn link_condition(w: &Write<'_>, input: NewConditionLink) -> Result<tc::Model> {
    super::therapy::require(w.db, input.therapy_id, "therapyId").await?;
    if super::condition::find(w.db, input.condition_id, Stage::Draft)
        .await?
        .is_none()
    {
        return Err(ContentError::invalid(
            "conditionId",
            format!("no condition with id {}", input.condition_id),
        ));
    }
    let position = match input.position {
        Some(p) => validate::position("position", p)?,
        None => {
            let list = Condition::all().add(tc::Column::TherapyId.eq(input.therapy_id));
            document::next_position::<tc::Entity>(w.db, list, tc::Column::Position).await?
        }
    };
    let now = now();
    let id = Uuid::now_v7();
    let link = tc::ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        therapy_id: Set(input.therapy_id),
        condition_id: Set(input.condition_id),
        suitability: Set(input.suitability),
        note: Set(note(input.note)?),
        position: Set(position),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    };
    document::insert_draft::<tc::Entity>(w, id, link, EventAction::Linked)
        .await
        .map_err(|err| match err {
            ContentError::Database(db) => {
                unique_violation_as(db, "conditionId", "is already linked to this therapy")
            }
            other => other,
        })
}

pub async fn update_condition_link(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    changes: ConditionLinkChanges,
) -> Result<tc::Model> {
    let mut model = <tc::ActiveModel as Default>::default();
    if let Some(s) = changes.suitability {
        model.suitability = Set(s);
    }
    if let Some(n) = changes.note {
        model.note = Set(note(n)?);
    }
    document::update_draft::<tc::Entity>(w, id, expected_version, model).await
}

/// Removes a link from the therapy's draft; the published page keeps it until the
/// therapy is published again. Returns the therapy's id.
pub async fn unlink_condition(w: &Write<'_>, id: Uuid) -> Result<Uuid> {
    let link = document::draft::<tc::Entity>(w.db, id).await?;
    let draft = Condition::all()
        .add(tc::Column::Id.eq(id))
        .add(tc::Column::Stage.eq(Stage::Draft));
    document::delete_where::<tc::Entity>(w, draft, EventAction::Unlinked).await?;
    Ok(link.therapy_id)
}

pub async fn reorder_condition_links(w: &Write<'_>, therapy_id: Uuid, ids: &[Uuid]) -> Result<()> {
    super::therapy::require(w.db, therapy_id, "therapyId").await?;
    let list = Condition::all().add(tc::Column::TherapyId.eq(therapy_id));
    reorder::<tc::Entity>(w, list, tc::Column::Position, ids).await
}

/// The stable id of a therapy–practitioner link, derived from its two ends.
pub fn practitioner_link_id(link: &tp::Model) -> Uuid {
    Uuid::new_v5(&link.therapy_id, link.practitioner_id.as_bytes())
}

/// Records a change to a therapy–practitioner link.
pub async fn record_practitioner_link(w: &Write<'_>, link: &tp::Model, action: EventAction) -> Result<i64> {
    w.record(Change {
        document_type: DocumentType::TherapyPractitioner,
        id: practitioner_link_id(link),
        action,
        stage: link.stage,
        version: 1,
        snapshot: Some(link),
    })
    .await
}

/// Deletes the practitioner links matching `filter`, recording `action` for each.
pub async fn delete_practitioner_links(w: &Write<'_>, filter: Condition, action: EventAction) -> Result<()> {
    let links = tp::Entity::find().filter(filter.clone()).all(w.db).await?;
    if links.is_empty() {
        return Ok(());
    }
    tp::Entity::delete_many().filter(filter).exec(w.db).await?;
    for link in &links {
        record_practitioner_link(w, link, action).await?;
    }
    Ok(())
}

pub async fn link_practitioner(w: &Write<'_>, therapy_id: Uuid, practitioner_id: Uuid) -> Result<()> {
    super::therapy::require(w.db, therapy_id, "therapyId").await?;
    if super::practitioner::find(w.db, practitioner_id, Stage::Draft)
        .await?
        .is_none()
    {
        return Err(ContentError::invalid(
            "practitionerId",
            format!("no practitioner with id {practitioner_id}"),
        ));
    }
    let existing = practitioner_links_of(w.db, Stage::Draft, &[therapy_id], tp::Column::TherapyId).await?;
    if existing.iter().any(|l| l.practitioner_id == practitioner_id) {
        return Ok(());
    }
    let link = tp::Model {
        therapy_id,
        practitioner_id,
        stage: Stage::Draft,
        position: document::position_after(existing.iter().map(|l| l.position).max())?,
        created_at: now(),
    };
    tp::Entity::insert(tp::ActiveModel::from(link.clone()))
        .exec_without_returning(w.db)
        .await?;
    record_practitioner_link(w, &link, EventAction::Linked).await?;
    Ok(())
}

pub async fn unlink_practitioner(w: &Write<'_>, therapy_id: Uuid, practitioner_id: Uuid) -> Result<()> {
    super::therapy::require(w.db, therapy_id, "therapyId").await?;
    let draft = Condition::all()
        .add(tp::Column::TherapyId.eq(therapy_id))
        .add(tp::Column::PractitionerId.eq(practitioner_id))
        .add(tp::Column::Stage.eq(Stage::Draft));
    let exists = tp::Entity::find()
        .filter(draft.clone())
        .one(w.db)
        .await?
        .is_some();
    if !exists {
        return Err(ContentError::invalid(
            "practitionerId",
            "is not linked to this therapy",
        ));
    }
    delete_practitioner_links(w, draft, EventAction::Unlinked).await
}

pub async fn reorder_practitioners(w: &Write<'_>, therapy_id: Uuid, practitioner_ids: &[Uuid]) -> Result<()> {
    validate::list_len(
        "practitionerIds",
        practitioner_ids.len(),
        validate::MAX_REORDER_LEN,
    )?;
    super::therapy::require(w.db, therapy_id, "therapyId").await?;
    let links = practitioner_links_of(w.db, Stage::Draft, &[therapy_id], tp::Column::TherapyId).await?;
    let existing: HashSet<Uuid> = links.iter().map(|l| l.practitioner_id).collect();
    let given: HashSet<Uuid> = practitioner_ids.iter().copied().collect();
    if given.len() != practitioner_ids.len() || given != existing {
        return Err(ContentError::invalid(
            "practitionerIds",
            format!(
                "must name each of the therapy's {} practitioners exactly once",
                existing.len()
            ),
        ));
    }
    for (position, practitioner_id) in practitioner_ids.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let Some(link) = links.iter().find(|l| l.practitioner_id == *practitioner_id) else {
            continue;
        };
        if link.position == position {
            continue;
        }
        tp::Entity::update_many()
            .col_expr(tp::Column::Position, Expr::value(position))
            .filter(tp::Column::TherapyId.eq(therapy_id))
            .filter(tp::Column::PractitionerId.eq(*practitioner_id))
            .filter(tp::Column::Stage.eq(Stage::Draft))
            .exec(w.db)
            .await?;
        let moved = tp::Model {
            position,
            ..link.clone()
        };
        record_practitioner_link(w, &moved, EventAction::Reordered).await?;
    }
    Ok(())
}

/// Condition links of several therapies at a stage, in hand-made order, leaving out
/// links whose condition does not exist at that stage.
pub async fn condition_links_of_therapies(
    db: &impl ConnectionTrait,
    stage: Stage,
    therapy_ids: &[Uuid],
) -> Result<Vec<tc::Model>> {
    use entity::condition;
    let visible = ids_at::<condition::Entity>(condition::Column::Id, condition::Column::Stage, stage);
    Ok(tc::Entity::find()
        .filter(tc::Column::Stage.eq(stage))
        .filter(tc::Column::TherapyId.is_in(therapy_ids.iter().copied()))
        .filter(tc::Column::ConditionId.in_subquery(visible))
        .order_by_asc(tc::Column::Position)
        .order_by_asc(tc::Column::Id)
        .all(db)
        .await?)
}

/// Therapy links of several conditions at a stage, leaving out links whose therapy
/// does not exist at that stage.
pub async fn condition_links_of_conditions(
    db: &impl ConnectionTrait,
    stage: Stage,
    condition_ids: &[Uuid],
) -> Result<Vec<tc::Model>> {
    use entity::therapy;
    let visible = ids_at::<therapy::Entity>(therapy::Column::Id, therapy::Column::Stage, stage);
    Ok(tc::Entity::find()
        .filter(tc::Column::Stage.eq(stage))
        .filter(tc::Column::ConditionId.is_in(condition_ids.iter().copied()))
        .filter(tc::Column::TherapyId.in_subquery(visible))
        .order_by_asc(tc::Column::Position)
        .order_by_asc(tc::Column::Id)
        .all(db)
        .await?)
}

/// One condition link at a stage, if both of its ends exist at that stage.
pub async fn find_condition_link(
    db: &impl ConnectionTrait,
    id: Uuid,
    stage: Stage,
) -> Result<Option<tc::Model>> {
    use entity::{condition, therapy};
    Ok(tc::Entity::find()
        .filter(tc::Column::Id.eq(id))
        .filter(tc::Column::Stage.eq(stage))
        .filter(tc::Column::ConditionId.in_subquery(ids_at::<condition::Entity>(
            condition::Column::Id,
            condition::Column::Stage,
            stage,
        )))
        .filter(tc::Column::TherapyId.in_subquery(ids_at::<therapy::Entity>(
            therapy::Column::Id,
            therapy::Column::Stage,
            stage,
        )))
        .one(db)
        .await?)
}

/// Practitioner links at a stage whose `by` column (therapy or practitioner) is one of `ids`.
/// Like [`practitioner_links_of`], with each link's other end (`E`, joined on
/// `other_end`) at the same stage, in one statement; links whose end does not
/// exist at the stage are left out.
pub async fn practitioner_links_with_ends<E: super::document::Document>(
    db: &impl ConnectionTrait,
    stage: Stage,
    ids: &[Uuid],
    by: tp::Column,
    other_end: tp::Column,
) -> Result<Vec<(tp::Model, E::Model)>> {
    use sea_orm::{JoinType, QuerySelect, RelationDef};
    let end: RelationDef = tp::Entity::belongs_to(E::default())
        .from(other_end)
        .to(E::id_col())
        .into();
    let rows = tp::Entity::find()
        .join(JoinType::InnerJoin, end)
        .filter(tp::Column::Stage.eq(stage))
        .filter(E::stage_col().eq(stage))
        .filter(by.is_in(ids.iter().copied()))
        .order_by_asc(tp::Column::Position)
        .select_also(E::default())
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(link, row)| Some((link, row?)))
        .collect())
}

pub async fn practitioner_links_of(
    db: &impl ConnectionTrait,
    stage: Stage,
    ids: &[Uuid],
    by: tp::Column,
) -> Result<Vec<tp::Model>> {
    Ok(tp::Entity::find()
        .filter(tp::Column::Stage.eq(stage))
        .filter(by.is_in(ids.iter().copied()))
        .order_by_asc(tp::Column::Position)
        .all(db)
        .await?)
}
