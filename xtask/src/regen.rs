//! `cargo xtask regen [--check]`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The workspace root, found from this crate's location so the task works from any directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
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
    Written { changed: bool },
    /// `--check`: the file matches the spec.
    UpToDate,
    /// `--check`: the file differs; the unified diff from the checked-in file to the expected one.
    Stale { diff: String },
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
