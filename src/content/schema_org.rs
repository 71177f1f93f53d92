//! A therapy page as schema.org structured data (JSON-LD), for a front-end to put
//! in the page for search engines: a `MedicalWebPage` about a `MedicalTherapy`,
//! saying who reviewed it and when, the conditions it mentions, and the sources
//! its claims cite.

use std::collections::HashSet;

use entity::{citation, claim_citation as cc, condition, practitioner, review, therapy};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Result, Stage, Suitability};

/// What a therapy page's structured data is made from.
pub struct TherapyPage<'a> {
    pub therapy: &'a therapy::Model,
    /// The latest review, with its reviewer when they are at the page's stage.
    pub review: Option<(&'a review::Model, Option<&'a practitioner::Model>)>,
    /// The conditions it is linked to, with how each responds.
    pub conditions: Vec<(&'a condition::Model, Suitability)>,
    /// Every source the page's claims cite, each once, in the page's order.
    pub citations: Vec<&'a citation::Model>,
}

/// The page as a JSON-LD `MedicalWebPage`.
pub fn medical_web_page(page: &TherapyPage<'_>) -> Value {
    let t = page.therapy;
    let summary = t.summary_text.clone().unwrap_or_else(|| t.summary.clone());
    let mut about = json!({
        "@type": "MedicalTherapy",
        "name": t.name,
        "description": summary,
    });
    let poorly: Vec<Value> = page
        .conditions
        .iter()
        .filter(|(_, s)| *s == Suitability::RespondsPoorly)
        .map(|(c, _)| Value::String(format!("Not suited to {}", c.name)))
        .collect();
    if !poorly.is_empty() {
        about["contraindication"] = Value::Array(poorly);
    }
    let mut data = json!({
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": t.name,
        "description": summary,
        "about": about,
        "dateModified": t.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let mentions: Vec<Value> = page
        .conditions
        .iter()
        .filter(|(_, s)| *s == Suitability::RespondsWell)
        .map(|(c, _)| json!({ "@type": "MedicalCondition", "name": c.name }))
        .collect();
    if !mentions.is_empty() {
        data["mentions"] = Value::Array(mentions);
    }
    if let Some(published) = t.published_at {
        data["datePublished"] = json!(published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    if let Some((review, reviewer)) = page.review {
        data["lastReviewed"] = json!(review.reviewed_on.format("%Y-%m-%d").to_string());
        if let Some(person) = reviewer {
            let mut by = json!({ "@type": "Person", "name": person.name });
            if !person.title.is_empty() {
                by["jobTitle"] = json!(person.title);
            }
            data["reviewedBy"] = by;
        }
    }
    if !page.citations.is_empty() {
        data["citation"] = Value::Array(page.citations.iter().map(|c| scholarly_article(c)).collect());
    }
    data
}

fn scholarly_article(source: &citation::Model) -> Value {
    let mut article = json!({
        "@type": "ScholarlyArticle",
        "name": source.title,
        "author": source.authors.0.iter().map(|a| json!({ "@type": "Person", "name": a })).collect::<Vec<_>>(),
        "isPartOf": { "@type": "Periodical", "name": source.publisher },
    });
    if let Some(year) = source.year {
        article["datePublished"] = json!(year.to_string());
    }
    let mut identifiers = Vec::new();
    if let Some(doi) = &source.doi {
        identifiers.push(json!({ "@type": "PropertyValue", "propertyID": "DOI", "value": doi }));
        article["sameAs"] = json!(format!("https://doi.org/{doi}"));
    }
    if let Some(pmid) = &source.pubmed_id {
        identifiers.push(json!({ "@type": "PropertyValue", "propertyID": "PMID", "value": pmid }));
    }
    if !identifiers.is_empty() {
        article["identifier"] = Value::Array(identifiers);
    }
    if let Some(url) = super::citation::link(source) {
        article["url"] = json!(url);
    }
    article
}

/// Every source cited by a therapy's claims at a stage, each once, in the order
/// the page shows them (the therapy's own first), leaving out sources that are
/// not at the stage.
pub async fn sources_of_therapy(
    db: &impl ConnectionTrait,
    therapy_id: Uuid,
    stage: Stage,
) -> Result<Vec<citation::Model>> {
    let cited = cc::Entity::find()
        .filter(cc::Column::Stage.eq(stage))
        .filter(cc::Column::TherapyId.eq(therapy_id))
        .order_by_asc(cc::Column::Position)
        .order_by_asc(cc::Column::Id)
        .all(db)
        .await?;
    let mut order: Vec<Uuid> = Vec::new();
    let mut seen = HashSet::new();
    // The therapy's own claims first, then the rest in their order.
    let own = cited.iter().filter(|c| c.claim_id == therapy_id);
    let rest = cited.iter().filter(|c| c.claim_id != therapy_id);
    for c in own.chain(rest) {
        if seen.insert(c.citation_id) {
            order.push(c.citation_id);
        }
    }
    let sources = citation::Entity::find()
        .filter(citation::Column::Stage.eq(stage))
        .filter(citation::Column::Id.is_in(order.iter().copied()))
        .all(db)
        .await?;
    Ok(order
        .iter()
        .filter_map(|id| sources.iter().find(|s| s.id == *id).cloned())
        .collect())
}
