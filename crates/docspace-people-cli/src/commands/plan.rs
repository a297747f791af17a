//! `--dry-run`: who would change, who already is in the target state, who would be refused;
//! nothing is sent but reads.

use std::collections::HashMap;
use std::io::{self, Write};
use std::process::ExitCode;

use docspace_people::bulk::Change;
use docspace_people::{Client, Server, User, Uuid};

use super::to_stdout;
use crate::error::{CliError, CliResult};
use crate::output::{change_name, escape, quota_name, status_name, type_name, write_aligned};
use crate::report::{Report, ReportFile, Row, Rows};
use crate::targets::{self, Resolved, Targets};

/// The outcomes of a dry run, in report order.
const OUTCOMES: [&str; 5] = [
    "would_change",
    "already_in_target",
    "would_be_refused",
    "not_found",
    "state_unknown",
];

/// Who asks, and of which server.
pub struct Connection<'a> {
    /// The client.
    pub client: &'a Client,
    /// The server it talks to.
    pub server: &'a Server,
    /// The signed-in user.
    pub me: &'a User,
}

/// Reads the current state of every target (users found by email are already known), compares
/// it with the change, prints the plan and writes it as the report. Sends no change.
pub async fn dry_run(
    Connection { client, server, me }: Connection<'_>,
    change: &Change,
    targets: &Targets,
    mut resolved: Resolved,
    concurrency: usize,
    report_file: Option<ReportFile>,
) -> CliResult<ExitCode> {
    targets::fetch_missing(client, targets.ids(), &mut resolved.known, concurrency).await?;
    let report = plan(change, server, me, targets, &resolved);
    to_stdout(|out| write_plan(out, change, server, &report, &resolved.known))
        .map_err(CliError::failed)?;
    if let Some(file) = report_file {
        let path = file.path().to_path_buf();
        file.write(&report).map_err(CliError::failed)?;
        eprintln!("Dry-run report written to {}.", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn plan(
    change: &Change,
    server: &Server,
    me: &User,
    targets: &Targets,
    resolved: &Resolved,
) -> Report<'static> {
    let mut first_seen: HashMap<Uuid, usize> = HashMap::with_capacity(targets.len());
    let mut users = Vec::with_capacity(targets.len());
    let mut duplicates = Vec::new();
    for (position, (target, id)) in targets.iter().zip(targets.ids()).enumerate() {
        if let Some(&first) = first_seen.get(id) {
            let first = targets.origin(first).to_string();
            duplicates.push(Row {
                source: target.origin.to_string(),
                input: target.input.clone(),
                id: *id,
                outcome: "duplicate",
                detail: Some(format!("same user as {first}; would be sent once")),
            });
            continue;
        }
        first_seen.insert(*id, position);
        let (outcome, detail) = match resolved.known.get(id) {
            None => (
                "not_found",
                Some("no user has this id; the server would refuse it".to_owned()),
            ),
            Some(user) => match change.is_satisfied_on(user, server) {
                Some(true) => ("already_in_target", None),
                satisfied => match change.refusal_on(user, Some(me), server) {
                    Some(reason) => ("would_be_refused", Some(reason)),
                    None if satisfied.is_none() => (
                        "state_unknown",
                        Some(
                            "the portal does not show this (per-user quotas off?); it would \
                             be sent"
                                .to_owned(),
                        ),
                    ),
                    None if change.is_demotion_on(user, server) => (
                        "would_change",
                        Some("through the type-change job (one user at a time)".to_owned()),
                    ),
                    None => ("would_change", None),
                },
            },
        };
        users.push(Row {
            source: target.origin.to_string(),
            input: target.input.clone(),
            id: *id,
            outcome,
            detail,
        });
    }
    let mut counts: Vec<(&'static str, usize)> = OUTCOMES
        .iter()
        .map(|&name| (name, users.iter().filter(|r| r.outcome == name).count()))
        .collect();
    counts.push(("duplicates", duplicates.len()));
    Report {
        change: change_name(change, server),
        dry_run: true,
        cancelled: false,
        stopped_by_limit: None,
        from_journal: false,
        requests: 0,
        reads: 0,
        counts,
        users: Rows::Listed(users),
        duplicates,
    }
}

/// The part of a user's state the change is about.
fn current_state(change: &Change, server: &Server, user: &User) -> String {
    match change {
        Change::Status(_) => status_name(user.status.as_ref()),
        Change::Type(_) => type_name(user.user_type_on(server).as_ref(), server),
        Change::Quota(_) | Change::ResetQuota => {
            let quota = quota_name(user.quota_limit);
            match user.is_custom_quota {
                Some(true) => format!("{quota} (custom)"),
                Some(false) => format!("{quota} (default)"),
                None => quota,
            }
        }
        _ => "-".into(),
    }
}

fn plan_text(row: &Row) -> String {
    let text = row.outcome.replace('_', " ");
    match &row.detail {
        Some(detail) if matches!(row.outcome, "would_be_refused" | "would_change") => {
            format!("{text}: {detail}")
        }
        _ => text,
    }
}

fn write_plan(
    out: &mut dyn Write,
    change: &Change,
    server: &Server,
    report: &Report<'_>,
    known: &HashMap<Uuid, User>,
) -> io::Result<()> {
    let rows: Vec<[String; 5]> = report
        .users
        .iter()
        .map(|row| {
            let user = known.get(&row.id);
            [
                row.source.clone(),
                row.input.clone(),
                user.and_then(|u| u.display_name.clone())
                    .unwrap_or_else(|| "-".into()),
                user.map_or_else(|| "-".into(), |u| current_state(change, server, u)),
                plan_text(&row),
            ]
        })
        .collect();
    writeln!(out, "Dry run of {}: nothing is sent.", report.change)?;
    write_aligned(out, &["SOURCE", "INPUT", "NAME", "NOW", "PLAN"], &rows)?;
    for duplicate in &report.duplicates {
        writeln!(
            out,
            "{}: {} is repeated ({})",
            escape(&duplicate.source, false),
            escape(&duplicate.input, false),
            duplicate.detail.as_deref().unwrap_or_default()
        )?;
    }
    let counts: Vec<String> = report
        .counts
        .iter()
        .map(|(name, n)| format!("{n} {}", name.replace('_', " ")))
        .collect();
    writeln!(
        out,
        "{} user{}: {}.",
        report.users.len(),
        if report.users.len() == 1 { "" } else { "s" },
        counts.join(", ")
    )?;
    if report
        .counts
        .iter()
        .any(|(name, n)| *name == "would_be_refused" && *n > 0)
    {
        writeln!(
            out,
            "Refusals are predicted from the server's rules; a real run reports the server's answer."
        )?;
    }
    Ok(())
}
