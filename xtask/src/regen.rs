//! `cargo xtask regen [--check]`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The workspace root: the parent of the `xtask` package directory that `cargo run` names in
/// `CARGO_MANIFEST_DIR` at run time, so that a binary built in one checkout and run from
/// another (sharing a target directory) works on the checkout it is run in. Without cargo, the
/// current directory's workspace is found with `cargo locate-project`.
pub fn workspace_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let dir = PathBuf::from(dir);
        if let Some(parent) = dir.parent() {
            return parent.to_path_buf();
        }
    }
    let located =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["locate-project", "--workspace", "--message-format", "plain"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|text| PathBuf::from(text.trim()));
    match located.as_deref().and_then(Path::parent) {
        Some(root) => root.to_path_buf(),
        None => PathBuf::from("."),
    }
}

/// Where the spec lives, relative to the workspace root.
pub const SPEC: &str = "openapi/docspace-people.yaml";
/// Where the generated code goes, relative to the workspace root.
pub const OUTPUT: &str = "crates/docspace-people-gen/src/generated.rs";

/// Generates the code for the spec at `spec_path`.
pub fn generate_from(spec_path: &Path) -> Result<String> {
    let mut spec = crate::spec::load(spec_path)?;
    crate::spec::prepare_for_generation(&mut spec);
    crate::generate::generate(&spec)
}

/// What a `regen` run found.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The file was written (or already matched, when `changed` is false).
    Written {
        /// Whether the file differed from what was there.
        changed: bool,
    },
    /// `--check`: the file matches the spec.
    UpToDate,
    /// `--check`: the file differs; the unified diff from the checked-in file to the expected one.
    Stale {
        /// The unified diff.
        diff: String,
    },
}

/// Regenerates (or with `check`, compares) the generated file under `root`.
pub fn run(root: &Path, check: bool) -> Result<Outcome> {
    let expected = generate_from(&root.join(SPEC))?;
    let output = root.join(OUTPUT);
    let current = match std::fs::read_to_string(&output) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", output.display())),
    };
    if check {
        return Ok(match current {
            Some(current) if current == expected => Outcome::UpToDate,
            current => Outcome::Stale {
                diff: similar::TextDiff::from_lines(current.as_deref().unwrap_or(""), &expected)
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("{OUTPUT} (checked in)"),
                        &format!("{OUTPUT} (from {SPEC})"),
                    )
                    .to_string(),
            },
        });
    }
    let changed = current.as_deref() != Some(expected.as_str());
    if changed {
        std::fs::write(&output, &expected)
            .with_context(|| format!("cannot write {}", output.display()))?;
    }
    Ok(Outcome::Written { changed })
}
