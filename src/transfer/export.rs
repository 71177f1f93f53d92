//! Writing the export: the documents kind by kind, then the event log, all read
//! in one snapshot of the database, so that they agree even while editors work.

use std::ffi::OsString;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sea_orm::IntoDatabaseExecutor;
use serde::Serialize;

use super::error::Result;
use super::events::EventRecord;
use super::{FORMAT, FORMAT_VERSION};
use crate::content::registry::KINDS;
use crate::db::Database;
use crate::log;

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    /// Document rows, both stages counted.
    pub rows: usize,
    pub events: usize,
}

/// Events read per query: the log may hold millions, which never need to be in
/// memory at once.
const EVENT_PAGE: u64 = 1_000;

/// Writes everything to `out` (see the module's documentation for the layout).
#[tracing::instrument(skip_all)]
pub async fn export(db: &Database, out: &mut (impl Write + Send)) -> Result<ExportReport> {
    let txn = db.begin_snapshot_read().await?;
    let executor = (&txn).into_database_executor();
    writeln!(
        out,
        "{{\"format\":\"{FORMAT}\",\"formatVersion\":{FORMAT_VERSION},"
    )?;
    let versions: Vec<String> = KINDS
        .iter()
        .map(|kind| {
            let declaration = kind.declaration();
            format!("\"{}\":{}", declaration.plural, declaration.snapshot.version)
        })
        .collect();
    writeln!(out, "\"snapshotVersions\":{{{}}},", versions.join(","))?;
    writeln!(out, "\"documents\":{{")?;
    let mut report = ExportReport { rows: 0, events: 0 };
    for (index, kind) in KINDS.iter().enumerate() {
        let mut list = List::open(out, kind.declaration().plural)?;
        for row in kind.export(&executor).await? {
            list.push(out, &row)?;
        }
        report.rows += list.close(out)?;
        writeln!(out, "{}", if index + 1 < KINDS.len() { "," } else { "" })?;
    }
    writeln!(out, "}},")?;
    let mut list = List::open(out, "events")?;
    let mut after = 0;
    loop {
        let page = log::after(&txn, after, EVENT_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for event in &page {
            list.push(out, &EventRecord::from(event))?;
        }
    }
    report.events = list.close(out)?;
    writeln!(out, "}}")?;
    out.flush()?;
    txn.commit().await?;
    Ok(report)
}

/// Exports to a file, or to standard output without one. The file is written
/// under a temporary name and renamed when complete, so a failed export never
/// leaves a file that looks whole.
pub async fn export_to(db: &Database, output: Option<&Path>) -> Result<ExportReport> {
    let Some(path) = output else {
        return export(db, &mut BufWriter::new(std::io::stdout())).await;
    };
    let partial = partial_path(path);
    let written = async {
        let mut file = BufWriter::new(std::fs::File::create(&partial)?);
        let report = export(db, &mut file).await?;
        file.into_inner().map_err(|err| err.into_error())?.sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok(report)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".partial");
    PathBuf::from(name)
}

/// A JSON list written one row per line: `"name":[`, rows, `]`.
struct List {
    rows: usize,
}

impl List {
    fn open(out: &mut impl Write, name: &str) -> std::io::Result<Self> {
        write!(out, "\"{name}\":[")?;
        Ok(Self { rows: 0 })
    }

    fn push(&mut self, out: &mut impl Write, row: &impl Serialize) -> std::io::Result<()> {
        out.write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, row)?;
        self.rows += 1;
        Ok(())
    }

    /// Ends the list; returns how many rows it holds.
    fn close(self, out: &mut impl Write) -> std::io::Result<usize> {
        out.write_all(if self.rows == 0 { b"]" } else { b"\n]" })?;
        Ok(self.rows)
    }
}
