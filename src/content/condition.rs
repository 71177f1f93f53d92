//! Conditions: shared documents that therapies link to with a suitability.

use entity::condition::{ActiveModel, Entity, Model};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::Deserialize;
use uuid::Uuid;

use super::document;
use super::slugged::slug_taken;
use super::validate::{self, limits};
use super::write::Write;
use super::{Result, Stage};
use entity::EventAction;

use super::registry::{Declaration, SnapshotCodec};

pub const DECLARATION: Declaration = Declaration {
    document_type: entity::DocumentType::Condition,
    label: "condition",
    plural: "conditions",
    parents: &[],
    snapshot: SnapshotCodec::FIRST,
};

super::document::document!(condition, DECLARATION, rich text: Description => DescriptionHtml, DescriptionText);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCondition {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub body_region: Option<String>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ConditionChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub body_region: Option<Option<String>>,
}

pub async fn create(w: &Write<'_>, input: NewCondition) -> Result<Model> {
    let now = super::now();
    let id = Uuid::now_v7();
    let model = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        slug: Set(validate::slug("slug", &input.slug, &limits::CONDITION_SLUG)?),
        name: Set(validate::name("name", &input.name, &limits::CONDITION_NAME)?),
        description: Set(validate::rich_text(
            "description",
            &input.description,
            false,
            &limits::CONDITION_DESCRIPTION,
        )?),
        body_region: Set(validate::optional_name(
            "bodyRegion",
            input.body_region.as_deref(),
            &limits::CONDITION_BODY_REGION,
        )?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
        ..Default::default()
    };
    document::insert_draft::<Entity>(w, id, model, EventAction::Created)
        .await
        .map_err(slug_taken::<Entity>)
}

pub async fn update(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    changes: ConditionChanges,
) -> Result<Model> {
    let mut model = <ActiveModel as Default>::default();
    if let Some(slug) = changes.slug {
        model.slug = Set(validate::slug("slug", &slug, &limits::CONDITION_SLUG)?);
    }
    if let Some(name) = changes.name {
        model.name = Set(validate::name("name", &name, &limits::CONDITION_NAME)?);
    }
    if let Some(description) = changes.description {
        model.description = Set(validate::rich_text(
            "description",
            &description,
            false,
            &limits::CONDITION_DESCRIPTION,
        )?);
    }
    if let Some(region) = changes.body_region {
        model.body_region = Set(validate::optional_name(
            "bodyRegion",
            region.as_deref(),
            &limits::CONDITION_BODY_REGION,
        )?);
    }
    document::update_draft::<Entity>(w, id, expected_version, model)
        .await
        .map_err(slug_taken::<Entity>)
}

/// Deletes a condition from both stages, with every therapy's link to it.
pub async fn delete(w: &Write<'_>, id: Uuid) -> Result<()> {
    document::delete_document::<Entity>(w, id).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid, stage: Stage) -> Result<Option<Model>> {
    document::find::<Entity>(db, id, stage).await
}
