//! The `palimpsest` command: serve, demo, import, verify, token.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = api::cli::Cli::parse();
    api::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("palimpsest: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(api::cli::run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("palimpsest: {message}");
            ExitCode::FAILURE
        }
    }
}
