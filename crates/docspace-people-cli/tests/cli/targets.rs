//! Input errors in the targets, found before anything is sent.

use docspace_people_fake::Endpoint;

use docspace_people_fake::{Faults, PortalConfig};

use crate::common::{Portal, path_str, run, temp};

#[test]
fn malformed_targets_are_reported_by_line_before_anything_is_sent() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let file = dir.path().join("targets.txt");
    std::fs::write(
        &file,
        "# leavers\nnoah.fischer@example.com\n75a5f745-f697-4418-b38d-0fe0d277e25\n\nbob@example\n",
    )
    .expect("written");
    let report = dir.path().join("report.json");
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "status",
                "set",
                "terminated",
                "--from",
                path_str(&file),
                "--report",
                path_str(&report),
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("targets.txt line 3"), "{}", out.stderr);
    assert!(out.stderr.contains("not a valid user id"), "{}", out.stderr);
    assert!(out.stderr.contains("targets.txt line 5"), "{}", out.stderr);
    assert!(out.stderr.contains("`bob@example`"), "{}", out.stderr);
    assert!(!out.stderr.contains("line 2"), "{}", out.stderr);
    assert_eq!(portal.portal.request_count(), 0, "a request was sent");
    assert!(!report.exists(), "an empty report was left behind");
}

#[test]
fn an_unknown_email_fails_the_command_before_any_change() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let before = portal.portal.snapshot();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "status",
                "set",
                "terminated",
                "--from",
                "-",
                "--column",
                "Mail",
            ],
        ),
        "name,mail\nNoah,noah.fischer@example.com\nNobody,nobody@example.com\n",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("stdin line 3: `nobody@example.com`: no user has this email address"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--skip-unknown"), "{}", out.stderr);
    assert_eq!(portal.portal.snapshot(), before);
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateStatus), 0);
}

#[test]
fn csv_files_with_windows_line_ends_name_the_right_line() {
    let dir = temp();
    for (name, text) in [
        ("crlf.csv", "email\r\nuser@example.com\r\nbad-email\r\n"),
        ("lf.csv", "email\nuser@example.com\nbad-email\n"),
        (
            "quoted.csv",
            "email,note\r\nuser@example.com,\"two\r\nlines\"\r\n\r\nbad-email,x\r\n",
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let out = run(
            &[
                "--demo",
                "status",
                "set",
                "terminated",
                "--from",
                path_str(&file),
                "--dry-run",
            ],
            "",
            dir.path(),
        );
        assert_eq!(out.code, 2, "{out:?}");
        let line = if name == "quoted.csv" { 5 } else { 3 };
        assert!(
            out.stderr
                .contains(&format!("{name} line {line}: `bad-email`")),
            "{name}: {}",
            out.stderr
        );
    }
}

/// The report's rows by their input.
fn rows_by_input(report: &std::path::Path) -> std::collections::HashMap<String, serde_json::Value> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).expect("a report")).expect("JSON");
    json["users"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(json["skipped"].as_array().into_iter().flatten())
        .map(|row| {
            (
                row["input"].as_str().unwrap_or_default().to_owned(),
                row.clone(),
            )
        })
        .collect()
}

#[test]
fn skip_unknown_sends_the_others_and_reports_each_unknown_input_with_its_line() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let file = dir.path().join("leavers.csv");
    std::fs::write(
        &file,
        "name,email\r\nNoah,noah.fischer@example.com\r\nNobody,nobody@example.com\r\nBlank,\r\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let base = ["status", "set", "terminated", "--from", path_str(&file)];

    // The dry run shows the whole plan even without the flag.
    let mut dry = base.to_vec();
    dry.push("--dry-run");
    let out = run(&portal.args(&url, &token, &dry), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("no user has this email address"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("the `email` column is empty"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--skip-unknown"), "{}", out.stdout);

    let mut args = base.to_vec();
    args.extend(["--skip-unknown", "--report", path_str(&report)]);
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "refused inputs are trouble: {out:?}");
    assert_eq!(
        portal.status_of("noah.fischer@example.com"),
        2,
        "the known user is changed"
    );
    let rows = rows_by_input(&report);
    assert_eq!(rows["noah.fischer@example.com"]["outcome"], "changed");
    let nobody = &rows["nobody@example.com"];
    assert_eq!(nobody["outcome"], "refused", "{nobody}");
    assert_eq!(nobody["source"], format!("{} line 3", file.display()));
    let blank = &rows[""];
    assert_eq!(blank["outcome"], "refused", "{blank}");
    assert_eq!(blank["source"], format!("{} line 4", file.display()));
    assert!(
        out.stdout.contains("nobody@example.com"),
        "listed: {}",
        out.stdout
    );
}

#[test]
fn an_address_whose_look_up_fails_is_reported_failed_and_resume_looks_it_up_again() {
    // 550 users: the two addresses are searched one by one, and one search always fails.
    let flaky = "noah.fischer@example.com";
    let portal = Portal::start_with(
        PortalConfig::demo()
            .with_extra_users(500)
            .with_faults(Faults::none().with_failing_value(flaky)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let journal = dir.path().join("run.jsonl");
    let report = dir.path().join("report.json");
    let other = "lucas.moreau@example.com";
    let args = [
        "--max-attempts",
        "2",
        "status",
        "set",
        "terminated",
        flaky,
        other,
        "--journal",
        path_str(&journal),
        "--report",
        path_str(&report),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(portal.status_of(other), 2, "the other user is changed");
    assert_eq!(portal.status_of(flaky), 1, "the unsettled one is not");
    let rows = rows_by_input(&report);
    assert_eq!(rows[flaky]["outcome"], "failed", "{}", rows[flaky]);
    assert!(
        rows[flaky]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("could not look up"),
        "{}",
        rows[flaky]
    );

    portal.portal.set_faults(Faults::none());
    let out = run(
        &portal.args(&url, &token, &["resume", path_str(&journal)]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        portal.status_of(flaky),
        2,
        "resume looked the address up and sent it"
    );
}

#[test]
fn semicolon_separated_and_empty_csv_files() {
    let dir = temp();
    let semicolons = dir.path().join("excel.csv");
    std::fs::write(&semicolons, "name;email\nNoah;noah.fischer@example.com\n").unwrap();
    let out = run(
        &[
            "--demo",
            "status",
            "set",
            "terminated",
            "--from",
            path_str(&semicolons),
            "--dry-run",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("separated by semicolons"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("noah.fischer@example.com"),
        "{}",
        out.stdout
    );

    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let out = run(
        &[
            "--demo",
            "status",
            "set",
            "terminated",
            "--from",
            path_str(&empty),
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("empty.csv is empty"), "{}", out.stderr);
    let header_only = dir.path().join("header.csv");
    std::fs::write(&header_only, "email\n").unwrap();
    let out = run(
        &[
            "--demo",
            "status",
            "set",
            "terminated",
            "--from",
            path_str(&header_only),
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("header.csv lists no users"),
        "{}",
        out.stderr
    );
}
