//! `cargo xtask <task>`: see `cargo xtask help`.

use std::process::ExitCode;

use xtask::regen::{self, Outcome};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  regen            regenerate crates/docspace-people-gen/src/generated.rs from openapi/docspace-people.yaml
  regen --check    exit 1 with a unified diff if the checked-in file is not what the spec generates
  help             show this
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["regen"] => regen_command(false),
        ["regen", "--check"] => regen_command(true),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("unknown arguments {args:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn regen_command(check: bool) -> ExitCode {
    let root = regen::workspace_root();
    match regen::run(&root, check) {
        Ok(Outcome::Written { changed: true }) => {
            println!("wrote {} from {}", regen::OUTPUT, regen::SPEC);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Written { changed: false }) => {
            println!("{} is up to date with {}", regen::OUTPUT, regen::SPEC);
            ExitCode::SUCCESS
        }
        Ok(Outcome::UpToDate) => {
            println!("{} matches {}", regen::OUTPUT, regen::SPEC);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Stale { diff }) => {
            print!("{diff}");
            eprintln!(
                "\n{} is not what {} generates: run `cargo xtask regen` and review the snapshots",
                regen::OUTPUT,
                regen::SPEC
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
