//! Items a therapy owns and editors order by hand: sections, benefits and FAQ
//! entries (FAQ entries may also be clinic-wide, with no therapy).

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, ModelTrait, QueryFilter,
    QueryOrder, Value,
};
use uuid::Uuid;

use super::document::{self, Document};
use super::filter::{Filter, SortField, ids_at};
use super::listing::{self, Direction, Ordering, Page, PageRequest};
use super::validate::{self, TextLimit, limits};
use super::write::Write;
use super::{ContentError, Result, Stage, now};
use entity::EventAction;

use super::registry::{Declaration, Parent, PublishedWith, SnapshotCodec};
use entity::DocumentType;

/// Owned by a therapy, in its list `list`, published with it when it goes with its children.
const fn owned_by_therapy(list: &'static str) -> [Parent; 1] {
    [Parent::new(
        DocumentType::Therapy,
        "therapyId",
        list,
        PublishedWith::Children,
    )]
}

pub const SECTION: Declaration = Declaration {
    document_type: DocumentType::TherapySection,
    label: "therapy section",
    plural: "sections",
    parents: &owned_by_therapy("sections"),
    snapshot: SnapshotCodec::FIRST,
};

pub const BENEFIT: Declaration = Declaration {
    document_type: DocumentType::Benefit,
    label: "benefit",
    plural: "benefits",
    parents: &owned_by_therapy("benefits"),
    snapshot: SnapshotCodec::FIRST,
};

/// A FAQ entry belongs to a therapy, or with no therapy to the whole clinic.
pub const FAQ: Declaration = Declaration {
    document_type: DocumentType::Faq,
    label: "FAQ entry",
    plural: "faqs",
    parents: &owned_by_therapy("faqs"),
    snapshot: SnapshotCodec::FIRST,
};

super::document::document!(therapy_section, SECTION, rich text: Body => BodyHtml, BodyText);
super::document::document!(benefit, BENEFIT, rich text: Body => BodyHtml, BodyText);
super::document::document!(faq, FAQ, rich text: Answer => AnswerHtml, AnswerText);

/// A hand-ordered item with a title-like and a body field, owned by a therapy.
pub trait OwnedItem: Document {
    /// The API's names for the title and body fields, used in messages.
    const TITLE_FIELD: &'static str;
    const BODY_FIELD: &'static str;
    /// The columns the title and body are stored in, with their limits.
    const TITLE_LIMIT: TextLimit;
    const BODY_LIMIT: TextLimit;
    /// Whether every item needs a therapy (FAQ entries need not).
    const OWNER_REQUIRED: bool;
    fn owner_col() -> Self::Column;
    fn position_col() -> Self::Column;
    fn title_col() -> Self::Column;
    fn created_at_col() -> Self::Column;
    fn new_row(
        id: Uuid,
        owner: Option<Uuid>,
        title: String,
        body: String,
        position: i32,
    ) -> Self::ActiveModel;
    fn changes(title: Option<String>, body: Option<String>) -> Self::ActiveModel;
}

macro_rules! owned_item {
    ($module:ident, $title:ident, $body:ident, $title_col:ident, $title_name:literal, $body_name:literal, $title_limit:expr, $body_limit:expr, $required:literal, $owner:expr) => {
        impl OwnedItem for entity::$module::Entity {
            const TITLE_FIELD: &'static str = $title_name;
            const BODY_FIELD: &'static str = $body_name;
            const TITLE_LIMIT: TextLimit = $title_limit;
            const BODY_LIMIT: TextLimit = $body_limit;
            const OWNER_REQUIRED: bool = $required;
            fn owner_col() -> Self::Column {
                entity::$module::Column::TherapyId
            }
            fn position_col() -> Self::Column {
                entity::$module::Column::Position
            }
            fn title_col() -> Self::Column {
                entity::$module::Column::$title_col
            }
            fn created_at_col() -> Self::Column {
                entity::$module::Column::CreatedAt
            }
            fn new_row(
                id: Uuid,
                owner: Option<Uuid>,
                title: String,
                body: String,
                position: i32,
            ) -> Self::ActiveModel {
                let now = now();
                entity::$module::ActiveModel {
                    id: Set(id),
                    stage: Set(Stage::Draft),
                    therapy_id: Set($owner(owner)),
                    $title: Set(title),
                    $body: Set(body),
                    position: Set(position),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    published_at: Set(None),
                    ..Default::default()
                }
            }
            fn changes(title: Option<String>, body: Option<String>) -> Self::ActiveModel {
                let mut model = <entity::$module::ActiveModel as Default>::default();
                if let Some(title) = title {
                    model.$title = Set(title);
                }
                if let Some(body) = body {
                    model.$body = Set(body);
                }
                model
            }
        }
    };
}

owned_item!(
    therapy_section,
    heading,
    body,
    Heading,
    "heading",
    "body",
    limits::THERAPY_SECTION_HEADING,
    limits::THERAPY_SECTION_BODY,
    true,
    |o: Option<Uuid>| o.unwrap_or_default()
);
owned_item!(
    benefit,
    title,
    body,
    Title,
    "title",
    "body",
    limits::BENEFIT_TITLE,
    limits::BENEFIT_BODY,
    true,
    |o: Option<Uuid>| o.unwrap_or_default()
);
owned_item!(
    faq,
    question,
    answer,
    Question,
    "question",
    "answer",
    limits::FAQ_QUESTION,
    limits::FAQ_ANSWER,
    false,
    |o: Option<Uuid>| o
);

/// A new item; `position` defaults to the end of its list.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub therapy_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub position: Option<i32>,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ItemChanges {
    pub title: Option<String>,
    pub body: Option<String>,
}

fn owner_filter<E: OwnedItem>(owner: Option<Uuid>) -> Condition {
    match owner {
        Some(id) => Condition::all().add(E::owner_col().eq(id)),
        None => Condition::all().add(E::owner_col().is_null()),
    }
}

/// Items whose owner exists at `stage` (or that belong to no therapy).
fn visible<E: OwnedItem>(stage: Stage) -> Condition {
    use entity::therapy;
    let owners = ids_at::<therapy::Entity>(therapy::Column::Id, therapy::Column::Stage, stage);
    let owned = E::owner_col().in_subquery(owners);
    let cond = Condition::all().add(E::stage_col().eq(stage));
    if E::OWNER_REQUIRED {
        cond.add(owned)
    } else {
        cond.add(Condition::any().add(owned).add(E::owner_col().is_null()))
    }
}

pub async fn create<E>(w: &Write<'_>, input: NewItem) -> Result<E::Model>
where
    E: OwnedItem,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    match input.therapy_id {
        None if E::OWNER_REQUIRED => return Err(ContentError::invalid("therapyId", "is required")),
        None => {}
        Some(therapy) => super::therapy::require(w.db, therapy, "therapyId").await?,
    }
    let title = validate::name(E::TITLE_FIELD, &input.title, &E::TITLE_LIMIT)?;
    let body = validate::rich_text(E::BODY_FIELD, &input.body, true, &E::BODY_LIMIT)?;
    let position = match input.position {
        Some(p) => validate::position("position", p)?,
        None => {
            document::next_position::<E>(w.db, owner_filter::<E>(input.therapy_id), E::position_col()).await?
        }
    };
    let id = Uuid::now_v7();
    let row = E::new_row(id, input.therapy_id, title, body, position);
    document::insert_draft::<E>(w, id, row, EventAction::Created).await
}

pub async fn update<E>(
    w: &Write<'_>,
    id: Uuid,
    expected_version: i32,
    changes: ItemChanges,
) -> Result<E::Model>
where
    E: OwnedItem,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let title = changes
        .title
        .map(|t| validate::name(E::TITLE_FIELD, &t, &E::TITLE_LIMIT))
        .transpose()?;
    let body = changes
        .body
        .map(|b| validate::rich_text(E::BODY_FIELD, &b, true, &E::BODY_LIMIT))
        .transpose()?;
    document::update_draft::<E>(w, id, expected_version, E::changes(title, body)).await
}

/// One item at a stage; at the published stage only while its therapy is published too.
pub async fn find<E: OwnedItem>(
    db: &impl ConnectionTrait,
    id: Uuid,
    stage: Stage,
) -> Result<Option<E::Model>> {
    Ok(E::find()
        .filter(E::id_col().eq(id))
        .filter(visible::<E>(stage))
        .one(db)
        .await?)
}

pub fn ordering<E: OwnedItem>(field: SortField, direction: Direction) -> Ordering<E::Column> {
    let column = match field {
        SortField::Position => E::position_col(),
        SortField::Name => E::title_col(),
        SortField::UpdatedAt => E::updated_at_col(),
        SortField::CreatedAt => E::created_at_col(),
    };
    Ordering {
        column,
        name: field.label(),
        direction,
    }
}

pub async fn list<E: OwnedItem>(
    db: &impl ConnectionTrait,
    stage: Stage,
    filter: &Filter,
    order: Ordering<E::Column>,
    page: &PageRequest,
) -> Result<Page<E::Model>>
where
    E::Model: Sync,
{
    if let Some(text) = &filter.name_equals {
        validate::text("filter.textEquals", text, &E::TITLE_LIMIT)?;
    }
    if let Some(needle) = &filter.name_contains {
        validate::text("filter.textContains", needle, &E::TITLE_LIMIT)?;
    }
    let mut cond = visible::<E>(stage);
    if let Some(therapy) = filter.therapy_id {
        cond = cond.add(E::owner_col().eq(therapy));
    }
    match filter.clinic_wide {
        Some(true) => cond = cond.add(E::owner_col().is_null()),
        Some(false) => cond = cond.add(E::owner_col().is_not_null()),
        None => {}
    }
    if let Some(text) = &filter.name_equals {
        cond = cond.add(E::title_col().eq(text.as_str()));
    }
    if let Some(needle) = &filter.name_contains {
        cond = cond.add(listing::contains(E::title_col(), needle));
    }
    if let Some(since) = filter.updated_since {
        cond = cond.add(E::updated_at_col().gte(since));
    }
    listing::fetch_page(db, E::find().filter(cond), order, page).await
}

/// Sets the hand-made order of the drafts in one list: `ids` must name every item
/// of the list exactly once. Items whose position changes get a new version.
pub async fn reorder<E: Document>(
    w: &Write<'_>,
    list: Condition,
    position_col: E::Column,
    ids: &[Uuid],
) -> Result<()> {
    validate::list_len("ids", ids.len(), validate::MAX_REORDER_LEN)?;
    let current = E::find()
        .filter(E::stage_col().eq(Stage::Draft))
        .filter(list)
        .order_by_asc(position_col)
        .all(w.db)
        .await?;
    let existing: HashSet<Uuid> = current.iter().map(document::id_of::<E>).collect();
    let given: HashSet<Uuid> = ids.iter().copied().collect();
    if given.len() != ids.len() || given != existing {
        return Err(ContentError::invalid(
            "ids",
            format!(
                "must name each of the list's {} items exactly once, in the new order",
                existing.len()
            ),
        ));
    }
    for (position, id) in ids.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let moved = E::update_many()
            .col_expr(position_col, Expr::value(position))
            .col_expr(E::version_col(), Expr::col(E::version_col()).add(1))
            .col_expr(E::updated_at_col(), Expr::value(now()))
            .filter(E::id_col().eq(*id))
            .filter(E::stage_col().eq(Stage::Draft))
            .filter(position_col.ne(position))
            .exec(w.db)
            .await?;
        if moved.rows_affected > 0 {
            let row = document::draft::<E>(w.db, *id).await?;
            document::record::<E>(w, &row, EventAction::Reordered).await?;
        }
    }
    Ok(())
}

/// Reorders the items of one therapy (or the clinic-wide FAQ when `owner` is `None`).
pub async fn reorder_items<E: OwnedItem>(w: &Write<'_>, owner: Option<Uuid>, ids: &[Uuid]) -> Result<()> {
    if let Some(therapy) = owner {
        super::therapy::require(w.db, therapy, "therapyId").await?;
    }
    reorder::<E>(w, owner_filter::<E>(owner), E::position_col(), ids).await
}

/// The items of several therapies at a stage, in hand-made order, with their owner's id.
pub async fn of_therapies<E: OwnedItem>(
    db: &impl ConnectionTrait,
    therapy_ids: &[Uuid],
    stage: Stage,
) -> Result<Vec<(Uuid, E::Model)>> {
    let rows = E::find()
        .filter(E::stage_col().eq(stage))
        .filter(E::owner_col().is_in(therapy_ids.iter().copied()))
        .order_by_asc(E::position_col())
        .order_by_asc(E::id_col())
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.get(E::owner_col()) {
            Value::Uuid(Some(owner)) => Some((owner, row)),
            _ => None,
        })
        .collect())
}

/// The drafts of one list (a therapy's, or the clinic-wide FAQ when `owner` is `None`), in order.
pub async fn drafts_of<E: OwnedItem>(
    db: &impl ConnectionTrait,
    owner: Option<Uuid>,
) -> Result<Vec<E::Model>> {
    Ok(E::find()
        .filter(E::stage_col().eq(Stage::Draft))
        .filter(owner_filter::<E>(owner))
        .order_by_asc(E::position_col())
        .order_by_asc(E::id_col())
        .all(db)
        .await?)
}
