//! `sync`: a plan written and shown, applied exactly (drift left alone), held by its safeguards
//! (exit 5), undone from its journal directory, and completed after a kill.

use std::process::{Command, Stdio};

use docspace_people_fake::{FakePortal, Faults, PortalConfig, Trigger};

use crate::common::{BIN, Portal, path_str, run, temp};

const LEAVERS: [&str; 2] = ["jacob.miller@example.com", "nadia.haddad@example.com"];
const PROMOTED: &str = "samuel.adeyemi@example.com";
const RETURNER: &str = "victor.nguyen@example.com";

/// An HR export of the demo portal as CSV: every active standard or SSO account but the leavers,
/// a promotion, a quota, a returner and a joiner; `skip` more addresses left out.
fn hr_export(portal: &FakePortal, skip: &[String]) -> String {
    let mut csv = String::from("email,type,quota,status\r\n");
    let mut users = portal.snapshot();
    users.sort_by(|a, b| a.email.cmp(&b.email));
    for u in users {
        if u.status != 1 || u.is_ldap || u.is_owner || LEAVERS.contains(&u.email.as_str()) {
            continue;
        }
        if skip.contains(&u.email) {
            continue;
        }
        let (kind, quota) = match u.email.as_str() {
            PROMOTED => ("room-admin", ""),
            "lena.hoffmann@example.com" => ("", "5GiB"),
            _ => ("", ""),
        };
        csv.push_str(&format!("{},{kind},{quota},\r\n", u.email));
    }
    csv.push_str(&format!("{RETURNER},,,\r\nnew.hire@example.com,user,,\r\n"));
    csv
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("a file")).expect("JSON")
}

#[test]
fn plan_then_apply_then_undo() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let desired = dir.path().join("hr.csv");
    std::fs::write(&desired, hr_export(&portal.portal, &[])).unwrap();
    let plan = dir.path().join("plan.json");
    let args = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&plan),
        "--joiners",
        "invite",
    ];
    portal.portal.reset_counters();
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    // Who signed in is read once, to say so, and the plan takes it from there.
    let counters = portal.portal.counters();
    assert_eq!(
        counters.endpoint(docspace_people_fake::Endpoint::GetSelf),
        1,
        "{counters:?}"
    );
    for line in [
        "invite (1):",
        "enable (1):",
        "type (1):",
        "quota (1):",
        "disable (2):",
    ] {
        assert!(out.stdout.contains(line), "{line} in {}", out.stdout);
    }
    assert!(
        out.stdout
            .contains(&format!("{PROMOTED}: User -> RoomAdmin")),
        "{}",
        out.stdout
    );
    let written = json(&plan);
    assert_eq!(written["format"], 1);
    assert_eq!(written["source"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(written["actions"].as_array().unwrap().len(), 6);
    assert_eq!(written["verdict"]["held"], false);
    assert!(
        portal.portal.invitations_sent().is_empty(),
        "planning sends nothing"
    );

    let journals = dir.path().join("journals");
    let report = dir.path().join("report.json");
    let args = [
        "sync",
        "apply",
        path_str(&plan),
        "--journal",
        path_str(&journals),
        "--report",
        path_str(&report),
        "--yes",
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let status = |email: &str| portal.portal.user_by_email(email).unwrap().status;
    assert_eq!(status(LEAVERS[0]), 2);
    assert_eq!(status(LEAVERS[1]), 2);
    assert_eq!(status(RETURNER), 1);
    assert_eq!(status("new.hire@example.com"), 4);
    assert_eq!(portal.portal.user_by_email(PROMOTED).unwrap().user_type, 1);
    // One report per phase, each agreeing with the portal.
    assert_eq!(json(&report)["counts"]["changed"], 1, "the invitation");
    let disabled = json(&dir.path().join("report-5.json"));
    assert_eq!(disabled["counts"]["changed"], 2, "{disabled}");
    let inputs: Vec<&str> = disabled["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["input"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, LEAVERS);

    // Applying the same plan again: everyone is as planned already, nobody drifted.
    let again_dir = dir.path().join("again");
    let again = [
        "sync",
        "apply",
        path_str(&plan),
        "--journal",
        path_str(&again_dir),
        "--yes",
    ];
    let out = run(&portal.args(&url, &token, &again), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("Drifted"), "{}", out.stderr);

    // Undo reverses what can be reversed, the last change first, and says what cannot be.
    let out = run(
        &portal.args(&url, &token, &["undo", path_str(&journals), "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Invitations sent cannot be taken back"),
        "{}",
        out.stderr
    );
    assert_eq!(status(LEAVERS[0]), 1);
    assert_eq!(status(RETURNER), 2);
    assert_eq!(
        portal.portal.user_by_email(PROMOTED).unwrap().user_type,
        4,
        "lowered again"
    );
}

#[test]
fn safeguards_hold_a_truncated_source_with_exit_5_and_nothing_changes() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let desired = dir.path().join("hr.jsonl");
    std::fs::write(&desired, "{\"email\":\"user@example.com\"}\n").unwrap();
    let plan = dir.path().join("plan.json");
    let before = portal.portal.snapshot();
    let args = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&plan),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stdout.contains("HELD"), "{}", out.stdout);
    assert!(
        out.stdout.contains("truncated") && out.stdout.contains("leavers"),
        "{}",
        out.stdout
    );
    assert_eq!(
        json(&plan)["verdict"]["held"],
        true,
        "the plan is written with its verdict"
    );
    let out = run(
        &portal.args(&url, &token, &["sync", "apply", path_str(&plan), "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 5, "{out:?}");
    // In one go, too.
    let args = ["sync", "--desired", path_str(&desired), "--yes"];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(portal.portal.snapshot(), before, "nothing changed");
}

#[test]
fn a_user_changed_after_the_plan_is_drifted_and_left_alone() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let desired = dir.path().join("hr.csv");
    std::fs::write(&desired, hr_export(&portal.portal, &[])).unwrap();
    let plan = dir.path().join("plan.json");
    let args = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&plan),
    ];
    assert_eq!(
        run(&portal.args(&url, &token, &args), "", dir.path()).code,
        0
    );
    // Someone gives the promoted user a quota by hand meanwhile.
    let hand = ["quota", "set", "1GiB", PROMOTED, "--yes"];
    let j_dir = dir.path().join("j");
    assert_eq!(
        run(&portal.args(&url, &token, &hand), "", dir.path()).code,
        0
    );
    let args = [
        "sync",
        "apply",
        path_str(&plan),
        "--yes",
        "--journal",
        path_str(&j_dir),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 1, "drift is reported: {out:?}");
    assert!(
        out.stderr.contains("Drifted") && out.stderr.contains(PROMOTED),
        "{}",
        out.stderr
    );
    assert_eq!(
        portal.portal.user_by_email(PROMOTED).unwrap().user_type,
        4,
        "left alone"
    );
    assert_eq!(portal.status_of(LEAVERS[0]), 2, "the rest applied");
}

#[test]
fn bad_rows_are_listed_with_their_lines_and_inputs_are_never_overwritten() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let desired = dir.path().join("hr.csv");
    let text = "email,type,quota\nok@example.com,,\nnot-an-address,,\nx@example.com,boss,\ny@example.com,,lots\n";
    std::fs::write(&desired, text).unwrap();
    let plan = dir.path().join("plan.json");
    let args = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&plan),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("line 3") && out.stderr.contains("line 5"),
        "{}",
        out.stderr
    );
    assert!(!plan.exists());
    // Type names are checked on the portal's words, with their lines.
    std::fs::write(&desired, "email,type\nok@example.com,boss\n").unwrap();
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("line 2") && out.stderr.contains("no user type `boss`"),
        "{}",
        out.stderr
    );
    // The plan never goes over the desired state.
    let over = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&desired),
    ];
    let out = run(&portal.args(&url, &token, &over), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&desired).unwrap(),
        "email,type\nok@example.com,boss\n"
    );
}

#[test]
fn an_apply_killed_mid_way_is_completed_by_resume_and_the_journal_agrees() {
    let portal = Portal::start_with(PortalConfig::demo().with_extra_users(150));
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    // 100 generated users leave.
    let leaving: Vec<String> = portal
        .portal
        .snapshot()
        .into_iter()
        .filter(|u| {
            u.status == 1 && !u.is_admin && !u.is_ldap && u.email.ends_with("@scale.example")
        })
        .map(|u| u.email)
        .take(100)
        .collect();
    assert_eq!(leaving.len(), 100, "the generated users");
    let desired = dir.path().join("hr.csv");
    std::fs::write(&desired, hr_export(&portal.portal, &leaving)).unwrap();
    let plan = dir.path().join("plan.json");
    let args = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&plan),
        "--max-leavers",
        "100%",
        "--allow-small-source",
    ];
    assert_eq!(
        run(&portal.args(&url, &token, &args), "", dir.path()).code,
        0
    );
    portal.portal.set_faults(
        Faults::none()
            .with_latency(std::time::Duration::from_millis(150), Trigger::Always)
            .writes_only(),
    );
    let journals = dir.path().join("journals");
    let args = portal.args(
        &url,
        &token,
        &[
            "sync",
            "apply",
            path_str(&plan),
            "--journal",
            path_str(&journals),
            "--chunk-size",
            "5",
            "--concurrency",
            "1",
            "--yes",
        ],
    );
    let mut child = Command::new(BIN)
        .args(&args)
        .env("DOCSPACE_CONFIG_DIR", dir.path())
        .env("DOCSPACE_DATA_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    // Wait for the condition (some leavers journaled), not for a time.
    let disable = |journals: &std::path::Path| {
        std::fs::read_dir(journals).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.to_string_lossy().contains("disable"))
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let users = disable(&journals)
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.matches("\"kind\":\"user\"").count())
            .unwrap_or(0);
        if users >= 10 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run journals nothing"
        );
        if let Some(status) = child.try_wait().expect("the child") {
            panic!("the run ended before it was killed: {status}");
        }
        std::thread::yield_now();
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let left = |p: &Portal| leaving.iter().filter(|e| p.status_of(e) == 1).count();
    assert!(left(&portal) > 0, "killed mid-way");

    portal.portal.set_faults(Faults::none());
    let out = run(
        &portal.args(&url, &token, &["resume", path_str(&journals), "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(left(&portal), 0, "completed");
    let out = run(&["report", path_str(&journals)], "", dir.path());
    assert_eq!(out.code, 0, "the journals agree with the portal: {out:?}");
    let journal = disable(&journals).unwrap();
    let text = std::fs::read_to_string(journal).unwrap();
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
    assert!(last.len() >= 100);
    assert!(
        last.values()
            .all(|o| o == "changed" || o == "already_in_target"),
        "{last:?}"
    );
}

#[test]
fn protected_and_out_of_scope_accounts_are_left_alone() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let desired = dir.path().join("hr.csv");
    std::fs::write(&desired, hr_export(&portal.portal, &[])).unwrap();
    let protect = dir.path().join("break-glass.txt");
    std::fs::write(&protect, "# break-glass accounts\nNADIA.*@example.com\n").unwrap();
    let plan = dir.path().join("plan.json");
    let args = [
        "sync",
        "plan",
        "--desired",
        path_str(&desired),
        "--out",
        path_str(&plan),
        "--protect",
        "jacob.miller@*",
        "--protect-file",
        path_str(&protect),
        "--scope",
        "standard",
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let written = json(&plan);
    let disabled: Vec<&str> = written["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "disable")
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(disabled.is_empty(), "{disabled:?}");
    let protected: Vec<&str> = written["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect();
    assert!(
        protected.contains(&LEAVERS[0]) && protected.contains(&LEAVERS[1]),
        "{protected:?}"
    );
    // With only standard accounts in scope, the SSO user is out of scope (and so is LDAP's).
    let out_of_scope: Vec<&str> = written["out_of_scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap())
        .collect();
    assert!(
        out_of_scope.contains(&"hiroshi.tanaka@example.com"),
        "{out_of_scope:?}"
    );
    assert!(
        out_of_scope.contains(&docspace_people_fake::seed::LDAP_USER_EMAIL),
        "{out_of_scope:?}"
    );
}
