//! `docspace-people`: a command-line tool for ONLYOFFICE DocSpace administrators.
//!
//! Find users, and change the status, type or storage quota of many users at once through the
//! bulk engine of the `docspace-people` crate, with a per-user report. `--demo` runs every
//! command against a fake portal started in-process. See `docspace-people --help`.
//!
//! Exit codes: 0 all good; 1 some user was refused, failed or unknown (or the output could not be
//! written); 2 bad input or usage, found before anything was sent; 3 authentication or
//! connection error before any change was sent; 4 the portal's rate limit stopped the run (run
//! it again at the time it prints).

#![allow(
    rustdoc::bare_urls,
    reason = "doc comments are the --help text, shown as written"
)]

mod cli;
mod commands;
mod config;
mod desired;
mod error;
mod journal;
mod outcomes;
mod output;
mod progress;
mod report;
mod seal;
mod select;
mod session;
mod settings;
mod targets;

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let mut cli = cli::parse();
    init_tracing(cli.global.verbose);
    seal::init(cli.global.config_dir.as_deref());
    if let Err(message) = cli.global.read_secrets() {
        eprintln!("error: {message}");
        return ExitCode::from(error::Kind::Usage.code());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(error::Kind::Failed.code());
        }
    };
    let result = runtime.block_on(commands::run(cli));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors quote input files and server messages: escape what a terminal would obey.
            eprintln!("error: {}", output::escape(&e.to_string(), true));
            e.exit_code()
        }
    }
}

/// Logs to stderr: warnings by default, more with each `-v`; `RUST_LOG` overrides.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a terminal only: a log file keeps plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(verbose > 1)
        .init();
}
