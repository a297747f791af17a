//! `--dry-run`: who would change, who already is in the target state, who would be refused;
//! nothing is sent but reads. The decisions are the library's ([`BulkJob::plan`]: the engine
//! stopped before its first write); this module only renders them.
//!
//! [`BulkJob::plan`]: docspace_people::bulk::BulkJob::plan

use std::collections::HashMap;
use std::io::{self, Write};
use std::process::ExitCode;

use docspace_people::bulk::{
    Aspect, BulkOptions, BulkPlan, Change, Consequence, Consequences, Planned, Prior,
};
use docspace_people::{Client, Refusal, Server, User, Uuid};

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
}

/// Reads the current state of every target (users found by email are already known), compares
/// it with the change, prints the plan and writes it as the report. Sends no change.
pub async fn dry_run(
    Connection { client, server }: Connection<'_>,
    change: &Change,
    targets: &Targets,
    mut resolved: Resolved,
    concurrency: usize,
    report_file: Option<ReportFile>,
) -> CliResult<ExitCode> {
    // Whole users, for their names; the plan then reads only those these did not find.
    let absent =
        targets::fetch_missing(client, targets.ids(), &mut resolved.known, concurrency).await?;
    let planned = client
        .bulk(change.clone())
        .options(BulkOptions::default().concurrency(concurrency))
        .known_users(resolved.known.values().cloned())
        .known_absent(absent)
        .plan(targets.ids())
        .await
        .map_err(|e| CliError::portal(e, "cannot plan the change"))?;
    // What the change will do besides itself: read-only documents, paid seats, rooms.
    let consequences = targets::consequences(client, change, targets, &resolved.known).await?;
    let mut report = plan(change, server, targets, &planned, &consequences);
    // Every read of the dry run: names, the users' state, consequences, the server.
    report.reads = usize::try_from(client.requests_sent()).unwrap_or(usize::MAX);
    let report_on_stdout = report_file.as_ref().is_some_and(ReportFile::is_stdout);
    crate::output::to_stdout_unless(report_on_stdout, |out| {
        write_plan(out, change, server, &report, &planned, &resolved.known)
    })
    .map_err(CliError::failed)?;
    if let Some(file) = report_file {
        let path = file.path().to_path_buf();
        file.write(&report).map_err(CliError::failed)?;
        if !report_on_stdout {
            eprintln!("Dry-run report written to {}.", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn plan(
    change: &Change,
    server: &Server,
    targets: &Targets,
    planned: &BulkPlan,
    consequences: &Consequences,
) -> Report<'static> {
    let mut users = Vec::with_capacity(planned.entries.len());
    for entry in &planned.entries {
        let (outcome, detail) = match &entry.planned {
            Planned::AlreadyInTarget => ("already_in_target", None),
            Planned::Refused(Refusal::UnknownUser) => (
                "not_found",
                Some("no user has this id; the server would refuse it".to_owned()),
            ),
            Planned::Refused(reason) => ("would_be_refused", Some(reason.to_string())),
            Planned::Unreadable(why) => ("state_unknown", Some(why.clone())),
            Planned::Send if entry.note.is_some() => ("state_unknown", entry.note.clone()),
            Planned::ThroughJob => (
                "would_change",
                Some("through the type-change job (one user at a time)".to_owned()),
            ),
            _ => ("would_change", None),
        };
        let (outcome, detail) =
            with_consequences(outcome, detail, consequences.by_user.get(&entry.id));
        users.push(Row {
            source: targets.origin(entry.position).to_string(),
            input: targets.input(entry.position),
            id: entry.id,
            outcome,
            detail,
        });
    }
    let duplicates: Vec<Row> = planned
        .duplicates
        .iter()
        .map(|duplicate| {
            let first = targets.origin(duplicate.first_position).to_string();
            Row {
                source: targets.origin(duplicate.position).to_string(),
                input: targets.input(duplicate.position),
                id: duplicate.id,
                outcome: "duplicate",
                detail: Some(format!("same user as {first}; would be sent once")),
            }
        })
        .collect();
    let mut counts: Vec<(&'static str, usize)> = OUTCOMES
        .iter()
        .map(|&name| (name, users.iter().filter(|r| r.outcome == name).count()))
        .collect();
    let skipped: Vec<Row> = targets.skipped().iter().map(|s| s.row(true)).collect();
    for row in &skipped {
        if let Some((_, n)) = counts.iter_mut().find(|(name, _)| *name == row.outcome) {
            *n += 1;
        }
    }
    counts.push(("duplicates", duplicates.len()));
    for (name, kind) in [
        (
            "read_only_after",
            Consequence::ReadOnly { used: 0, quota: 0 },
        ),
        ("take_a_paid_seat", Consequence::TakesSeat),
        ("no_paid_seat_left", Consequence::NoSeatLeft),
        ("own_rooms", Consequence::OwnsRooms),
    ] {
        let n = consequences.count(&kind);
        if n > 0 {
            counts.push((name, n));
        }
    }
    if let Some(free) = consequences.seats_free {
        counts.push((
            "paid_seats_free",
            usize::try_from(free).unwrap_or(usize::MAX),
        ));
    }
    Report {
        change: change_name(change, server),
        dry_run: true,
        cancelled: false,
        stopped_by_limit: None,
        from_journal: false,
        requests: 0,
        reads: planned.reads,
        counts,
        users: Rows::Listed(users),
        duplicates,
        skipped,
        next: None,
    }
}

/// A row's outcome and detail with what the change will do besides itself: a user who would
/// find no paid seat is refused (the server answers 402), the others keep their outcome.
fn with_consequences(
    outcome: &'static str,
    detail: Option<String>,
    consequences: Option<&Vec<Consequence>>,
) -> (&'static str, Option<String>) {
    let Some(list) = consequences.filter(|l| !l.is_empty()) else {
        return (outcome, detail);
    };
    if outcome != "would_change" {
        return (outcome, detail);
    }
    let said: Vec<String> = list.iter().map(ToString::to_string).collect();
    let text = match detail {
        Some(d) => format!("{d}; {}", said.join("; ")),
        None => said.join("; "),
    };
    let outcome = if list.contains(&Consequence::NoSeatLeft) {
        "would_be_refused"
    } else {
        outcome
    };
    (outcome, Some(text))
}

/// The part of a user's state the change is about.
fn current_state(change: &Change, server: &Server, prior: &Prior) -> String {
    match change.aspect() {
        Aspect::Status => status_name(prior.status.as_ref()),
        Aspect::Type => type_name(prior.user_type.as_ref(), server),
        Aspect::Quota => {
            let quota = quota_name(prior.quota);
            match prior.custom_quota {
                Some(true) => format!("{quota} (custom)"),
                Some(false) => format!("{quota} (default)"),
                None => quota,
            }
        }
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
    planned: &BulkPlan,
    known: &HashMap<Uuid, User>,
) -> io::Result<()> {
    let rows: Vec<[String; 5]> = report
        .users
        .iter()
        .zip(&planned.entries)
        .map(|(row, entry)| {
            [
                row.source.clone(),
                row.input.clone(),
                known
                    .get(&row.id)
                    .and_then(|u| u.display_name.clone())
                    .unwrap_or_else(|| "-".into()),
                entry
                    .prior
                    .as_ref()
                    .map_or_else(|| "-".into(), |p| current_state(change, server, p)),
                plan_text(&row),
            ]
        })
        .collect();
    let rows: Vec<[String; 5]> = rows
        .into_iter()
        .chain(report.skipped.iter().map(|row| {
            [
                row.source.clone(),
                row.input.clone(),
                "-".into(),
                "-".into(),
                format!(
                    "{}: {}",
                    row.outcome.replace('_', " "),
                    row.detail.as_deref().unwrap_or_default()
                ),
            ]
        }))
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
    let users = report.users.len() + report.skipped.len();
    writeln!(
        out,
        "{users} user{}: {}.",
        if users == 1 { "" } else { "s" },
        counts.join(", ")
    )?;
    if report.skipped.iter().any(|r| r.outcome == "not_found") {
        writeln!(
            out,
            "A real run stops before sending at inputs that name no user; with --skip-unknown \
             it reports them refused and sends the others."
        )?;
    }
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
    if !planned.caller_known {
        writeln!(
            out,
            "The signed-in user could not be read (an API key without the scope \
             accounts.self:read?): refusals that depend on who asks are left to the server."
        )?;
    }
    Ok(())
}
