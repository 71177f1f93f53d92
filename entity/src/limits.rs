//! The one table of how much text each column that stores a client's text may hold,
//! read by the server's validation and checked against the migrated schema.
//!
//! Limits count characters (Unicode scalar values), as PostgreSQL's `varchar(n)`
//! does; SQLite enforces no length, so there validation alone holds them.
//!
//! Migrations that have run on deployed databases are never edited, so they keep
//! their sizes as written. Changing a size here therefore needs a new migration that
//! alters the column; the test `every_text_column_matches_the_limits_table` compares
//! this table with the columns the migrations really make, on SQLite and PostgreSQL,
//! and fails until both agree.

/// How a column keeps its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// `varchar(max_chars)`: the database refuses longer values too.
    Varchar,
    /// `text`: unbounded in the database; validation alone holds the limit.
    Text,
    /// A JSON array of strings, each at most `max_chars` (the array's length is
    /// capped like every list argument).
    JsonStrings,
}

/// One column holding text from clients, with the most characters a value may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    pub table: &'static str,
    pub column: &'static str,
    pub max_chars: usize,
    pub storage: Storage,
}

impl TextLimit {
    /// Whether `value` can be kept here: no NUL (PostgreSQL text cannot hold one)
    /// and at most `max_chars` characters. Counting stops just past the limit, so a
    /// huge value costs no more than a short one.
    pub fn admits(&self, value: &str) -> bool {
        !value.contains('\0') && value.chars().nth(self.max_chars).is_none()
    }
}

pub(crate) const fn varchar(table: &'static str, column: &'static str, max_chars: usize) -> TextLimit {
    TextLimit {
        table,
        column,
        max_chars,
        storage: Storage::Varchar,
    }
}

const fn text(table: &'static str, column: &'static str, max_chars: usize) -> TextLimit {
    TextLimit {
        table,
        column,
        max_chars,
        storage: Storage::Text,
    }
}

/// URL slugs of therapies, conditions and practitioners.
const SLUG: usize = 120;
/// Names of documents and people, and practitioners' titles and techniques.
const NAME: usize = 300;
/// Headings, benefit titles and FAQ questions: a sentence, longer than a name.
const TITLE: usize = 500;
/// Markdown bodies and notes.
const RICH_TEXT: usize = 100_000;

pub const THERAPY_SLUG: TextLimit = varchar("therapy", "slug", SLUG);
pub const THERAPY_NAME: TextLimit = varchar("therapy", "name", NAME);
pub const THERAPY_SUMMARY: TextLimit = text("therapy", "summary", RICH_TEXT);
pub const THERAPY_INSURANCE_NOTE: TextLimit = text("therapy", "insurance_note", RICH_TEXT);

pub const THERAPY_SECTION_HEADING: TextLimit = varchar("therapy_section", "heading", TITLE);
pub const THERAPY_SECTION_BODY: TextLimit = text("therapy_section", "body", RICH_TEXT);
pub const BENEFIT_TITLE: TextLimit = varchar("benefit", "title", TITLE);
pub const BENEFIT_BODY: TextLimit = text("benefit", "body", RICH_TEXT);
pub const FAQ_QUESTION: TextLimit = varchar("faq", "question", TITLE);
pub const FAQ_ANSWER: TextLimit = text("faq", "answer", RICH_TEXT);

pub const CONDITION_SLUG: TextLimit = varchar("condition", "slug", SLUG);
pub const CONDITION_NAME: TextLimit = varchar("condition", "name", NAME);
pub const CONDITION_DESCRIPTION: TextLimit = text("condition", "description", RICH_TEXT);
pub const CONDITION_BODY_REGION: TextLimit = varchar("condition", "body_region", 120);

pub const PRACTITIONER_SLUG: TextLimit = varchar("practitioner", "slug", SLUG);
pub const PRACTITIONER_NAME: TextLimit = varchar("practitioner", "name", NAME);
pub const PRACTITIONER_TITLE: TextLimit = varchar("practitioner", "title", NAME);
pub const PRACTITIONER_BIO: TextLimit = text("practitioner", "bio", RICH_TEXT);
pub const PRACTITIONER_TECHNIQUES: TextLimit = TextLimit {
    table: "practitioner",
    column: "techniques",
    max_chars: NAME,
    storage: Storage::JsonStrings,
};

pub const THERAPY_CONDITION_NOTE: TextLimit = text("therapy_condition", "note", RICH_TEXT);

pub const API_TOKEN_NAME: TextLimit = varchar("api_token", "name", 200);
/// The name of the token that made a change, copied into the event log.
pub const CONTENT_EVENT_ACTOR_NAME: TextLimit =
    varchar("content_event", "actor_name", API_TOKEN_NAME.max_chars);

pub const WEBHOOK_URL: TextLimit = varchar("webhook", "url", 2000);

/// Every column above, and the tables that declare their own.
pub const ALL: &[TextLimit] = &[
    crate::citation::TITLE,
    crate::citation::AUTHORS,
    crate::citation::PUBLISHER,
    crate::citation::DOI,
    crate::citation::PUBMED_ID,
    crate::citation::URL,
    crate::citation::NOTE,
    crate::claim_citation::LOCATOR,
    crate::review::NOTE,
    THERAPY_SLUG,
    THERAPY_NAME,
    THERAPY_SUMMARY,
    THERAPY_INSURANCE_NOTE,
    THERAPY_SECTION_HEADING,
    THERAPY_SECTION_BODY,
    BENEFIT_TITLE,
    BENEFIT_BODY,
    FAQ_QUESTION,
    FAQ_ANSWER,
    CONDITION_SLUG,
    CONDITION_NAME,
    CONDITION_DESCRIPTION,
    CONDITION_BODY_REGION,
    PRACTITIONER_SLUG,
    PRACTITIONER_NAME,
    PRACTITIONER_TITLE,
    PRACTITIONER_BIO,
    PRACTITIONER_TECHNIQUES,
    THERAPY_CONDITION_NOTE,
    API_TOKEN_NAME,
    CONTENT_EVENT_ACTOR_NAME,
    crate::person::EMAIL,
    crate::person::NAME,
    WEBHOOK_URL,
];
