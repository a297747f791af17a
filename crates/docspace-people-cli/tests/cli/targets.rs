//! Input errors in the targets, found before anything is sent.

use docspace_people_fake::Endpoint;

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
            .contains("stdin line 3: no user has the email address `nobody@example.com`"),
        "{}",
        out.stderr
    );
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
