//! Reports and accounting: faults, Ctrl-C, an existing report, long tables, the daily limit.

use std::process::{Command, Stdio};

use docspace_people_fake::{DropMode, Endpoint, Faults, PortalConfig, ServerVersion, Trigger};

use crate::common::{BIN, CLI_CHANGES, Portal, check_cli_report, path_str, run, temp};

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_the_job_and_still_writes_the_accounting() {
    use std::time::{Duration, Instant};

    use docspace_people_fake::{Faults, Trigger};

    // Every change takes 150 ms; one user per request, one request at a time.
    let faults = Faults::none()
        .with_latency(Duration::from_millis(150), Trigger::Always)
        .writes_only();
    let portal = Portal::start_with(PortalConfig::demo().with_faults(faults));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let ids: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.status == 1 && !u.is_admin && !u.is_ldap)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(ids.len() > 20);
    let dir = temp();
    let report = dir.path().join("report.json");
    let mut args = vec![
        "--portal",
        &url,
        "--token",
        &token,
        "status",
        "set",
        "terminated",
        "--chunk-size",
        "1",
        "--concurrency",
        "1",
        "--report",
        path_str(&report),
    ];
    args.extend(ids.iter().map(String::as_str));
    let child = Command::new(BIN)
        .args(&args)
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    let started = Instant::now();
    while portal.portal.counters().endpoint(Endpoint::UpdateStatus) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no change was sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let output = child.wait_with_output().expect("the binary ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("Interrupted"), "{stderr}");
    assert!(stdout.contains("Cancelled"), "{stdout}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("a report")).expect("JSON");
    assert_eq!(json["cancelled"], true);
    let changed = json["counts"]["changed"].as_u64().unwrap_or_default();
    let failed = json["counts"]["failed"].as_u64().unwrap_or_default();
    assert!(changed >= 1, "{json}");
    assert!(failed >= 1, "{json}");
    // Every id is accounted for exactly once, and matches the portal.
    assert_eq!(json["users"].as_array().map(Vec::len), Some(ids.len()));
    assert_eq!(changed + failed, ids.len() as u64, "{json}");
    let terminated = portal
        .portal
        .snapshot()
        .iter()
        .filter(|u| u.status == 2 && ids.contains(&u.id.to_string()))
        .count();
    assert_eq!(terminated as u64, changed);
}

#[test]
fn an_existing_report_survives_a_failing_run_and_the_input_is_never_the_report() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let report = dir.path().join("report.json");
    std::fs::write(&report, "precious").expect("a file");
    let target = dir.path().join("kept.json");
    std::fs::write(&target, "kept").expect("a file");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).expect("a symlink");
    for path in [&report, &link] {
        let out = run(
            &[
                "--portal",
                &url,
                "--api-key",
                "sk-wrong",
                "status",
                "set",
                "terminated",
                "noah.fischer@example.com",
                "--report",
                path_str(path),
            ],
            "",
            dir.path(),
        );
        assert_eq!(out.code, 3, "{out:?}");
    }
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "precious");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());

    let input = dir.path().join("leavers.txt");
    std::fs::write(&input, "noah.fischer@example.com\n").expect("a file");
    let token = portal.portal.owner_token();
    portal.portal.reset_counters();
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
                "--report",
                path_str(&input),
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--from"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        "noah.fischer@example.com\n"
    );
    assert_eq!(portal.portal.request_count(), 0, "nothing sent");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "no temporary files left: {names:?}");
}

/// The CLI under faults on reads and writes, and with every write's answer lost: every line of
/// its report agrees with the portal, on 3.6 and 3.7, for status, type and quota.
#[test]
fn the_report_matches_the_portal_under_faults() {
    for version in [ServerVersion::V3_6, ServerVersion::V3_7] {
        for change in &CLI_CHANGES {
            let mixed = Faults::none()
                .with_dropped_connection(Trigger::Rate(0.3), DropMode::AfterHandling)
                .with_internal_server_error(Trigger::Rate(0.1))
                .with_too_many_requests(Trigger::Rate(0.1), 0);
            let changed = check_cli_report(version, change, mixed, "12");
            assert!(
                changed > 20,
                "{version} {:?}: {changed} changed",
                change.args
            );
            let lost = Faults::none()
                .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
                .writes_only();
            // As in the issue: no retries, so every change is found by reading back.
            check_cli_report(version, change, lost, "1");
        }
    }
}

#[test]
fn long_tables_are_cut_and_terminal_controls_escaped() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let unknown: Vec<String> = (1..=60u128)
        .map(|n| docspace_people::Uuid::from_u128(n).to_string())
        .collect();
    let mut args = vec!["status", "set", "terminated"];
    args.extend(unknown.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    // Sixty identical reasons are one line (the cut of long tables of different reasons is
    // the runner's unit test).
    assert_eq!(
        out.stdout.matches("no user has this id").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("60 users refused"), "{}", out.stdout);

    let hostile = dir.path().join("hostile.txt");
    std::fs::write(&hostile, "\u{1b}]0;pwned\u{7}\u{1b}[2J\n").expect("a file");
    let out = run(
        &portal.args(
            &url,
            &token,
            &["status", "set", "terminated", "--from", path_str(&hostile)],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(out.stderr.contains("\\u{1b}"), "{:?}", out.stderr);
}

#[test]
fn the_daily_limit_stops_a_run_with_its_own_exit_code_and_a_rerun_finishes_it() {
    let portal = Portal::start_with(PortalConfig::demo().with_extra_users(120).with_rate_limit(
        docspace_people_fake::RateLimit {
            writes_per_day: 5,
            ..docspace_people_fake::RateLimit::real()
        },
    ));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let ids: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.status == 1 && !u.is_owner && !u.is_admin && !u.is_ldap)
        .iter()
        .take(90)
        .map(ToString::to_string)
        .collect();
    let input = dir.path().join("targets.txt");
    std::fs::write(&input, ids.join("\n")).expect("a file");
    let report = dir.path().join("report.json");
    let args = [
        "status",
        "set",
        "terminated",
        "--from",
        path_str(&input),
        "--chunk-size",
        "10",
        "--concurrency",
        "1",
        "--report",
        path_str(&report),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stdout.contains("Stopped by the portal's rate limit"),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    // The seconds left in the portal's day, which began at the run's first request.
    let wait = json["stopped_by_limit"]["wait_seconds"].as_u64().unwrap();
    assert!((86_000..=86_400).contains(&wait), "{wait}");
    assert_eq!(json["counts"]["changed"], 50);

    portal.portal.next_day();
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["counts"]["already_in_target"], 50);
    assert_eq!(json["counts"]["changed"], 40);
    assert!(
        ids.iter()
            .all(|id| portal.portal.user(id.parse().unwrap()).unwrap().status == 2)
    );
}

#[test]
fn report_dash_writes_the_report_alone_to_stdout() {
    let dir = temp();
    let out = run(
        &[
            "--demo",
            "status",
            "set",
            "terminated",
            "user@example.com",
            "owner@example.com",
            "--report",
            "-",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 1, "the owner is refused: {out:?}");
    // Stdout is the JSON report and nothing else; the summary went to stderr.
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["counts"]["changed"], 1);
    assert_eq!(json["counts"]["refused"], 1);
    assert!(out.stderr.contains("changed"), "{}", out.stderr);
    assert!(!std::path::Path::new("-").exists(), "no file named -");
}
