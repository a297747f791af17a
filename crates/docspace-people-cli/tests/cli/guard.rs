//! Guard rails and the command line: `--max-changes`, asking on a terminal, usage errors, completions.

use std::io::Write;
use std::process::{Command, Stdio};

use docspace_people_fake::Endpoint;

use crate::common::{BIN, Portal, leavers, path_str, run, temp};

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

/// Completes the words of `line` (the last one being typed) with the bash script the binary
/// prints, in a real bash; one line of candidates per call.
const COMPLETE: &str = r#"
set -u
source "$COMPL_SCRIPT" || exit 90
spec=$(complete -p docspace-people) || exit 91
fn=${spec##*-F }; fn=${fn%% *}
comp() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
  COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  "$fn" docspace-people "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[*]}"
}
comp docspace-people st
comp docspace-people status ''
comp docspace-people users ''
comp docspace-people status set --dr
comp docspace-people invite resend --jo
"#;

#[test]
fn bash_completes_every_word_not_only_the_first() {
    let dir = temp();
    let out = run(&["completions", "bash"], "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let script = dir.path().join("docspace-people.bash");
    std::fs::write(&script, &out.stdout).expect("the script is written");
    let bash = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", COMPLETE])
        .env("COMPL_SCRIPT", &script)
        .output()
        .expect("bash runs");
    assert!(bash.status.success(), "{bash:?}");
    let lines: Vec<Vec<String>> = String::from_utf8_lossy(&bash.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    let has =
        |line: usize, word: &str| lines.get(line).is_some_and(|l| l.iter().any(|w| w == word));
    assert!(has(0, "status"), "first word: {lines:?}");
    assert!(has(1, "set"), "second word after `status`: {lines:?}");
    assert!(has(2, "list"), "second word after `users`: {lines:?}");
    assert_eq!(
        lines.get(3),
        Some(&vec!["--dry-run".to_owned()]),
        "{lines:?}"
    );
    assert!(
        has(4, "--journal"),
        "an option of a third-level command: {lines:?}"
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

/// A run refused by `--max-changes` leaves a journal marked declined, which `resume` refuses:
/// a "no" holds.
#[test]
fn resume_does_not_send_a_declined_run() {
    let portal = Portal::start();
    let (url, token) = (portal.portal.base_url(), portal.portal.owner_token());
    let dir = temp();
    let leavers = leavers();
    let journal = dir.path().join("declined.jsonl");
    let args = [
        "status",
        "set",
        "terminated",
        "--from",
        leavers.as_str(),
        "--max-changes",
        "1",
        "--journal",
        path_str(&journal),
    ];
    let out = run(&portal.args(&url, &token, &args), "", dir.path());
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        std::fs::read_to_string(&journal)
            .unwrap()
            .contains("\"declined\":true")
    );
    let out = run(
        &portal.args(&url, &token, &["resume", path_str(&journal), "--yes"]),
        "",
        dir.path(),
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("declined"), "{}", out.stderr);
    assert_eq!(
        portal.portal.counters().endpoint(Endpoint::UpdateStatus),
        0,
        "nothing sent"
    );
    assert_eq!(portal.status_of("noah.fischer@example.com"), 1);
}

#[test]
fn help_keeps_global_options_apart_and_offers_demo_only_where_it_works() {
    let dir = temp();
    let out = run(&["status", "set", "--help"], "", dir.path());
    assert_eq!(out.code, 0, "{out:?}");
    let (own, global) = out
        .stdout
        .split_once("Global options:")
        .unwrap_or_else(|| panic!("a Global options heading: {}", out.stdout));
    assert!(
        own.contains("--dry-run") && !own.contains("--portal"),
        "{own}"
    );
    assert!(
        global.contains("--portal") && global.contains("--demo"),
        "{global}"
    );
    for command in ["report", "completions", "logout"] {
        let out = run(&[command, "--help"], "", dir.path());
        assert_eq!(out.code, 0, "{command}: {out:?}");
        assert!(!out.stdout.contains("--demo"), "{command}: {}", out.stdout);
    }
    // The examples of the top-level help work from any directory.
    let out = run(&["--help"], "", dir.path());
    assert!(out.stdout.contains("Examples:"), "{}", out.stdout);
    assert!(!out.stdout.contains("crates/"), "{}", out.stdout);
    let demo_example = out
        .stdout
        .lines()
        .filter(|l| {
            l.trim_start()
                .starts_with("docspace-people --demo status set")
        })
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>())
        .next()
        .expect("a --demo example");
    let out = run(&demo_example, "", dir.path());
    assert_eq!(out.code, 0, "the example runs: {out:?}");
}
