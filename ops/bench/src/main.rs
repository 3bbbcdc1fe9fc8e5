//! Palimpsest's benchmark harness (run on demand, never as a test). It prints figures and ratios
//! measured in the same run, so they hold on a shared, noisy machine:
//!
//! - commands per second through the command layer on each backend, with the hash chain and
//!   global log (our `EventStore` behind a stock cqrs-es `CqrsFramework`, and our own executor),
//!   next to plain postgres-es / sqlite-es on the same commands, interleaved in rounds;
//! - wall time and peak memory (VmHWM) of the full République numérique import, in a child
//!   process of its own.
//!
//! Usage: `cargo run --release -p bench -- [--commands N] [--rounds R] [--postgres-url URL]`

mod views;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use cqrs_es::persist::{PersistedEventRepository, PersistedEventStore};
use cqrs_es::CqrsFramework;
use domain::actor::{Actor, Role};
use domain::ballot::{Ballot, BallotCommand, Choice};
use domain::bill::ConsultationWindow;
use domain::ids::{ArticleId, BallotId, BillId, ParticipantId, Target};
use projections::{CommandContext, DatabaseUrl, EventStore};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Connection;

#[derive(Parser)]
struct Args {
    /// Commands per backend, per variant, per round
    #[arg(long, default_value_t = 400)]
    commands: usize,
    /// Rounds; variants alternate inside each round
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// A PostgreSQL server where databases may be created
    #[arg(
        long,
        env = "PALIMPSEST_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Internal: run the import in this process and print its peak memory
    #[arg(long, hide = true)]
    import_child: Option<String>,
    /// Run the audit figures (export, offline verification, proofs) on a synthetic log of this
    /// many events and on the real import, instead of the command figures
    #[arg(long)]
    audit_events: Option<u64>,
    /// Run the projection figures (rebuild throughput, query latency, follower lag) on the real
    /// imports and on a synthetic bill of this many events, instead of the command figures
    #[arg(long)]
    views_events: Option<u64>,
    /// Internal: export DATABASE_URL to DIR in this process and print time and peak memory
    #[arg(long, hide = true, num_args = 2)]
    export_child: Option<Vec<String>>,
    /// Internal: verify the export in DIR in this process and print time and peak memory
    #[arg(long, hide = true)]
    verify_child: Option<String>,
}

/// The plain cqrs-es baseline tables, as the crates' documentation gives them.
const PLAIN_SQLITE_SCHEMA: &str = "CREATE TABLE plain_events (aggregate_type text NOT NULL, aggregate_id text NOT NULL, sequence integer NOT NULL, event_type text NOT NULL, event_version text NOT NULL, payload text NOT NULL, metadata text NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, sequence)) STRICT; CREATE TABLE plain_snapshots (aggregate_type text NOT NULL, aggregate_id text NOT NULL, last_sequence integer NOT NULL, current_snapshot integer NOT NULL, payload text NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)) STRICT;";
const PLAIN_POSTGRES_SCHEMA: &str = "CREATE TABLE plain_events (aggregate_type text NOT NULL, aggregate_id text NOT NULL, sequence bigint NOT NULL, event_type text NOT NULL, event_version text NOT NULL, payload json NOT NULL, metadata json NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, sequence)); CREATE TABLE plain_snapshots (aggregate_type text NOT NULL, aggregate_id text NOT NULL, last_sequence bigint NOT NULL, current_snapshot bigint NOT NULL, payload json NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, last_sequence));";

fn window() -> ConsultationWindow {
    ConsultationWindow {
        opens_at: Utc::now() - chrono::Duration::days(1),
        closes_at: Utc::now() + chrono::Duration::days(30),
        closed_early_at: None,
    }
}

struct Vote {
    stream: String,
    command: BallotCommand,
    actor: String,
}

fn votes(tag: &str, n: usize) -> Vec<Vote> {
    let window = window();
    let target = Target::Article {
        bill_id: BillId::from(uuid::Uuid::new_v4()),
        article_id: ArticleId::from(uuid::Uuid::new_v4()),
    };
    (0..n)
        .map(|i| {
            let participant = ParticipantId::parse(&format!("{tag}{i:06}")).unwrap();
            let actor = Actor::new(participant.clone(), vec![Role::Citizen]);
            Vote {
                stream: BallotId::for_vote(&participant, &target),
                actor: participant.to_string(),
                command: BallotCommand::Cast {
                    actor,
                    at: Utc::now(),
                    target,
                    choice: [Choice::For, Choice::Mixed, Choice::Against][i % 3],
                    window,
                },
            }
        })
        .collect()
}

async fn through_framework<R: PersistedEventRepository>(
    framework: &CqrsFramework<Ballot, PersistedEventStore<R, Ballot>>,
    votes: Vec<Vote>,
) -> Duration {
    let start = Instant::now();
    for vote in votes {
        let metadata = HashMap::from([
            ("actor".to_string(), vote.actor),
            ("occurred_at".to_string(), Utc::now().to_rfc3339()),
        ]);
        framework
            .execute_with_metadata(&vote.stream, vote.command, metadata)
            .await
            .expect("command");
    }
    start.elapsed()
}

async fn through_executor(store: &EventStore, votes: Vec<Vote>) -> Duration {
    let start = Instant::now();
    for vote in votes {
        let context = CommandContext::new(vote.actor, Utc::now().fixed_offset());
        projections::execute::<Ballot>(store, &vote.stream, vote.command, &context)
            .await
            .expect("command");
    }
    start.elapsed()
}

struct Totals {
    plain: Duration,
    chained: Duration,
    executor: Duration,
    commands: usize,
}

impl Totals {
    fn rate(&self, d: Duration) -> f64 {
        self.commands as f64 / d.as_secs_f64()
    }
}

async fn compare<R: PersistedEventRepository>(
    args: &Args,
    backend: &str,
    plain: CqrsFramework<Ballot, PersistedEventStore<R, Ballot>>,
    store: EventStore,
) -> Totals {
    let chained = CqrsFramework::new(
        PersistedEventStore::new_event_store(store.clone()),
        vec![],
        (),
    );
    let mut totals = Totals {
        plain: Duration::ZERO,
        chained: Duration::ZERO,
        executor: Duration::ZERO,
        commands: 0,
    };
    // Warm-up, not counted.
    through_framework(&plain, votes("w", 50)).await;
    through_framework(&chained, votes("x", 50)).await;
    for round in 0..args.rounds {
        let n = args.commands;
        // Alternate which variant goes first, so drift in machine load cancels out.
        if round % 2 == 0 {
            totals.plain += through_framework(&plain, votes(&format!("p{round}r"), n)).await;
            totals.chained += through_framework(&chained, votes(&format!("c{round}r"), n)).await;
            totals.executor += through_executor(&store, votes(&format!("e{round}r"), n)).await;
        } else {
            totals.executor += through_executor(&store, votes(&format!("e{round}r"), n)).await;
            totals.chained += through_framework(&chained, votes(&format!("c{round}r"), n)).await;
            totals.plain += through_framework(&plain, votes(&format!("p{round}r"), n)).await;
        }
        totals.commands += n;
    }
    println!(
        "{backend:<9} plain cqrs-es {:>8.0} cmd/s | chained (cqrs-es on our store) {:>8.0} cmd/s | chained (our executor) {:>8.0} cmd/s | ratio chained/plain {:.2} (executor/plain {:.2})",
        totals.rate(totals.plain),
        totals.rate(totals.chained),
        totals.rate(totals.executor),
        totals.plain.as_secs_f64() / totals.chained.as_secs_f64(),
        totals.plain.as_secs_f64() / totals.executor.as_secs_f64(),
    );
    totals
}

async fn sqlite_comparison(args: &Args, dir: &Path) {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{}", dir.join("plain.db").display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::raw_sql(PLAIN_SQLITE_SCHEMA)
        .execute(&pool)
        .await
        .unwrap();
    let plain = CqrsFramework::new(
        PersistedEventStore::new_event_store(
            sqlite_es::SqliteEventRepository::new(pool)
                .with_tables("plain_events", "plain_snapshots"),
        ),
        vec![],
        (),
    );
    let store = EventStore::open(&DatabaseUrl::Sqlite(dir.join("chained.db")))
        .await
        .unwrap();
    compare(args, "sqlite", plain, store).await;
}

async fn postgres_comparison(args: &Args) -> Result<(), String> {
    let name = format!("palimpsest_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&args.postgres_url)
        .await
        .map_err(|e| format!("PostgreSQL at {}: {e}", args.postgres_url))?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    let base = args.postgres_url.rsplit_once('/').map(|(b, _)| b).unwrap();
    let url = format!("{base}/{name}");
    let result = async {
        let pool = sqlx::PgPool::connect(&url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::raw_sql(PLAIN_POSTGRES_SCHEMA)
            .execute(&pool)
            .await
            .map_err(|e| e.to_string())?;
        let plain = CqrsFramework::new(
            PersistedEventStore::new_event_store(
                postgres_es::PostgresEventRepository::new(pool)
                    .with_tables("plain_events", "plain_snapshots"),
            ),
            vec![],
            (),
        );
        let store = EventStore::open(&DatabaseUrl::Postgres(url.clone()))
            .await
            .map_err(|e| e.to_string())?;
        compare(args, "postgres", plain, store).await;
        Ok::<_, String>(())
    }
    .await;
    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await;
    result
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

async fn import_child(url: &str) {
    let store = EventStore::open(&DatabaseUrl::parse(url).unwrap())
        .await
        .unwrap();
    let start = Instant::now();
    let report = api::import::import_bundled(&store).await.unwrap();
    let elapsed = start.elapsed();
    println!(
        "{} {:.2} {} {}",
        report.events,
        elapsed.as_secs_f64(),
        peak_rss_kib(),
        url
    );
}

fn measure_import(label: &str, url: &str) {
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new(exe)
        .args(["--import-child", url])
        .output()
        .expect("run the import child");
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    if !output.status.success() || fields.len() < 3 {
        println!(
            "import    {label}: failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    println!(
        "import    {label:<8} {} events in {} s, peak memory {:.1} MiB",
        fields[0],
        fields[1],
        fields[2].parse::<f64>().unwrap_or(0.0) / 1024.0
    );
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(url) = &args.import_child {
        import_child(url).await;
        return;
    }
    if let Some(parts) = &args.export_child {
        export_child(&parts[0], Path::new(&parts[1])).await;
        return;
    }
    if let Some(dir) = &args.verify_child {
        verify_child(Path::new(dir));
        return;
    }
    if let Some(events) = args.views_events {
        views::view_figures(events, &args.postgres_url).await;
        return;
    }
    if let Some(events) = args.audit_events {
        audit_figures(events).await;
        return;
    }
    println!(
        "Palimpsest benchmark: {} rounds x {} vote commands per variant, sequential client, durable commits",
        args.rounds, args.commands
    );
    let dir = tempfile::tempdir().unwrap();
    sqlite_comparison(&args, dir.path()).await;
    if let Err(e) = postgres_comparison(&args).await {
        println!("postgres  skipped: {e}");
    }
    measure_import(
        "sqlite",
        &format!("sqlite://{}", dir.path().join("import.db").display()),
    );
    let name = format!("palimpsest_bench_import_{}", uuid::Uuid::new_v4().simple());
    if let Ok(mut admin) = sqlx::PgConnection::connect(&args.postgres_url).await {
        if sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .is_ok()
        {
            let base = args.postgres_url.rsplit_once('/').map(|(b, _)| b).unwrap();
            measure_import("postgres", &format!("{base}/{name}"));
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
    }
}

/// A fresh PostgreSQL database for one measurement, dropped by `drop`.
struct FreshPostgres {
    admin: String,
    name: String,
    url: String,
}

impl FreshPostgres {
    async fn drop(self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin)
            .await;
        }
    }
}

async fn fresh_postgres(admin_url: &str, tag: &str) -> Option<FreshPostgres> {
    let name = format!("palimpsest_bench_{tag}_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(admin_url).await.ok()?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .ok()?;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b)?;
    Some(FreshPostgres {
        admin: admin_url.to_string(),
        url: format!("{base}/{name}"),
        name,
    })
}

// ---- audit figures (issue: transparency log and offline audit) ----

fn bench_key() -> domain::integrity::checkpoint::SigningKey {
    domain::integrity::checkpoint::SigningKey::from_seed("palimpsest.bench/log", [3; 32]).unwrap()
}

async fn export_child(url: &str, dir: &Path) {
    let store = EventStore::open(&DatabaseUrl::parse(url).unwrap())
        .await
        .unwrap();
    let start = Instant::now();
    let key = bench_key();
    let report = projections::transparency::write_export(&store, &key, key.name(), dir, |_, _| {})
        .await
        .unwrap();
    println!(
        "{} {:.3} {} {}",
        report.events,
        start.elapsed().as_secs_f64(),
        peak_rss_kib(),
        report.bytes
    );
}

fn verify_child(dir: &Path) {
    let start = Instant::now();
    let report = api::audit::verify_export(dir, None, |_| {}).unwrap();
    println!(
        "{} {:.3} {}",
        report.events,
        start.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
}

fn child(args: &[&str]) -> Vec<String> {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(args)
        .output()
        .expect("child");
    assert!(
        output.status.success(),
        "child {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Appends `n` vote-like events (one per new ballot stream, as a real consultation has).
async fn synthetic_log(store: &EventStore, n: u64) {
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let choice = ["for", "mixed", "against"][(i % 3) as usize];
        batch.push(projections::PendingEvent {
            stream_type: "ballot".into(),
            stream_id: format!("u{:010x}/amendment:{:08}", i / 7, i % 1_000),
            sequence: 1,
            event_type: "BallotCast".into(),
            event_version: "1".into(),
            payload: serde_json::json!({"BallotCast": {"participant": format!("u{:010x}", i / 7), "target": {"kind": "amendment", "amendment_id": format!("{:08}", i % 1_000)}, "choice": choice}}),
            metadata: serde_json::json!({"occurred_at": "2015-10-18T12:00:00.000000+02:00"}),
            actor: format!("u{:010x}", i / 7),
        });
        if batch.len() == 10_000 {
            store.append(&batch).await.unwrap();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.append(&batch).await.unwrap();
    }
}

/// The machine's raw hashing limit for `n` events of `preimage_bytes` each: one blake3 of the
/// preimage, one SHA-256 leaf and (about) one SHA-256 node per event.
fn raw_hashing_rate(n: u64, preimage_bytes: usize) -> (f64, f64, f64) {
    use sha2::Digest;
    let buffer = vec![0x5au8; preimage_bytes];
    let start = Instant::now();
    let mut acc = [0u8; 32];
    for i in 0..n {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&buffer);
        hasher.update(&i.to_be_bytes());
        acc = *hasher.finalize().as_bytes();
    }
    let blake = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for _ in 0..n {
        let mut leaf = sha2::Sha256::new();
        leaf.update([0u8]);
        leaf.update(acc);
        let l: [u8; 32] = leaf.finalize().into();
        let mut node = sha2::Sha256::new();
        node.update([1u8]);
        node.update(l);
        node.update(acc);
        acc = node.finalize().into();
    }
    let sha = start.elapsed().as_secs_f64();
    std::hint::black_box(acc);
    (n as f64 / blake, n as f64 / sha, n as f64 / (blake + sha))
}

/// The size of one synthetic event's hash preimage, to hash the same number of bytes raw.
async fn synthetic_preimage_len() -> usize {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(&DatabaseUrl::Sqlite(dir.path().join("one.db")))
        .await
        .unwrap();
    synthetic_log(&store, 1).await;
    let event = store.read_log(0, 1).await.unwrap().pop().unwrap().event;
    domain::integrity::chain::event_hash_preimage(&event.hash_input())
        .unwrap()
        .len()
}

async fn audit_run(label: &str, url: &str, dir: &Path) -> (u64, f64) {
    let export = child(&["--export-child", url, dir.to_str().unwrap()]);
    let verify = child(&["--verify-child", dir.to_str().unwrap()]);
    let events: u64 = export[0].parse().unwrap();
    let bytes: u64 = export[3].parse().unwrap();
    let verify_seconds: f64 = verify[1].parse().unwrap();
    println!(
        "{label:<22} {events:>9} events | export {:>6.1} s, peak {:>6.1} MiB, {:>5.0} bytes/event | verify {:>6.1} s = {:>8.0} events/s, peak {:>6.1} MiB",
        export[1].parse::<f64>().unwrap(),
        export[2].parse::<f64>().unwrap() / 1024.0,
        bytes as f64 / events as f64,
        verify_seconds,
        events as f64 / verify_seconds,
        verify[2].parse::<f64>().unwrap() / 1024.0,
    );
    (events, bytes as f64 / events as f64)
}

async fn audit_figures(synthetic: u64) {
    println!("Palimpsest audit figures (release build; child processes for peak memory)");
    let dir = tempfile::tempdir().unwrap();
    // The real import.
    let real_url = format!("sqlite://{}", dir.path().join("real.db").display());
    let real = EventStore::open(&DatabaseUrl::parse(&real_url).unwrap())
        .await
        .unwrap();
    api::import::import_bundled(&real).await.unwrap();
    drop(real);
    audit_run(
        "République numérique",
        &real_url,
        &dir.path().join("real-export"),
    )
    .await;
    // Synthetic logs of growing size: memory must stay flat.
    let mut last = (0, 0.0);
    for n in [synthetic / 10, synthetic] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("synthetic-{n}.db")).display()
        );
        let store = EventStore::open(&DatabaseUrl::parse(&url).unwrap())
            .await
            .unwrap();
        let start = Instant::now();
        synthetic_log(&store, n).await;
        println!(
            "synthetic log of {n} events appended in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        drop(store);
        last = audit_run(
            &format!("synthetic {n}"),
            &url,
            &dir.path().join(format!("export-{n}")),
        )
        .await;
        if n == synthetic {
            let store = EventStore::open(&DatabaseUrl::parse(&url).unwrap())
                .await
                .unwrap();
            let proof = projections::transparency::inclusion_proof(&store, n / 2 + 1, n)
                .await
                .unwrap();
            let json = serde_json::to_string(&proof).unwrap();
            println!(
                "inclusion proof in a log of {n}: {} hashes = {} bytes of hashes ({} bytes as JSON with the event)",
                proof.hashes.len(),
                proof.hashes.len() * 32,
                json.len()
            );
        }
    }
    let (events, _) = last;
    let preimage = synthetic_preimage_len().await;
    let (blake, sha, combined) = raw_hashing_rate(events, preimage);
    println!(
        "raw hashing on this machine, same run: blake3 {:.0}/s ({preimage}-byte preimages), SHA-256 leaf+node {:.0}/s, both {:.0} events/s",
        blake, sha, combined
    );
}
