//! What the public may see of the event log: the rule public queries follow — a
//! section, benefit or therapy FAQ entry shows only while its therapy is published,
//! a link only while both of its ends are — applied to events and to documents.

use std::collections::{HashMap, HashSet};

use entity::content_event::{Column, Entity, Model as Event};
use entity::{DocumentType, EventAction};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::content::{Result, Stage, registry};

/// The actions by which a published copy appears or disappears; every such
/// change is recorded with one of them, so they alone tell when a document was public.
pub const PUBLISHED_STAGE_ACTIONS: [EventAction; 3] = [
    EventAction::Published,
    EventAction::Unpublished,
    EventAction::Deleted,
];

/// The documents a document's public visibility hangs on besides its own published
/// copy (its owner, a link's ends), read from its snapshot (or its row serialised
/// the same way) as its kind declares them.
pub fn parents(document_type: DocumentType, data: &serde_json::Value) -> Vec<(DocumentType, Uuid)> {
    registry::parents(document_type, data)
}

/// Whether a document needs a snapshot to be judged: one whose kind hangs on others.
fn may_have_parents(document_type: DocumentType) -> bool {
    registry::declaration(document_type).is_some_and(|d| !d.parents.is_empty())
}

/// When some documents (therapies, conditions, practitioners) were published, as
/// the log tells it: for each, its published-stage events in order, `true` where
/// its published copy appeared or was replaced, `false` where it went away.
pub struct Timelines(HashMap<Uuid, Vec<(i64, bool)>>);

impl Timelines {
    /// The timelines of `ids` up to and including event `upto`.
    pub async fn load(db: &impl ConnectionTrait, ids: &HashSet<Uuid>, upto: i64) -> Result<Self> {
        let mut timelines: HashMap<Uuid, Vec<(i64, bool)>> = HashMap::new();
        if ids.is_empty() {
            return Ok(Self(timelines));
        }
        let rows: Vec<(i64, Uuid, EventAction)> = Entity::find()
            .select_only()
            .columns([Column::Seq, Column::DocumentId, Column::Action])
            .filter(Column::DocumentId.is_in(ids.iter().copied()))
            .filter(Column::Stage.eq(Stage::Published))
            .filter(Column::Action.is_in(PUBLISHED_STAGE_ACTIONS))
            .filter(Column::Seq.lte(upto))
            .order_by_asc(Column::Seq)
            .into_tuple()
            .all(db)
            .await?;
        for (seq, id, action) in rows {
            timelines
                .entry(id)
                .or_default()
                .push((seq, action == EventAction::Published));
        }
        Ok(Self(timelines))
    }

    /// Whether `id` was published right after event `seq`.
    pub fn public_at(&self, id: Uuid, seq: i64) -> bool {
        let Some(events) = self.0.get(&id) else {
            return false;
        };
        let before = events.partition_point(|(s, _)| *s <= seq);
        before > 0 && events[before - 1].1
    }

    /// Whether `id` and every one of `parents` were ever published at the same time.
    pub fn ever_together(&self, id: Uuid, parents: &[Uuid]) -> bool {
        let all = || std::iter::once(&id).chain(parents);
        // Whenever that held, it held right after one of their events.
        all()
            .filter_map(|doc| self.0.get(doc))
            .flatten()
            .any(|&(seq, _)| all().all(|&doc| self.public_at(doc, seq)))
    }

    /// The last event at which `id` became public or stopped being so (a republish
    /// of a published document is neither); 0 if it never was public.
    pub fn last_flip(&self, id: Uuid) -> i64 {
        let mut public = false;
        let mut flip = 0;
        for &(seq, up) in self.0.get(&id).map(Vec::as_slice).unwrap_or_default() {
            if up != public {
                public = up;
                flip = seq;
            }
        }
        flip
    }
}

/// Each event as the public may see it, in the same order: `None` where public
/// queries would not have shown the change as it happened (a draft change, a child
/// of an unpublished therapy, a link with an unpublished end); otherwise the event
/// without its author and, unless it is a publication, without its snapshot.
pub async fn public_events(db: &impl ConnectionTrait, events: &[Event]) -> Result<Vec<Option<Event>>> {
    let relevant =
        |event: &Event| event.stage == Stage::Published && PUBLISHED_STAGE_ACTIONS.contains(&event.action);
    let parents_of = |event: &Event| {
        event
            .snapshot
            .as_ref()
            .map(|snapshot| parents(event.document_type, snapshot))
    };
    let mut needed = HashSet::new();
    for event in events.iter().filter(|e| relevant(e)) {
        needed.extend(
            parents_of(event)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, id)| id),
        );
    }
    let upto = events.iter().map(|e| e.seq).max().unwrap_or(0);
    let timelines = Timelines::load(db, &needed, upto).await?;
    Ok(events
        .iter()
        .map(|event| {
            if !relevant(event) {
                return None;
            }
            let parents = match parents_of(event) {
                Some(parents) => parents,
                // Purged before it was read: nothing tells what it hung on.
                None if may_have_parents(event.document_type) => return None,
                None => Vec::new(),
            };
            // A change the public saw happens while everything it hangs on is
            // public: a child unpublished with its therapy, or a link published
            // while its condition is a draft, never showed.
            if !parents.iter().all(|&(_, p)| timelines.public_at(p, event.seq)) {
                return None;
            }
            Some(Event {
                actor_id: None,
                actor_name: String::new(),
                snapshot: match event.action {
                    EventAction::Published => event.snapshot.clone(),
                    _ => None,
                },
                ..event.clone()
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timelines(entries: &[(Uuid, &[(i64, bool)])]) -> Timelines {
        Timelines(entries.iter().map(|(id, t)| (*id, t.to_vec())).collect())
    }

    #[test]
    fn a_document_is_public_from_its_publication_to_its_unpublication() {
        let id = Uuid::now_v7();
        let t = timelines(&[(id, &[(3, true), (5, true), (8, false)])]);
        assert_eq!(
            (1..=9).map(|seq| t.public_at(id, seq)).collect::<Vec<_>>(),
            [false, false, true, true, true, true, true, false, false]
        );
        assert!(!t.public_at(Uuid::now_v7(), 4), "never published");
        // Republishing at 5 changed nothing the public can see.
        assert_eq!(t.last_flip(id), 8);
        let republished = timelines(&[(id, &[(3, true), (5, true)])]);
        assert_eq!(republished.last_flip(id), 3);
        assert_eq!(timelines(&[]).last_flip(id), 0);
    }

    #[test]
    fn a_child_was_public_only_if_it_and_its_therapy_were_published_at_once() {
        let (child, therapy) = (Uuid::now_v7(), Uuid::now_v7());
        let apart = timelines(&[(child, &[(2, true), (4, false)]), (therapy, &[(5, true)])]);
        assert!(!apart.ever_together(child, &[therapy]));
        let overlapping = timelines(&[(child, &[(2, true)]), (therapy, &[(5, true), (6, false)])]);
        assert!(overlapping.ever_together(child, &[therapy]));
        assert!(apart.ever_together(therapy, &[]));
    }

    #[test]
    fn parents_are_read_from_the_api_field_names() {
        let (therapy, condition) = (Uuid::now_v7(), Uuid::now_v7());
        let link = serde_json::json!({ "therapyId": therapy, "conditionId": condition });
        assert_eq!(
            parents(DocumentType::TherapyCondition, &link),
            [
                (DocumentType::Therapy, therapy),
                (DocumentType::Condition, condition)
            ]
        );
        let clinic_faq = serde_json::json!({ "therapyId": null });
        assert_eq!(parents(DocumentType::Faq, &clinic_faq), []);
        assert_eq!(parents(DocumentType::Therapy, &link), []);
    }
}
