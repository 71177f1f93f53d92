//! Every kind of document, declared once.
//!
//! A kind's [`Declaration`] says what the shared machinery needs to know of it:
//! how messages and caches name it, which documents it hangs on (its owner, or a
//! link's two ends) and how its snapshots are versioned. Its table is a
//! [`Document`]; [`Table`] turns the two into a [`Kind`], the one interface
//! through which history, restore, publishing with an owner, cascading deletes,
//! the delta-sync feed, cache keys and export/import reach every kind alike.
//!
//! [`KINDS`] is the list. Adding a kind of document is: its entity and
//! migration, its domain module (with its `Document` impl and declaration), its
//! GraphQL module, and one line here.

use std::marker::PhantomData;
use std::str::FromStr;

use async_trait::async_trait;
use entity::content_event::Model as Event;
use entity::{DocumentType, EventAction};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, DatabaseExecutor, DatabaseTransaction,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::document::{self, Document};
use super::write::Write;
use super::{ContentError, Result, Stage, publishing, restore, snapshot};
use crate::db::{self, InsertError};

/// When a document is published along with the document it hangs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishedWith {
    /// Never: it is published on its own (a link's far end).
    Itself,
    /// Always (a therapy's links go public with the therapy).
    Always,
    /// When the owner is published with its children (sections, benefits, FAQ).
    Children,
}

/// A document this kind hangs on: its owner, or one end of a link.
#[derive(Debug)]
pub struct Parent {
    pub kind: DocumentType,
    /// The field naming the parent, in the API, in snapshots and as a column.
    pub field: &'static str,
    /// The parent's list this kind appears in ("sections", "therapies"), as the
    /// caches and CDNs name it.
    pub list: &'static str,
    pub published_with: PublishedWith,
    /// For a field that may name documents of several kinds (a citation's claim):
    /// this parent applies only where the snapshot field `.0` holds `.1`.
    pub when: Option<(&'static str, &'static str)>,
}

impl Parent {
    /// The usual parent: `field` always names a document of `kind`.
    pub const fn new(
        kind: DocumentType,
        field: &'static str,
        list: &'static str,
        published_with: PublishedWith,
    ) -> Self {
        Self {
            kind,
            field,
            list,
            published_with,
            when: None,
        }
    }

    /// The parent's id in a snapshot, if this parent applies to it.
    pub fn id_in(&self, snapshot: &Value) -> Option<Uuid> {
        if let Some((field, value)) = self.when
            && snapshot.get(field).and_then(Value::as_str) != Some(value)
        {
            return None;
        }
        snapshot.get(self.field)?.as_str()?.parse().ok()
    }
}

/// How snapshots of a kind are versioned. Whenever a migration changes what a
/// snapshot holds, `version` goes up by one and `upgrades` gains the step that
/// brings the previous version's snapshots to it, so every revision ever written
/// reads (and restores) as the current shape.
#[derive(Debug)]
pub struct SnapshotCodec {
    /// The version snapshots are written at now (the first is 1).
    pub version: i32,
    /// `upgrades[n - 1]` turns a version-`n` snapshot into version `n + 1`.
    pub upgrades: &'static [fn(&mut Map<String, Value>)],
}

impl SnapshotCodec {
    /// The first shape of a kind: nothing to upgrade.
    pub const FIRST: Self = Self {
        version: 1,
        upgrades: &[],
    };

    /// A snapshot written at `version`, in the current shape.
    pub fn upgrade(&self, version: i32, mut snapshot: Value) -> Result<Value> {
        if version > self.version || version < 1 {
            return Err(ContentError::invalid(
                "revisionId",
                format!(
                    "this revision was written in snapshot version {version}, which this server does not know"
                ),
            ));
        }
        if let Some(fields) = snapshot.as_object_mut() {
            let from = usize::try_from(version - 1).unwrap_or_default();
            for upgrade in self.upgrades.iter().skip(from) {
                upgrade(fields);
            }
        }
        Ok(snapshot)
    }
}

/// What the shared machinery knows of one kind of document.
#[derive(Debug)]
pub struct Declaration {
    pub document_type: DocumentType,
    /// As messages name one ("therapy section").
    pub label: &'static str,
    /// As lists, surrogate keys and the export name them all ("sections").
    pub plural: &'static str,
    /// What it hangs on; empty for documents that stand alone.
    pub parents: &'static [Parent],
    pub snapshot: SnapshotCodec,
}

impl Declaration {
    /// The documents a snapshot of this kind hangs on, by kind and id.
    pub fn parents_in(&self, snapshot: &Value) -> Vec<(DocumentType, Uuid)> {
        self.parents
            .iter()
            .filter_map(|parent| Some((parent.kind, parent.id_in(snapshot)?)))
            .collect()
    }

    /// The fields naming parents, each once.
    pub fn parent_fields(&self) -> Vec<&'static str> {
        let mut fields: Vec<&'static str> = self.parents.iter().map(|p| p.field).collect();
        fields.dedup();
        fields
    }
}

/// One kind of document, as the shared machinery works with it.
#[async_trait]
pub trait Kind: Send + Sync {
    fn declaration(&self) -> &'static Declaration;

    /// The documents with these ids at a stage, as snapshots.
    async fn find(&self, db: &DatabaseExecutor<'_>, ids: &[Uuid], stage: Stage)
    -> Result<Vec<(Uuid, Value)>>;

    /// The documents at a stage whose parent `field` is one of `parents`, as snapshots.
    async fn under(
        &self,
        db: &DatabaseExecutor<'_>,
        field: &str,
        parents: &[Uuid],
        stage: Stage,
    ) -> Result<Vec<(Uuid, Value)>>;

    /// Puts a past revision back into the draft as a new version; returns the
    /// `RESTORED` event's sequence number.
    async fn restore(
        &self,
        w: &Write<'_>,
        event: &Event,
        snapshot: Value,
        expected_version: Option<i32>,
    ) -> Result<i64>;

    /// Deletes, at `stage`, every document whose parent `field` is `parent`.
    async fn delete_under(&self, w: &Write<'_>, field: &str, parent: Uuid, stage: Stage) -> Result<()>;

    /// Makes the published documents under `parent` copies of the drafts.
    async fn republish_under(&self, w: &Write<'_>, field: &str, parent: Uuid) -> Result<()>;

    /// Takes the published documents under `parent` away.
    async fn unpublish_under(&self, w: &Write<'_>, field: &str, parent: Uuid) -> Result<()>;

    /// Every row at both stages, as snapshots, ordered by id then stage.
    async fn export(&self, db: &DatabaseExecutor<'_>) -> Result<Vec<Value>>;

    /// Inserts rows given as snapshots (in the current shape), with their
    /// renderings made again. `at` names where they came from, for messages: a
    /// row that is not of this kind, or that the database refuses, is an
    /// `Invalid` error on `{at}[index]`.
    async fn import(&self, db: &DatabaseTransaction, rows: Vec<Value>, at: &str) -> Result<()>;

    /// How many rows there are, at both stages.
    async fn count(&self, db: &DatabaseExecutor<'_>) -> Result<u64>;
}

/// A [`Document`] table as a [`Kind`].
pub struct Table<E>(PhantomData<fn() -> E>);

impl<E> Table<E> {
    pub const KIND: Self = Self(PhantomData);
}

fn column<E: Document>(field: &str) -> Result<E::Column> {
    E::Column::from_str(field).map_err(|_| {
        ContentError::Database(sea_orm::DbErr::Custom(format!(
            "{} has no column {field}",
            E::DECLARATION.label
        )))
    })
}

#[async_trait]
impl<E> Kind for Table<E>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel> + Send,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Clone + Send + Sync,
{
    fn declaration(&self) -> &'static Declaration {
        E::DECLARATION
    }

    async fn find(
        &self,
        db: &DatabaseExecutor<'_>,
        ids: &[Uuid],
        stage: Stage,
    ) -> Result<Vec<(Uuid, Value)>> {
        document::find_many::<E>(db, ids, stage)
            .await?
            .into_iter()
            .map(|(id, row)| Ok((id, snapshot::json(&row)?)))
            .collect()
    }

    async fn under(
        &self,
        db: &DatabaseExecutor<'_>,
        field: &str,
        parents: &[Uuid],
        stage: Stage,
    ) -> Result<Vec<(Uuid, Value)>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let rows = E::find()
            .filter(E::stage_col().eq(stage))
            .filter(column::<E>(field)?.is_in(parents.iter().copied()))
            .all(db)
            .await?;
        rows.iter()
            .map(|row| Ok((document::id_of::<E>(row), snapshot::json(row)?)))
            .collect()
    }

    async fn restore(
        &self,
        w: &Write<'_>,
        event: &Event,
        snapshot: Value,
        expected_version: Option<i32>,
    ) -> Result<i64> {
        restore::restore_row::<E>(w, event, snapshot, expected_version).await
    }

    async fn delete_under(&self, w: &Write<'_>, field: &str, parent: Uuid, stage: Stage) -> Result<()> {
        let under = Condition::all()
            .add(column::<E>(field)?.eq(parent))
            .add(E::stage_col().eq(stage));
        document::delete_where::<E>(w, under, EventAction::Deleted).await?;
        Ok(())
    }

    async fn republish_under(&self, w: &Write<'_>, field: &str, parent: Uuid) -> Result<()> {
        publishing::republish_rows::<E>(w, column::<E>(field)?, parent).await
    }

    async fn unpublish_under(&self, w: &Write<'_>, field: &str, parent: Uuid) -> Result<()> {
        let published = Condition::all()
            .add(column::<E>(field)?.eq(parent))
            .add(E::stage_col().eq(Stage::Published));
        document::delete_where::<E>(w, published, EventAction::Unpublished).await?;
        Ok(())
    }

    async fn export(&self, db: &DatabaseExecutor<'_>) -> Result<Vec<Value>> {
        let rows = E::find()
            .order_by_asc(E::id_col())
            .order_by_asc(E::stage_col())
            .all(db)
            .await?;
        rows.iter().map(snapshot::json).collect()
    }

    async fn import(&self, db: &DatabaseTransaction, rows: Vec<Value>, at: &str) -> Result<()> {
        let label = E::DECLARATION.label;
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(index, row)| {
                let model: E::Model = serde_json::from_value(row).map_err(|err| {
                    ContentError::invalid(format!("{at}[{index}]"), format!("is not a {label}: {err}"))
                })?;
                let mut active = model.into_active_model().reset_all();
                E::render_rich_text(&mut active);
                Ok(active)
            })
            .collect::<Result<Vec<_>>>()?;
        db::insert_all(db, rows).await.map_err(|err| match err {
            InsertError::Refused { index, source } => ContentError::invalid(
                format!("{at}[{index}]"),
                format!("the database refused this {label}: {source}"),
            ),
            InsertError::Database(err) => ContentError::Database(err),
        })
    }

    async fn count(&self, db: &DatabaseExecutor<'_>) -> Result<u64> {
        Ok(E::find().count(db).await?)
    }
}

/// Every kind of document, owners before what hangs on them (the order export,
/// import and cascades follow).
pub static KINDS: &[&dyn Kind] = &[
    &Table::<entity::therapy::Entity>::KIND,
    &Table::<entity::condition::Entity>::KIND,
    &Table::<entity::practitioner::Entity>::KIND,
    &Table::<entity::therapy_section::Entity>::KIND,
    &Table::<entity::benefit::Entity>::KIND,
    &Table::<entity::faq::Entity>::KIND,
    &Table::<entity::therapy_condition::Entity>::KIND,
    &Table::<entity::therapy_practitioner::Entity>::KIND,
    &Table::<entity::citation::Entity>::KIND,
    &Table::<entity::claim_citation::Entity>::KIND,
    &Table::<entity::review::Entity>::KIND,
];

/// The kind of a document type.
pub fn kind(document_type: DocumentType) -> Result<&'static dyn Kind> {
    KINDS
        .iter()
        .copied()
        .find(|k| k.declaration().document_type == document_type)
        .ok_or_else(|| {
            ContentError::Database(sea_orm::DbErr::Custom(format!(
                "no kind of document is declared for {document_type:?}"
            )))
        })
}

/// The declaration of a document type, if one is declared.
pub fn declaration(document_type: DocumentType) -> Option<&'static Declaration> {
    kind(document_type).ok().map(|k| k.declaration())
}

/// The documents a snapshot of `document_type` hangs on.
pub fn parents(document_type: DocumentType, snapshot: &Value) -> Vec<(DocumentType, Uuid)> {
    declaration(document_type).map_or_else(Vec::new, |d| d.parents_in(snapshot))
}

/// Every kind that hangs on documents of `parent`, with how.
pub fn dependants(parent: DocumentType) -> impl Iterator<Item = (&'static dyn Kind, &'static Parent)> {
    KINDS.iter().flat_map(move |kind| {
        kind.declaration()
            .parents
            .iter()
            .filter(move |p| p.kind == parent)
            .map(move |p| (*kind, p))
    })
}

/// Whether other kinds hang on documents of this type.
pub fn has_dependants(document_type: DocumentType) -> bool {
    dependants(document_type).next().is_some()
}

/// An event's snapshot in the current shape of its kind (`None` once purged).
pub fn snapshot_of(event: &Event) -> Result<Option<Value>> {
    let Some(snapshot) = event.snapshot.clone() else {
        return Ok(None);
    };
    let declaration = kind(event.document_type)?.declaration();
    declaration
        .snapshot
        .upgrade(event.snapshot_version, snapshot)
        .map(Some)
}

/// Deletes, at `stage`, everything that hangs on a document deleted there (and,
/// through `document::delete_where`, what hangs on that in turn).
pub async fn delete_dependants(
    w: &Write<'_>,
    document_type: DocumentType,
    id: Uuid,
    stage: Stage,
) -> Result<()> {
    let mut done: Vec<(&'static str, &'static str)> = Vec::new();
    for (kind, parent) in dependants(document_type) {
        // A kind naming several kinds of parent in one field is asked once.
        let key = (kind.declaration().label, parent.field);
        if !done.contains(&key) {
            done.push(key);
            kind.delete_under(w, parent.field, id, stage).await?;
        }
    }
    Ok(())
}

/// Publishes what goes public with a document: always its links, and with
/// `with_children` what it owns.
pub async fn publish_dependants(
    w: &Write<'_>,
    document_type: DocumentType,
    id: Uuid,
    with_children: bool,
) -> Result<()> {
    for (kind, parent) in dependants(document_type) {
        if goes_with(parent.published_with, with_children) {
            kind.republish_under(w, parent.field, id).await?;
        }
    }
    Ok(())
}

/// Takes away what goes public with a document (see [`publish_dependants`]).
pub async fn unpublish_dependants(
    w: &Write<'_>,
    document_type: DocumentType,
    id: Uuid,
    with_children: bool,
) -> Result<()> {
    for (kind, parent) in dependants(document_type) {
        if goes_with(parent.published_with, with_children) {
            kind.unpublish_under(w, parent.field, id).await?;
        }
    }
    Ok(())
}

fn goes_with(published_with: PublishedWith, with_children: bool) -> bool {
    match published_with {
        PublishedWith::Itself => false,
        PublishedWith::Always => true,
        PublishedWith::Children => with_children,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn every_document_type_is_declared_once() {
        for document_type in DocumentType::iter() {
            let declared = KINDS
                .iter()
                .filter(|k| k.declaration().document_type == document_type)
                .count();
            assert_eq!(declared, 1, "{document_type:?}");
        }
    }

    #[test]
    fn owners_come_before_what_hangs_on_them() {
        for (at, kind) in KINDS.iter().enumerate() {
            for parent in kind.declaration().parents {
                let parent_at = KINDS
                    .iter()
                    .position(|k| k.declaration().document_type == parent.kind)
                    .unwrap();
                assert!(parent_at < at, "{:?}", kind.declaration().document_type);
            }
        }
    }

    #[test]
    fn an_old_snapshot_is_upgraded_step_by_step() {
        fn add_b(fields: &mut Map<String, Value>) {
            fields.insert("b".into(), Value::from(2));
        }
        fn rename_a(fields: &mut Map<String, Value>) {
            if let Some(a) = fields.remove("a") {
                fields.insert("alpha".into(), a);
            }
        }
        let codec = SnapshotCodec {
            version: 3,
            upgrades: &[add_b, rename_a],
        };
        let v1 = serde_json::json!({ "a": 1 });
        assert_eq!(
            codec.upgrade(1, v1).unwrap(),
            serde_json::json!({ "alpha": 1, "b": 2 })
        );
        let v2 = serde_json::json!({ "a": 1, "b": 5 });
        assert_eq!(
            codec.upgrade(2, v2).unwrap(),
            serde_json::json!({ "alpha": 1, "b": 5 })
        );
        let v3 = serde_json::json!({ "alpha": 1 });
        assert_eq!(codec.upgrade(3, v3.clone()).unwrap(), v3);
        assert!(codec.upgrade(4, v3).is_err(), "a newer server's snapshot");
    }
}
