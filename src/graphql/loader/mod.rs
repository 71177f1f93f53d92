//! DataLoaders: every parent → children field is batched, keyed by parent id and
//! stage, so a page query costs the same few statements whatever the list sizes.
//! Published reads go through the instance's object cache ([`Kept`]), and each
//! notes what it was read from in the request's [`ReadSet`].

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    DocumentType, condition, practitioner, therapy, therapy_condition, therapy_practitioner, therapy_section,
};
use serde::Serialize;
use uuid::Uuid;

use crate::cache::{ChildList, Dependency, ObjectCache, ObjectKey, ReadSet};
use crate::content::owned::OwnedItem;
use crate::content::registry::Declaration;
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

pub type LoadResult<V> = Result<HashMap<StagedId, V>, Arc<ContentError>>;

/// Groups keys by stage: one query per stage (in practice, one).
pub fn by_stage(keys: &[StagedId]) -> HashMap<Stage, Vec<Uuid>> {
    let mut groups: HashMap<Stage, Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups.entry(key.stage).or_default().push(key.id);
    }
    groups
}

/// Documents by id.
pub struct ById<E>(Database, std::marker::PhantomData<E>);

impl<E> ById<E> {
    pub fn new(db: &Database) -> Self {
        Self(db.clone(), std::marker::PhantomData)
    }
}

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
    /// The link column holding the end that is `E`.
    other_end: therapy_practitioner::Column,
    parent: fn(&therapy_practitioner::Model) -> Uuid,
    /// Which list of the parent this is.
    list: ChildList,
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
            // Links and their ends in one statement.
            let linked = links::practitioner_links_with_ends::<E>(
                self.db.conn(),
                stage,
                &ids,
                self.by,
                self.other_end,
            )
            .await?;
            for (link, row) in linked {
                found
                    .entry(StagedId::new((self.parent)(&link), stage))
                    .or_default()
                    .push(row);
            }
        }
        Ok(found)
    }
}

/// A loader whose published values the object cache may keep.
pub trait Keep: Loader<StagedId, Value: Clone + Serialize + Send + Sync + 'static> {
    /// Where the published value for `id` is kept.
    fn object_key(&self, id: Uuid) -> ObjectKey;
    /// What the published value for `id` was read from (`None`: nothing was found).
    fn dependencies(&self, id: Uuid, value: Option<&Self::Value>) -> Vec<Dependency>;
    /// What finding nothing means, when it is a value worth keeping (an empty list).
    fn absent(&self) -> Option<Self::Value> {
        None
    }
}

/// A loader behind the object cache: published values come from memory when kept,
/// and what is loaded is kept; either way the request notes what it read.
pub struct Kept<L> {
    inner: L,
    objects: Option<Arc<ObjectCache>>,
    /// The cache's epoch when the request began (see [`crate::cache::store`]).
    epoch: u64,
    reads: Arc<ReadSet>,
}

impl<L: Keep> Kept<L> {
    /// The published value for `key` when the object cache holds it, noted as read.
    fn kept(&self, key: StagedId) -> Option<L::Value> {
        if key.stage != Stage::Published {
            return None;
        }
        let (value, dependencies) = self
            .objects
            .as_ref()?
            .get::<L::Value>(&self.inner.object_key(key.id))?;
        self.reads.extend(dependencies.iter().copied());
        Some(value)
    }
}

/// A [`Kept`] loader as resolvers use it: a value the object cache holds is
/// answered at once, without the DataLoader's batching delay and task hand-off;
/// only what is missing waits for a batch.
pub struct KeptLoader<L: Keep>(DataLoader<Kept<L>>);

impl<L: Keep> KeptLoader<L> {
    pub async fn load_one(&self, key: StagedId) -> Result<Option<L::Value>, L::Error> {
        if let Some(value) = self.0.loader().kept(key) {
            return Ok(Some(value));
        }
        self.0.load_one(key).await
    }
}

impl<L: Keep> Loader<StagedId> for Kept<L> {
    type Value = L::Value;
    type Error = L::Error;

    async fn load(&self, keys: &[StagedId]) -> Result<HashMap<StagedId, L::Value>, L::Error> {
        let mut found = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for key in keys {
            match self.kept(*key) {
                Some(value) => {
                    found.insert(*key, value);
                }
                None => missing.push(*key),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let mut loaded = self.inner.load(&missing).await?;
        for key in missing.iter().filter(|key| key.stage == Stage::Published) {
            let value = match loaded.get(key) {
                Some(value) => Some(value.clone()),
                None => self.inner.absent(),
            };
            let dependencies = self.inner.dependencies(key.id, value.as_ref());
            self.reads.extend(dependencies.iter().copied());
            if let (Some(objects), Some(value)) = (&self.objects, value) {
                objects.insert(self.inner.object_key(key.id), value, dependencies, self.epoch);
            }
        }
        found.extend(loaded.drain());
        Ok(found)
    }
}

impl<E> Keep for ById<E>
where
    E: Document + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Row(E::TYPE, id)
    }

    fn dependencies(&self, id: Uuid, value: Option<&E::Model>) -> Vec<Dependency> {
        match value {
            Some(_) => vec![Dependency::Document(E::TYPE, id)],
            None => vec![Dependency::Kind(E::TYPE)],
        }
    }
}

/// The list under a therapy that items of this type make up.
fn owned_list<E: OwnedItem>() -> ChildList {
    ChildList::of(E::DECLARATION, DocumentType::Therapy)
}

/// The list a link of `link` kind sits in under its `end`.
fn link_list(link: &Declaration, end: DocumentType) -> ChildList {
    ChildList::of(link, end)
}

impl<E> Keep for OwnedBy<E>
where
    E: OwnedItem + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Children(id, owned_list::<E>())
    }

    fn dependencies(&self, id: Uuid, value: Option<&Vec<E::Model>>) -> Vec<Dependency> {
        let items = value.into_iter().flatten();
        std::iter::once(Dependency::Children(id, owned_list::<E>()))
            .chain(items.map(|item| Dependency::Document(E::TYPE, content::document::id_of::<E>(item))))
            .collect()
    }

    fn absent(&self) -> Option<Vec<E::Model>> {
        Some(Vec::new())
    }
}

/// A list of links: the list, the links, and the kind of the other end (a link
/// shows only while that end is published, so any such change may change it).
fn link_list_dependencies<'a>(
    parent: Uuid,
    list: ChildList,
    other_end: DocumentType,
    links: impl Iterator<Item = &'a therapy_condition::Model>,
) -> Vec<Dependency> {
    [Dependency::Children(parent, list), Dependency::Kind(other_end)]
        .into_iter()
        .chain(links.map(|link| Dependency::Document(DocumentType::TherapyCondition, link.id)))
        .collect()
}

impl Keep for ConditionLinksOfTherapy {
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Children(id, link_list(&links::CONDITION_LINK, DocumentType::Therapy))
    }

    fn dependencies(&self, id: Uuid, value: Option<&Self::Value>) -> Vec<Dependency> {
        link_list_dependencies(
            id,
            link_list(&links::CONDITION_LINK, DocumentType::Therapy),
            DocumentType::Condition,
            value.into_iter().flatten(),
        )
    }

    fn absent(&self) -> Option<Self::Value> {
        Some(Vec::new())
    }
}

impl Keep for ConditionLinksOfCondition {
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Children(id, link_list(&links::CONDITION_LINK, DocumentType::Condition))
    }

    fn dependencies(&self, id: Uuid, value: Option<&Self::Value>) -> Vec<Dependency> {
        link_list_dependencies(
            id,
            link_list(&links::CONDITION_LINK, DocumentType::Condition),
            DocumentType::Therapy,
            value.into_iter().flatten(),
        )
    }

    fn absent(&self) -> Option<Self::Value> {
        Some(Vec::new())
    }
}

impl<E> Keep for Linked<E>
where
    E: Document + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Children(id, self.list)
    }

    fn dependencies(&self, id: Uuid, value: Option<&Vec<E::Model>>) -> Vec<Dependency> {
        [Dependency::Children(id, self.list), Dependency::Kind(E::TYPE)]
            .into_iter()
            .chain(
                value
                    .into_iter()
                    .flatten()
                    .map(|row| Dependency::Document(E::TYPE, content::document::id_of::<E>(row))),
            )
            .collect()
    }

    fn absent(&self) -> Option<Vec<E::Model>> {
        Some(Vec::new())
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
    pub therapy: KeptLoader<ById<therapy::Entity>>,
    pub condition: KeptLoader<ById<condition::Entity>>,
    pub sections: KeptLoader<OwnedBy<therapy_section::Entity>>,
    pub benefits: KeptLoader<OwnedBy<entity::benefit::Entity>>,
    pub faqs: KeptLoader<OwnedBy<entity::faq::Entity>>,
    pub conditions_of_therapy: KeptLoader<ConditionLinksOfTherapy>,
    pub therapies_of_condition: KeptLoader<ConditionLinksOfCondition>,
    pub practitioners_of_therapy: KeptLoader<Linked<practitioner::Entity>>,
    pub therapies_of_practitioner: KeptLoader<Linked<therapy::Entity>>,
    pub drafts: DataLoader<Drafts>,
    /// Loaders that kinds declared in their own modules make on first use (see [`Loaders::of`]).
    more: std::sync::Mutex<HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>>,
    db: Database,
    /// What this request read of the published content.
    pub reads: Arc<ReadSet>,
    /// The instance's object cache, when armed.
    pub objects: Option<Arc<ObjectCache>>,
    /// The object cache's epoch when the request began.
    pub epoch: u64,
}

impl Loaders {
    /// Loaders reading the database only (no object cache), noting reads nowhere.
    pub fn new(db: &Database) -> Self {
        Self::with_cache(db, None, Arc::default())
    }

    /// Loaders behind `objects` (when given) that note what they read in `reads`.
    pub fn with_cache(db: &Database, objects: Option<Arc<ObjectCache>>, reads: Arc<ReadSet>) -> Self {
        use std::marker::PhantomData;
        let epoch = objects.as_ref().map_or(0, |o| o.epoch());
        let cache = (objects.clone(), epoch, reads.clone());
        Self {
            drafts: DataLoader::new(Drafts(db.clone()), tokio::spawn),
            therapy: kept(ById(db.clone(), PhantomData), &cache),
            condition: kept(ById(db.clone(), PhantomData), &cache),
            sections: kept(OwnedBy(db.clone(), PhantomData), &cache),
            benefits: kept(OwnedBy(db.clone(), PhantomData), &cache),
            faqs: kept(OwnedBy(db.clone(), PhantomData), &cache),
            conditions_of_therapy: kept(ConditionLinksOfTherapy(db.clone()), &cache),
            therapies_of_condition: kept(ConditionLinksOfCondition(db.clone()), &cache),
            practitioners_of_therapy: kept(
                Linked {
                    db: db.clone(),
                    by: therapy_practitioner::Column::TherapyId,
                    other_end: therapy_practitioner::Column::PractitionerId,
                    parent: |link| link.therapy_id,
                    list: link_list(&links::PRACTITIONER_LINK, DocumentType::Therapy),
                    entity: PhantomData,
                },
                &cache,
            ),
            therapies_of_practitioner: kept(
                Linked {
                    db: db.clone(),
                    by: therapy_practitioner::Column::PractitionerId,
                    other_end: therapy_practitioner::Column::TherapyId,
                    parent: |link| link.practitioner_id,
                    list: link_list(&links::PRACTITIONER_LINK, DocumentType::Practitioner),
                    entity: PhantomData,
                },
                &cache,
            ),
            more: std::sync::Mutex::default(),
            db: db.clone(),
            reads,
            objects,
            epoch,
        }
    }

    /// This request's loader of type `L`, made by `make` on first use: how a kind
    /// declared in its own module (citations, reviews…) batches its child lists,
    /// behind the object cache like every other loader.
    pub fn of<L: Keep>(&self, make: impl FnOnce(&Database) -> L) -> Arc<KeptLoader<L>> {
        let mut more = self
            .more
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let loader = more
            .entry(std::any::TypeId::of::<L>())
            .or_insert_with(|| {
                let cache = (self.objects.clone(), self.epoch, self.reads.clone());
                Arc::new(kept(make(&self.db), &cache))
            })
            .clone();
        drop(more);
        loader
            .downcast::<KeptLoader<L>>()
            .unwrap_or_else(|_| unreachable!("entries are keyed by their own type"))
    }
}

/// `inner` behind the object cache `(objects, epoch, reads)`.
fn kept<L: Keep>(inner: L, cache: &(Option<Arc<ObjectCache>>, u64, Arc<ReadSet>)) -> KeptLoader<L> {
    let (objects, epoch, reads) = cache.clone();
    KeptLoader(DataLoader::new(
        Kept {
            inner,
            objects,
            epoch,
            reads,
        },
        tokio::spawn,
    ))
}

impl Loaders {
    /// Notes what a root field read, when it read the published stage.
    pub fn note(&self, stage: Stage, dependencies: impl IntoIterator<Item = Dependency>) {
        if stage == Stage::Published {
            self.reads.extend(dependencies);
        }
    }

    /// One published object read outside a loader (a root lookup): from the object
    /// cache when kept there, else `load`ed and kept. Either way the request notes
    /// what it was read from (`dependencies` of what was found, or of nothing).
    pub async fn published<V, F>(
        &self,
        key: ObjectKey,
        load: F,
        dependencies: impl Fn(Option<&V>) -> Vec<Dependency>,
    ) -> Result<Option<V>, ContentError>
    where
        V: Clone + Serialize + Send + Sync + 'static,
        F: Future<Output = Result<Option<V>, ContentError>>,
    {
        if let Some(objects) = &self.objects
            && let Some((value, kept_from)) = objects.get::<V>(&key)
        {
            self.reads.extend(kept_from.iter().copied());
            return Ok(Some(value));
        }
        let value = load.await?;
        let read_from = dependencies(value.as_ref());
        self.reads.extend(read_from.iter().copied());
        if let (Some(objects), Some(value)) = (&self.objects, &value) {
            objects.insert(key, value.clone(), read_from, self.epoch);
        }
        Ok(value)
    }
}
