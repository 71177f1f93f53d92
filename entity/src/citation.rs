//! A published source a health claim rests on: a study, a review, a book.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Stage;
use crate::limits::{Storage, TextLimit};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "citation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    pub title: String,
    /// In the order the source lists them, as "Surname Initials".
    #[sea_orm(column_type = "JsonBinary")]
    pub authors: Authors,
    /// The journal, or the publisher of a book or report.
    pub publisher: String,
    pub year: Option<i32>,
    pub doi: Option<String>,
    pub pubmed_id: Option<String>,
    pub url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

/// A citation's authors, kept as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Authors(pub Vec<String>);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

const fn limit(column: &'static str, max_chars: usize, storage: Storage) -> TextLimit {
    TextLimit {
        table: "citation",
        column,
        max_chars,
        storage,
    }
}

pub const TITLE: TextLimit = limit("title", 500, Storage::Varchar);
pub const AUTHORS: TextLimit = limit("authors", 300, Storage::JsonStrings);
pub const PUBLISHER: TextLimit = limit("publisher", 300, Storage::Varchar);
pub const DOI: TextLimit = limit("doi", 200, Storage::Varchar);
pub const PUBMED_ID: TextLimit = limit("pubmed_id", 20, Storage::Varchar);
pub const URL: TextLimit = limit("url", 2000, Storage::Varchar);
pub const NOTE: TextLimit = limit("note", 2000, Storage::Text);

/// Every text column of the table.
pub const LIMITS: [TextLimit; 7] = [TITLE, AUTHORS, PUBLISHER, DOI, PUBMED_ID, URL, NOTE];
