//! The event log on its own, below the content layer: appending and reading events,
//! and running consumers from their checkpoints, with no content type in sight.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clinic_content_api::db::Database;
use clinic_content_api::log::{self, Consumer, Event, EventBus, NewEvent, checkpoint, consumer};
use entity::{DocumentType, EventAction, Stage};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseExecutor, DbErr};
use uuid::Uuid;

use crate::helpers::TestDatabase;

fn new_event(version: i32) -> NewEvent {
    NewEvent {
        document_type: DocumentType::Faq,
        document_id: Uuid::now_v7(),
        action: EventAction::Updated,
        stage: Stage::Draft,
        version,
        actor_id: None,
        actor_name: "log test".to_owned(),
        snapshot: Some(serde_json::json!({ "version": version })),
        snapshot_version: 1,
    }
}

/// Appends `count` events in one transaction; returns their sequence numbers.
async fn append(db: &Database, count: i32) -> Vec<i64> {
    let txn = db.begin_content_write().await.unwrap();
    let mut seqs = Vec::new();
    for version in 1..=count {
        seqs.push(log::append(&*txn, new_event(version)).await.unwrap().seq);
    }
    txn.commit().await.unwrap();
    seqs
}

#[tokio::test]
async fn the_log_appends_and_reads_events_in_order() {
    let database = TestDatabase::new().await;
    let db = database.connect().await;
    assert_eq!(log::last_seq(db.conn()).await.unwrap(), 0);

    let first = new_event(1);
    let txn = db.begin_content_write().await.unwrap();
    log::announce(&*txn).await.unwrap();
    let appended = log::append(&*txn, first.clone()).await.unwrap();
    txn.commit().await.unwrap();
    let rest = append(&db, 3).await;

    assert_eq!(
        (
            appended.document_type,
            appended.document_id,
            appended.action,
            appended.stage,
            appended.version,
            appended.actor_id,
            appended.actor_name.as_str(),
            appended.snapshot.clone(),
            appended.snapshot_version,
        ),
        (
            first.document_type,
            first.document_id,
            first.action,
            first.stage,
            first.version,
            first.actor_id,
            first.actor_name.as_str(),
            first.snapshot,
            first.snapshot_version,
        )
    );
    let all: Vec<i64> = log::after(db.conn(), 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    let mut expected = vec![appended.seq];
    expected.extend(&rest);
    assert_eq!(all, expected);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
    let later: Vec<i64> = log::after(db.conn(), appended.seq, 2)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(later, rest[..2]);
    assert_eq!(log::last_seq(db.conn()).await.unwrap(), *rest.last().unwrap());
}

/// A consumer that writes what it is handed into a table of its own, in the
/// transaction it is given, and fails on command after writing.
struct Recorder {
    fail_next: Mutex<bool>,
    /// Where its checkpoint may skip to.
    skip_through: i64,
}

impl Recorder {
    fn new() -> Self {
        Self {
            fail_next: Mutex::new(false),
            skip_through: 0,
        }
    }
}

#[async_trait::async_trait]
impl Consumer for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    async fn consume(&self, db: &DatabaseExecutor<'_>, events: &[Event]) -> Result<(), DbErr> {
        for event in events {
            db.execute_unprepared(&format!("INSERT INTO recorded (seq) VALUES ({})", event.seq))
                .await?;
        }
        if std::mem::take(&mut *self.fail_next.lock().unwrap()) {
            return Err(DbErr::Custom("told to fail".to_owned()));
        }
        Ok(())
    }

    async fn skippable_through(&self, _db: &DatabaseConnection, _head: i64) -> Result<i64, DbErr> {
        Ok(self.skip_through)
    }
}

async fn recorded(db: &Database) -> Vec<i64> {
    use sea_orm::{Statement, TryGetable};
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT seq FROM recorded ORDER BY seq",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| i64::try_get(row, "", "seq").unwrap())
        .collect()
}

async fn database_with_recorder_table() -> (TestDatabase, Database) {
    let database = TestDatabase::new().await;
    let db = database.connect().await;
    db.conn()
        .execute_unprepared("CREATE TABLE recorded (seq BIGINT PRIMARY KEY)")
        .await
        .unwrap();
    (database, db)
}

#[tokio::test]
async fn a_durable_consumer_resumes_after_its_checkpoint_and_a_failed_batch_leaves_nothing() {
    let (_database, db) = database_with_recorder_table().await;
    let recorder = Recorder::new();
    let first = append(&db, 3).await;

    // A new consumer starts at the beginning of the log.
    assert_eq!(consumer::catch_up(&db, &recorder).await.unwrap(), first[2]);
    assert_eq!(recorded(&db).await, first);

    // A failed batch rolls back what it wrote, and the checkpoint stays.
    let second = append(&db, 2).await;
    *recorder.fail_next.lock().unwrap() = true;
    assert!(consumer::catch_up(&db, &recorder).await.is_err());
    assert_eq!(recorded(&db).await, first);
    assert_eq!(
        checkpoint::get(db.conn(), "recorder").await.unwrap(),
        Some(first[2])
    );

    // The next run (another process, say) resumes after the checkpoint: the failed
    // batch is handed over again, and nothing twice.
    let again = Recorder::new();
    assert_eq!(consumer::catch_up(&db, &again).await.unwrap(), second[1]);
    let mut all = first.clone();
    all.extend(&second);
    assert_eq!(recorded(&db).await, all);
}

#[tokio::test]
async fn a_durable_consumer_is_not_handed_what_it_may_skip() {
    let (_database, db) = database_with_recorder_table().await;
    let skipped = append(&db, 3).await;
    let recorder = Recorder {
        skip_through: skipped[2],
        ..Recorder::new()
    };
    assert_eq!(consumer::catch_up(&db, &recorder).await.unwrap(), skipped[2]);
    assert_eq!(recorded(&db).await, Vec::<i64>::new());
    let wanted = append(&db, 1).await;
    assert_eq!(consumer::catch_up(&db, &recorder).await.unwrap(), wanted[0]);
    assert_eq!(recorded(&db).await, wanted);
}

/// An in-memory consumer that notes the events it is handed.
#[derive(Default)]
struct Seen(Mutex<Vec<i64>>);

#[async_trait::async_trait]
impl Consumer for Seen {
    fn name(&self) -> &'static str {
        "seen"
    }

    async fn consume(&self, _db: &DatabaseExecutor<'_>, events: &[Event]) -> Result<(), DbErr> {
        self.0.lock().unwrap().extend(events.iter().map(|e| e.seq));
        Ok(())
    }
}

#[tokio::test]
async fn in_memory_consumers_get_every_event_from_the_start_of_the_bus_in_order() {
    let database = TestDatabase::new().await;
    let db = database.connect().await;
    let before = append(&db, 2).await;
    let (first, second) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
    let bus = EventBus::new();
    bus.add_consumer(first.clone());
    bus.add_consumer(second.clone());
    bus.start(db.clone()).await.unwrap();

    let after = append(&db, 3).await;
    assert!(
        bus.caught_up(after[2], Duration::from_secs(10)).await,
        "the bus never handed the events over"
    );

    // The log's head at the start is where an in-memory checkpoint begins.
    assert!(before.iter().all(|seq| *seq < after[0]));
    assert_eq!(*first.0.lock().unwrap(), after);
    assert_eq!(*second.0.lock().unwrap(), after);
}
