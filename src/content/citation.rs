//! Citations: the published sources a clinic's health claims rest on, and the
//! claims that cite them. A claim is a therapy, a section, a benefit, a condition
//! link (that the condition responds well or poorly) or a FAQ answer; it cites
//! citations in order, each with an optional locator ("p. 4", "Table 2").
//!
//! Both are documents declared to the registry: citations stand alone; a claim
//! citation hangs on its claim, its therapy and its citation, goes public with
//! its claim (and with the claim's therapy), and is deleted with any of them.

use std::sync::LazyLock;

use entity::citation::{self, ActiveModel, Authors, Entity, Model};
use entity::claim_citation as cc;
use entity::{DocumentType, EventAction};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationDef,
};
use uuid::Uuid;

use super::document;
use super::listing::{self, Direction, Ordering, Page, PageRequest};
use super::owned::reorder;
use super::registry::{self, Declaration, Parent, PublishedWith, SnapshotCodec};
use super::validate;
use super::write::Write;
use super::{ContentError, Result, Stage, now};

pub const DECLARATION: Declaration = Declaration {
    document_type: DocumentType::Citation,
    label: "citation",
    plural: "citations",
    parents: &[],
    snapshot: SnapshotCodec::FIRST,
};

/// A claim of `kind` (its type as the snapshot's `claimType` names it).
const fn claim(kind: DocumentType, name: &'static str) -> Parent {
    Parent {
        kind,
        field: "claimId",
        list: "citations",
        published_with: PublishedWith::Always,
        when: Some(("claimType", name)),
    }
}

pub const CLAIM_DECLARATION: Declaration = Declaration {
    document_type: DocumentType::ClaimCitation,
    label: "claim citation",
    plural: "claim-citations",
    parents: &[
        Parent::new(
            DocumentType::Therapy,
            "therapyId",
            "citations",
            PublishedWith::Always,
        ),
        claim(DocumentType::TherapySection, "THERAPY_SECTION"),
        claim(DocumentType::Benefit, "BENEFIT"),
        claim(DocumentType::TherapyCondition, "THERAPY_CONDITION"),
        claim(DocumentType::Faq, "FAQ"),
        Parent::new(
            DocumentType::Citation,
            "citationId",
            "claims",
            PublishedWith::Itself,
        ),
    ],
    snapshot: SnapshotCodec::FIRST,
};

super::document::document!(citation, DECLARATION);
super::document::document!(claim_citation, CLAIM_DECLARATION);

/// The kinds of document that make health claims and may cite sources.
pub const CLAIM_TYPES: [DocumentType; 5] = [
    DocumentType::Therapy,
    DocumentType::TherapySection,
    DocumentType::Benefit,
    DocumentType::TherapyCondition,
    DocumentType::Faq,
];

#[derive(Debug, Clone, Default)]
pub struct CitationFields {
    pub title: String,
    pub authors: Vec<String>,
    pub publisher: String,
    pub year: Option<i32>,
    pub doi: Option<String>,
    pub pubmed_id: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct CitationChanges {
    pub title: Option<String>,
    pub authors: Option<Vec<String>>,
    pub publisher: Option<String>,
    pub year: Option<Option<i32>>,
    pub doi: Option<Option<String>>,
    pub pubmed_id: Option<Option<String>>,
    pub url: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

/// A DOI as Crossref recommends matching them: `10.`, a registrant code of 4–9
/// digits, `/`, and a suffix without spaces. Stored as given, less a
/// `https://doi.org/` prefix; compared without regard to case, as DOIs are.
pub fn doi(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    let value = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|prefix| value.strip_prefix(prefix))
    .unwrap_or(value);
    validate::text(field, value, &citation::DOI)?;
    let valid = value
        .strip_prefix("10.")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(registrant, suffix)| {
            (4..=9).contains(&registrant.len())
                && registrant.bytes().all(|b| b.is_ascii_digit())
                && !suffix.is_empty()
                && !suffix.chars().any(char::is_whitespace)
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(ContentError::invalid(
            field,
            format!("must be a DOI like \"10.1370/afm.1504\", got {value:?}"),
        ))
    }
}

/// A PubMed identifier: 1–9 digits, not starting with 0.
pub fn pubmed_id(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    let valid = (1..=9).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_digit())
        && !value.starts_with('0');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(ContentError::invalid(
            field,
            format!("must be a PubMed ID of 1 to 9 digits like \"23690322\", got {value:?}"),
        ))
    }
}

/// An absolute `http` or `https` address without spaces.
pub fn url(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    validate::text(field, value, &citation::URL)?;
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !value.chars().any(char::is_whitespace) =>
        {
            Ok(value.to_owned())
        }
        _ => Err(ContentError::invalid(
            field,
            format!("must be an http or https address, got {value:?}"),
        )),
    }
}

/// The year a source appeared: from 1800 to next year.
fn year(value: i32) -> Result<i32> {
    let latest = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    if (1800..=latest).contains(&value) {
        Ok(value)
    } else {
        Err(ContentError::invalid(
            "year",
            format!("must be between 1800 and {latest}, got {value}"),
        ))
    }
}

fn authors(list: Vec<String>) -> Result<Authors> {
    validate::list_len("authors", list.len(), validate::MAX_LIST_LEN)?;
    if list.is_empty() {
        return Err(ContentError::invalid("authors", "must name at least one author"));
    }
    let cleaned = list
        .iter()
        .enumerate()
        .map(|(i, a)| validate::name(&format!("authors[{i}]"), a, &citation::AUTHORS))
        .collect::<Result<Vec<_>>>()?;
    Ok(Authors(cleaned))
}

/// Empty optional text means none.
fn optional(value: Option<String>, check: impl Fn(&str) -> Result<String>) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(Some(check(&v)?)),
        _ => Ok(None),
    }
}

fn note(value: Option<String>) -> Result<Option<String>> {
    optional(value, |n| {
        validate::text("note", n, &citation::NOTE)?;
        Ok(n.trim().to_owned())
    })
}

/// Every citation names its source by a DOI or a PubMed ID (or both), so that a
/// reader or a search engine can find exactly the study meant.
fn require_identifier(doi: &Option<String>, pubmed_id: &Option<String>) -> Result<()> {
    if doi.is_none() && pubmed_id.is_none() {
        return Err(ContentError::invalid(
            "doi",
            "give a DOI or a PubMed ID (or both), so the source can be found",
        ));
    }
    Ok(())
}

pub async fn create(w: &Write<'_>, input: CitationFields) -> Result<Model> {
    let doi = optional(input.doi, |d| doi("doi", d))?;
    let pubmed_id = optional(input.pubmed_id, |p| pubmed_id("pubmedId", p))?;
    require_identifier(&doi, &pubmed_id)?;
    let now = now();
    let id = Uuid::now_v7();
    let row = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        title: Set(validate::name("title", &input.title, &citation::TITLE)?),
        authors: Set(authors(input.authors)?),
        publisher: Set(validate::name(
            "publisher",
            &input.publisher,
            &citation::PUBLISHER,
        )?),
        year: Set(input.year.map(year).transpose()?),
        doi: Set(doi),
        pubmed_id: Set(pubmed_id),
        url: Set(optional(input.url, |u| url("url", u))?),
        note: Set(note(input.note)?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    };
    document::insert_draft::<Entity>(w, id, row, EventAction::Created).await
}

pub async fn update(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    changes: CitationChanges,
) -> Result<Model> {
    let current = document::draft::<Entity>(w.db, id).await?;
    let mut row = <ActiveModel as Default>::default();
    if let Some(title) = changes.title {
        row.title = Set(validate::name("title", &title, &citation::TITLE)?);
    }
    if let Some(list) = changes.authors {
        row.authors = Set(authors(list)?);
    }
    if let Some(publisher) = changes.publisher {
        row.publisher = Set(validate::name("publisher", &publisher, &citation::PUBLISHER)?);
    }
    if let Some(value) = changes.year {
        row.year = Set(value.map(year).transpose()?);
    }
    let new_doi = match changes.doi {
        Some(value) => optional(value, |d| doi("doi", d))?,
        None => current.doi.clone(),
    };
    let new_pubmed_id = match changes.pubmed_id {
        Some(value) => optional(value, |p| pubmed_id("pubmedId", p))?,
        None => current.pubmed_id.clone(),
    };
    require_identifier(&new_doi, &new_pubmed_id)?;
    row.doi = Set(new_doi);
    row.pubmed_id = Set(new_pubmed_id);
    if let Some(value) = changes.url {
        row.url = Set(optional(value, |u| url("url", u))?);
    }
    if let Some(value) = changes.note {
        row.note = Set(note(value)?);
    }
    document::update_draft::<Entity>(w, id, expected_version, row).await
}

/// Deletes a citation from both stages, with every claim's citation of it.
pub async fn delete(w: &Write<'_>, id: Uuid) -> Result<()> {
    document::delete_document::<Entity>(w, id).await
}

/// A claim citing a source.
#[derive(Debug, Clone)]
pub struct NewClaimCitation {
    pub claim_type: DocumentType,
    pub claim_id: Uuid,
    pub citation_id: Uuid,
    pub locator: Option<String>,
    pub position: Option<i32>,
}

fn locator(value: Option<String>) -> Result<Option<String>> {
    optional(value, |l| validate::name("locator", l, &cc::LOCATOR))
}

pub async fn cite(w: &Write<'_>, input: NewClaimCitation) -> Result<cc::Model> {
    if !CLAIM_TYPES.contains(&input.claim_type) {
        return Err(ContentError::invalid(
            "claimType",
            "only therapies, sections, benefits, condition links and FAQ answers cite sources",
        ));
    }
    let claim = super::snapshot::find(w.db, input.claim_type, &[input.claim_id], Stage::Draft).await?;
    let Some((_, claim)) = claim.into_iter().next() else {
        let label = registry::kind(input.claim_type)?.declaration().label;
        return Err(ContentError::invalid(
            "claimId",
            format!("no {label} with id {}", input.claim_id),
        ));
    };
    let therapy_id = match input.claim_type {
        DocumentType::Therapy => Some(input.claim_id),
        _ => claim.get("therapyId").and_then(|v| v.as_str()?.parse().ok()),
    };
    if document::find::<Entity>(w.db, input.citation_id, Stage::Draft)
        .await?
        .is_none()
    {
        return Err(ContentError::invalid(
            "citationId",
            format!("no citation with id {}", input.citation_id),
        ));
    }
    let list = Condition::all().add(cc::Column::ClaimId.eq(input.claim_id));
    let position = match input.position {
        Some(p) => validate::position("position", p)?,
        None => document::next_position::<cc::Entity>(w.db, list, cc::Column::Position).await?,
    };
    let now = now();
    let id = Uuid::now_v7();
    let row = cc::ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        therapy_id: Set(therapy_id),
        claim_type: Set(input.claim_type),
        claim_id: Set(input.claim_id),
        citation_id: Set(input.citation_id),
        position: Set(position),
        locator: Set(locator(input.locator)?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    };
    document::insert_draft::<cc::Entity>(w, id, row, EventAction::Linked).await
}

/// Changes where in the source a claim citation points (`None` clears it).
pub async fn update_claim_citation(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    new_locator: Option<String>,
) -> Result<cc::Model> {
    let row = cc::ActiveModel {
        locator: Set(locator(new_locator)?),
        ..Default::default()
    };
    document::update_draft::<cc::Entity>(w, id, expected_version, row).await
}

/// Removes a citation from a claim's draft; the published claim keeps it until
/// the claim is published again. Returns the claim's id.
pub async fn uncite(w: &Write<'_>, id: Uuid) -> Result<Uuid> {
    let row = document::draft::<cc::Entity>(w.db, id).await?;
    let draft = Condition::all()
        .add(cc::Column::Id.eq(id))
        .add(cc::Column::Stage.eq(Stage::Draft));
    document::delete_where::<cc::Entity>(w, draft, EventAction::Unlinked).await?;
    Ok(row.claim_id)
}

/// Puts a claim's citations in the given order (every one of them, once).
pub async fn reorder_claim_citations(w: &Write<'_>, claim_id: Uuid, ids: &[Uuid]) -> Result<()> {
    let list = Condition::all().add(cc::Column::ClaimId.eq(claim_id));
    reorder::<cc::Entity>(w, list, cc::Column::Position, ids).await
}

/// The citations of several claims at a stage, in order, each with its source,
/// in one statement; citations whose source does not exist at the stage are left out.
pub async fn of_claims(
    db: &impl ConnectionTrait,
    stage: Stage,
    claim_ids: &[Uuid],
) -> Result<Vec<(cc::Model, Model)>> {
    static SOURCE: LazyLock<RelationDef> = LazyLock::new(|| {
        cc::Entity::belongs_to(Entity)
            .from(cc::Column::CitationId)
            .to(citation::Column::Id)
            .into()
    });
    let rows = cc::Entity::find()
        .join(JoinType::InnerJoin, SOURCE.clone())
        .filter(cc::Column::Stage.eq(stage))
        .filter(citation::Column::Stage.eq(stage))
        .filter(cc::Column::ClaimId.is_in(claim_ids.iter().copied()))
        .order_by_asc(cc::Column::Position)
        .order_by_asc(cc::Column::Id)
        .select_also(Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(cited, source)| Some((cited, source?)))
        .collect())
}

/// Where a reader finds a source: its DOI resolved, else PubMed, else its page.
pub fn link(source: &Model) -> Option<String> {
    match (&source.doi, &source.pubmed_id, &source.url) {
        (Some(doi), _, _) => Some(format!("https://doi.org/{doi}")),
        (None, Some(pmid), _) => Some(format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/")),
        (None, None, url) => url.clone(),
    }
}

/// A page of citations at a stage, by title; `search` narrows to titles,
/// publishers, DOIs or PubMed IDs containing it.
pub async fn list(
    db: &impl ConnectionTrait,
    stage: Stage,
    search: Option<&str>,
    request: &PageRequest,
) -> Result<Page<Model>> {
    let mut cond = Condition::all().add(citation::Column::Stage.eq(stage));
    if let Some(needle) = search.map(str::trim).filter(|s| !s.is_empty()) {
        validate::text("search", needle, &citation::TITLE)?;
        cond = cond.add(
            Condition::any()
                .add(listing::contains(citation::Column::Title, needle))
                .add(listing::contains(citation::Column::Publisher, needle))
                .add(listing::contains(citation::Column::Doi, needle))
                .add(listing::contains(citation::Column::PubmedId, needle)),
        );
    }
    let by_title = Ordering {
        column: citation::Column::Title,
        name: "title",
        direction: Direction::Ascending,
    };
    listing::fetch_page(db, Entity::find().filter(cond), by_title, request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dois_are_checked_and_their_resolver_prefix_dropped() {
        assert_eq!(doi("doi", "10.1370/afm.1504").unwrap(), "10.1370/afm.1504");
        assert_eq!(
            doi("doi", " https://doi.org/10.1016/j.apmr.2015.08.412 ").unwrap(),
            "10.1016/j.apmr.2015.08.412"
        );
        assert_eq!(
            doi("doi", "doi:10.1002/14651858.CD004059.pub3").unwrap(),
            "10.1002/14651858.CD004059.pub3"
        );
        for bad in [
            "",
            "10.12/x",
            "11.1370/afm.1504",
            "10.1370/",
            "10.1370/has space",
            "10.abcd/x",
        ] {
            assert!(doi("doi", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pubmed_ids_are_digits_only() {
        assert_eq!(pubmed_id("pubmedId", "23690322").unwrap(), "23690322");
        for bad in ["", "0123", "PMC5952445", "1234567890", "12 34"] {
            assert!(pubmed_id("pubmedId", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls_must_be_absolute_web_addresses() {
        assert!(url("url", "https://pubmed.ncbi.nlm.nih.gov/23690322/").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(url("url", bad).is_err(), "{bad:?}");
        }
    }
}
