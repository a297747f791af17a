//! What every test here shares: running the binary, a fake portal, temporary files, checking a
//! report against the portal, finding a run's journal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use docspace_people_fake::{FakePortal, Faults, PortalConfig, ServerVersion};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_docspace-people");

/// What a run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// A private config and data directory, and none of the DOCSPACE_* variables (nor RUST_LOG) of
/// the environment.
fn private_env(command: &mut Command, config_dir: &Path) {
    for var in [
        "DOCSPACE_URL",
        "DOCSPACE_TOKEN",
        "DOCSPACE_API_KEY",
        "DOCSPACE_API_KEY_FILE",
        "DOCSPACE_PASSWORD",
        "DOCSPACE_PROFILE",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
        .env("DOCSPACE_CONFIG_DIR", config_dir)
        .env("DOCSPACE_DATA_DIR", config_dir);
}

/// Active users of type User who are neither admins nor LDAP, as ids: safe targets.
pub(crate) fn plain_ids(portal: &Portal, n: usize) -> Vec<String> {
    let ids: Vec<String> = portal
        .portal
        .user_ids_where(|u| u.status == 1 && u.user_type == 4 && !u.is_admin && !u.is_ldap)
        .into_iter()
        .take(n)
        .map(|id| id.to_string())
        .collect();
    assert_eq!(ids.len(), n, "the portal has {n} plain users");
    ids
}

/// A portal where every write fails with 500: a run leaves its users to resume.
pub(crate) fn failing_writes() -> Portal {
    Portal::start_with(
        PortalConfig::demo().with_faults(
            Faults::none()
                .with_internal_server_error(docspace_people_fake::Trigger::Always)
                .writes_only(),
        ),
    )
}

/// Runs the binary with a private config directory and none of the DOCSPACE_* variables of
/// the environment, feeding `stdin`.
pub(crate) fn run(args: &[&str], stdin: &str, config_dir: &Path) -> Run {
    let mut command = Command::new(BIN);
    command.args(args);
    private_env(&mut command, config_dir);
    let mut child = command
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
pub(crate) struct Portal {
    pub(crate) portal: FakePortal,
    _runtime: tokio::runtime::Runtime,
}

impl Portal {
    pub(crate) fn start() -> Portal {
        Portal::start_with(PortalConfig::demo())
    }

    pub(crate) fn start_with(config: PortalConfig) -> Portal {
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
    pub(crate) fn args<'a>(
        &'a self,
        url: &'a str,
        token: &'a str,
        args: &[&'a str],
    ) -> Vec<&'a str> {
        let _ = self;
        let mut all = vec!["--portal", url, "--token", token];
        all.extend_from_slice(args);
        all
    }

    pub(crate) fn status_of(&self, email: &str) -> i32 {
        self.portal
            .user_by_email(email)
            .expect("a seeded user")
            .status
    }
}

pub(crate) fn leavers() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("leavers.csv")
        .display()
        .to_string()
}

pub(crate) fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// A change as the CLI names it, and whether a fake user is in its target state.
pub(crate) struct CliChange {
    pub(crate) args: &'static [&'static str],
    pub(crate) in_target: fn(&docspace_people_fake::FakeUser) -> bool,
}

pub(crate) const CLI_CHANGES: [CliChange; 3] = [
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
pub(crate) fn check_cli_report(
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

/// The journal a run leaves: where it is, and what `resume` and `undo` make of it.
pub(crate) fn journal_of(stderr: &str) -> PathBuf {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("Journal: "))
        .expect("the journal's path is printed");
    PathBuf::from(line.split(" (").next().expect("a path"))
}

/// Drives a command on a pseudo-terminal (stdin, stdout and stderr all a terminal): types
/// `answer` once `prompt` has appeared, and prints everything the command wrote.
const ON_TERMINAL: &str = r#"
import os, pty, select, signal, sys
answer, prompt, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, sent = b"", False
while True:
    ready, _, _ = select.select([fd], [], [], 120)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        out += b"\n[no output for 120 s: killed]"
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and prompt in out:
        os.write(fd, answer + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// Runs the binary on a pseudo-terminal, as [`run`] does otherwise, answering `answer` to the
/// question that contains `prompt`. Its stdout and stderr are one stream, in `stdout`.
pub(crate) fn run_on_terminal(args: &[&str], prompt: &str, answer: &str, config_dir: &Path) -> Run {
    let mut command = Command::new("python3");
    command
        .arg("-c")
        .arg(ON_TERMINAL)
        .arg(answer)
        .arg(prompt)
        .arg(BIN)
        .args(args);
    private_env(&mut command, config_dir);
    let output = command
        // A terminal of the usual width.
        .env("COLUMNS", "80")
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
