//! Connecting to SQLite or PostgreSQL, running migrations, and opening write transactions.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ActiveModelTrait, ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, IsolationLevel, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a request waits for a connection by default.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The lock key that orders content writes on PostgreSQL ("clinic").
const EVENT_LOG_LOCK: i64 = 0x636c_696e_6963;

/// The application's database handle: a connection pool, plus a gate that
/// serialises write transactions on SQLite (which allows one writer at a time and
/// would otherwise answer `SQLITE_BUSY` to a transaction that upgrades to writing).
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    url: String,
    write_gate: Option<Arc<Mutex<()>>>,
}

/// An open write transaction. Dropping it without `commit` rolls everything back,
/// so an early `?` return never leaves a half write.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Database {
    /// Connects to `url` (`sqlite://file.db?mode=rwc`, `sqlite::memory:` or
    /// `postgres://…`) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        Self::connect_with(url, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// Like `connect`, with how long a request may wait for a pooled connection:
    /// past it, the request fails as unavailable rather than hanging while the
    /// database is down.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, DbErr> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = ConnectOptions::new(url.to_owned());
        options
            // An in-memory SQLite database lives and dies with its one connection.
            .max_connections(if in_memory { 1 } else { max_connections })
            .min_connections(if in_memory { 1 } else { 0 })
            .connect_timeout(acquire_timeout)
            .acquire_timeout(acquire_timeout)
            .sqlx_logging(false);
        let conn = sea_orm::Database::connect(options).await?;
        let write_gate = match conn.get_database_backend() {
            DatabaseBackend::Sqlite => {
                if !in_memory {
                    conn.execute_unprepared("PRAGMA journal_mode = WAL").await?;
                }
                Some(Arc::new(Mutex::new(())))
            }
            _ => None,
        };
        Ok(Self {
            conn,
            url: url.to_owned(),
            write_gate,
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn connect_and_migrate(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        Self::connect_and_migrate_with(url, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// Like `connect_and_migrate`, with the acquire timeout of `connect_with`.
    pub async fn connect_and_migrate_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, DbErr> {
        let db = Self::connect_with(url, max_connections, acquire_timeout).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// The URL connected to, for connections outside the pool (PostgreSQL `LISTEN`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The pool, for reads.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Opens a write transaction (waiting for the SQLite write gate first).
    ///
    /// On SQLite it is `BEGIN IMMEDIATE`: it takes the database's write lock at once,
    /// waiting (SQLite's busy timeout) while another process writes, rather than
    /// reading first and failing with "database is locked" when another process
    /// committed in between (instances share a file; each runs background writers
    /// such as the webhook consumer).
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let txn = match self.backend() {
            DatabaseBackend::Sqlite => {
                self.conn
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?
            }
            _ => self.conn.begin().await?,
        };
        Ok(WriteTxn { txn, _gate: gate })
    }

    /// Calls `callback` after every SQL statement (tests count statements with it).
    pub fn set_metric_callback<F>(&mut self, callback: F)
    where
        F: Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    {
        self.conn.set_metric_callback(callback);
    }

    /// Opens a transaction for a content change: a write transaction that, on
    /// PostgreSQL, first takes the event log's transaction-level advisory lock.
    /// Every content writer locks in the same order (this lock first, then rows),
    /// so writers never deadlock, and events commit in sequence order, so a reader
    /// of the log can never skip an event that commits late.
    pub async fn begin_content_write(&self) -> Result<WriteTxn, DbErr> {
        let txn = self.begin_write().await?;
        if self.backend() == DatabaseBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [EVENT_LOG_LOCK.into()],
            ))
            .await?;
        }
        Ok(txn)
    }

    /// Opens a read-only transaction that sees the database as it stood at one
    /// moment, for reads that must agree with each other (an export taken while
    /// editors work). SQLite's WAL gives every read transaction that already.
    pub async fn begin_snapshot_read(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.backend() {
            DatabaseBackend::Postgres => {
                self.conn
                    .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                    .await
            }
            _ => self.conn.begin().await,
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }

    /// Whether every migration this build knows has been applied.
    pub async fn migrations_current(&self) -> Result<bool, DbErr> {
        Ok(Migrator::get_pending_migrations_read_only(&self.conn)
            .await?
            .is_empty())
    }

    /// Pool connections `(in use, idle)`, for the metrics.
    pub fn pool_usage(&self) -> (u32, u32) {
        let (size, idle) = match self.backend() {
            DatabaseBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DatabaseBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        (size - idle, idle)
    }
}

/// Rows per `INSERT` of [`insert_all`]: a round trip per hundred rows rather than
/// per row, and well under SQLite's limit of bound values per statement.
const INSERT_BATCH: usize = 100;

/// Why [`insert_all`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    /// The row at this index was refused (a duplicate key, a value too long…).
    #[error("row {index}: {source}")]
    Refused { index: usize, source: DbErr },
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Inserts `rows`, as they are (keys included), in batches. A refused batch is
/// undone to a savepoint and tried again row by row, so that the error names the
/// row the database refused, not just its batch.
pub async fn insert_all<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), InsertError>
where
    A: ActiveModelTrait + Clone + Send + Sync,
{
    for (number, batch) in rows.chunks(INSERT_BATCH).enumerate() {
        let savepoint = txn.begin().await?;
        match A::Entity::insert_many(batch.to_vec())
            .exec_without_returning(&savepoint)
            .await
        {
            Ok(_) => savepoint.commit().await?,
            Err(err) if is_unreachable(&err) => return Err(err.into()),
            Err(_) => {
                savepoint.rollback().await?;
                for (offset, row) in batch.iter().enumerate() {
                    match A::Entity::insert(row.clone()).exec_without_returning(txn).await {
                        Ok(_) => {}
                        Err(err) if is_unreachable(&err) => return Err(err.into()),
                        Err(source) => {
                            let index = number * INSERT_BATCH + offset;
                            return Err(InsertError::Refused { index, source });
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The current time, truncated to microseconds so that values round-trip
/// identically through SQLite text and PostgreSQL `timestamptz`.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}

/// Whether `err` says the database cannot be reached (no connection to be had,
/// the connection dropped), as opposed to a statement that failed.
pub fn is_unreachable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as SqlxError;
    match err {
        // Failing to get or open a connection is unreachability, whatever the cause.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                **e,
                SqlxError::Io(_)
                    | SqlxError::PoolTimedOut
                    | SqlxError::PoolClosed
                    | SqlxError::WorkerCrashed
                    | SqlxError::Tls(_)
            ) || matches!(&**e, SqlxError::Database(db) if db.code().is_some_and(|code| {
                // Connection exceptions and an administrator's shutdown.
                code.starts_with("08") || code.starts_with("57P")
            }))
        }
        _ => false,
    }
}
