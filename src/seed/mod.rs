//! The default content (the clinic's prolotherapy page) and the loader that puts a
//! content file into the database, all in one transaction, and publishes it.
//!
//! The file format (`clinic-content/1`) is written by hand: documents refer to
//! each other by slug and get their ids here. Moving a database's content, ids and
//! history included, is `transfer`'s export format instead.

use std::collections::HashMap;

use entity::{DocumentType, benefit, faq, therapy_section};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde::Deserialize;
use uuid::Uuid;

use crate::content::citation::{self, CitationFields, NewClaimCitation};
use crate::content::condition::{self, NewCondition};
use crate::content::links::{self, NewConditionLink};
use crate::content::owned::{self, NewItem, OwnedItem};
use crate::content::practitioner::{self, NewPractitioner};
use crate::content::review::{self, NewReview};
use crate::content::therapy::{self, NewTherapy};
use crate::content::{Actor, ContentError, Suitability, Write, publishing};
use crate::db::Database;

/// The clinic's prolotherapy page as structured content.
pub const DEFAULT_CONTENT: &str = include_str!("prolotherapy.json");

const FORMAT: &str = "clinic-content/1";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentFile {
    pub format: String,
    #[serde(default)]
    pub conditions: Vec<NewCondition>,
    #[serde(default)]
    pub practitioners: Vec<NewPractitioner>,
    #[serde(default)]
    pub therapies: Vec<TherapyEntry>,
    /// Clinic-wide FAQ entries.
    #[serde(default)]
    pub faqs: Vec<FaqEntry>,
    /// Sources, named by a key that claims cite them by; all are published.
    #[serde(default)]
    pub citations: Vec<CitationEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CitationEntry {
    pub key: String,
    pub title: String,
    pub authors: Vec<String>,
    pub publisher: String,
    pub year: Option<i32>,
    pub doi: Option<String>,
    pub pubmed_id: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// A claim citing a source by its key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cite {
    pub citation: String,
    pub locator: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewEntry {
    /// The reviewing practitioner's slug.
    pub reviewer: String,
    pub reviewed_on: chrono::NaiveDate,
    pub next_review_due: Option<chrono::NaiveDate>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TherapyEntry {
    #[serde(flatten)]
    pub therapy: NewTherapy,
    #[serde(default)]
    pub sections: Vec<SectionEntry>,
    #[serde(default)]
    pub benefits: Vec<BenefitEntry>,
    #[serde(default)]
    pub conditions: Vec<ConditionLinkEntry>,
    /// Practitioner slugs, in order.
    #[serde(default)]
    pub practitioners: Vec<String>,
    #[serde(default)]
    pub faqs: Vec<FaqEntry>,
    /// Sources the therapy as a whole rests on.
    #[serde(default)]
    pub citations: Vec<Cite>,
    pub review: Option<ReviewEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionEntry {
    pub heading: String,
    pub body: String,
    #[serde(default)]
    pub citations: Vec<Cite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitEntry {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub citations: Vec<Cite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub citations: Vec<Cite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionLinkEntry {
    /// The condition's slug.
    pub condition: String,
    pub suitability: Suitability,
    pub note: Option<String>,
    /// Sources for the claim that the condition responds this way.
    #[serde(default)]
    pub citations: Vec<Cite>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("content file is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("content file format is {0:?}; this version reads {FORMAT:?}")]
    Format(String),
    #[error("content file refers to unknown {kind} {slug:?}")]
    UnknownSlug { kind: &'static str, slug: String },
    #[error("the database already holds therapies; seeding only fills an empty database")]
    NotEmpty,
    #[error("content file: {0}")]
    Content(#[from] ContentError),
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// What a load created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub therapies: usize,
    pub conditions: usize,
    pub practitioners: usize,
}

pub fn parse(json: &str) -> Result<ContentFile, SeedError> {
    let file: ContentFile = serde_json::from_str(json)?;
    if file.format != FORMAT {
        return Err(SeedError::Format(file.format));
    }
    Ok(file)
}

/// Whether no therapy exists at any stage.
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, SeedError> {
    Ok(entity::therapy::Entity::find().count(db).await? == 0)
}

/// Loads the default content into an empty database and publishes it.
pub async fn load_default(db: &Database) -> Result<SeedReport, SeedError> {
    load(db, &parse(DEFAULT_CONTENT)?).await
}

/// Loads a content file into an empty database and publishes everything, in one transaction.
pub async fn load(db: &Database, file: &ContentFile) -> Result<SeedReport, SeedError> {
    let txn = db.begin_content_write().await?;
    if !is_empty(&*txn).await? {
        return Err(SeedError::NotEmpty);
    }
    let actor = Actor::system("seed");
    let report = insert_and_publish(&Write::new(&txn, &actor), file).await?;
    txn.commit().await?;
    Ok(report)
}

async fn insert_and_publish(txn: &Write<'_>, file: &ContentFile) -> Result<SeedReport, SeedError> {
    let mut conditions = HashMap::new();
    for input in &file.conditions {
        let row = condition::create(txn, input.clone()).await?;
        publishing::publish::<entity::condition::Entity>(txn, row.id, None).await?;
        conditions.insert(row.slug, row.id);
    }
    let mut practitioners = HashMap::new();
    for input in &file.practitioners {
        let row = practitioner::create(txn, input.clone()).await?;
        publishing::publish::<entity::practitioner::Entity>(txn, row.id, None).await?;
        practitioners.insert(row.slug, row.id);
    }
    let mut sources = HashMap::new();
    for entry in &file.citations {
        let fields = CitationFields {
            title: entry.title.clone(),
            authors: entry.authors.clone(),
            publisher: entry.publisher.clone(),
            year: entry.year,
            doi: entry.doi.clone(),
            pubmed_id: entry.pubmed_id.clone(),
            url: entry.url.clone(),
            note: entry.note.clone(),
        };
        let row = citation::create(txn, fields).await?;
        publishing::publish::<entity::citation::Entity>(txn, row.id, None).await?;
        sources.insert(entry.key.clone(), row.id);
    }
    let cite = async |claim_type, claim_id, cites: &[Cite]| -> Result<(), SeedError> {
        for c in cites {
            let citation_id = *sources.get(&c.citation).ok_or_else(|| SeedError::UnknownSlug {
                kind: "citation",
                slug: c.citation.clone(),
            })?;
            let input = NewClaimCitation {
                claim_type,
                claim_id,
                citation_id,
                locator: c.locator.clone(),
                position: None,
            };
            citation::cite(txn, input).await?;
        }
        Ok(())
    };
    for entry in &file.therapies {
        let therapy_id = therapy::create(txn, entry.therapy.clone()).await?.id;
        cite(DocumentType::Therapy, therapy_id, &entry.citations).await?;
        for s in &entry.sections {
            let id = add::<therapy_section::Entity>(txn, Some(therapy_id), &s.heading, &s.body).await?;
            cite(DocumentType::TherapySection, id, &s.citations).await?;
        }
        for b in &entry.benefits {
            let id = add::<benefit::Entity>(txn, Some(therapy_id), &b.title, &b.body).await?;
            cite(DocumentType::Benefit, id, &b.citations).await?;
        }
        for f in &entry.faqs {
            let id = add::<faq::Entity>(txn, Some(therapy_id), &f.question, &f.answer).await?;
            cite(DocumentType::Faq, id, &f.citations).await?;
        }
        for link in &entry.conditions {
            let condition_id = *conditions
                .get(&link.condition)
                .ok_or_else(|| SeedError::UnknownSlug {
                    kind: "condition",
                    slug: link.condition.clone(),
                })?;
            let input = NewConditionLink {
                therapy_id,
                condition_id,
                suitability: link.suitability,
                note: link.note.clone(),
                position: None,
            };
            let id = links::link_condition(txn, input).await?.id;
            cite(DocumentType::TherapyCondition, id, &link.citations).await?;
        }
        for slug in &entry.practitioners {
            let practitioner_id = *practitioners.get(slug).ok_or_else(|| SeedError::UnknownSlug {
                kind: "practitioner",
                slug: slug.clone(),
            })?;
            links::link_practitioner(txn, therapy_id, practitioner_id).await?;
        }
        if let Some(r) = &entry.review {
            let reviewer_id = *practitioners
                .get(&r.reviewer)
                .ok_or_else(|| SeedError::UnknownSlug {
                    kind: "practitioner",
                    slug: r.reviewer.clone(),
                })?;
            let input = NewReview {
                subject_type: DocumentType::Therapy,
                subject_id: therapy_id,
                reviewer_id,
                reviewed_on: r.reviewed_on,
                next_review_due: r.next_review_due,
                note: r.note.clone(),
            };
            review::record(txn, input).await?;
        }
        publishing::publish_therapy(txn, therapy_id, None, true).await?;
    }
    for f in &file.faqs {
        let row = add::<faq::Entity>(txn, None, &f.question, &f.answer).await?;
        cite(DocumentType::Faq, row, &f.citations).await?;
        publishing::publish::<faq::Entity>(txn, row, None).await?;
    }
    Ok(SeedReport {
        therapies: file.therapies.len(),
        conditions: conditions.len(),
        practitioners: practitioners.len(),
    })
}

async fn add<E>(txn: &Write<'_>, owner: Option<Uuid>, title: &str, body: &str) -> Result<Uuid, SeedError>
where
    E: OwnedItem,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let input = NewItem {
        therapy_id: owner,
        title: title.to_owned(),
        body: body.to_owned(),
        position: None,
    };
    let row = owned::create::<E>(txn, input).await?;
    Ok(crate::content::document::id_of::<E>(&row))
}
