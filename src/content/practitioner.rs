//! Practitioners: the clinic's people, linked to the therapies they offer.

use entity::practitioner::{ActiveModel, Entity, Model, Techniques};
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
    document_type: entity::DocumentType::Practitioner,
    label: "practitioner",
    plural: "practitioners",
    parents: &[],
    snapshot: SnapshotCodec::FIRST,
};

super::document::document!(practitioner, DECLARATION, rich text: Bio => BioHtml, BioText);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPractitioner {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub techniques: Vec<String>,
}

/// Fields to change; `None` leaves a field as it is. `techniques` replaces the whole list.
#[derive(Debug, Clone, Default)]
pub struct PractitionerChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
    pub techniques: Option<Vec<String>>,
}

fn techniques(list: Vec<String>) -> Result<Techniques> {
    validate::list_len("techniques", list.len(), validate::MAX_LIST_LEN)?;
    let cleaned = list
        .iter()
        .enumerate()
        .map(|(i, t)| validate::name(&format!("techniques[{i}]"), t, &limits::PRACTITIONER_TECHNIQUES))
        .collect::<Result<Vec<_>>>()?;
    Ok(Techniques(cleaned))
}

fn title(value: &str) -> Result<String> {
    Ok(validate::optional_name("title", Some(value), &limits::PRACTITIONER_TITLE)?.unwrap_or_default())
}

pub async fn create(w: &Write<'_>, input: NewPractitioner) -> Result<Model> {
    let now = super::now();
    let id = Uuid::now_v7();
    let model = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        slug: Set(validate::slug("slug", &input.slug, &limits::PRACTITIONER_SLUG)?),
        name: Set(validate::name("name", &input.name, &limits::PRACTITIONER_NAME)?),
        title: Set(title(&input.title)?),
        bio: Set(validate::rich_text(
            "bio",
            &input.bio,
            false,
            &limits::PRACTITIONER_BIO,
        )?),
        techniques: Set(techniques(input.techniques)?),
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
    changes: PractitionerChanges,
) -> Result<Model> {
    let mut model = <ActiveModel as Default>::default();
    if let Some(slug) = changes.slug {
        model.slug = Set(validate::slug("slug", &slug, &limits::PRACTITIONER_SLUG)?);
    }
    if let Some(name) = changes.name {
        model.name = Set(validate::name("name", &name, &limits::PRACTITIONER_NAME)?);
    }
    if let Some(t) = changes.title {
        model.title = Set(title(&t)?);
    }
    if let Some(bio) = changes.bio {
        model.bio = Set(validate::rich_text(
            "bio",
            &bio,
            false,
            &limits::PRACTITIONER_BIO,
        )?);
    }
    if let Some(list) = changes.techniques {
        model.techniques = Set(techniques(list)?);
    }
    document::update_draft::<Entity>(w, id, expected_version, model)
        .await
        .map_err(slug_taken::<Entity>)
}

/// Deletes a practitioner from both stages, with every therapy's link to them.
pub async fn delete(w: &Write<'_>, id: Uuid) -> Result<()> {
    document::delete_document::<Entity>(w, id).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid, stage: Stage) -> Result<Option<Model>> {
    document::find::<Entity>(db, id, stage).await
}
