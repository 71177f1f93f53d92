//! Clinical reviews: a practitioner checked a therapy or a condition on a date,
//! and it is next due on another. Every review is kept (it is the subject's
//! review history); the latest one is the subject's review. A review is a
//! document declared to the registry: it goes public with its subject.
//!
//! Also here: what is due for review before a date, the `REVIEW_DUE` event
//! recorded once when a subject's review falls due, and the optional publishing
//! rule that holds back a therapy whose review is overdue or whose health claims
//! cite nothing.

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use entity::review::{self, ActiveModel, Entity, Model};
use entity::{DocumentType, EventAction, content_event};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::document;
use super::registry::{Declaration, Parent, PublishedWith, SnapshotCodec};
use super::validate;
use super::write::Write;
use super::{ContentError, Result, Stage, now};

/// A review of a subject of `kind` (as the snapshot's `subjectType` names it).
const fn subject(kind: DocumentType, name: &'static str) -> Parent {
    Parent {
        kind,
        field: "subjectId",
        list: "reviews",
        published_with: PublishedWith::Always,
        when: Some(("subjectType", name)),
    }
}

pub const DECLARATION: Declaration = Declaration {
    document_type: DocumentType::Review,
    label: "review",
    plural: "reviews",
    parents: &[
        subject(DocumentType::Therapy, "THERAPY"),
        subject(DocumentType::Condition, "CONDITION"),
        Parent::new(
            DocumentType::Practitioner,
            "reviewerId",
            "reviews",
            PublishedWith::Itself,
        ),
    ],
    snapshot: SnapshotCodec::FIRST,
};

super::document::document!(review, DECLARATION);

/// How long after a review the next one is due, unless the reviewer says.
pub const DEFAULT_INTERVAL_MONTHS: u32 = 12;

/// Where a subject's review stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The next review is further away than the due window.
    Current,
    /// The next review falls within the due window.
    Due,
    /// The next review date has passed (or it was never reviewed).
    Overdue,
}

/// The review rules a clinic runs with (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRules {
    /// How many days before its next-review date a subject counts as due.
    pub due_window_days: u32,
    /// Refuse to publish a therapy whose review is overdue or whose health
    /// claims (benefits, condition links) cite nothing.
    pub require_for_publishing: bool,
}

impl Default for ReviewRules {
    fn default() -> Self {
        Self {
            due_window_days: 30,
            require_for_publishing: false,
        }
    }
}

impl ReviewRules {
    /// The status of a review whose next one is due on `next_due`, on `today`.
    pub fn status(&self, next_due: NaiveDate, today: NaiveDate) -> Status {
        if next_due < today {
            Status::Overdue
        } else if next_due <= today + chrono::Days::new(self.due_window_days.into()) {
            Status::Due
        } else {
            Status::Current
        }
    }
}

/// Today, as review dates count days (UTC).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[derive(Debug, Clone)]
pub struct NewReview {
    pub subject_type: DocumentType,
    pub subject_id: Uuid,
    pub reviewer_id: Uuid,
    pub reviewed_on: NaiveDate,
    /// A year after `reviewed_on` when not given.
    pub next_review_due: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Records a review of a therapy or condition (as a draft; it goes public with
/// its subject, or at once with `publish` when the subject is published).
pub async fn record(w: &Write<'_>, input: NewReview) -> Result<Model> {
    if !matches!(
        input.subject_type,
        DocumentType::Therapy | DocumentType::Condition
    ) {
        return Err(ContentError::invalid(
            "subjectType",
            "only therapies and conditions are reviewed",
        ));
    }
    let missing = super::snapshot::find(w.db, input.subject_type, &[input.subject_id], Stage::Draft)
        .await?
        .is_empty();
    if missing {
        return Err(ContentError::invalid(
            "subjectId",
            format!("no {} with id {}", label(input.subject_type), input.subject_id),
        ));
    }
    if super::practitioner::find(w.db, input.reviewer_id, Stage::Draft)
        .await?
        .is_none()
    {
        return Err(ContentError::invalid(
            "reviewerId",
            format!("no practitioner with id {}", input.reviewer_id),
        ));
    }
    if input.reviewed_on > today() {
        return Err(ContentError::invalid("reviewedOn", "must not be in the future"));
    }
    let next_due = match input.next_review_due {
        Some(date) if date <= input.reviewed_on => {
            return Err(ContentError::invalid(
                "nextReviewDue",
                "must come after reviewedOn",
            ));
        }
        Some(date) => date,
        None => input
            .reviewed_on
            .checked_add_months(Months::new(DEFAULT_INTERVAL_MONTHS))
            .ok_or_else(|| ContentError::invalid("reviewedOn", "is out of range"))?,
    };
    let note = match input.note {
        Some(n) if !n.trim().is_empty() => {
            validate::text("note", &n, &review::NOTE)?;
            Some(n.trim().to_owned())
        }
        _ => None,
    };
    let now = now();
    let id = Uuid::now_v7();
    let row = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        subject_type: Set(input.subject_type),
        subject_id: Set(input.subject_id),
        reviewer_id: Set(input.reviewer_id),
        reviewed_on: Set(input.reviewed_on),
        next_review_due: Set(next_due),
        note: Set(note),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    };
    document::insert_draft::<Entity>(w, id, row, EventAction::Created).await
}

fn label(kind: DocumentType) -> &'static str {
    super::registry::declaration(kind).map_or("document", |d| d.label)
}

/// The reviews of several subjects at a stage, newest first; a review shows
/// only while its reviewer exists at the stage.
pub async fn of_subjects(
    db: &impl ConnectionTrait,
    stage: Stage,
    subject_ids: &[Uuid],
) -> Result<Vec<Model>> {
    use entity::practitioner;
    let reviewers = super::filter::ids_at::<practitioner::Entity>(
        practitioner::Column::Id,
        practitioner::Column::Stage,
        stage,
    );
    Ok(Entity::find()
        .filter(review::Column::Stage.eq(stage))
        .filter(review::Column::SubjectId.is_in(subject_ids.iter().copied()))
        .filter(review::Column::ReviewerId.in_subquery(reviewers))
        .order_by_desc(review::Column::ReviewedOn)
        .order_by_desc(review::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Each subject's latest review at a stage.
async fn latest(db: &impl ConnectionTrait, stage: Stage) -> Result<HashMap<Uuid, Model>> {
    let mut latest = HashMap::new();
    for row in Entity::find()
        .filter(review::Column::Stage.eq(stage))
        .order_by_desc(review::Column::ReviewedOn)
        .order_by_desc(review::Column::CreatedAt)
        .all(db)
        .await?
    {
        latest.entry(row.subject_id).or_insert(row);
    }
    Ok(latest)
}

/// A therapy or condition whose review is due.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub subject_type: DocumentType,
    pub subject_id: Uuid,
    pub name: String,
    /// Its latest review; `None` if it was never reviewed.
    pub review: Option<Model>,
}

/// Every therapy and condition (as drafts: what editors work on) whose next
/// review falls before `before`, or that was never reviewed; soonest first.
pub async fn due_before(db: &impl ConnectionTrait, before: NaiveDate) -> Result<Vec<DueItem>> {
    let latest = latest(db, Stage::Draft).await?;
    let mut due = Vec::new();
    let therapies: Vec<(Uuid, String)> = entity::therapy::Entity::find()
        .select_only()
        .columns([entity::therapy::Column::Id, entity::therapy::Column::Name])
        .filter(entity::therapy::Column::Stage.eq(Stage::Draft))
        .into_tuple()
        .all(db)
        .await?;
    let conditions: Vec<(Uuid, String)> = entity::condition::Entity::find()
        .select_only()
        .columns([entity::condition::Column::Id, entity::condition::Column::Name])
        .filter(entity::condition::Column::Stage.eq(Stage::Draft))
        .into_tuple()
        .all(db)
        .await?;
    let subjects = therapies
        .into_iter()
        .map(|s| (DocumentType::Therapy, s))
        .chain(conditions.into_iter().map(|s| (DocumentType::Condition, s)));
    for (subject_type, (subject_id, name)) in subjects {
        let review = latest.get(&subject_id).cloned();
        if review.as_ref().is_none_or(|r| r.next_review_due < before) {
            due.push(DueItem {
                subject_type,
                subject_id,
                name,
                review,
            });
        }
    }
    due.sort_by(|a, b| {
        let date = |i: &DueItem| i.review.as_ref().map(|r| r.next_review_due);
        date(a).cmp(&date(b)).then_with(|| a.name.cmp(&b.name))
    });
    Ok(due)
}

/// Records `REVIEW_DUE` once for each subject whose latest review's next date
/// has come by `today` (a new review starts the clock again). Returns the
/// reviews that fell due. Safe to run on every instance: writers are serialised
/// and a review that already has the event is skipped.
pub async fn record_due(w: &Write<'_>, today: NaiveDate) -> Result<Vec<Model>> {
    let fallen: Vec<Model> = latest(w.db, Stage::Draft)
        .await?
        .into_values()
        .filter(|r| r.next_review_due <= today)
        .collect();
    if fallen.is_empty() {
        return Ok(fallen);
    }
    let told: HashSet<Uuid> = content_event::Entity::find()
        .select_only()
        .column(content_event::Column::DocumentId)
        .filter(content_event::Column::Action.eq(EventAction::ReviewDue))
        .filter(content_event::Column::DocumentId.is_in(fallen.iter().map(|r| r.id)))
        .into_tuple()
        .all(w.db)
        .await?
        .into_iter()
        .collect();
    let mut recorded = Vec::new();
    for review in fallen.into_iter().filter(|r| !told.contains(&r.id)) {
        document::record::<Entity>(w, &review, EventAction::ReviewDue).await?;
        recorded.push(review);
    }
    Ok(recorded)
}

/// [`record_due`] in a write of its own, by the server.
pub async fn check_due(db: &crate::db::Database, today: NaiveDate) -> Result<Vec<Model>> {
    let actor = super::Actor::system("review clock");
    let txn = db.begin_content_write().await?;
    let w = Write::new(&txn, &actor);
    let fallen = record_due(&w, today).await?;
    txn.commit().await?;
    Ok(fallen)
}

/// One thing that holds a therapy back from publishing under the review rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub claim_type: DocumentType,
    pub claim_id: Uuid,
    /// What the claim says, as editors know it (a benefit's title, a condition's name).
    pub claim: String,
    pub reason: String,
}

/// Under [`ReviewRules::require_for_publishing`]: the reasons a therapy's draft
/// may not be published (its review overdue or missing; each benefit and
/// condition link citing nothing). Empty when it may.
pub async fn publishing_blockers(
    db: &impl ConnectionTrait,
    therapy_id: Uuid,
    rules: &ReviewRules,
    today: NaiveDate,
) -> Result<Vec<Blocker>> {
    use entity::{benefit, claim_citation as cc, condition, therapy_condition as tc};
    let mut blockers = Vec::new();
    let Some(therapy) = super::therapy::find(db, therapy_id, Stage::Draft).await? else {
        return Ok(blockers);
    };
    let review = of_subjects(db, Stage::Draft, &[therapy_id])
        .await?
        .into_iter()
        .next();
    let reason = match &review {
        None => Some("has never been reviewed".to_owned()),
        Some(r) if rules.status(r.next_review_due, today) == Status::Overdue => {
            Some(format!("its review was due on {}", r.next_review_due))
        }
        Some(_) => None,
    };
    if let Some(reason) = reason {
        blockers.push(Blocker {
            claim_type: DocumentType::Therapy,
            claim_id: therapy_id,
            claim: therapy.name.clone(),
            reason,
        });
    }
    let cited: HashSet<Uuid> = cc::Entity::find()
        .select_only()
        .column(cc::Column::ClaimId)
        .filter(cc::Column::Stage.eq(Stage::Draft))
        .filter(cc::Column::TherapyId.eq(therapy_id))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let benefits = benefit::Entity::find()
        .filter(benefit::Column::Stage.eq(Stage::Draft))
        .filter(benefit::Column::TherapyId.eq(therapy_id))
        .order_by_asc(benefit::Column::Position)
        .all(db)
        .await?;
    for b in benefits.into_iter().filter(|b| !cited.contains(&b.id)) {
        blockers.push(Blocker {
            claim_type: DocumentType::Benefit,
            claim_id: b.id,
            claim: b.title,
            reason: "cites no source".to_owned(),
        });
    }
    let links = tc::Entity::find()
        .filter(tc::Column::Stage.eq(Stage::Draft))
        .filter(tc::Column::TherapyId.eq(therapy_id))
        .order_by_asc(tc::Column::Position)
        .all(db)
        .await?;
    let names: HashMap<Uuid, String> = condition::Entity::find()
        .select_only()
        .columns([condition::Column::Id, condition::Column::Name])
        .filter(condition::Column::Stage.eq(Stage::Draft))
        .filter(condition::Column::Id.is_in(links.iter().map(|l| l.condition_id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for link in links.into_iter().filter(|l| !cited.contains(&l.id)) {
        let responds = match link.suitability {
            entity::Suitability::RespondsWell => "responds well",
            entity::Suitability::RespondsPoorly => "responds poorly",
        };
        let name = names
            .get(&link.condition_id)
            .map_or("a condition", String::as_str);
        blockers.push(Blocker {
            claim_type: DocumentType::TherapyCondition,
            claim_id: link.id,
            claim: format!("{name} {responds}"),
            reason: "cites no source".to_owned(),
        });
    }
    Ok(blockers)
}
