//! `regen` and `regen --check` on a scratch copy of the workspace's spec.

use std::path::Path;

use xtask::regen::{OUTPUT, Outcome, SPEC, run, workspace_root};

fn scratch_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = std::fs::read_to_string(workspace_root().join(SPEC)).expect("spec");
    write(dir.path(), SPEC, &spec);
    std::fs::create_dir_all(dir.path().join(OUTPUT).parent().expect("parent")).expect("mkdir");
    dir
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn check_passes_after_regen_and_fails_with_a_diff_after_a_spec_edit() {
    let root = scratch_root();
    assert!(matches!(
        run(root.path(), true).unwrap(),
        Outcome::Stale { .. }
    ));
    assert_eq!(
        run(root.path(), false).unwrap(),
        Outcome::Written { changed: true }
    );
    assert_eq!(run(root.path(), true).unwrap(), Outcome::UpToDate);
    assert_eq!(
        run(root.path(), false).unwrap(),
        Outcome::Written { changed: false }
    );

    let spec = std::fs::read_to_string(root.path().join(SPEC)).unwrap();
    let edited = spec.replacen(
        "Sign in with a user name and password",
        "Sign in, edited",
        1,
    );
    assert_ne!(spec, edited);
    write(root.path(), SPEC, &edited);
    let Outcome::Stale { diff } = run(root.path(), true).unwrap() else {
        panic!("an edited spec must make --check fail");
    };
    assert!(
        diff.contains("-    /**Sign in with a user name and password"),
        "{diff}"
    );
    assert!(diff.contains("+    /**Sign in, edited"), "{diff}");
    assert!(diff.starts_with("--- "), "unified diff expected: {diff}");
}

#[test]
fn output_is_byte_identical_run_to_run() {
    let spec = workspace_root().join(SPEC);
    let first = xtask::regen::generate_from(&spec).unwrap();
    let second = xtask::regen::generate_from(&spec).unwrap();
    assert_eq!(first, second);
    assert!(first.starts_with(xtask::generate::HEADER));
}

#[test]
fn the_checked_in_file_is_what_the_spec_generates() {
    assert_eq!(run(&workspace_root(), true).unwrap(), Outcome::UpToDate);
}

#[test]
fn a_spec_progenitor_cannot_express_is_an_error_not_a_panic() {
    let root = scratch_root();
    // Two typed error bodies of different schemas in one operation make progenitor assert; the
    // generation step (not the raw-error rewrite, which would hide it) is exercised directly.
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: string}\n        '201':\n          description: also ok\n          content:\n            application/json:\n              schema: {type: integer}\n";
    write(root.path(), SPEC, text);
    let spec = xtask::spec::parse(text).unwrap();
    let err = xtask::generate::generate(&spec).unwrap_err();
    assert!(
        format!("{err:#}").contains("progenitor cannot generate"),
        "{err:#}"
    );
    let err = run(root.path(), false).unwrap_err();
    assert!(format!("{err:#}").contains("progenitor"), "{err:#}");
}

#[test]
fn a_broken_spec_names_the_file_and_line() {
    let root = scratch_root();
    write(root.path(), SPEC, "openapi: 3.0.3\ninfo:\n  title: [oops\n");
    let err = format!("{:#}", run(root.path(), true).unwrap_err());
    assert!(err.contains("docspace-people.yaml"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}
