//! `users list`: JSON, CSV, the demo portal, a failure mid-way.

use docspace_people_fake::{Faults, PortalConfig, Trigger};

use crate::common::{Portal, run, temp};

#[test]
fn users_list_as_json_and_csv() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let mut guests: Vec<String> = portal
        .portal
        .snapshot()
        .into_iter()
        .filter(|u| u.user_type == 2)
        .map(|u| u.email)
        .collect();
    guests.sort();

    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "users",
                "list",
                "--type",
                "guest",
                "--format",
                "json",
                "--sort-by",
                "email",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let users: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).expect("a JSON array");
    let emails: Vec<&str> = users.iter().filter_map(|u| u["email"].as_str()).collect();
    assert_eq!(emails, guests);
    assert!(users.iter().all(|u| u["type"] == "guest"));

    // More users than one page, streamed: every one of them.
    let out = run(
        &portal.args(&url, &token, &["users", "list", "--format", "csv"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let mut lines = out.stdout.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("id,display_name,email,type,status")),
        "{}",
        out.stdout
    );
    assert_eq!(lines.count(), portal.portal.user_count());

    let out = run(
        &portal.args(
            &url,
            &token,
            &["users", "list", "--limit", "3", "--status", "terminated"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("ID "), "{}", out.stdout);
    assert!(out.stdout.contains("3 users"), "{}", out.stdout);
    assert_eq!(
        out.stdout.matches("terminated").count(),
        3,
        "{}",
        out.stdout
    );
}

#[test]
fn users_list_on_the_demo_portal() {
    let dir = temp();
    let out = run(
        &[
            "--demo", "users", "list", "--text", "turner", "--format", "json",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let users: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["email"], "alex.turner@contoso.example");
}

#[test]
fn a_users_list_that_fails_on_page_two_prints_nothing() {
    let portal = Portal::start_with(
        PortalConfig::demo()
            .with_extra_users(150)
            .with_faults(Faults::none().with_internal_server_error(Trigger::EveryNth(2))),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    for format in ["json", "csv", "table"] {
        portal.portal.reset_counters();
        let out = run(
            &portal.args(
                &url,
                &token,
                &["--max-attempts", "1", "users", "list", "--format", format],
            ),
            "",
            dir.path(),
        );
        assert_eq!(out.code, 3, "{format}: {out:?}");
        assert!(
            out.stdout.is_empty(),
            "{format}: partial output {}",
            out.stdout
        );
        assert!(out.stderr.contains("500"), "{format}: {}", out.stderr);
    }
    // With retries (the default), the same faults are ridden out.
    let out = run(
        &portal.args(&url, &token, &["users", "list", "--format", "json"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let users: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        users.as_array().map(Vec::len),
        Some(portal.portal.user_count())
    );
}
