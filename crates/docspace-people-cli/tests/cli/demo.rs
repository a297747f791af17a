//! The main job: a status change on the demo portal and on a portal, with its report; a dry run.

use docspace_people_fake::{Endpoint, OWNER_EMAIL, TERMINATED_USER_EMAIL};

use crate::common::{Portal, leavers, path_str, run, temp};

#[test]
fn demo_terminates_the_leavers_and_reports_the_refused_owner() {
    let dir = temp();
    let report = dir.path().join("report.json");
    let leavers = leavers();
    let out = run(
        &[
            "--demo",
            "status",
            "set",
            "terminated",
            "--from",
            &leavers,
            "--report",
            path_str(&report),
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("DEMO portal"), "{}", out.stderr);
    assert!(
        out.stdout.contains("status Terminated: 7 users"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("owner@example.com"), "{}", out.stdout);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("a report")).expect("JSON");
    assert_eq!(json["dry_run"], false);
    assert_eq!(json["counts"]["changed"], 5);
    assert_eq!(json["counts"]["already_in_target"], 1);
    assert_eq!(json["counts"]["refused"], 1);
    assert_eq!(json["counts"]["failed"], 0);
    let users = json["users"].as_array().expect("users");
    assert_eq!(users.len(), 7);
    let owner = users
        .iter()
        .find(|u| u["input"] == OWNER_EMAIL)
        .expect("the owner's row");
    assert_eq!(owner["outcome"], "refused");
    assert!(
        owner["source"]
            .as_str()
            .unwrap_or_default()
            .ends_with("leavers.csv line 8")
    );
    assert!(owner["detail"].as_str().is_some_and(|d| !d.is_empty()));
    let victor = users
        .iter()
        .find(|u| u["input"] == TERMINATED_USER_EMAIL)
        .expect("the terminated user's row");
    assert_eq!(victor["outcome"], "already_in_target");
}

#[test]
fn status_change_against_a_portal_with_a_csv_report() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let report = dir.path().join("report.csv");
    let leavers = leavers();
    let noah = portal
        .portal
        .id_of("noah.fischer@example.com")
        .expect("noah");
    let noah = noah.to_string();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "status",
                "set",
                "terminated",
                // Noah again, by id: a duplicate, sent once.
                &noah,
                "--from",
                &leavers,
                "--report",
                path_str(&report),
                "--chunk-size",
                "3",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stdout.contains(&token) && !out.stderr.contains(&token));

    assert_eq!(portal.status_of("noah.fischer@example.com"), 2);
    assert_eq!(portal.status_of("maria.silva@contoso.example"), 2);
    assert_eq!(portal.status_of(OWNER_EMAIL), 1);

    let text = std::fs::read_to_string(&report).expect("a report");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["source", "input", "id", "outcome", "detail"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    // 1 argument + 7 lines: 7 distinct users and 1 duplicate.
    assert_eq!(rows.len(), 8, "{text}");
    let outcome_of = |input: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.get(1) == Some(input))
            .map(|r| r.get(3).unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(outcome_of(&noah), ["changed"]);
    assert_eq!(outcome_of("noah.fischer@example.com"), ["duplicate"]);
    assert_eq!(outcome_of(OWNER_EMAIL), ["refused"]);
    assert_eq!(outcome_of(TERMINATED_USER_EMAIL), ["already_in_target"]);
    // Users in input order (the argument, then the file's lines), the repeat last.
    let sources: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap_or_default()).collect();
    assert_eq!(sources[0], "argument 1", "{text}");
    let lines: Vec<u64> = sources[1..7]
        .iter()
        .map(|s| s.rsplit(' ').next().and_then(|n| n.parse().ok()).expect(s))
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
    assert_eq!(rows[7].get(3), Some("duplicate"));
    let updates = portal.portal.counters().endpoint(Endpoint::UpdateStatus);
    assert!(updates >= 2, "{updates} status requests");
}

#[test]
fn dry_run_sends_no_change() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let report = dir.path().join("plan.json");
    let before = portal.portal.snapshot();
    let leavers = leavers();
    let unknown = "00000000-0000-4000-8000-000000000001";
    let ethan = portal
        .portal
        .id_of("ethan.walker@example.com")
        .expect("ethan")
        .to_string();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "status",
                "set",
                "terminated",
                &ethan,
                unknown,
                "--from",
                &leavers,
                "--dry-run",
                "--report",
                path_str(&report),
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("nothing is sent"), "{}", out.stdout);
    assert!(
        out.stdout.contains("would be refused: the portal owner"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("6 would change"), "{}", out.stdout);
    assert!(out.stdout.contains("1 already in target"), "{}", out.stdout);
    assert!(out.stdout.contains("1 not found"), "{}", out.stdout);

    assert_eq!(
        portal.portal.snapshot(),
        before,
        "the dry run changed users"
    );
    let counters = portal.portal.counters();
    for endpoint in [
        Endpoint::UpdateStatus,
        Endpoint::UpdateType,
        Endpoint::UpdateQuota,
        Endpoint::ResetQuota,
    ] {
        assert_eq!(counters.endpoint(endpoint), 0, "{endpoint} was called");
    }
    // The ids given as UUIDs were read one by one.
    assert_eq!(counters.endpoint(Endpoint::GetUser), 2);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("a report")).expect("JSON");
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["requests"], 0);
    assert_eq!(json["counts"]["would_change"], 6);
    assert_eq!(json["users"][0]["input"], ethan.as_str());
    assert_eq!(json["users"][0]["outcome"], "would_change");
    assert_eq!(json["users"][1]["outcome"], "not_found");
}
