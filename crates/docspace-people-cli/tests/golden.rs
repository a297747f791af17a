//! Golden output of a few `--demo` commands: what an administrator sees on stdout. The demo
//! portal is seeded deterministically, so the output is stable; a change to it shows up as a
//! snapshot diff in review (`cargo insta review`).

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_docspace-people");

/// Runs the binary on the demo portal, with a private config directory, and returns stdout
/// and the exit code. stderr (the banner with its random port, the progress bar) is left out.
fn demo(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(BIN)
        .arg("--demo")
        .args(args)
        .env_remove("DOCSPACE_URL")
        .env_remove("DOCSPACE_TOKEN")
        .env_remove("DOCSPACE_API_KEY")
        .env_remove("RUST_LOG")
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .env("DOCSPACE_DATA_DIR", dir.path())
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("the binary runs");
    format!(
        "exit code: {}\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout)
    )
}

#[test]
fn users_list_of_guests() {
    insta::assert_snapshot!(demo(&["users", "list", "--type", "guest"]));
}

#[test]
fn users_list_on_workspace() {
    insta::assert_snapshot!(demo(&[
        "--demo-server",
        "workspace",
        "users",
        "list",
        "--limit",
        "8",
        "--sort-by",
        "email"
    ]));
}

#[test]
fn dry_run_of_the_leavers() {
    insta::assert_snapshot!(demo(&[
        "status",
        "set",
        "terminated",
        "--from",
        "examples/leavers.csv",
        "--dry-run"
    ]));
}

#[test]
fn terminating_the_leavers() {
    insta::assert_snapshot!(demo(&[
        "status",
        "set",
        "terminated",
        "--from",
        "examples/leavers.csv"
    ]));
}
