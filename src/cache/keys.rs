//! What a public answer depends on, named so that a write can say exactly which
//! answers it changes. The same names are the surrogate keys a CDN purges by.

use std::fmt;

use entity::{DocumentType, Stage};
use uuid::Uuid;

use crate::content::registry::{self, Declaration};

/// A list hanging off a document — a therapy's sections, a condition's
/// therapies — named as the dependants' declarations name it (`Parent::list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildList(&'static str);

impl ChildList {
    /// The list documents of kind `child` sit in under their parent of type `parent`.
    pub fn of(child: &Declaration, parent: DocumentType) -> Self {
        let list = child.parents.iter().find(|p| p.kind == parent).map(|p| p.list);
        // A kind that does not hang on `parent` has no such list; its own plural
        // still names a key no other list shares.
        Self(list.unwrap_or(child.plural))
    }

    fn name(self) -> &'static str {
        self.0
    }
}

/// One thing an answer (or a cached row) was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dependency {
    /// The published copy of one document: its fields.
    Document(DocumentType, Uuid),
    /// Which documents are in a parent's list of one kind, and their order.
    Children(Uuid, ChildList),
    /// Which documents of a type are published: what lists, lookups that found
    /// nothing, and links that skip unpublished ends depend on.
    Kind(DocumentType),
    /// The public change feed.
    Feed,
}

/// The surrogate key of a kind: the plural the API uses for its lists.
fn kind_name(kind: DocumentType) -> &'static str {
    registry::declaration(kind).map_or("documents", |d| d.plural)
}

/// As a surrogate key: a document's id, `<id>/<list>`, a kind's plural, `changes`.
impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Document(_, id) => write!(f, "{id}"),
            Self::Children(parent, list) => write!(f, "{id}/{list}", id = parent, list = list.name()),
            Self::Kind(kind) => f.write_str(kind_name(*kind)),
            Self::Feed => f.write_str("changes"),
        }
    }
}

impl Dependency {
    /// The kinds whose every change also changes this: what an answer names
    /// instead of its documents when they are too many to name one by one.
    pub fn kinds(self) -> Vec<DocumentType> {
        match self {
            Self::Document(kind, _) | Self::Kind(kind) => vec![kind],
            Self::Children(_, list) => registry::KINDS
                .iter()
                .map(|k| k.declaration())
                .filter(|d| d.parents.iter().any(|p| p.list == list.name()))
                .map(|d| d.document_type)
                .collect(),
            Self::Feed => Vec::new(),
        }
    }
}

/// The most a surrogate-key header may hold (Fastly's and Cloudflare's limit is 16 KB).
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// An answer's surrogate keys, `separator`-joined: every dependency, or when that
/// would not fit in a header, the kinds they belong to (every change to a
/// published document purges its kind as well, so nothing is missed).
pub fn surrogate_keys(dependencies: &[Dependency], separator: &str) -> String {
    let named = join(dependencies.iter().copied(), separator);
    if named.len() <= MAX_HEADER_BYTES {
        return named;
    }
    let mut kinds: Vec<Dependency> = Vec::new();
    for dependency in dependencies {
        let coarse = match dependency {
            Dependency::Feed => vec![Dependency::Feed],
            other => other.kinds().into_iter().map(Dependency::Kind).collect(),
        };
        for key in coarse {
            if !kinds.contains(&key) {
                kinds.push(key);
            }
        }
    }
    join(kinds.into_iter(), separator)
}

fn join(keys: impl Iterator<Item = Dependency>, separator: &str) -> String {
    let mut out = String::new();
    for key in keys {
        if !out.is_empty() {
            out.push_str(separator);
        }
        out.push_str(&key.to_string());
    }
    out
}

/// What a change to a document changes for the public: nothing for a draft; for
/// a published copy, the document itself, the lists of its type, the parents'
/// lists it sits in (read from its snapshot) and the change feed.
pub fn purged_by(
    document_type: DocumentType,
    id: Uuid,
    stage: Stage,
    snapshot: Option<&serde_json::Value>,
) -> Vec<Dependency> {
    if stage != Stage::Published {
        return Vec::new();
    }
    let mut keys = vec![
        Dependency::Document(document_type, id),
        Dependency::Kind(document_type),
    ];
    if let (Some(snapshot), Some(declaration)) = (snapshot, registry::declaration(document_type)) {
        for parent in declaration.parents {
            if let Some(id) = parent.id_in(snapshot) {
                let key = Dependency::Children(id, ChildList(parent.list));
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    keys.push(Dependency::Feed);
    keys
}

/// The keys an event purges, as surrogate-key strings.
pub fn purge_keys(event: &entity::content_event::Model) -> Vec<String> {
    purged_by(
        event.document_type,
        event.document_id,
        event.stage,
        event.snapshot.as_ref(),
    )
    .iter()
    .map(ToString::to_string)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_change_purges_nothing() {
        assert!(purged_by(DocumentType::Therapy, Uuid::nil(), Stage::Draft, None).is_empty());
    }

    #[test]
    fn a_published_link_purges_both_ends_lists() {
        let (link, therapy, condition) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let snapshot = serde_json::json!({ "therapyId": therapy, "conditionId": condition });
        let keys: Vec<String> = purged_by(
            DocumentType::TherapyCondition,
            link,
            Stage::Published,
            Some(&snapshot),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            keys,
            [
                link.to_string(),
                "condition-links".to_owned(),
                format!("{therapy}/conditions"),
                format!("{condition}/therapies"),
                "changes".to_owned(),
            ]
        );
    }

    #[test]
    fn too_many_keys_for_a_header_become_the_kinds_they_belong_to() {
        let few = [
            Dependency::Document(DocumentType::Faq, Uuid::nil()),
            Dependency::Feed,
        ];
        assert_eq!(surrogate_keys(&few, " "), format!("{} changes", Uuid::nil()));
        let many: Vec<Dependency> = (0..1000)
            .map(|_| Dependency::Children(Uuid::new_v4(), ChildList("therapies")))
            .chain([Dependency::Document(DocumentType::Therapy, Uuid::new_v4())])
            .collect();
        assert_eq!(
            surrogate_keys(&many, ", "),
            "condition-links, practitioner-links, therapies"
        );
    }
}
