//! Links a therapy owns: to the conditions it treats (with a suitability) and to
//! its practitioners. Links are edited in the therapy's draft and published with it.

use std::collections::HashSet;

use entity::{therapy_condition as tc, therapy_practitioner as tp};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::document;
use super::error::unique_violation_as;
use super::filter::ids_at;
use super::owned::reorder;
use super::write::Write;
use super::{ContentError, Result, Stage, Suitability, now, validate};
use entity::EventAction;

use super::registry::{Declaration, Parent, PublishedWith, SnapshotCodec};
use entity::DocumentType;

/// A link is owned by its therapy, published with it, and shown under both ends.
const fn link(other_end: DocumentType, field: &'static str, list: &'static str) -> [Parent; 2] {
    [
        Parent::new(DocumentType::Therapy, "therapyId", list, PublishedWith::Always),
        Parent::new(other_end, field, "therapies", PublishedWith::Itself),
    ]
}

pub const CONDITION_LINK: Declaration = Declaration {
    document_type: DocumentType::TherapyCondition,
    label: "therapy–condition link",
    plural: "condition-links",
    parents: &link(DocumentType::Condition, "conditionId", "conditions"),
    snapshot: SnapshotCodec::FIRST,
};

/// Version 1 snapshots were written while links were keyed by their ends: they
/// had no id, version or times of their own.
fn practitioner_link_had_an_id(fields: &mut serde_json::Map<String, serde_json::Value>) {
    let end = |name: &str| fields.get(name)?.as_str()?.parse::<Uuid>().ok();
    if let (Some(therapy), Some(practitioner)) = (end("therapyId"), end("practitionerId")) {
        // The id the migration gave existing links.
        let id = Uuid::new_v5(&therapy, practitioner.as_bytes());
        fields.insert("id".into(), id.to_string().into());
    }
    let created = fields.get("createdAt").cloned().unwrap_or_default();
    let published = fields.get("stage").and_then(|s| s.as_str()) == Some("PUBLISHED");
    fields.insert("version".into(), 1.into());
    fields.insert("updatedAt".into(), created.clone());
    let published_at = if published {
        created
    } else {
        serde_json::Value::Null
    };
    fields.insert("publishedAt".into(), published_at);
}

pub const PRACTITIONER_LINK: Declaration = Declaration {
    document_type: DocumentType::TherapyPractitioner,
    label: "therapy–practitioner link",
    plural: "practitioner-links",
    parents: &link(DocumentType::Practitioner, "practitionerId", "practitioners"),
    snapshot: SnapshotCodec {
        version: 2,
        upgrades: &[practitioner_link_had_an_id],
    },
};

super::document::document!(therapy_condition, CONDITION_LINK);
super::document::document!(therapy_practitioner, PRACTITIONER_LINK);

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

/// Links a practitioner to a therapy's draft, at the end of its list; linking one
/// already linked changes nothing. Returns the link.
pub async fn link_practitioner(w: &Write<'_>, therapy_id: Uuid, practitioner_id: Uuid) -> Result<tp::Model> {
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
    if let Some(link) = existing.iter().find(|l| l.practitioner_id == practitioner_id) {
        return Ok(link.clone());
    }
    let now = now();
    let id = Uuid::now_v7();
    let link = tp::ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        therapy_id: Set(therapy_id),
        practitioner_id: Set(practitioner_id),
        position: Set(document::position_after(
            existing.iter().map(|l| l.position).max(),
        )?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    };
    document::insert_draft::<tp::Entity>(w, id, link, EventAction::Linked).await
}

/// The draft link between a therapy and a practitioner, or an input error on `practitionerId`.
async fn practitioner_link(w: &Write<'_>, therapy_id: Uuid, practitioner_id: Uuid) -> Result<tp::Model> {
    super::therapy::require(w.db, therapy_id, "therapyId").await?;
    tp::Entity::find()
        .filter(tp::Column::TherapyId.eq(therapy_id))
        .filter(tp::Column::PractitionerId.eq(practitioner_id))
        .filter(tp::Column::Stage.eq(Stage::Draft))
        .one(w.db)
        .await?
        .ok_or_else(|| ContentError::invalid("practitionerId", "is not linked to this therapy"))
}

/// Removes a practitioner from a therapy's draft; the published page keeps them
/// until the therapy is published again.
pub async fn unlink_practitioner(w: &Write<'_>, therapy_id: Uuid, practitioner_id: Uuid) -> Result<()> {
    let link = practitioner_link(w, therapy_id, practitioner_id).await?;
    let draft = Condition::all()
        .add(tp::Column::Id.eq(link.id))
        .add(tp::Column::Stage.eq(Stage::Draft));
    document::delete_where::<tp::Entity>(w, draft, EventAction::Unlinked).await?;
    Ok(())
}

/// Puts a therapy's practitioners in the given order (each named once, by practitioner id).
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
    let link_ids: Vec<Uuid> = practitioner_ids
        .iter()
        .filter_map(|p| links.iter().find(|l| l.practitioner_id == *p).map(|l| l.id))
        .collect();
    let list = Condition::all().add(tp::Column::TherapyId.eq(therapy_id));
    reorder::<tp::Entity>(w, list, tp::Column::Position, &link_ids).await
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
