//! Citation writes: the sources themselves, and claims citing them.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::DocumentType;
use entity::citation::Entity;

use crate::auth::Role;
use crate::content::citation::{self, CitationChanges, CitationFields, NewClaimCitation};
use crate::content::publishing;
use crate::graphql::context::{RoleGuard, parse_id, parse_ids, write};
use crate::graphql::error::ApiResult;
use crate::graphql::object::{Citation, ClaimCitation};

/// A new source. It needs a DOI or a PubMed ID (or both).
#[derive(InputObject)]
pub struct CreateCitationInput {
    pub title: String,
    /// In the order the source lists them, as "Surname Initials".
    pub authors: Vec<String>,
    /// The journal, or the publisher of a book or report.
    pub publisher: String,
    pub year: Option<i32>,
    /// Like "10.1370/afm.1504"; a https://doi.org/ address is taken too.
    pub doi: Option<String>,
    /// Like "23690322".
    pub pubmed_id: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// Fields to change; a field left out stays as it is, `null` clears an optional one.
#[derive(InputObject, Default)]
pub struct UpdateCitationInput {
    pub title: Option<String>,
    pub authors: Option<Vec<String>>,
    pub publisher: Option<String>,
    pub year: MaybeUndefined<i32>,
    pub doi: MaybeUndefined<String>,
    pub pubmed_id: MaybeUndefined<String>,
    pub url: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
}

/// A claim citing a source.
#[derive(InputObject)]
pub struct CiteInput {
    /// THERAPY, THERAPY_SECTION, BENEFIT, THERAPY_CONDITION or FAQ.
    pub claim_type: DocumentType,
    pub claim_id: ID,
    pub citation_id: ID,
    /// Where in the source: "p. 4", "Table 2".
    pub locator: Option<String>,
    /// Place among the claim's citations (at the end when left out).
    pub position: Option<i32>,
}

fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(Default)]
pub struct CitationMutation;

#[Object(guard = "RoleGuard(Role::Editor)")]
impl CitationMutation {
    /// Creates a citation as a draft (version 1).
    async fn create_citation(&self, ctx: &Context<'_>, input: CreateCitationInput) -> ApiResult<Citation> {
        let fields = CitationFields {
            title: input.title,
            authors: input.authors,
            publisher: input.publisher,
            year: input.year,
            doi: input.doi,
            pubmed_id: input.pubmed_id,
            url: input.url,
            note: input.note,
        };
        write(ctx, move |txn| Box::pin(citation::create(txn, fields)))
            .await
            .map(Citation)
    }

    /// Changes the draft; fails with `CONFLICT` unless it is still at `expectedVersion`.
    async fn update_citation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateCitationInput,
    ) -> ApiResult<Citation> {
        let id = parse_id("id", &id)?;
        let changes = CitationChanges {
            title: input.title,
            authors: input.authors,
            publisher: input.publisher,
            year: change(input.year),
            doi: change(input.doi),
            pubmed_id: change(input.pubmed_id),
            url: change(input.url),
            note: change(input.note),
        };
        write(ctx, move |txn| {
            Box::pin(citation::update(txn, id, expected_version, changes))
        })
        .await
        .map(Citation)
    }

    /// Deletes the citation from both stages, and every claim's citation of it.
    async fn delete_citation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let uuid = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(citation::delete(txn, uuid))).await?;
        Ok(id)
    }

    /// Publishes the draft; returns the published copy.
    async fn publish_citation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<Citation> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| {
            Box::pin(publishing::publish::<Entity>(txn, id, expected_version))
        })
        .await
        .map(Citation)
    }

    /// Takes the citation off the published stage (claims citing it stop showing
    /// it); returns the draft.
    async fn unpublish_citation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Citation> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(publishing::unpublish::<Entity>(txn, id)))
            .await
            .map(Citation)
    }

    /// Makes a claim cite a source, in the claim's draft; it goes public with the claim.
    async fn cite(&self, ctx: &Context<'_>, input: CiteInput) -> ApiResult<ClaimCitation> {
        let new = NewClaimCitation {
            claim_type: input.claim_type,
            claim_id: parse_id("claimId", &input.claim_id)?,
            citation_id: parse_id("citationId", &input.citation_id)?,
            locator: input.locator,
            position: input.position,
        };
        let (cited, source) = write(ctx, move |txn| {
            Box::pin(async move {
                let cited = citation::cite(txn, new).await?;
                let source = crate::content::document::draft::<Entity>(txn.db, cited.citation_id).await?;
                Ok((cited, source))
            })
        })
        .await?;
        Ok(ClaimCitation(cited, source))
    }

    /// Changes where in the source a claim citation points (`null` clears it).
    async fn update_claim_citation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        locator: Option<String>,
    ) -> ApiResult<ClaimCitation> {
        let id = parse_id("id", &id)?;
        let (cited, source) = write(ctx, move |txn| {
            Box::pin(async move {
                let cited = citation::update_claim_citation(txn, id, expected_version, locator).await?;
                let source = crate::content::document::draft::<Entity>(txn.db, cited.citation_id).await?;
                Ok((cited, source))
            })
        })
        .await?;
        Ok(ClaimCitation(cited, source))
    }

    /// Removes a citation from a claim's draft; returns the claim's id.
    async fn uncite(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let id = parse_id("id", &id)?;
        let claim = write(ctx, move |txn| Box::pin(citation::uncite(txn, id))).await?;
        Ok(ID(claim.to_string()))
    }

    /// Sets the order of a claim's citations: every one of them, once.
    async fn reorder_claim_citations(&self, ctx: &Context<'_>, claim_id: ID, ids: Vec<ID>) -> ApiResult<ID> {
        let claim = parse_id("claimId", &claim_id)?;
        let ids = parse_ids("ids", &ids)?;
        write(ctx, move |txn| {
            Box::pin(async move { citation::reorder_claim_citations(txn, claim, &ids).await })
        })
        .await?;
        Ok(claim_id)
    }
}
