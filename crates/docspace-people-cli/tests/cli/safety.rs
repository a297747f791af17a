//! What the newest server source and the security campaign asked of the tool: a scoped API key
//! runs the commands, Workspace deletion needs its flag, journals are private and locked, and
//! credentials go only to a portal the user named.

use docspace_people_fake::seed::{SCOPED_API_KEY, USER_EMAIL};
use docspace_people_fake::{PortalConfig, ServerVersion};

use crate::common::{Portal, path_str, run, temp};

#[test]
fn a_key_scoped_to_accounts_lists_plans_and_changes() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let key = ["--portal", url.as_str(), "--api-key", SCOPED_API_KEY];
    let out = run(
        &[&key[..], &["users", "list", "--format", "json"]].concat(),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(USER_EMAIL), "{}", out.stdout);
    let change = ["status", "set", "terminated", USER_EMAIL];
    let out = run(
        &[&key[..], &change, &["--dry-run"]].concat(),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("1 would change"), "{}", out.stdout);
    assert!(out.stdout.contains("accounts.self:read"), "{}", out.stdout);
    let out = run(&[&key[..], &change, &["--yes"]].concat(), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.status_of(USER_EMAIL), 2);
}

#[test]
fn the_api_key_can_come_from_a_file_or_stdin_and_never_shows() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let file = dir.path().join("key");
    std::fs::write(&file, format!("{SCOPED_API_KEY}\n")).unwrap();
    let list = ["users", "list", "--format", "json"];
    let out = run(
        &[
            &["--portal", url.as_str(), "--api-key-file", path_str(&file)][..],
            &list,
        ]
        .concat(),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(USER_EMAIL), "{}", out.stdout);
    // From stdin: the first line is the key, the rest are the targets of --from -.
    let out = run(
        &[
            "--portal",
            url.as_str(),
            "--api-key-file",
            "-",
            "status",
            "set",
            "terminated",
            "--from",
            "-",
            "--dry-run",
        ],
        &format!("{SCOPED_API_KEY}\n{USER_EMAIL}\n"),
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("1 would change"), "{}", out.stdout);
    // An empty file is refused by name, and no key is ever printed.
    std::fs::write(&file, "\n").unwrap();
    let out = run(
        &[
            &["--portal", url.as_str(), "--api-key-file", path_str(&file)][..],
            &list,
        ]
        .concat(),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("holds no API key"), "{}", out.stderr);
    assert!(!out.stderr.contains(SCOPED_API_KEY) && !out.stdout.contains(SCOPED_API_KEY));
}

#[test]
fn deleting_on_workspace_needs_the_flag_that_says_documents_are_destroyed() {
    let portal =
        Portal::start_with(PortalConfig::demo().with_version(ServerVersion::Workspace12_7));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let offboard = ["offboard", USER_EMAIL, "--delete", "--yes"];
    let out = run(&portal.args(&url, &token, &offboard), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--destroy-documents"), "{}", out.stderr);
    assert_eq!(portal.status_of(USER_EMAIL), 1, "nothing was sent");
    assert!(portal.portal.destroyed_documents().is_empty());
    let with_flag = [&offboard[..], &["--destroy-documents"]].concat();
    let out = run(&portal.args(&url, &token, &with_flag), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.portal.destroyed_documents().len(), 1);
    assert!(portal.portal.user_by_email(USER_EMAIL).is_none());

    // With a receiver, each user's data moves first and nothing of theirs is destroyed.
    let leaver = "jacob.miller@example.com";
    let receiver = "nadia.haddad@example.com";
    let moved = [
        "offboard",
        leaver,
        "--reassign-to",
        receiver,
        "--delete",
        "--yes",
    ];
    let out = run(&portal.args(&url, &token, &moved), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(portal.portal.user_by_email(leaver).is_none(), "deleted");
    assert_eq!(
        portal.portal.destroyed_documents().len(),
        1,
        "only the first user's"
    );
}

#[cfg(unix)]
#[test]
fn journals_are_private_locked_and_credentials_stay_with_the_named_portal() {
    use std::os::unix::fs::PermissionsExt;
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let journal = dir.path().join("private").join("j.jsonl");
    let args = [
        "status",
        "set",
        "terminated",
        USER_EMAIL,
        "--yes",
        "--journal",
        path_str(&journal),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&journal), 0o600);
    assert_eq!(mode(journal.parent().unwrap()), 0o700);

    // A second run may not write into a journal another run holds.
    let held = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    held.lock().unwrap();
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("in use by another run"),
        "{}",
        out.stderr
    );
    drop(held);

    // `undo` with a token but no --portal: the journal's portal is not trusted with it.
    let out = run(
        &["undo", path_str(&journal), "--yes", "--token", &token],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--portal"), "{}", out.stderr);
    assert_eq!(portal.status_of(USER_EMAIL), 2, "nothing was undone");
    // Naming the portal sends them.
    let out = run(
        &[
            "undo",
            path_str(&journal),
            "--yes",
            "--portal",
            &url,
            "--token",
            &token,
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.status_of(USER_EMAIL), 1);
}

#[test]
fn an_edited_journal_is_detected_and_used_only_when_trusted() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let journal = dir.path().join("j.jsonl");
    let args = [
        "type",
        "set",
        "room-admin",
        USER_EMAIL,
        "--yes",
        "--journal",
        path_str(&journal),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    // Edited: the prior type of the user made DocSpaceAdmin, to promote them on undo.
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("\"mac\":\""), "sealed lines: {text}");
    let edited = text.replace("\"type\":\"User\"", "\"type\":\"DocSpaceAdmin\"");
    assert_ne!(edited, text, "the prior was found");
    std::fs::write(&journal, edited).unwrap();
    let undo = |extra: &[&str]| {
        let mut args = vec!["undo", path_str(&journal), "--yes"];
        args.extend_from_slice(extra);
        run(&portal.args(&url, &token, &args), "", dir.path())
    };
    let out = undo(&[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot be trusted"), "{}", out.stderr);
    assert_eq!(
        portal.portal.user_by_email(USER_EMAIL).unwrap().user_type,
        1,
        "nothing sent"
    );
    // `report` still reads it, with a warning.
    let out = run(&["report", path_str(&journal)], "", dir.path());
    assert!(out.stderr.contains("does not verify"), "{}", out.stderr);
    // A journal made with another key (another user's): refused the same way.
    let other = temp();
    let out = run(
        &portal.args(
            &url,
            &token,
            &["undo", path_str(&journal), "--yes", "--dry-run"],
        ),
        "",
        other.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn a_second_run_on_the_same_portal_is_warned_of_the_first() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use docspace_people_fake::{Faults, Trigger};

    let portal = Portal::start_with(
        PortalConfig::demo().with_faults(
            Faults::none()
                .with_latency(Duration::from_millis(200), Trigger::Always)
                .writes_only(),
        ),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap)
        .iter()
        .map(ToString::to_string)
        .collect();
    let first_journal = dir.path().join("first.jsonl");
    let mut args = portal.args(
        &url,
        &token,
        &[
            "status",
            "set",
            "terminated",
            "--yes",
            "--chunk-size",
            "1",
            "--concurrency",
            "1",
        ],
    );
    args.extend(["--journal", path_str(&first_journal)]);
    args.extend(ids.iter().skip(1).map(String::as_str));
    let mut first = Command::new(crate::common::BIN)
        .args(&args)
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .env("DOCSPACE_DATA_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    while !std::fs::read_to_string(&first_journal).is_ok_and(|t| t.contains("\"sending\"")) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the first run sends nothing"
        );
        std::thread::yield_now();
    }
    let second = run(
        &portal.args(&url, &token, &["status", "set", "active", &ids[0], "--yes"]),
        "",
        dir.path(),
    );
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second.stderr.contains("another run is changing users"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("first.jsonl"), "{}", second.stderr);
}
