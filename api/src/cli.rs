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
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address and port to listen on
    #[arg(long, env = "PALIMPSEST_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API
    Serve(ServeArgs),
    /// Import the bundled République numérique history when the database is empty, then serve
    Demo(ServeArgs),
    /// Import the République numérique history (bundled, or from a folder with the same layout)
    Import {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Folder holding bill-history/, consultation/ and article9/ (default: the bundled copy)
        path: Option<PathBuf>,
    },
    /// Recompute every hash chain and check the global log; exit 1 naming the first bad event
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
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

/// Runs a parsed command line; `Err` is a one-line message for stderr.
pub async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve(args) => {
            let store = open(&args.database).await?;
            crate::server::serve(store, args.listen).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let store = open(&args.database).await?;
            if store.log_size().await.map_err(|e| e.to_string())? == 0 {
                eprintln!("palimpsest: empty database, importing the bundled République numérique history…");
                let report = import::import_bundled(&store)
                    .await
                    .map_err(|e| e.to_string())?;
                eprintln!("palimpsest: {report}");
            }
            crate::server::serve(store, args.listen).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { database, path } => {
            let store = open(&database).await?;
            let report = match path {
                None => import::import_bundled(&store).await,
                Some(folder) => import::import_folder(&store, &folder).await,
            }
            .map_err(|e| e.to_string())?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { database } => {
            let store = open(&database).await?;
            match verify_database(&store).await {
                Ok(report) => {
                    println!("{report}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(failure) => {
                    println!("FAILED: {failure}");
                    Ok(ExitCode::from(1))
                }
            }
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
