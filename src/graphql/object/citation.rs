//! The `Citation` type, the `ClaimCitation` a claim cites it by, and the loader
//! that reads a page's citations for all its claims at once.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{DocumentType, citation, claim_citation};
use uuid::Uuid;

use super::Stage;
use crate::cache::{ChildList, Dependency, ObjectKey};
use crate::content::ContentError;
use crate::content::citation as domain;
use crate::db::Database;
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::loader::{Keep, LoadResult, StagedId, by_stage};

pub struct Citation(pub citation::Model);
pub struct ClaimCitation(pub claim_citation::Model, pub citation::Model);

/// A published source a health claim rests on: a study, a review, a book.
#[Object]
impl Citation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn stage(&self) -> Stage {
        self.0.stage
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// In the order the source lists them ("Rabago D", "Patterson JJ", …).
    async fn authors(&self) -> &[String] {
        &self.0.authors.0
    }

    /// The journal, or the publisher of a book or report.
    async fn publisher(&self) -> &str {
        &self.0.publisher
    }

    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The Digital Object Identifier, like "10.1370/afm.1504".
    async fn doi(&self) -> Option<&str> {
        self.0.doi.as_deref()
    }

    /// The PubMed identifier, like "23690322".
    async fn pubmed_id(&self) -> Option<&str> {
        self.0.pubmed_id.as_deref()
    }

    /// A page about the source, when it is not reached by its DOI.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// Where a reader finds the source: its DOI resolved, else PubMed, else `url`.
    async fn link(&self) -> Option<String> {
        domain::link(&self.0)
    }

    /// A short remark for readers, such as what the study found.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}

/// A claim citing a source, in order among the claim's citations. Part of the
/// claim: edited in its draft and published with it.
#[Object]
impl ClaimCitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What kind of claim cites: THERAPY, THERAPY_SECTION, BENEFIT,
    /// THERAPY_CONDITION (that the condition responds well or poorly) or FAQ.
    async fn claim_type(&self) -> DocumentType {
        self.0.claim_type
    }

    async fn claim_id(&self) -> ID {
        ID(self.0.claim_id.to_string())
    }

    /// Place in the claim's hand-made order (0 first).
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Where in the source: "p. 4", "Table 2".
    async fn locator(&self) -> Option<&str> {
        self.0.locator.as_deref()
    }

    async fn citation(&self) -> Citation {
        Citation(self.1.clone())
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// The citations of claims (of any kind), with their sources, in order.
pub struct CitationsOfClaims(Database);

impl Loader<StagedId> for CitationsOfClaims {
    type Value = Vec<(claim_citation::Model, citation::Model)>;
    type Error = std::sync::Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<Self::Value> {
        let mut found: HashMap<StagedId, Self::Value> = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            for (cited, source) in domain::of_claims(self.0.conn(), stage, &ids).await? {
                found
                    .entry(StagedId::new(cited.claim_id, stage))
                    .or_default()
                    .push((cited, source));
            }
        }
        Ok(found)
    }
}

/// A claim's citations are one list, whatever kind the claim is.
fn citations_list() -> ChildList {
    ChildList::of(&domain::CLAIM_DECLARATION, DocumentType::TherapySection)
}

impl Keep for CitationsOfClaims {
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Children(id, citations_list())
    }

    fn dependencies(&self, id: Uuid, value: Option<&Self::Value>) -> Vec<Dependency> {
        // A citation shows only while its source is published: any change to
        // which sources are may change the list.
        let mut read = vec![
            Dependency::Children(id, citations_list()),
            Dependency::Kind(DocumentType::Citation),
        ];
        for (cited, source) in value.into_iter().flatten() {
            read.push(Dependency::Document(DocumentType::ClaimCitation, cited.id));
            read.push(Dependency::Document(DocumentType::Citation, source.id));
        }
        read
    }

    fn absent(&self) -> Option<Self::Value> {
        Some(Vec::new())
    }
}

/// The citations of the claim `id` at `stage`, in order: what every claim's
/// `citations` field answers.
pub async fn of_claim(ctx: &Context<'_>, id: Uuid, stage: entity::Stage) -> ApiResult<Vec<ClaimCitation>> {
    let loader = loaders(ctx)?.of(|db| CitationsOfClaims(db.clone()));
    let rows = loader.load_one(StagedId::new(id, stage)).await?;
    Ok(rows
        .unwrap_or_default()
        .into_iter()
        .map(|(cited, source)| ClaimCitation(cited, source))
        .collect())
}
