//! End-to-end tests: the built `docspace-people` binary against the in-process demo portal
//! (`--demo`) and against a fake portal started here (`--portal` and `--token`), checking
//! stdout, stderr, report files, the portal's state and the exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use docspace_people_fake::{
    DropMode, Endpoint, FakePortal, Faults, OWNER_API_KEY, OWNER_EMAIL, OWNER_PASSWORD,
    PortalConfig, ServerVersion, TERMINATED_USER_EMAIL, Trigger,
};

const BIN: &str = env!("CARGO_BIN_EXE_docspace-people");

/// What a run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with a private config directory and none of the DOCSPACE_* variables of
/// the environment, feeding `stdin`.
fn run(args: &[&str], stdin: &str, config_dir: &Path) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("DOCSPACE_URL")
        .env_remove("DOCSPACE_TOKEN")
        .env_remove("DOCSPACE_API_KEY")
        .env_remove("DOCSPACE_PASSWORD")
        .env_remove("DOCSPACE_PROFILE")
        .env_remove("RUST_LOG")
        .env("DOCSPACE_CONFIG_DIR", config_dir)
        .env("DOCSPACE_DATA_DIR", config_dir)
        .stdin(if stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(mut pipe) = child.stdin.take() {
        // The binary may end (a usage error, say) before reading its input: a closed pipe is
        // its choice, not a failure of the test.
        match pipe.write_all(stdin.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
            _ => {}
        }
    }
    let output = child.wait_with_output().expect("the binary ends");
    Run {
        code: output.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// A fake portal served by its own runtime while the test thread runs the binary.
struct Portal {
    portal: FakePortal,
    _runtime: tokio::runtime::Runtime,
}

impl Portal {
    fn start() -> Portal {
        Portal::start_with(PortalConfig::demo())
    }

    fn start_with(config: PortalConfig) -> Portal {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let portal = {
            let _guard = runtime.enter();
            FakePortal::start(config).expect("the portal starts")
        };
        Portal {
            portal,
            _runtime: runtime,
        }
    }

    /// `--portal URL --token OWNER_TOKEN` followed by `args`.
    fn args<'a>(&'a self, url: &'a str, token: &'a str, args: &[&'a str]) -> Vec<&'a str> {
        let _ = self;
        let mut all = vec!["--portal", url, "--token", token];
        all.extend_from_slice(args);
        all
    }

    fn status_of(&self, email: &str) -> i32 {
        self.portal
            .user_by_email(email)
            .expect("a seeded user")
            .status
    }
}

fn leavers() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("leavers.csv")
        .display()
        .to_string()
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

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
fn a_bad_size_is_refused_before_anything_is_sent() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let out = run(
        &portal.args(
            &url,
            &token,
            &["quota", "set", "10 parsecs", "noah.fischer@example.com"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("unknown unit"), "{}", out.stderr);
    assert_eq!(portal.portal.request_count(), 0);
}

#[test]
fn quota_set_and_reset_go_through() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let out = run(
        &portal.args(
            &url,
            &token,
            &[
                "quota",
                "set",
                "3GiB",
                "noah.fischer@example.com",
                "lena.hoffmann@example.com",
            ],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let noah = portal
        .portal
        .user_by_email("noah.fischer@example.com")
        .expect("noah");
    assert_eq!(noah.custom_quota, Some(3 << 30));

    let out = run(
        &portal.args(
            &url,
            &token,
            &["quota", "reset", "noah.fischer@example.com"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let noah = portal
        .portal
        .user_by_email("noah.fischer@example.com")
        .expect("noah");
    assert_eq!(noah.custom_quota, None);
}

#[test]
fn a_rejected_token_is_an_auth_error_before_any_change() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let out = run(
        &portal.args(
            &url,
            "not-a-valid-token",
            &["status", "set", "terminated", "noah.fischer@example.com"],
        ),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateStatus), 0);
}

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
fn an_api_key_works_and_goes_with_no_token() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let list = ["users", "list", "--limit", "2", "--format", "json"];
    let mut args = vec!["--portal", url.as_str(), "--api-key", OWNER_API_KEY];
    args.extend(list);
    let out = run(&args, "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains(OWNER_API_KEY) && !out.stderr.contains(OWNER_API_KEY));

    args.extend(["--token", "t"]);
    let out = run(&args, "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("only one"), "{}", out.stderr);
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
fn login_stores_a_private_token_used_by_later_commands() {
    let portal = Portal::start();
    let url = portal.portal.base_url();
    let dir = temp();
    let config_dir = dir.path().join("config");
    let config_file: PathBuf = config_dir.join("config.json");

    let out = run(
        &[
            "login",
            "--portal",
            &url,
            "--user",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        &format!("{OWNER_PASSWORD}\n"),
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(path_str(&config_file)),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(OWNER_PASSWORD) && !out.stderr.contains(OWNER_PASSWORD));
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_file).expect("a config file"))
            .expect("JSON");
    assert_eq!(stored["portal"], url.as_str());
    let token = stored["token"].as_str().expect("a token");
    assert!(!token.is_empty());
    assert!(!out.stdout.contains(token) && !out.stderr.contains(token));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config_file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    // Later commands use the stored portal and token.
    let out = run(
        &["users", "list", "--limit", "1", "--format", "json"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&out.stdout)
            .expect("JSON")
            .len(),
        1
    );
    // ... but never send it to another portal.
    let out = run(
        &["--portal", "http://127.0.0.1:9", "users", "list"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("no credentials"), "{}", out.stderr);

    // A wrong password is an auth error, and the stored token stays.
    let out = run(
        &[
            "login",
            "--portal",
            &url,
            "--user",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        "wrong password\n",
        &config_dir,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(config_file.exists());

    let out = run(&["logout"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!config_file.exists());
    let out = run(&["users", "list"], "", &config_dir);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = temp();
    for args in [
        &["--demo", "status", "set", "terminated"][..],
        &["--demo", "status", "set", "pending", "x@example.com"],
        &[
            "--demo",
            "login",
            "--user",
            "a@example.com",
            "--password-stdin",
        ],
        &[
            "--demo",
            "type",
            "set",
            "user",
            "--from",
            "/nonexistent/file.txt",
        ],
    ] {
        let out = run(args, "secret\n", dir.path());
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("error"), "{args:?}: {out:?}");
    }
}

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
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
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

#[test]
fn plain_http_to_another_machine_is_refused_naming_the_flag() {
    let dir = temp();
    let out = run(
        &[
            "--portal",
            "http://portal.example.com",
            "--token",
            "secret-token",
            "users",
            "list",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--allow-http"), "{}", out.stderr);
    assert!(!out.stderr.contains("secret-token"));
}

/// A change as the CLI names it, and whether a fake user is in its target state.
struct CliChange {
    args: &'static [&'static str],
    in_target: fn(&docspace_people_fake::FakeUser) -> bool,
}

const CLI_CHANGES: [CliChange; 3] = [
    CliChange {
        args: &["status", "set", "terminated"],
        in_target: |u| u.status == 2,
    },
    CliChange {
        args: &["type", "set", "user", "--job-poll-ms", "2"],
        in_target: |u| u.user_type == 4,
    },
    CliChange {
        args: &["quota", "set", "5GiB"],
        in_target: |u| u.quota == 5 << 30,
    },
];

/// Runs one change through the CLI under `faults` and checks every line of its JSON report
/// against the portal's state before and after. Returns how many users it changed.
fn check_cli_report(
    version: ServerVersion,
    change: &CliChange,
    faults: Faults,
    attempts: &str,
) -> usize {
    let portal = Portal::start_with(
        PortalConfig::demo()
            .with_version(version)
            .with_extra_users(250)
            .with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let before: std::collections::HashMap<_, _> = portal
        .portal
        .snapshot()
        .into_iter()
        .map(|u| (u.id, (change.in_target)(&u)))
        .collect();
    let dir = temp();
    let input = dir.path().join("targets.txt");
    let ids: Vec<String> = before.keys().map(ToString::to_string).collect();
    std::fs::write(&input, ids.join("\n")).expect("a file");
    let report = dir.path().join("report.json");
    portal.portal.set_faults(faults.with_rng_seed(3));
    let mut args = vec!["--max-attempts", attempts];
    args.extend_from_slice(change.args);
    args.extend_from_slice(&[
        "--from",
        path_str(&input),
        "--report",
        path_str(&report),
        "--chunk-size",
        "25",
    ]);
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    portal.portal.set_faults(Faults::none());
    let context = format!("{version} {:?}", change.args);
    assert!(out.code == 0 || out.code == 1, "{context}: {out:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let rows = report["users"].as_array().expect("users");
    assert_eq!(rows.len(), ids.len(), "{context}");
    let mut changed = 0;
    for row in rows {
        let id: docspace_people::Uuid = row["id"].as_str().unwrap().parse().unwrap();
        let was = before[&id];
        let now = (change.in_target)(&portal.portal.user(id).unwrap());
        let ok = match row["outcome"].as_str().unwrap() {
            "changed" => !was && now,
            "already_in_target" => was && now,
            "refused" | "failed" => !now,
            "unknown" => true,
            other => panic!("outcome {other}"),
        };
        assert!(ok, "{context}: {row}: before {was}, after {now}");
        changed += usize::from(row["outcome"] == "changed");
    }
    changed
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
fn type_set_user_and_visitor_on_a_workspace_portal() {
    let portal =
        Portal::start_with(PortalConfig::demo().with_version(ServerVersion::Workspace12_7));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let regular: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.user_type == 4 && !u.is_admin && u.status == 1)
        .iter()
        .take(2)
        .map(ToString::to_string)
        .collect();
    let visitor = portal
        .portal
        .user_ids_where(|u| u.user_type == 2 && u.status == 1)[0]
        .to_string();

    let mut args = vec!["type", "set", "visitor"];
    args.extend(regular.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    for id in &regular {
        let id = id.parse().unwrap();
        assert_eq!(
            portal.portal.user(id).unwrap().user_type,
            2,
            "a visitor now"
        );
    }

    let out = run(
        &portal.args(&url, &token, &["type", "set", "user", &visitor]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_ne!(
        portal
            .portal
            .user(visitor.parse().unwrap())
            .unwrap()
            .user_type,
        2,
        "a user now"
    );

    // DocSpace's names are not Workspace's, and nothing is sent for them.
    portal.portal.reset_counters();
    let out = run(
        &portal.args(&url, &token, &["type", "set", "guest", &visitor]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("user, visitor"), "{}", out.stderr);
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateType), 0);

    // users list names types in Workspace's words.
    let out = run(
        &portal.args(&url, &token, &["users", "list", "--format", "csv"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let types: std::collections::BTreeSet<String> = reader
        .records()
        .map(|r| r.unwrap().get(3).unwrap().to_owned())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["user", "visitor"],
        "{}",
        out.stdout
    );
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
    assert!(
        out.stdout
            .contains("... and 10 more not changed; run with --report FILE"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout.matches("no user has this id").count(),
        50,
        "{}",
        out.stdout
    );

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
    assert_eq!(json["stopped_by_limit"]["wait_seconds"], 86_400);
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
fn completions_and_json_lines() {
    let dir = temp();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell], "", dir.path());
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("docspace-people"), "{shell}");
        assert!(
            out.stdout.contains("status"),
            "{shell}: subcommands are completed"
        );
    }
    let out = run(
        &["--demo", "users", "list", "--format", "jsonl"],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 50);
    assert!(
        lines
            .iter()
            .all(|l| l["id"].is_string() && l["type"].is_string())
    );

    let report = dir.path().join("outcomes.jsonl");
    let out = run(
        &[
            "--demo",
            "status",
            "set",
            "terminated",
            "--from",
            &leavers(),
            "--report",
            path_str(&report),
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.code, 1, "{out:?}");
    let text = std::fs::read_to_string(&report).unwrap();
    let outcomes: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["outcome"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(outcomes.len(), 7, "{text}");
    assert!(outcomes.contains(&"refused".to_owned()));
}

#[test]
fn max_changes_refuses_a_bigger_run_before_sending() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let leavers = leavers();
    // Five of the leavers would change (one is terminated already, the owner is refused).
    let args = |max: &'static str| {
        vec![
            "status",
            "set",
            "terminated",
            "--from",
            leavers.as_str(),
            "--max-changes",
            max,
        ]
    };
    let out = run(&portal.args(&url, &token, &args("4")), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("would change 5 users, more than --max-changes 4"),
        "{}",
        out.stderr
    );
    assert_eq!(portal.portal.counters().endpoint(Endpoint::UpdateStatus), 0);
    assert_eq!(portal.status_of("noah.fischer@example.com"), 1);
    // Without a terminal nothing is asked, and no --yes is needed.
    let out = run(&portal.args(&url, &token, &args("5")), "", dir.path());
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(portal.status_of("noah.fischer@example.com"), 2);
}

/// On a terminal (a pseudo-terminal made by `script`), a run of more than 20 users asks first;
/// "n" sends nothing, and `--yes` does not ask. Skipped where `script` is missing.
#[test]
fn a_big_run_on_a_terminal_asks_first() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let dir = temp();
    let listed = run(
        &[
            "--demo", "users", "list", "--status", "active", "--type", "user", "--format", "csv",
        ],
        "",
        dir.path(),
    );
    let ids: Vec<&str> = listed
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .take(25)
        .collect();
    assert_eq!(ids.len(), 25, "{listed:?}");
    let in_terminal = |extra: &str, answer: &str| {
        let command = format!(
            "{BIN} --demo status set terminated {extra} {}",
            ids.join(" ")
        );
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("DOCSPACE_CONFIG_DIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script runs");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(answer.as_bytes());
        }
        let output = child.wait_with_output().expect("script ends");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, screen) = in_terminal("", "n\n");
    assert!(screen.contains("users would change"), "{screen}");
    assert!(screen.contains("Continue? [y/N]"), "{screen}");
    assert!(
        screen.contains("not confirmed; nothing was sent"),
        "{screen}"
    );
    assert_eq!(code, 2, "{screen}");
    let (code, screen) = in_terminal("--yes", "");
    assert!(!screen.contains("Continue?"), "{screen}");
    // 1 when one of them is protected (refused), 0 otherwise: either way it ran.
    assert!(matches!(code, 0 | 1), "{screen}");
    assert!(screen.contains("changed"), "{screen}");
}

/// The journal a run leaves: where it is, and what `resume` and `undo` make of it.
fn journal_of(stderr: &str) -> PathBuf {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("Journal: "))
        .expect("the journal's path is printed");
    PathBuf::from(line.split(" (").next().expect("a path"))
}

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
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("from the journal"), "{}", out.stdout);
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

#[test]
fn named_profiles_keep_several_portals() {
    let first = Portal::start();
    let second =
        Portal::start_with(PortalConfig::demo().with_version(ServerVersion::Workspace12_7));
    let dir = temp();
    let config_dir = dir.path().join("config");
    for (profile, portal) in [("work", &first), ("old-office", &second)] {
        let url = portal.portal.base_url();
        let out = run(
            &[
                "login",
                "--profile",
                profile,
                "--portal",
                &url,
                "--user",
                OWNER_EMAIL,
                "--password-stdin",
            ],
            &format!("{OWNER_PASSWORD}\n"),
            &config_dir,
        );
        assert_eq!(out.code, 0, "{profile}: {out:?}");
    }
    let profile_file = config_dir.join("profiles").join("work.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&profile_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let out = run(&["profiles", "list"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("work") && out.stdout.contains(&first.portal.base_url()));
    assert!(out.stdout.contains("old-office") && out.stdout.contains(&second.portal.base_url()));
    let token = std::fs::read_to_string(&profile_file).unwrap();
    let token: serde_json::Value = serde_json::from_str(&token).unwrap();
    assert!(!out.stdout.contains(token["token"].as_str().unwrap()));

    // Each profile talks to its own portal: Workspace names types its way.
    let out = run(
        &[
            "--profile",
            "old-office",
            "users",
            "list",
            "--type",
            "visitor",
        ],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("visitor"), "{}", out.stdout);
    let out = run(
        &["--profile", "work", "users", "list", "--type", "guest"],
        "",
        &config_dir,
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(&["--profile", "bad/name", "users", "list"], "", &config_dir);
    assert_eq!(out.code, 2, "{out:?}");

    let out = run(&["logout", "--profile", "work"], "", &config_dir);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!profile_file.exists());
    let out = run(&["--profile", "work", "users", "list"], "", &config_dir);
    assert_ne!(out.code, 0, "no portal or token left for it: {out:?}");
}

#[test]
fn offboard_disables_moves_data_deletes_and_undo_cannot_bring_the_deleted_back() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let leavers: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.user_type == 4 && !u.is_admin && u.status == 1 && !u.is_ldap)
        .iter()
        .take(2)
        .map(ToString::to_string)
        .collect();
    let stays = portal
        .portal
        .user_ids_where(|u| u.user_type == 1 && u.status == 1 && !u.is_ldap)[0];
    assert!(portal.portal.set_rooms_owned(stays, 0));
    let journal = dir.path().join("offboard.jsonl");
    let report = dir.path().join("offboard.json");

    // Deleting needs a confirmation: without a terminal, --yes; nothing is sent otherwise.
    let mut args = vec!["offboard", "--delete"];
    args.extend(leavers.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert_eq!(
        portal
            .portal
            .user(leavers[0].parse().unwrap())
            .unwrap()
            .status,
        1
    );

    let receiver = stays.to_string();
    let mut args = vec![
        "offboard",
        "--reassign-to",
        receiver.as_str(),
        "--delete",
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ];
    args.extend(leavers.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    for id in &leavers {
        assert!(portal.portal.user(id.parse().unwrap()).is_none(), "deleted");
    }
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let users = written["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    for user in users {
        assert_eq!(user["outcome"], "changed", "{user}");
        let detail = user["detail"].as_str().unwrap();
        assert!(
            detail.contains("disable: changed")
                && detail.contains("reassign: changed")
                && detail.contains("delete: changed"),
            "{detail}"
        );
    }

    let journal_arg = journal.to_str().unwrap();
    let out = run(
        &portal.args(&url, &token, &["undo", journal_arg]),
        "",
        dir.path(),
    );
    assert!(
        out.stdout.contains("a deletion cannot be undone"),
        "{out:?}"
    );
    let out = run(
        &portal.args(&url, &token, &["resume", journal_arg]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("offboarding"), "{}", out.stderr);
}

#[test]
fn type_set_demotes_through_the_job_and_undo_promotes_back() {
    let portal = Portal::start_with(
        PortalConfig::demo().with_job_duration(std::time::Duration::from_millis(1)),
    );
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let room_admins: Vec<docspace_people::Uuid> = portal
        .portal
        .user_ids_where(|u| u.user_type == 1 && u.status == 1 && !u.is_ldap)
        .into_iter()
        .take(2)
        .collect();
    let journal = dir.path().join("type.jsonl");
    let journal_arg = journal.to_str().unwrap().to_owned();
    let ids: Vec<String> = room_admins.iter().map(ToString::to_string).collect();
    let mut args = vec![
        "type",
        "set",
        "guest",
        "--job-poll-ms",
        "2",
        "--journal",
        &journal_arg,
    ];
    args.extend(ids.iter().map(String::as_str));
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    for id in &room_admins {
        assert_eq!(portal.portal.user(*id).unwrap().user_type, 2);
    }
    let out = run(
        &portal.args(&url, &token, &["undo", &journal_arg]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    for id in &room_admins {
        assert_eq!(
            portal.portal.user(*id).unwrap().user_type,
            1,
            "room admin again"
        );
    }
}
