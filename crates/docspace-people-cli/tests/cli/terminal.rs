//! What a person sees on a terminal: progress phases, summaries, widths and colours.

use std::time::Duration;

use docspace_people_fake::{Faults, PortalConfig, Trigger};

use crate::common::{Portal, failing_writes, plain_ids, run, run_on_terminal, temp};

/// A portal slow enough (every request 300 ms late) for the progress to be drawn.
fn slow_portal() -> Portal {
    Portal::start_with(
        PortalConfig::demo()
            .with_faults(Faults::none().with_latency(Duration::from_millis(300), Trigger::Always)),
    )
}

#[test]
fn reading_is_its_own_phase_and_users_list_shows_it_pages() {
    let portal = slow_portal();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids = plain_ids(&portal, 3);
    let mut args = vec!["status", "set", "terminated", "--yes"];
    args.extend(ids.iter().map(String::as_str));
    let out = run_on_terminal(
        &portal.args(&url, &token, &args),
        "never asked",
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("reading the users' states"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("0/0"), "no empty bar: {}", out.stdout);

    let out = run_on_terminal(
        &portal.args(&url, &token, &["users", "list"]),
        "never asked",
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Listing users"), "{}", out.stdout);
    // Not on a terminal: no progress at all.
    let out = run(
        &portal.args(&url, &token, &["users", "list"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("Listing users"), "{}", out.stderr);
}

#[test]
fn identical_reasons_are_one_line_and_the_last_line_is_the_next_command() {
    let portal = failing_writes();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids = plain_ids(&portal, 25);
    let journal = dir.path().join("run 1.jsonl");
    let mut args = vec!["--max-attempts", "1", "status", "set", "terminated"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(["--journal", journal.to_str().unwrap()]);
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    let failed_lines = out.stdout.lines().filter(|l| l.contains("failed")).count();
    assert!(
        failed_lines <= 3,
        "25 identical failures in one line, not 25 rows: {}",
        out.stdout
    );
    assert!(out.stdout.contains("25 users failed"), "{}", out.stdout);
    let last = out.stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("Next: docspace-people resume '{}'", journal.display()),
        "{}",
        out.stdout
    );
}

#[test]
fn tables_fit_the_terminal_and_logs_are_coloured_only_there() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids = plain_ids(&portal, 3);
    let file = dir
        .path()
        .join("a-rather-long-directory-name-for-the-leavers-file.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let args = [
        "status",
        "set",
        "terminated",
        "--from",
        file.to_str().unwrap(),
        "--dry-run",
    ];
    let out = run_on_terminal(
        &portal.args(&url, &token, &args),
        "never asked",
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Lines of"), "{}", out.stdout);
    assert!(
        !out.stdout.contains(&ids[0]),
        "ids shortened: {}",
        out.stdout
    );
    assert!(out.stdout.contains(&ids[0][..8]), "{}", out.stdout);
    let rows: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("line "))
        .collect();
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    assert!(
        rows.iter().all(|l| l.trim_end().chars().count() <= 80),
        "{}",
        out.stdout
    );
    // Piped, every character stays.
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert!(out.stdout.contains(&ids[0]), "{}", out.stdout);

    let mut verbose = vec!["-vv"];
    verbose.extend(args);
    let out = run(&portal.args(&url, &token, &verbose), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.is_empty());
    assert!(
        !out.stderr.contains('\u{1b}'),
        "no colours in a file: {}",
        out.stderr
    );
}
