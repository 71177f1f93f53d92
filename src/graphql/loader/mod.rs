//! DataLoaders: every parent → children field is batched, keyed by parent id and
//! stage, so a page query costs the same few statements whatever the list sizes.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{condition, practitioner, therapy, therapy_condition, therapy_practitioner, therapy_section};
use uuid::Uuid;

use crate::content::owned::OwnedItem;
use crate::content::{self, ContentError, Stage, document::Document, links};
use crate::db::Database;

/// A document or parent, at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StagedId {
    pub id: Uuid,
    pub stage: Stage,
}

impl StagedId {
    pub fn new(id: Uuid, stage: Stage) -> Self {
        Self { id, stage }
    }
}

type LoadResult<V> = Result<HashMap<StagedId, V>, Arc<ContentError>>;

/// Groups keys by stage: one query per stage (in practice, one).
fn by_stage(keys: &[StagedId]) -> HashMap<Stage, Vec<Uuid>> {
    let mut groups: HashMap<Stage, Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups.entry(key.stage).or_default().push(key.id);
    }
    groups
}

/// Documents by id.
pub struct ById<E>(Database, std::marker::PhantomData<E>);

impl<E> Loader<StagedId> for ById<E>
where
    E: Document + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = E::Model;
    type Error = Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<E::Model> {
        let mut found = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            for (id, model) in content::document::find_many::<E>(self.0.conn(), &ids, stage).await? {
                found.insert(StagedId::new(id, stage), model);
            }
        }
        Ok(found)
    }
}

/// Sections, benefits or FAQ entries of therapies, in hand-made order.
pub struct OwnedBy<E>(Database, std::marker::PhantomData<E>);

impl<E> Loader<StagedId> for OwnedBy<E>
where
    E: OwnedItem + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<Vec<E::Model>> {
        let mut found: HashMap<StagedId, Vec<E::Model>> = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            for (owner, model) in content::owned::of_therapies::<E>(self.0.conn(), &ids, stage).await? {
                found.entry(StagedId::new(owner, stage)).or_default().push(model);
            }
        }
        Ok(found)
    }
}

/// A therapy's links to conditions (whose condition exists at the stage).
pub struct ConditionLinksOfTherapy(Database);

impl Loader<StagedId> for ConditionLinksOfTherapy {
    type Value = Vec<therapy_condition::Model>;
    type Error = Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<Self::Value> {
        let mut found: HashMap<StagedId, Self::Value> = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            for link in links::condition_links_of_therapies(self.0.conn(), stage, &ids).await? {
                found
                    .entry(StagedId::new(link.therapy_id, stage))
                    .or_default()
                    .push(link);
            }
        }
        Ok(found)
    }
}

/// A condition's links to therapies (whose therapy exists at the stage).
pub struct ConditionLinksOfCondition(Database);

impl Loader<StagedId> for ConditionLinksOfCondition {
    type Value = Vec<therapy_condition::Model>;
    type Error = Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<Self::Value> {
        let mut found: HashMap<StagedId, Self::Value> = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            for link in links::condition_links_of_conditions(self.0.conn(), stage, &ids).await? {
                found
                    .entry(StagedId::new(link.condition_id, stage))
                    .or_default()
                    .push(link);
            }
        }
        Ok(found)
    }
}

/// One side of the therapy ↔ practitioner links: a therapy's practitioners, or a
/// practitioner's therapies, in link order and only where the other end exists at
/// the stage.
pub struct Linked<E> {
    db: Database,
    /// The link column holding the key (the parent's id).
    by: therapy_practitioner::Column,
    /// The end of a link that is `E`.
    other_end: fn(&therapy_practitioner::Model) -> Uuid,
    parent: fn(&therapy_practitioner::Model) -> Uuid,
    entity: std::marker::PhantomData<E>,
}

impl<E> Loader<StagedId> for Linked<E>
where
    E: Document + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<Self::Value> {
        let mut found: HashMap<StagedId, Self::Value> = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            let links = links::practitioner_links_of(self.db.conn(), stage, &ids, self.by).await?;
            let targets: Vec<Uuid> = links.iter().map(self.other_end).collect();
            let rows: HashMap<Uuid, E::Model> =
                content::document::find_many::<E>(self.db.conn(), &targets, stage)
                    .await?
                    .into_iter()
                    .collect();
            for link in links {
                if let Some(row) = rows.get(&(self.other_end)(&link)) {
                    found
                        .entry(StagedId::new((self.parent)(&link), stage))
                        .or_default()
                        .push(row.clone());
                }
            }
        }
        Ok(found)
    }
}

/// A document's current draft, by type and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DraftKey {
    pub document_type: entity::DocumentType,
    pub id: Uuid,
}

/// Current drafts as snapshots (serialised as the event log serialises them), for
/// comparing revisions with what editors have now.
pub struct Drafts(Database);

impl Loader<DraftKey> for Drafts {
    type Value = serde_json::Value;
    type Error = Arc<ContentError>;

    async fn load(
        &self,
        keys: &[DraftKey],
    ) -> Result<HashMap<DraftKey, serde_json::Value>, Arc<ContentError>> {
        let mut by_type: HashMap<entity::DocumentType, Vec<Uuid>> = HashMap::new();
        for key in keys {
            by_type.entry(key.document_type).or_default().push(key.id);
        }
        let mut found = HashMap::new();
        for (document_type, ids) in by_type {
            for (id, snapshot) in
                content::snapshot::find(self.0.conn(), document_type, &ids, Stage::Draft).await?
            {
                found.insert(DraftKey { document_type, id }, snapshot);
            }
        }
        Ok(found)
    }
}

/// Every loader a request may use; made fresh for each request.
pub struct Loaders {
    pub therapy: DataLoader<ById<therapy::Entity>>,
    pub condition: DataLoader<ById<condition::Entity>>,
    pub sections: DataLoader<OwnedBy<therapy_section::Entity>>,
    pub benefits: DataLoader<OwnedBy<entity::benefit::Entity>>,
    pub faqs: DataLoader<OwnedBy<entity::faq::Entity>>,
    pub conditions_of_therapy: DataLoader<ConditionLinksOfTherapy>,
    pub therapies_of_condition: DataLoader<ConditionLinksOfCondition>,
    pub practitioners_of_therapy: DataLoader<Linked<practitioner::Entity>>,
    pub therapies_of_practitioner: DataLoader<Linked<therapy::Entity>>,
    pub drafts: DataLoader<Drafts>,
}

impl Loaders {
    pub fn new(db: &Database) -> Self {
        fn loader<T: Loader<StagedId>>(inner: T) -> DataLoader<T> {
            DataLoader::new(inner, tokio::spawn)
        }
        use std::marker::PhantomData;
        Self {
            drafts: DataLoader::new(Drafts(db.clone()), tokio::spawn),
            therapy: loader(ById(db.clone(), PhantomData)),
            condition: loader(ById(db.clone(), PhantomData)),
            sections: loader(OwnedBy(db.clone(), PhantomData)),
            benefits: loader(OwnedBy(db.clone(), PhantomData)),
            faqs: loader(OwnedBy(db.clone(), PhantomData)),
            conditions_of_therapy: loader(ConditionLinksOfTherapy(db.clone())),
            therapies_of_condition: loader(ConditionLinksOfCondition(db.clone())),
            practitioners_of_therapy: loader(Linked {
                db: db.clone(),
                by: therapy_practitioner::Column::TherapyId,
                other_end: |link| link.practitioner_id,
                parent: |link| link.therapy_id,
                entity: PhantomData,
            }),
            therapies_of_practitioner: loader(Linked {
                db: db.clone(),
                by: therapy_practitioner::Column::PractitionerId,
                other_end: |link| link.therapy_id,
                parent: |link| link.practitioner_id,
                entity: PhantomData,
            }),
        }
    }
}
