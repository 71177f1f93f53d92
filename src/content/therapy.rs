//! Therapies: the root documents of a clinic page, with their treatment facts.

use entity::therapy::{ActiveModel, Entity, Model};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Deserialize;
use uuid::Uuid;

use super::document;
use super::slugged::slug_taken;
use super::validate::{self, limits};
use super::write::Write;
use super::{ContentError, InsuranceCoverage, Result, Stage};
use entity::EventAction;

use super::registry::{Declaration, SnapshotCodec};

/// A therapy stands alone; its sections, benefits, FAQ entries and links hang on it.
pub const DECLARATION: Declaration = Declaration {
    document_type: entity::DocumentType::Therapy,
    label: "therapy",
    plural: "therapies",
    parents: &[],
    snapshot: SnapshotCodec::FIRST,
};

super::document::document!(therapy, DECLARATION, rich text: Summary => SummaryHtml, SummaryText);

// Declared once: this type is the domain's, the seed file's, and the API's output
// (`TreatmentFacts`) and input (`TreatmentFactsInput`).
/// Practical facts about a course of treatment. Numbers are null where unknown;
/// as an input, the full set (fields left out are unknown).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Deserialize, async_graphql::SimpleObject, async_graphql::InputObject,
)]
#[graphql(input_name = "TreatmentFactsInput")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TreatmentFacts {
    /// How many treatments most patients need.
    pub typical_sessions: Option<i32>,
    pub min_sessions: Option<i32>,
    pub max_sessions: Option<i32>,
    /// Weeks between treatments (about a month is 4).
    pub session_interval_weeks: Option<i32>,
    /// How long one procedure takes, in minutes.
    pub procedure_minutes_min: Option<i32>,
    pub procedure_minutes_max: Option<i32>,
    /// When a repeat treatment may be needed, in months after the course.
    pub repeat_after_months_min: Option<i32>,
    pub repeat_after_months_max: Option<i32>,
    #[serde(default)]
    #[graphql(default)]
    pub insurance_coverage: InsuranceCoverage,
    /// Why insurance does or does not pay, in the clinic's words.
    pub insurance_note: Option<String>,
    /// The decade the therapy was first used, as its first year (1930 for the 1930s).
    pub first_used_decade: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTherapy {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub facts: TreatmentFacts,
}

/// Fields to change; `None` leaves a field as it is. `facts` replaces all facts at once.
#[derive(Debug, Clone, Default)]
pub struct TherapyChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub facts: Option<TreatmentFacts>,
}

impl TreatmentFacts {
    pub fn of(model: &Model) -> Self {
        Self {
            typical_sessions: model.typical_sessions,
            min_sessions: model.min_sessions,
            max_sessions: model.max_sessions,
            session_interval_weeks: model.session_interval_weeks,
            procedure_minutes_min: model.procedure_minutes_min,
            procedure_minutes_max: model.procedure_minutes_max,
            repeat_after_months_min: model.repeat_after_months_min,
            repeat_after_months_max: model.repeat_after_months_max,
            insurance_coverage: model.insurance_coverage,
            insurance_note: model.insurance_note.clone(),
            first_used_decade: model.first_used_decade,
        }
    }

    fn validated(mut self) -> Result<Self> {
        for (field, value) in [
            ("facts.typicalSessions", self.typical_sessions),
            ("facts.minSessions", self.min_sessions),
            ("facts.maxSessions", self.max_sessions),
            ("facts.sessionIntervalWeeks", self.session_interval_weeks),
            ("facts.procedureMinutesMin", self.procedure_minutes_min),
            ("facts.procedureMinutesMax", self.procedure_minutes_max),
            ("facts.repeatAfterMonthsMin", self.repeat_after_months_min),
            ("facts.repeatAfterMonthsMax", self.repeat_after_months_max),
        ] {
            validate::fact(field, value)?;
        }
        validate::ordered(
            "facts.maxSessions",
            self.min_sessions,
            self.max_sessions,
            "minSessions",
        )?;
        validate::ordered(
            "facts.typicalSessions",
            self.min_sessions,
            self.typical_sessions,
            "minSessions",
        )?;
        validate::ordered(
            "facts.maxSessions",
            self.typical_sessions,
            self.max_sessions,
            "typicalSessions",
        )?;
        validate::ordered(
            "facts.procedureMinutesMax",
            self.procedure_minutes_min,
            self.procedure_minutes_max,
            "procedureMinutesMin",
        )?;
        validate::ordered(
            "facts.repeatAfterMonthsMax",
            self.repeat_after_months_min,
            self.repeat_after_months_max,
            "repeatAfterMonthsMin",
        )?;
        if let Some(decade) = self.first_used_decade
            && (decade % 10 != 0 || !(1000..=2100).contains(&decade))
        {
            return Err(ContentError::invalid(
                "facts.firstUsedDecade",
                format!("must be the first year of a decade, like 1930, got {decade}"),
            ));
        }
        self.insurance_note = match self.insurance_note {
            Some(note) if !note.trim().is_empty() => Some(validate::rich_text(
                "facts.insuranceNote",
                &note,
                false,
                &limits::THERAPY_INSURANCE_NOTE,
            )?),
            _ => None,
        };
        Ok(self)
    }

    fn apply(self, model: &mut ActiveModel) {
        model.typical_sessions = Set(self.typical_sessions);
        model.min_sessions = Set(self.min_sessions);
        model.max_sessions = Set(self.max_sessions);
        model.session_interval_weeks = Set(self.session_interval_weeks);
        model.procedure_minutes_min = Set(self.procedure_minutes_min);
        model.procedure_minutes_max = Set(self.procedure_minutes_max);
        model.repeat_after_months_min = Set(self.repeat_after_months_min);
        model.repeat_after_months_max = Set(self.repeat_after_months_max);
        model.insurance_coverage = Set(self.insurance_coverage);
        model.insurance_note = Set(self.insurance_note);
        model.first_used_decade = Set(self.first_used_decade);
    }
}

pub async fn create(w: &Write<'_>, input: NewTherapy) -> Result<Model> {
    let now = super::now();
    let id = Uuid::now_v7();
    let mut model = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        slug: Set(validate::slug("slug", &input.slug, &limits::THERAPY_SLUG)?),
        name: Set(validate::name("name", &input.name, &limits::THERAPY_NAME)?),
        summary: Set(validate::rich_text(
            "summary",
            &input.summary,
            false,
            &limits::THERAPY_SUMMARY,
        )?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
        ..Default::default()
    };
    input.facts.validated()?.apply(&mut model);
    document::insert_draft::<Entity>(w, id, model, EventAction::Created)
        .await
        .map_err(slug_taken::<Entity>)
}

pub async fn update(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    changes: TherapyChanges,
) -> Result<Model> {
    let mut model = <ActiveModel as Default>::default();
    if let Some(slug) = changes.slug {
        model.slug = Set(validate::slug("slug", &slug, &limits::THERAPY_SLUG)?);
    }
    if let Some(name) = changes.name {
        model.name = Set(validate::name("name", &name, &limits::THERAPY_NAME)?);
    }
    if let Some(summary) = changes.summary {
        model.summary = Set(validate::rich_text(
            "summary",
            &summary,
            false,
            &limits::THERAPY_SUMMARY,
        )?);
    }
    if let Some(facts) = changes.facts {
        facts.validated()?.apply(&mut model);
    }
    document::update_draft::<Entity>(w, id, expected_version, model)
        .await
        .map_err(slug_taken::<Entity>)
}

/// Deletes a therapy from both stages, with everything it owns and its links.
pub async fn delete(w: &Write<'_>, id: Uuid) -> Result<()> {
    document::delete_document::<Entity>(w, id).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid, stage: Stage) -> Result<Option<Model>> {
    document::find::<Entity>(db, id, stage).await
}

/// Fails with `BAD_USER_INPUT` on `field` unless the therapy has a draft.
pub async fn require(db: &impl ConnectionTrait, id: Uuid, field: &str) -> Result<()> {
    match find(db, id, Stage::Draft).await? {
        Some(_) => Ok(()),
        None => Err(ContentError::invalid(field, format!("no therapy with id {id}"))),
    }
}
