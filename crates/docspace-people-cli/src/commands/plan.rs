//! `--dry-run`: who would change, who already is in the target state, who would be refused;
//! nothing is sent but reads. The decisions are the library's ([`BulkJob::plan`]: the engine
//! stopped before its first write); this module only renders them.
//!
//! [`BulkJob::plan`]: docspace_people::bulk::BulkJob::plan

use std::collections::HashMap;
use std::io::{self, Write};
use std::process::ExitCode;

use docspace_people::bulk::{
    Aspect, BulkOptions, BulkPlan, Change, Consequence, Consequences, Planned, PlannedEntry, Prior,
};
use docspace_people::{Client, Refusal, Server, Uuid};

use crate::error::{CliError, CliResult};
use crate::outcomes::Outcomes;
use crate::output::{change_name, escape, quota_name, status_name, type_name, write_aligned_by};
use crate::report::{Report, ReportFile, Row, Rows};
use crate::targets::{self, Resolved, Targets, WHOLE_USERS_LIMIT};

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
/// it with the change, prints the plan and writes it as the report. Sends no change. Keeps a
/// few bytes per user: the plan's outcome, detail and state now of each position
/// ([`Outcomes`]), from which the table and the report are made as they are written.
pub async fn dry_run(
    Connection { client, server }: Connection<'_>,
    change: &Change,
    targets: &Targets,
    mut resolved: Resolved,
    concurrency: usize,
    report_file: Option<ReportFile>,
) -> CliResult<ExitCode> {
    let named = targets.len() <= WHOLE_USERS_LIMIT;
    // What the change will do besides itself (read-only documents, paid seats, rooms), and the
    // ids that name no user; the users whole for their names, up to the limit.
    let (consequences, absent) =
        targets::consequences(client, change, targets, &mut resolved.known, concurrency).await?;
    let names: HashMap<Uuid, String> = resolved
        .known
        .iter()
        .filter_map(|(id, user)| Some((*id, user.display_name.clone()?)))
        .collect();
    let mut book = Outcomes::for_plan(targets.len(), &OUTCOMES);
    let planned = client
        .bulk(change.clone())
        .options(BulkOptions::default().concurrency(concurrency))
        .known_users(std::mem::take(&mut resolved.known).into_values())
        .known_absent(absent)
        .plan_each(targets.ids(), |entry| {
            let (outcome, detail) = planned_outcome(&entry);
            let (outcome, detail) =
                with_consequences(outcome, detail, consequences.by_user.get(&entry.id));
            book.set(entry.position, outcome, detail.as_deref());
            if let Some(prior) = &entry.prior {
                book.set_state(entry.position, &current_state(change, server, prior));
            }
        })
        .await
        .map_err(|e| CliError::portal(e, "cannot plan the change"))?;
    let mut report = plan(change, server, targets, &planned, &book, &consequences);
    // Every read of the dry run: names, the users' state, consequences, the server.
    report.reads = usize::try_from(client.requests_sent()).unwrap_or(usize::MAX);
    let report_on_stdout = report_file.as_ref().is_some_and(ReportFile::is_stdout);
    crate::output::to_stdout_unless(report_on_stdout, |out| {
        let table = Table {
            book: &book,
            names: &names,
            named,
        };
        write_plan(out, &report, &planned, &table)
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

/// What a plan entry is, in the report's words, with its detail.
fn planned_outcome(entry: &PlannedEntry) -> (&'static str, Option<String>) {
    match &entry.planned {
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
    }
}

/// The report of a dry run, its rows made from `book` as they are written.
fn plan<'a>(
    change: &Change,
    server: &Server,
    targets: &'a Targets,
    planned: &BulkPlan,
    book: &'a Outcomes,
    consequences: &Consequences,
) -> Report<'a> {
    let users = Rows::Made {
        len: targets.len() - planned.duplicates.len(),
        positions: targets.len(),
        row: Box::new(move |position| {
            let (outcome, detail) = book.get(position)?;
            Some(Row {
                source: targets.origin(position).to_string(),
                input: targets.input(position),
                id: targets.ids().get(position).copied().unwrap_or_default(),
                outcome,
                detail,
            })
        }),
    };
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
        .map(|&name| (name, book.count(name)))
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
        users,
        duplicates,
        skipped,
        next: None,
    }
}

/// What the plan's table shows of each user besides the report's row.
struct Table<'a> {
    book: &'a Outcomes,
    names: &'a HashMap<Uuid, String>,
    /// Whether names were read (see [`WHOLE_USERS_LIMIT`]).
    named: bool,
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
    report: &Report<'_>,
    planned: &BulkPlan,
    table: &Table<'_>,
) -> io::Result<()> {
    let rows = || -> Box<dyn Iterator<Item = [String; 5]> + '_> {
        let users = report.users.iter_positioned().map(|(position, row)| {
            [
                row.source.clone(),
                row.input.clone(),
                table
                    .names
                    .get(&row.id)
                    .cloned()
                    .unwrap_or_else(|| "-".into()),
                position
                    .and_then(|p| table.book.state(p))
                    .unwrap_or("-")
                    .to_owned(),
                plan_text(&row),
            ]
        });
        let skipped = report.skipped.iter().map(|row| {
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
        });
        Box::new(users.chain(skipped))
    };
    writeln!(out, "Dry run of {}: nothing is sent.", report.change)?;
    write_aligned_by(out, &["SOURCE", "INPUT", "NAME", "NOW", "PLAN"], &rows)?;
    if !table.named {
        writeln!(
            out,
            "Names are shown for plans of up to {WHOLE_USERS_LIMIT} users; the report (--report \
             FILE) has each id."
        )?;
    }
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
