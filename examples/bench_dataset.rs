//! Dataset for `bench/read-path`: the seed page, then synthetic published therapies
//! written through the content layer, so rows and events are the ones the API writes.
//!
//! ```sh
//! cargo run --release --example bench_dataset -- \
//!     --database-url 'sqlite://bench.db?mode=rwc' --therapies 200 --queries /tmp/queries
//! ```
//!
//! Each therapy has 20 condition links (to a shared pool of published conditions), 3
//! benefits, 8 FAQ entries, one section of about 1.5 KB of Markdown and one
//! practitioner. Therapies are written a batch per transaction (one transaction per
//! therapy spends most of its time committing), several batches at once on PostgreSQL,
//! whose time goes mostly to round trips.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::Parser;
use clinic_content_api::content::condition::{self, NewCondition};
use clinic_content_api::content::links::{self, NewConditionLink};
use clinic_content_api::content::owned::{self, NewItem};
use clinic_content_api::content::practitioner::{self, NewPractitioner};
use clinic_content_api::content::therapy::{self, NewTherapy, TreatmentFacts};
use clinic_content_api::content::{Actor, InsuranceCoverage, Suitability, Write, publishing};
use clinic_content_api::db::Database;
use clinic_content_api::graphql::samples::THERAPY_PAGE;
use clinic_content_api::seed;
use entity::{benefit, faq, therapy_section};
use sea_orm::{DatabaseBackend, TransactionTrait};
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// `sqlite://FILE?mode=rwc` or `postgres://user@host:port/db`; must hold no therapy yet.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Synthetic therapies to add to the seed page.
    #[arg(long, default_value_t = 200)]
    therapies: usize,
    /// Published conditions the therapies link to (each links 20 of them).
    #[arg(long, default_value_t = 200)]
    conditions: usize,
    /// Published practitioners; each therapy links one.
    #[arg(long, default_value_t = 20)]
    practitioners: usize,
    /// Therapies written per transaction.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Batches written at once on PostgreSQL (SQLite takes one writer at a time).
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Write the benchmark's queries here (`page.graphql` for one synthetic therapy,
    /// `list.graphql`).
    #[arg(long)]
    queries: Option<PathBuf>,
}

const LINKS_PER_THERAPY: usize = 20;
const BENEFITS_PER_THERAPY: usize = 3;
const FAQS_PER_THERAPY: usize = 8;

/// What a listing page shows of each therapy.
const THERAPY_LIST: &str = r#"query TherapyList {
  therapies(first: 20) {
    nodes { slug name summary { markdown } facts { typicalSessions insuranceCoverage } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    if args.conditions < LINKS_PER_THERAPY || args.practitioners == 0 || args.batch == 0 || args.jobs == 0 {
        return Err(format!(
            "need at least {LINKS_PER_THERAPY} conditions, one practitioner, a batch of one and one job"
        )
        .into());
    }
    let started = Instant::now();
    let jobs = u32::try_from(args.jobs)?;
    let db = Database::connect_and_migrate(&args.database_url, jobs + 1).await?;
    // What the server does on an empty database; it then finds this one full and leaves it.
    seed::load_default(&db).await?;

    let actor = Actor::system("bench-dataset");
    let txn = db.begin_content_write().await?;
    let w = Write::new(&txn, &actor);
    let mut conditions = Vec::with_capacity(args.conditions);
    for i in 0..args.conditions {
        let row = condition::create(&w, synthetic_condition(i)).await?;
        publishing::publish::<entity::condition::Entity>(&w, row.id, None).await?;
        conditions.push(row.id);
    }
    let mut practitioners = Vec::with_capacity(args.practitioners);
    for i in 0..args.practitioners {
        let row = practitioner::create(&w, synthetic_practitioner(i)).await?;
        publishing::publish::<entity::practitioner::Entity>(&w, row.id, None).await?;
        practitioners.push(row.id);
    }
    txn.commit().await?;

    let therapies_started = Instant::now();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let writers = (0..args.jobs).map(|_| async {
        loop {
            let start = next.fetch_add(args.batch, Ordering::SeqCst);
            if start >= args.therapies {
                return Ok::<(), Error>(());
            }
            let batch = start..(start + args.batch).min(args.therapies);
            let count = batch.len();
            write_batch(&db, &actor, batch, &conditions, &practitioners).await?;
            let done = done.fetch_add(count, Ordering::SeqCst) + count;
            let rate = done as f64 / therapies_started.elapsed().as_secs_f64();
            eprintln!("{done}/{} therapies ({rate:.0}/s)", args.therapies);
        }
    });
    futures_util::future::try_join_all(writers).await?;

    if let Some(dir) = &args.queries {
        write_queries(dir, args.therapies)?;
    }
    println!(
        "generated {} therapies ({} conditions, {} practitioners) in {:.1} s ({:.1} s for the therapies)",
        args.therapies,
        args.conditions,
        args.practitioners,
        started.elapsed().as_secs_f64(),
        therapies_started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes therapies `batch` in one transaction. On PostgreSQL without the event
/// log's lock, so that several batches can run at once: nothing reads the log while
/// the dataset is made, so the order its events commit in does not matter.
async fn write_batch(
    db: &Database,
    actor: &Actor,
    batch: Range<usize>,
    conditions: &[Uuid],
    practitioners: &[Uuid],
) -> Result<(), Error> {
    if db.backend() == DatabaseBackend::Postgres {
        let txn = db.conn().begin().await?;
        for i in batch {
            add_therapy(&Write::new(&txn, actor), i, conditions, practitioners).await?;
        }
        txn.commit().await?;
    } else {
        let txn = db.begin_content_write().await?;
        for i in batch {
            add_therapy(&Write::new(&txn, actor), i, conditions, practitioners).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

async fn add_therapy(
    w: &Write<'_>,
    i: usize,
    conditions: &[Uuid],
    practitioners: &[Uuid],
) -> Result<(), Error> {
    let therapy_id = therapy::create(w, synthetic_therapy(i)).await?.id;
    owned::create::<therapy_section::Entity>(w, item(therapy_id, "How a course goes", section_body(i)))
        .await?;
    for b in 0..BENEFITS_PER_THERAPY {
        let body = format!(
            "Patients report **{}** after the {} session; the effect builds over weeks.",
            BENEFITS[b % BENEFITS.len()],
            ORDINALS[(i + b) % ORDINALS.len()]
        );
        owned::create::<benefit::Entity>(w, item(therapy_id, BENEFITS[b], body)).await?;
    }
    for f in 0..FAQS_PER_THERAPY {
        let answer = format!(
            "{} Ask your practitioner about *therapy {i}* at the first visit; see [the clinic's FAQ](/faq#q{f}).",
            ANSWERS[(i + f) % ANSWERS.len()]
        );
        owned::create::<faq::Entity>(w, item(therapy_id, QUESTIONS[f], answer)).await?;
    }
    // Twenty distinct conditions per therapy, spread over the pool.
    let step = conditions.len() / LINKS_PER_THERAPY;
    for k in 0..LINKS_PER_THERAPY {
        let link = NewConditionLink {
            therapy_id,
            condition_id: conditions[(i * 7 + k * step) % conditions.len()],
            suitability: if k % 4 == 3 {
                Suitability::RespondsPoorly
            } else {
                Suitability::RespondsWell
            },
            note: k
                .is_multiple_of(3)
                .then(|| "Partial tears and early stages only.".to_owned()),
            position: None,
        };
        links::link_condition(w, link).await?;
    }
    links::link_practitioner(w, therapy_id, practitioners[i % practitioners.len()]).await?;
    publishing::publish_therapy(w, therapy_id, None, true).await?;
    Ok(())
}

/// The page query for one synthetic therapy in the middle of the set, and the list query.
fn write_queries(dir: &std::path::Path, therapies: usize) -> Result<(), Error> {
    let seed_slug = "slug: \"prolotherapy\"";
    if !THERAPY_PAGE.contains(seed_slug) {
        return Err("graphql::samples::THERAPY_PAGE no longer asks for the prolotherapy page".into());
    }
    let page = if therapies == 0 {
        THERAPY_PAGE.to_owned()
    } else {
        THERAPY_PAGE.replace(seed_slug, &format!("slug: \"{}\"", therapy_slug(therapies / 2)))
    };
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("page.graphql"), page)?;
    std::fs::write(dir.join("list.graphql"), THERAPY_LIST)?;
    Ok(())
}

fn therapy_slug(i: usize) -> String {
    format!("bench-therapy-{i}")
}

fn item(therapy_id: Uuid, title: &str, body: String) -> NewItem {
    NewItem {
        therapy_id: Some(therapy_id),
        title: title.to_owned(),
        body,
        position: None,
    }
}

fn synthetic_therapy(i: usize) -> NewTherapy {
    let min = 2 + (i % 3) as i32;
    NewTherapy {
        slug: therapy_slug(i),
        name: format!("{} therapy {i}", PREFIXES[i % PREFIXES.len()]),
        summary: format!(
            "A {} treatment that helps the body **repair** {}; usually {min}–{} sessions.",
            ADJECTIVES[i % ADJECTIVES.len()],
            TISSUES[i % TISSUES.len()],
            min + 4
        ),
        facts: TreatmentFacts {
            typical_sessions: Some(min + 2),
            min_sessions: Some(min),
            max_sessions: Some(min + 4),
            session_interval_weeks: Some(4),
            procedure_minutes_min: Some(20),
            procedure_minutes_max: Some(45),
            repeat_after_months_min: Some(6),
            repeat_after_months_max: Some(24),
            insurance_coverage: [
                InsuranceCoverage::Covered,
                InsuranceCoverage::PartiallyCovered,
                InsuranceCoverage::NotCovered,
            ][i % 3],
            insurance_note: i
                .is_multiple_of(2)
                .then(|| "Ask your insurer *before* the first session.".to_owned()),
            first_used_decade: Some(1930 + (i % 9) as i32 * 10),
        },
    }
}

fn synthetic_condition(i: usize) -> NewCondition {
    NewCondition {
        slug: format!("bench-condition-{i}"),
        name: format!("{} {i}", CONDITIONS[i % CONDITIONS.len()]),
        description: format!(
            "Long-lasting pain from weakened {} that no longer keep the joint stable.",
            TISSUES[i % TISSUES.len()]
        ),
        body_region: Some(REGIONS[i % REGIONS.len()].to_owned()),
    }
}

fn synthetic_practitioner(i: usize) -> NewPractitioner {
    NewPractitioner {
        slug: format!("bench-practitioner-{i}"),
        name: format!("Dr. Practitioner {i}"),
        title: "MD, pain medicine".to_owned(),
        bio: format!("Has treated joint and back pain for {} years.", 5 + i % 20),
        techniques: vec![
            "ultrasound guidance".to_owned(),
            "dextrose prolotherapy".to_owned(),
        ],
    }
}

/// About 1.5 KB of Markdown: paragraphs, a list, emphasis and links, like the seed's sections.
fn section_body(i: usize) -> String {
    format!(
        "The first visit starts with an **examination** of the painful area and a look at any \
         imaging you bring. If the {tissue} are the cause, the practitioner explains how the \
         injections work and what to expect, and you decide together whether to go ahead.\n\n\
         A session takes about half an hour. The skin is cleaned and numbed, then a small amount \
         of solution is injected where the {tissue} attach to the bone, guided by ultrasound so \
         that each injection lands where it should. Most patients feel *pressure* rather than \
         pain, and a dull ache for a day or two afterwards.\n\n\
         ### Between sessions\n\n\
         - Keep moving: gentle walking and everyday activity help the healing response.\n\
         - Avoid anti-inflammatory painkillers for the first week; they blunt the response.\n\
         - Ice is fine after the first two days if the ache bothers you.\n\
         - Book the next session {weeks} weeks later.\n\n\
         Most patients notice a difference after the {ordinal} session, and the full effect \
         builds over the following months as the tissue strengthens. The clinic reviews progress \
         at every visit and stops as soon as the joint is stable. Read more about [how healing \
         works](/articles/healing-{i}) or [what the research says](/articles/research).\n\n\
         If the pain returns after a year or two, a single refresher session is usually enough. \
         Call the clinic if swelling or redness lasts longer than three days.",
        tissue = TISSUES[i % TISSUES.len()],
        weeks = 3 + i % 4,
        ordinal = ORDINALS[i % ORDINALS.len()],
    )
}

const PREFIXES: [&str; 6] = [
    "Dextrose",
    "Platelet",
    "Ozone",
    "Hyaluronic",
    "Saline",
    "Lidocaine",
];
const ADJECTIVES: [&str; 4] = ["gentle", "regenerative", "minimally invasive", "well-studied"];
const TISSUES: [&str; 4] = ["ligaments", "tendons", "joint capsules", "fascia"];
const REGIONS: [&str; 6] = ["knee", "shoulder", "spine", "hip", "ankle", "elbow"];
const CONDITIONS: [&str; 5] = [
    "Chronic joint pain",
    "Tendinopathy",
    "Ligament laxity",
    "Arthritis",
    "Sprain",
];
const ORDINALS: [&str; 4] = ["second", "third", "fourth", "fifth"];
const BENEFITS: [&str; BENEFITS_PER_THERAPY] = ["Less pain", "A more stable joint", "Back to activity"];
const QUESTIONS: [&str; FAQS_PER_THERAPY] = [
    "Does it hurt?",
    "How many sessions will I need?",
    "How long does a session take?",
    "When will I feel a difference?",
    "Can I exercise afterwards?",
    "Is it covered by insurance?",
    "Are there side effects?",
    "Can it be combined with physiotherapy?",
];
const ANSWERS: [&str; 5] = [
    "Most patients feel pressure and a dull ache for a day or two.",
    "Usually three to six, about **four weeks** apart.",
    "About half an hour, including the preparation.",
    "Often after the second or third session; the effect builds over months.",
    "Yes: gentle activity helps, but avoid *heavy loads* for a week.",
];
