//! A dry run of more users than its table names: made and written a few bytes per user, with
//! the same outcomes, states and consequences as a small one.

use std::collections::HashMap;

use docspace_people_fake::PortalConfig;

use crate::common::{Portal, path_str, run, temp};

/// Targets past the dry run's naming limit (`WHOLE_USERS_LIMIT`, 10,000).
const USERS: usize = 10_050;

fn rows_of(report: &std::path::Path) -> HashMap<String, (String, String)> {
    let text = std::fs::read_to_string(report).expect("a report");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().expect("a header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, outcome, detail) = (column("id"), column("outcome"), column("detail"));
    rows.records()
        .map(|r| {
            let r = r.expect("a row");
            (
                r[id].to_owned(),
                (r[outcome].to_owned(), r[detail].to_owned()),
            )
        })
        .collect()
}

#[test]
fn a_large_dry_run_plans_every_user_without_naming_them() {
    let portal = Portal::start_with(PortalConfig::demo().with_extra_users(USERS));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let users = portal.portal.snapshot();
    let dir = temp();
    let input = dir.path().join("ids.txt");
    let mut ids: Vec<String> = users.iter().map(|u| u.id.to_string()).collect();
    let unknown = "00000000-0000-0000-0000-000000000063";
    ids.push(unknown.to_owned());
    std::fs::write(&input, ids.join("\n")).expect("a file");

    // A termination: the state now of each, who is already terminated, who is refused.
    let report = dir.path().join("terminate.csv");
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "status",
                "set",
                "terminated",
                "--from",
                path_str(&input),
                "--dry-run",
                "--report",
                path_str(&report),
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Names are shown for plans of up to 10000 users"),
        "{}",
        out.stderr
    );
    let rows = rows_of(&report);
    assert_eq!(rows.len(), ids.len());
    assert_eq!(rows[unknown].0, "not_found");
    for user in &users {
        let (outcome, _) = &rows[&user.id.to_string()];
        let expected = if user.status == 2 {
            "already_in_target"
        } else if user.is_owner || user.is_ldap {
            "would_be_refused"
        } else {
            "would_change"
        };
        assert_eq!(outcome, expected, "{user:?}");
    }
    let terminated = users.iter().filter(|u| u.status == 2).count();
    let line = format!("{terminated} already in target");
    assert!(
        out.stdout.contains(&line),
        "{line}: {}",
        out.stdout.lines().last().unwrap_or_default()
    );
    // The NOW column shows each user's status as read.
    let shown = out
        .stdout
        .lines()
        .filter(|l| l.contains("  terminated  "))
        .count();
    assert!(
        shown >= terminated,
        "{shown}: {}",
        out.stdout.lines().take(5).collect::<Vec<_>>().join("\n")
    );

    // A quota below what users store: each such user, counted and named in the report.
    let quota: i64 = 100_000_000; // "100MB": decimal megabytes
    let report = dir.path().join("quota.csv");
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "quota",
                "set",
                "100MB",
                "--from",
                path_str(&input),
                "--dry-run",
                "--report",
                path_str(&report),
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = rows_of(&report);
    let over = users
        .iter()
        .filter(|u| u.used_space > quota && u.quota != quota)
        .count();
    let read_only = rows
        .values()
        .filter(|(_, detail)| detail.contains("read-only"))
        .count();
    assert!(over > 1000, "{over}");
    for user in &users {
        let (_, detail) = &rows[&user.id.to_string()];
        let expected = user.used_space > quota && user.quota != quota;
        assert_eq!(detail.contains("read-only"), expected, "{user:?}: {detail}");
    }
    assert_eq!(read_only, over);
    let line = format!("{over} read only after");
    assert!(
        out.stdout.contains(&line),
        "{line}: {}",
        out.stdout.lines().last().unwrap_or_default()
    );
}

#[test]
fn a_large_run_by_e_mail_keeps_only_ids_and_changes_each_user() {
    let portal = Portal::start_with(PortalConfig::demo().with_extra_users(USERS));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let users: Vec<_> = portal
        .portal
        .snapshot()
        .into_iter()
        .filter(|u| !u.is_owner && !u.is_ldap)
        .collect();
    let dir = temp();
    let input = dir.path().join("emails.csv");
    let mut text = String::from("email\n");
    for user in &users {
        text.push_str(&user.email.to_uppercase());
        text.push('\n');
    }
    text.push_str("nobody@nowhere.example\n");
    std::fs::write(&input, text).expect("a file");
    let report = dir.path().join("run.csv");
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "status",
                "set",
                "terminated",
                "--from",
                path_str(&input),
                "--skip-unknown",
                "--yes",
                "--report",
                path_str(&report),
            ],
        ),
        "",
        dir.path(),
    );
    // The unknown address is refused: exit 1, everyone else settled.
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rows = rows_of(&report);
    for user in &users {
        let (outcome, _) = &rows[&user.id.to_string()];
        let expected = if user.status == 2 {
            "already_in_target"
        } else {
            "changed"
        };
        assert_eq!(outcome, expected, "{user:?}");
        assert_eq!(portal.portal.user(user.id).map(|u| u.status), Some(2));
    }
    assert!(
        out.stdout.contains("nobody@nowhere.example"),
        "{}",
        out.stdout
    );
}
