//! The journal: `resume` after a stop or a kill, and `undo`.

use std::process::{Command, Stdio};

use docspace_people_fake::{Endpoint, Faults, PortalConfig, Trigger};

use crate::common::{
    BIN, Portal, failing_writes, journal_of, path_str, plain_ids, run, run_on_terminal, temp,
};

#[test]
fn a_stopped_run_resumes_from_its_journal_and_undo_takes_it_back() {
    let portal = Portal::start_with(PortalConfig::demo().with_extra_users(120).with_rate_limit(
        docspace_people_fake::RateLimit {
            writes_per_day: 4,
            ..docspace_people_fake::RateLimit::real()
        },
    ));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.status == 1 && !u.is_owner && !u.is_admin && !u.is_ldap)
        .iter()
        .take(70)
        .map(ToString::to_string)
        .collect();
    let input = dir.path().join("targets.txt");
    std::fs::write(&input, ids.join("\n")).expect("a file");
    let run_args = [
        "status",
        "set",
        "terminated",
        "--from",
        path_str(&input),
        "--chunk-size",
        "10",
        "--concurrency",
        "1",
    ];
    let out = run(&portal.args(&url, &token, &run_args), "", dir.path());
    assert_eq!(out.code, 4, "{out:?}");
    let journal = journal_of(&out.stderr);
    assert!(
        journal.starts_with(dir.path().join("journals")),
        "{journal:?}"
    );
    let terminated = |ids: &[String]| {
        ids.iter()
            .filter(|id| portal.portal.user(id.parse().unwrap()).unwrap().status == 2)
            .count()
    };
    assert_eq!(terminated(&ids), 40);

    // The report can be made from the journal, without the portal.
    let from_journal = dir.path().join("from-journal.json");
    let out = run(
        &[
            "report",
            path_str(&journal),
            "--report",
            path_str(&from_journal),
        ],
        "",
        dir.path(),
    );
    // The journal says the run was stopped by the daily limit, with the same exit code.
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stdout.contains("from the journal"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Stopped by the portal's rate limit"),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&from_journal).unwrap()).unwrap();
    assert_eq!(json["counts"]["changed"], 40);
    assert_eq!(json["counts"]["failed"], 30);

    // The next day, resume sends only the 30 users whose outcome is not known.
    portal.portal.next_day();
    portal.portal.reset_counters();
    let resume = ["resume", path_str(&journal)];
    let out = run(&portal.args(&url, &token, &resume), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("for 30 of 70 users"), "{}", out.stderr);
    assert_eq!(terminated(&ids), 70);
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateStatus), 1);
    let out = run(&portal.args(&url, &token, &resume), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Nothing to resume"), "{}", out.stdout);

    // Undo: a dry run shows the plan; the real one restores everyone the runs changed.
    let undo = ["undo", path_str(&journal), "--dry-run"];
    let out = run(&portal.args(&url, &token, &undo), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("status Active: 70 users"),
        "{}",
        out.stdout
    );
    // One row per user, as every other dry run shows it.
    assert!(out.stdout.contains("WOULD RESTORE"), "{}", out.stdout);
    for id in &ids {
        assert!(out.stdout.contains(id.as_str()), "{id} in {}", out.stdout);
    }
    assert_eq!(terminated(&ids), 70);
    portal.portal.next_day();
    let undo = ["undo", path_str(&journal), "--chunk-size", "100"];
    let out = run(&portal.args(&url, &token, &undo), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(terminated(&ids), 0);
}

#[test]
fn a_run_killed_mid_way_resumes_to_the_right_state() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_extra_users(150).with_faults(
            Faults::none()
                .with_latency(std::time::Duration::from_millis(150), Trigger::Always)
                .writes_only(),
        ),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.status == 1 && !u.is_owner && !u.is_admin && !u.is_ldap)
        .iter()
        .take(100)
        .map(ToString::to_string)
        .collect();
    let input = dir.path().join("targets.txt");
    std::fs::write(&input, ids.join("\n")).expect("a file");
    let journal = dir.path().join("run.jsonl");
    let reports = tempfile::tempdir().expect("a directory");
    let report = reports.path().join("report.json");
    let mut args = portal.args(
        &url,
        &token,
        &[
            "status",
            "set",
            "terminated",
            "--from",
            path_str(&input),
            "--chunk-size",
            "5",
            "--concurrency",
            "1",
            "--journal",
            path_str(&journal),
            "--report",
            path_str(&report),
        ],
    );
    args.push("--yes");
    let mut child = Command::new(BIN)
        .args(&args)
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    // Wait for the condition (some outcomes journaled), not for a time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let users = std::fs::read_to_string(&journal)
            .map(|t| t.matches("\"kind\":\"user\"").count())
            .unwrap_or(0);
        if users >= 10 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run journals nothing"
        );
        std::thread::yield_now();
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // A run that dies leaves no temporary report behind (it is made only at the end).
    let left: Vec<_> = std::fs::read_dir(reports.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    let done_before = ids
        .iter()
        .filter(|id| portal.portal.user(id.parse().unwrap()).unwrap().status == 2)
        .count();
    assert!(done_before < ids.len(), "killed mid-way: {done_before}");

    portal.portal.set_faults(Faults::none());
    let out = run(
        &portal.args(&url, &token, &["resume", path_str(&journal)]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        ids.iter()
            .all(|id| portal.portal.user(id.parse().unwrap()).unwrap().status == 2)
    );
    // The journal and the portal agree: every user's last outcome is changed or already so.
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut last = std::collections::HashMap::new();
    for line in text.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
            && v["kind"] == "user"
        {
            last.insert(
                v["id"].as_str().unwrap().to_owned(),
                v["outcome"].as_str().unwrap().to_owned(),
            );
        }
    }
    assert_eq!(last.len(), ids.len());
    assert!(
        last.values()
            .all(|o| o == "changed" || o == "already_in_target"),
        "{last:?}"
    );
}

/// Issue 18's reproduction: the change is applied, its answer dropped, and the run killed while
/// it retries. The write-ahead record makes the user unknown (not "not sent") in the report,
/// and `undo` restores them.
#[test]
fn a_change_applied_but_not_settled_is_unknown_and_undone() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_faults(
            Faults::none()
                .with_dropped_connection(
                    Trigger::Always,
                    docspace_people_fake::DropMode::AfterHandling,
                )
                .writes_only(),
        ),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let journal = dir.path().join("kj.jsonl");
    let user = docspace_people_fake::seed::USER_EMAIL;
    let mut args = portal.args(
        &url,
        &token,
        &[
            "status",
            "set",
            "terminated",
            user,
            "--journal",
            path_str(&journal),
        ],
    );
    args.extend(["--yes", "--max-attempts", "100"]);
    let mut child = Command::new(BIN)
        .args(&args)
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    // Wait for the condition: the portal holds the change (its answer was dropped).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while portal.status_of(user) != 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the change never arrived"
        );
        std::thread::yield_now();
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    portal.portal.set_faults(Faults::none());

    let out = run(&["report", path_str(&journal)], "", dir.path());
    assert!(out.stdout.contains("unknown"), "{out:?}");
    assert!(!out.stdout.contains("not sent"), "{out:?}");
    let out = run(
        &portal.args(&url, &token, &["undo", path_str(&journal), "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(portal.status_of(user), 1, "restored");
}

/// `undo` leaves alone a user changed after the run, and says so, in the dry run too.
#[test]
fn undo_skips_users_changed_since_the_run() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let journal = dir.path().join("j.jsonl");
    let (user, guest) = (
        docspace_people_fake::seed::USER_EMAIL,
        docspace_people_fake::seed::GUEST_EMAIL,
    );
    let args = [
        "status",
        "set",
        "terminated",
        user,
        guest,
        "--yes",
        "--journal",
        path_str(&journal),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    // A later decision: the guest is enabled again by someone else.
    let out = run(
        &portal.args(&url, &token, &["status", "set", "active", guest, "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let undo = |extra: &[&str]| {
        let mut args = vec!["undo", path_str(&journal), "--yes"];
        args.extend_from_slice(extra);
        run(&portal.args(&url, &token, &args), "", dir.path())
    };
    let out = undo(&["--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("changed since the run"),
        "{}",
        out.stdout
    );
    let out = undo(&[]);
    assert_eq!(out.code, 1, "one user not undone: {out:?}");
    assert_eq!(portal.status_of(user), 1, "restored");
    assert_eq!(
        portal.status_of(guest),
        1,
        "left as the later decision made it"
    );
}

/// One Ctrl-C stops the whole undo: the next kind of restore does not start.
#[test]
fn one_ctrl_c_stops_the_whole_undo() {
    use std::time::{Duration, Instant};

    let portal =
        Portal::start_with(PortalConfig::demo().with_job_duration(Duration::from_millis(300)));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let journal = dir.path().join("promote.jsonl");
    let pick = |user_type: i32| -> Vec<String> {
        portal
            .portal
            .user_ids_where(|u| u.status == 1 && u.user_type == user_type && !u.is_ldap)
            .iter()
            .take(3)
            .map(ToString::to_string)
            .collect()
    };
    let (guests, users) = (pick(2), pick(4));
    let mut args = vec![
        "type",
        "set",
        "room-admin",
        "--yes",
        "--journal",
        path_str(&journal),
    ];
    args.extend(guests.iter().chain(&users).map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");

    // Undo: "type guest" (three jobs, one at a time), then "type user".
    let undo_journal = dir.path().join("u.jsonl");
    let undo = portal.args(
        &url,
        &token,
        &[
            "undo",
            path_str(&journal),
            "--yes",
            "--journal",
            path_str(&undo_journal),
        ],
    );
    let child = Command::new(BIN)
        .args(&undo)
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    while portal.portal.counters().endpoint(Endpoint::StartTypeJob) < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no job started"
        );
        std::thread::yield_now();
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let output = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not started"), "{stderr}");
    // The second kind of restore never started: the users are still room admins.
    for id in &users {
        assert_eq!(
            portal.portal.user(id.parse().unwrap()).unwrap().user_type,
            1
        );
    }
}

#[test]
fn resume_asks_on_a_terminal_and_has_a_dry_run() {
    // Every write fails: the run leaves 25 users to resume.
    let portal = failing_writes();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids = plain_ids(&portal, 25);
    let journal = dir.path().join("run.jsonl");
    let mut args = vec!["--max-attempts", "1", "status", "set", "terminated"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(["--journal", path_str(&journal)]);
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    portal.portal.set_faults(Faults::none());
    let terminated = || {
        portal
            .portal
            .user_ids_where(|u| u.status == 2 && ids.contains(&u.id.to_string()))
            .len()
    };
    assert_eq!(terminated(), 0);

    let resume = portal.args(&url, &token, &["resume", path_str(&journal)]);
    let out = run_on_terminal(&resume, "Continue? [y/N]", "n", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.contains("About to"), "{}", out.stdout);
    assert!(out.stdout.contains("not confirmed"), "{}", out.stdout);
    assert_eq!(terminated(), 0, "a no sends nothing");

    let dry = portal.args(&url, &token, &["resume", path_str(&journal), "--dry-run"]);
    let out = run(&dry, "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout.matches("would change").count(),
        26,
        "a row per user and the counts: {}",
        out.stdout
    );
    assert_eq!(terminated(), 0, "a dry run sends nothing");

    let out = run_on_terminal(&resume, "Continue? [y/N]", "y", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(terminated(), 25, "a yes sends the users left");
}
