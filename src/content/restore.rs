//! Undo from the event log: put a past revision back into the draft as a new
//! version (history is never rewritten), bring deleted documents back from the
//! trash, and purge them for good.

use entity::content_event::{self, Model as Event};
use entity::{DocumentType, EventAction};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::document::{self, Document};
use super::error::unique_violation_as;
use super::write::{Change, Write};
use super::{ContentError, Result, Stage, now, registry};

/// Puts the revision recorded by event `seq` back into its document's draft as a
/// new version (publishing it is a separate step). With `expected_version`, only
/// if the draft is still at that version. Returns the `RESTORED` event.
pub async fn restore(w: &Write<'_>, seq: i64, expected_version: Option<i32>) -> Result<Event> {
    let event = content_event::Entity::find_by_id(seq)
        .one(w.db)
        .await?
        .ok_or_else(|| ContentError::invalid("revisionId", format!("no revision {seq}")))?;
    // Written in whatever shape the kind had then; read in the shape it has now.
    let Some(snapshot) = registry::snapshot_of(&event)? else {
        return Err(ContentError::invalid(
            "revisionId",
            "this revision holds no content (it was purged, or is a purge)",
        ));
    };
    require_parents_exist(w, event.document_type, &snapshot).await?;
    let restored_seq = registry::kind(event.document_type)?
        .restore(w, &event, snapshot, expected_version)
        .await?;
    content_event::Entity::find_by_id(restored_seq)
        .one(w.db)
        .await?
        .ok_or_else(|| ContentError::invalid("revisionId", "the restore left no event"))
}

/// A restored item or link needs the documents it hangs on to have drafts.
async fn require_parents_exist(
    w: &Write<'_>,
    kind: DocumentType,
    snapshot: &serde_json::Value,
) -> Result<()> {
    for (parent_kind, parent) in registry::parents(kind, snapshot) {
        if super::snapshot::find(w.db, parent_kind, &[parent], Stage::Draft)
            .await?
            .is_empty()
        {
            let label = registry::kind(parent_kind)?.declaration().label;
            return Err(ContentError::invalid(
                "revisionId",
                format!("its {label} no longer exists; restore the {label} first"),
            ));
        }
    }
    Ok(())
}

/// The highest version the log knows for a document.
async fn last_logged_version(w: &Write<'_>, id: Uuid) -> Result<i32> {
    let last = content_event::Entity::find()
        .filter(content_event::Column::DocumentId.eq(id))
        .order_by_desc(content_event::Column::Version)
        .one(w.db)
        .await?;
    Ok(last.map_or(0, |e| e.version))
}

pub(super) async fn restore_row<E>(
    w: &Write<'_>,
    event: &Event,
    snapshot: serde_json::Value,
    expected_version: Option<i32>,
) -> Result<i64>
where
    E: Document,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let id = event.document_id;
    let has_slug = snapshot.get("slug").is_some();
    let past: E::Model = serde_json::from_value(snapshot).map_err(|_| {
        ContentError::invalid("revisionId", "this revision no longer fits the document's shape")
    })?;
    let current = document::find::<E>(w.db, id, Stage::Draft).await?;
    let (version, published_at) = match &current {
        Some(draft) => {
            if let Some(expected) = expected_version {
                document::check_version::<E>(draft, id, expected)?;
            }
            (document::version_of::<E>(draft), draft.get(E::published_at_col()))
        }
        None => (
            last_logged_version(w, id).await?,
            sea_orm::Value::ChronoDateTimeUtc(None),
        ),
    };
    if current.is_some() {
        // Conditional on the version read, like every update: a save in between wins.
        let removed = E::delete_many()
            .filter(E::id_col().eq(id))
            .filter(E::stage_col().eq(Stage::Draft))
            .filter(E::version_col().eq(version))
            .exec(w.db)
            .await?;
        if removed.rows_affected == 0 {
            let draft = document::draft::<E>(w.db, id).await?;
            document::check_version::<E>(&draft, id, version)?;
        }
    }
    let mut row = past.into_active_model().reset_all();
    row.set(E::stage_col(), Stage::Draft.into());
    row.set(E::version_col(), (version + 1).into());
    row.set(E::updated_at_col(), now().into());
    row.set(E::published_at_col(), published_at);
    // Snapshots leave the renderings out; the restored markdown gets fresh ones.
    E::render_rich_text(&mut row);
    E::insert(row).exec_without_returning(w.db).await.map_err(|err| {
        let field = if has_slug { "slug" } else { "revisionId" };
        unique_violation_as(
            err,
            field,
            "is taken by another document now; change that one first",
        )
    })?;
    let restored = document::draft::<E>(w.db, id).await?;
    document::record::<E>(w, &restored, EventAction::Restored).await
}

/// Removes a deleted document's content from the log for good (admin only): its
/// snapshots are erased and a `PURGED` event says so. Fails unless it is deleted.
pub async fn purge(w: &Write<'_>, id: Uuid) -> Result<Event> {
    let latest = content_event::Entity::find()
        .filter(content_event::Column::DocumentId.eq(id))
        .order_by_desc(content_event::Column::Seq)
        .one(w.db)
        .await?
        .ok_or_else(|| ContentError::invalid("id", format!("the log knows no document {id}")))?;
    if draft_exists(w, latest.document_type, id).await? {
        return Err(ContentError::invalid(
            "id",
            "only deleted documents can be purged; delete it first",
        ));
    }
    content_event::Entity::update_many()
        .col_expr(
            content_event::Column::Snapshot,
            Expr::value(sea_orm::Value::Json(None)),
        )
        .filter(content_event::Column::DocumentId.eq(id))
        .exec(w.db)
        .await?;
    let seq = w
        .record::<()>(Change {
            document_type: latest.document_type,
            id,
            action: EventAction::Purged,
            stage: Stage::Draft,
            version: latest.version,
            snapshot: None,
            snapshot_version: 1,
        })
        .await?;
    content_event::Entity::find_by_id(seq)
        .one(w.db)
        .await?
        .ok_or_else(|| ContentError::invalid("id", "the purge left no event"))
}

async fn draft_exists(w: &Write<'_>, kind: DocumentType, id: Uuid) -> Result<bool> {
    Ok(!super::snapshot::find(w.db, kind, &[id], Stage::Draft)
        .await?
        .is_empty())
}
