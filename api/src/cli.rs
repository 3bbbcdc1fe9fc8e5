//! Command-line interface: every subcommand takes `--database-url` (env PALIMPSEST_DATABASE_URL,
//! default an SQLite file in the working directory).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use projections::verify::verify_database;
use projections::{DatabaseUrl, EventStore};

use crate::auth;
use crate::import;
use crate::signing;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://palimpsest.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Parser)]
#[command(
    name = "palimpsest",
    version,
    about = "Civic deliberation on law texts, on a hash-chained, verifiable event log"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// sqlite://PATH (embedded, the default) or postgres://USER@HOST:PORT/DB
    #[arg(long, env = "PALIMPSEST_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Args, Clone)]
pub struct KeyArgs {
    /// Checkpoint signing key file (created at the default path when missing; see `keygen`).
    /// The environment variable PALIMPSEST_SIGNING_KEY, holding the key itself, takes precedence
    #[arg(long, env = "PALIMPSEST_SIGNING_KEY_FILE", default_value = signing::DEFAULT_KEY_FILE)]
    pub signing_key: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address and port to listen on
    #[arg(long, env = "PALIMPSEST_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Sign a checkpoint once this many events are not yet covered by one
    #[arg(long, env = "PALIMPSEST_CHECKPOINT_EVERY", default_value_t = 1000)]
    pub checkpoint_every: u64,
    /// … or once the oldest uncovered event is this many seconds old
    #[arg(long, env = "PALIMPSEST_CHECKPOINT_SECONDS", default_value_t = 60)]
    pub checkpoint_seconds: u64,
    /// The organisation's time zone (IANA name): times are shown in it, and local times given
    /// without an offset (a consultation's end) are read in it
    #[arg(long, env = "PALIMPSEST_TIME_ZONE", default_value = "Europe/Paris", value_parser = parse_time_zone)]
    pub time_zone: chrono_tz::Tz,
    /// Writes per second allowed to one bearer token (0: no limit)
    #[arg(long, env = "PALIMPSEST_WRITE_LIMIT_PER_TOKEN", default_value_t = 10)]
    pub write_limit_per_token: u32,
    /// Writes one token may send at once above its rate
    #[arg(long, env = "PALIMPSEST_WRITE_BURST_PER_TOKEN", default_value_t = 30)]
    pub write_burst_per_token: u32,
    /// Writes per second allowed from one client address (0: no limit)
    #[arg(long, env = "PALIMPSEST_WRITE_LIMIT_PER_ADDRESS", default_value_t = 50)]
    pub write_limit_per_address: u32,
    /// Writes one address may send at once above its rate
    #[arg(
        long,
        env = "PALIMPSEST_WRITE_BURST_PER_ADDRESS",
        default_value_t = 100
    )]
    pub write_burst_per_address: u32,
    /// Behind a reverse proxy: the header whose last entry is the client's address
    /// (e.g. X-Forwarded-For); without it, the TCP peer's address is used
    #[arg(long, env = "PALIMPSEST_CLIENT_ADDRESS_HEADER")]
    pub client_address_header: Option<axum::http::HeaderName>,
    /// The address people reach the service at (e.g. https://deliberation.example.org), shown
    /// in the audit page's commands; without it they use $PALIMPSEST_URL
    #[arg(long, env = "PALIMPSEST_PUBLIC_URL", value_parser = crate::state::PublicUrl::parse)]
    pub public_url: Option<crate::state::PublicUrl>,
}

fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("`{name}` is not a time zone of the IANA database (e.g. Europe/Paris, America/Cayenne, UTC)")
    })
}

impl ServeArgs {
    fn settings(&self) -> crate::state::Settings {
        use crate::http::rate_limit::{Rate, WriteLimits};
        crate::state::Settings {
            write_limits: WriteLimits {
                per_token: Rate {
                    per_second: self.write_limit_per_token,
                    burst: self.write_burst_per_token,
                },
                per_address: Rate {
                    per_second: self.write_limit_per_address,
                    burst: self.write_burst_per_address,
                },
                client_address_header: self.client_address_header.clone(),
            },
            time_zone: self.time_zone,
            clock: crate::state::Clock::system(),
            public_url: self.public_url.clone(),
        }
    }

    fn policy(&self) -> crate::server::CheckpointPolicy {
        crate::server::CheckpointPolicy {
            every_events: self.checkpoint_every.max(1),
            every: std::time::Duration::from_secs(self.checkpoint_seconds.max(1)),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API
    Serve(ServeArgs),
    /// Import the bundled République numérique, La Fabrique de la Loi and Pol.is data when the
    /// database is empty, then serve
    Demo(ServeArgs),
    /// Import the République numérique history (the default), La Fabrique de la Loi laws or
    /// Pol.is conversations; each source in one transaction, a second import adds nothing
    Import {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Folder holding bill-history/, consultation/ and article9/ (default: the bundled copy;
        /// imported when given, or when neither --fabrique nor --polis is)
        path: Option<PathBuf>,
        /// Import La Fabrique de la Loi laws: a law folder (with viz/procedure.json) or a folder
        /// of them; without DIR, the two bundled laws
        #[arg(long, value_name = "DIR", num_args = 0..=1)]
        fabrique: Option<Option<PathBuf>>,
        /// Import Pol.is conversations: a conversation folder (with comments.csv, votes.csv,
        /// summary.csv) or a folder of them; without DIR, the two bundled conversations
        #[arg(long, value_name = "DIR", num_args = 0..=1)]
        polis: Option<Option<PathBuf>>,
    },
    /// Verify the database (every chain, the log, the stored views against a fresh fold), an
    /// export folder offline, or one proof
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Verify an export folder offline (no database, no network)
        #[arg(long, conflicts_with_all = ["proof"])]
        export: Option<PathBuf>,
        /// Verify one inclusion proof (JSON, as served by the API) …
        #[arg(long, requires_all = ["checkpoint", "public_key"])]
        proof: Option<PathBuf>,
        /// … against this signed checkpoint (note text); with --export, a checkpoint obtained
        /// elsewhere (the API, a witness) that the export must reach and match
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// … signed by this verifier key (vkey text); with a database, checkpoint signatures
        /// are checked against it
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Write the audit export (events, signed checkpoints, public key) to a folder
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// Folder to write events.ndjson, checkpoints.ndjson and public-key.vkey into
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a checkpoint of the log now
    Checkpoint {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Rebuild the views from the log, beside the live ones, then switch to them (a running
    /// service keeps answering and follows the switch)
    Rebuild {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Only this projection: bills, amendments, tallies, arguments or timeline
        #[arg(long)]
        projection: Option<String>,
    },
    /// Write every bill's open data (CSV, NDJSON, Akoma Ntoso XML) to a folder, one folder per
    /// bill (see docs/open-data.md)
    OpenData {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Folder to write into (created if missing); each bill gets DIR/BILL_ID/
        #[arg(long)]
        out: PathBuf,
        /// Only this bill (its id)
        #[arg(long)]
        bill: Option<String>,
    },
    /// Generate a checkpoint signing key
    Keygen {
        /// Where to write the private key (never overwritten)
        #[arg(long)]
        out: PathBuf,
        /// The log's origin name, also the key name (e.g. consultation.example.gouv.fr/log)
        #[arg(long, default_value = signing::DEFAULT_ORIGIN)]
        origin: String,
    },
    /// Issue or revoke API bearer tokens
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for a participant with roles; prints the token once
    Issue {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Pseudonymous participant id, e.g. u1a2b3c4d5e or gouvernement
        #[arg(long)]
        participant: String,
        /// citizen, moderator, official or admin (repeat for several)
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// A name to revoke the token by later
        #[arg(long)]
        label: String,
    },
    /// Revoke every token issued under a label
    Revoke {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        label: String,
    },
}

async fn open(args: &DatabaseArgs) -> Result<EventStore, String> {
    let url = DatabaseUrl::parse(&args.database_url).map_err(|e| e.to_string())?;
    EventStore::open(&url).await.map_err(|e| e.to_string())
}

/// Opens a database that must already exist: an auditor's mistyped path must not yield an
/// empty, freshly created database that "verifies".
async fn open_existing(args: &DatabaseArgs) -> Result<EventStore, String> {
    let url = DatabaseUrl::parse(&args.database_url).map_err(|e| e.to_string())?;
    if let DatabaseUrl::Sqlite(path) = &url {
        if !path.exists() {
            return Err(format!(
                "{}: no such database file; check the path given to --database-url",
                path.display()
            ));
        }
    }
    EventStore::open(&url).await.map_err(|e| e.to_string())
}

/// Runs a parsed command line; `Err` is a one-line message for stderr.
pub async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve(args) => {
            let store = open(&args.database).await?;
            let key = signing::load_or_create_default(&args.key.signing_key)
                .map_err(|e| e.to_string())?;
            crate::server::serve(store, args.listen, key, args.policy(), args.settings()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            // The key first: a bad key path must not cost the import before it is reported.
            let key = signing::load_or_create_default(&args.key.signing_key)
                .map_err(|e| e.to_string())?;
            let store = open(&args.database).await?;
            if store.log_size().await.map_err(|e| e.to_string())? == 0 {
                eprintln!("palimpsest: empty database, importing the bundled République numérique history…");
                let report = import::import_bundled(&store)
                    .await
                    .map_err(|e| e.to_string())?;
                eprintln!("palimpsest: {report}");
                eprintln!("palimpsest: importing the bundled La Fabrique de la Loi laws…");
                let report = import::fabrique::import_bundled(&store)
                    .await
                    .map_err(|e| e.to_string())?;
                eprintln!("palimpsest: {report}");
                eprintln!("palimpsest: importing the bundled Pol.is conversations…");
                let report = import::polis::import_bundled(&store)
                    .await
                    .map_err(|e| e.to_string())?;
                eprintln!("palimpsest: {report}");
            }
            crate::server::serve(store, args.listen, key, args.policy(), args.settings()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            database,
            path,
            fabrique,
            polis,
        } => {
            let store = open(&database).await?;
            let republique = path.is_some() || (fabrique.is_none() && polis.is_none());
            if republique {
                let report = match path {
                    None => import::import_bundled(&store).await,
                    Some(folder) => import::import_folder(&store, &folder).await,
                }
                .map_err(|e| e.to_string())?;
                println!("{report}");
            }
            if let Some(folder) = fabrique {
                let report = match folder {
                    None => import::fabrique::import_bundled(&store).await,
                    Some(folder) => import::fabrique::import_folder(&store, &folder).await,
                }
                .map_err(|e| e.to_string())?;
                println!("{report}");
            }
            if let Some(folder) = polis {
                let report = match folder {
                    None => import::polis::import_bundled(&store).await,
                    Some(folder) => import::polis::import_folder(&store, &folder).await,
                }
                .map_err(|e| e.to_string())?;
                println!("{report}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            export: Some(dir),
            checkpoint,
            ..
        } => {
            let required = match &checkpoint {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?,
                ),
                None => None,
            };
            report(
                crate::audit::verify_export(&dir, required.as_deref(), |n| {
                    eprintln!("palimpsest: verified {n} events…")
                })
                .map(|r| r.to_string()),
            )
        }
        Command::Verify {
            proof: Some(proof),
            checkpoint: Some(checkpoint),
            public_key: Some(public_key),
            ..
        } => report(
            crate::audit::verify_proof(&proof, &checkpoint, &public_key).map(|c| {
                format!(
                    "ok: the event is in the log `{}` of size {} (root {})",
                    c.origin,
                    c.size,
                    domain::integrity::merkle::hash_to_hex(&c.root)
                )
            }),
        ),
        Command::Verify {
            database,
            public_key,
            ..
        } => {
            let key = match &public_key {
                None => None,
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                    Some(
                        domain::integrity::checkpoint::VerifierKey::parse(text.trim_end())
                            .map_err(|e| format!("{}: {e}", path.display()))?,
                    )
                }
            };
            let store = open_existing(&database).await?;
            let log = match verify_database(&store, key.as_ref()).await {
                Ok(r) => r.to_string(),
                Err(e) => return report(Err(e.to_string())),
            };
            // The log is sound; the stored views must then be what it folds into.
            report(match projections::views::check(&store).await {
                Err(e) => Err(format!("{log}; but the views cannot be checked: {e}")),
                Ok(checks) if checks.iter().any(|c| !c.differing.is_empty()) => Err(format!(
                    "{log}; but views differ from the log: {}",
                    checks
                        .iter()
                        .filter(|c| !c.differing.is_empty())
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                Ok(checks) if checks.is_empty() => Ok(format!("{log}; no views stored yet")),
                Ok(checks) => Ok(format!(
                    "{log}; views equal a fresh fold of the log: {}",
                    checks
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            })
        }
        Command::Export { database, key, out } => {
            let store = open_existing(&database).await?;
            let key = signing::resolve(&key.signing_key).map_err(|e| e.to_string())?;
            let origin = key.name().to_string();
            let written = projections::transparency::write_export(
                &store,
                &key,
                &origin,
                &out,
                |done, total| {
                    if done % 100_000 < 2_000 || done == total {
                        eprintln!("palimpsest: exported {done}/{total} events…");
                    }
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "exported {} events and {} signed checkpoints to {} ({} bytes of events); verify with `palimpsest verify --export {}`",
                written.events, written.checkpoints, out.display(), written.bytes, out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Checkpoint { database, key } => {
            let store = open_existing(&database).await?;
            let key = signing::resolve(&key.signing_key).map_err(|e| e.to_string())?;
            let origin = key.name().to_string();
            let checkpoint = projections::transparency::issue_checkpoint(&store, &key, &origin)
                .await
                .map_err(|e| e.to_string())?;
            print!("{}", checkpoint.note);
            Ok(ExitCode::SUCCESS)
        }
        Command::Rebuild {
            database,
            projection,
        } => {
            let store = open_existing(&database).await?;
            let reports = projections::views::rebuild(&store, projection.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            for r in reports {
                println!(
                    "rebuilt {}: {} events into {} documents in {:.2} s ({:.0} events/s), generation {} is now active",
                    r.projection,
                    r.events,
                    r.documents,
                    r.seconds,
                    r.events as f64 / r.seconds.max(1e-9),
                    r.generation
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::OpenData {
            database,
            out,
            bill,
        } => {
            let store = open_existing(&database).await?;
            let written = write_open_data(&store, &out, bill.as_deref()).await?;
            println!(
                "wrote the open data of {} bill(s) to {} ({} files, {} bytes)",
                written.bills,
                out.display(),
                written.files,
                written.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Keygen { out, origin } => {
            let key = signing::generate(&out, &origin).map_err(|e| e.to_string())?;
            println!("{}", key.verifier_key_string());
            eprintln!("palimpsest: wrote the private key to {}; publish the line above as the log's public key", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Issue {
            database,
            participant,
            roles,
            label,
        }) => {
            let store = open(&database).await?;
            let token = auth::issue_token(&store, &participant, &roles, &label)
                .await
                .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Revoke { database, label }) => {
            let store = open(&database).await?;
            let n = auth::revoke_tokens(&store, &label)
                .await
                .map_err(|e| e.to_string())?;
            println!("revoked {n} token(s) labelled {label}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What `open-data` wrote.
#[derive(Debug, Default)]
pub struct OpenDataWritten {
    pub bills: usize,
    pub files: usize,
    pub bytes: u64,
}

/// Folds the views up to the log's end, then writes every bill's open data (or one bill's) to
/// `out/BILL_ID/`. Refuses when a projection stopped: its files would silently miss events.
pub async fn write_open_data(
    store: &EventStore,
    out: &std::path::Path,
    only: Option<&str>,
) -> Result<OpenDataWritten, String> {
    let views = projections::views::Views::start(store)
        .await
        .map_err(|e| e.to_string())?;
    if let Some((name, failure)) = views
        .statuses()
        .into_iter()
        .find_map(|s| s.failure.map(|f| (s.name, f)))
    {
        return Err(format!(
            "projection `{name}` stopped at log index {}: {}; the open data would be incomplete — \
             fix the cause, then run `palimpsest rebuild --projection {name}`",
            failure.log_index, failure.message
        ));
    }
    let only = only
        .map(|raw| {
            domain::ids::BillId::parse(raw)
                .map_err(|_| format!("--bill {raw}: not a bill id (a UUID)"))
        })
        .transpose()?;
    let bills = views.bills.read();
    let amendments = views.amendments.read();
    let tallies = views.tallies.read();
    let arguments = views.arguments.read();
    let data = crate::open_data::OpenData {
        bills: &bills.model,
        amendments: &amendments.model,
        tallies: &tallies.model,
        arguments: &arguments.model,
    };
    let selected: Vec<_> = match only {
        Some(id) => vec![bills
            .model
            .bill(id)
            .ok_or_else(|| format!("--bill {id}: no bill has this id in the database"))?],
        None => bills.model.bills().collect(),
    };
    let mut written = OpenDataWritten::default();
    for bill in selected {
        let folder = out.join(bill.id.to_string());
        data.bill_files(bill, |name, bytes| -> Result<(), BoxError> {
            let path = folder.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
            }
            std::fs::write(&path, bytes)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            written.files += 1;
            written.bytes += bytes.len() as u64;
            Ok(())
        })
        .map_err(|e| format!("bill {}: {e}", bill.id))?;
        written.bills += 1;
    }
    Ok(written)
}

/// Prints a verification outcome: `ok: …` and exit 0, or `FAILED: …` and exit 1.
fn report(outcome: Result<String, String>) -> Result<ExitCode, String> {
    match outcome {
        Ok(summary) => {
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            println!("FAILED: {failure}");
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn demo_with_a_missing_signing_key_says_so_before_importing_anything() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("demo.db");
        let key = dir.path().join("no-such.key");
        let cli = Cli::try_parse_from([
            "palimpsest",
            "demo",
            "--database-url",
            &format!("sqlite://{}", database.display()),
            "--signing-key",
            &key.display().to_string(),
        ])
        .unwrap();
        let error = run(cli).await.unwrap_err();
        assert!(
            error.contains("cannot read the signing key") && error.contains("palimpsest keygen"),
            "{error}"
        );
        assert!(
            !database.exists(),
            "nothing was imported: the key is checked first"
        );
    }
}
