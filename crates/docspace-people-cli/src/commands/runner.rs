//! The runner every changing command shares (`status set`, `type set`, `quota set`,
//! `quota reset`, `offboard`, `resume`, `undo`): the guard rails (`--max-changes`, the question
//! on a terminal), the execution with its hooks (progress bar, Ctrl-C, journal), and the
//! summary and report.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use docspace_people::bulk::{BulkOptions, BulkReport, CancellationToken, Change, Plan};

use crate::cli::GlobalArgs;
use crate::session::Caller;
use docspace_people::{Client, Server, User, Uuid};

use crate::error::{CliError, CliResult};
use crate::journal::{self, ChangeRecord, JournalWriter, Record};
use crate::outcomes::Outcomes;
use crate::output::{change_name, write_aligned};
use crate::progress::Bar;
use crate::report::{Report, ReportFile, Row, Rows};
use crate::settings::Settings;
use crate::targets::Targets;

/// The connected portal.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The client.
    pub client: &'a Client,
    /// Its server.
    pub server: &'a Server,
}

/// Sends `change` for the resolved `targets`, with the guard rails, a progress bar, Ctrl-C, a
/// journal, a summary and a report. Nothing is kept per user but an id, a line number and an
/// outcome: the journal and the report are written as the run goes and from those.
pub async fn send(
    Context { client, server }: Context<'_>,
    change: &Change,
    known: std::collections::HashMap<Uuid, User>,
    targets: &Targets,
    settings: &Settings,
    report_file: Option<ReportFile>,
) -> CliResult<ExitCode> {
    // The report is written from `Outcomes`, a few bytes per user.
    let options = settings.bulk_options().keep_entries(false);
    let name = change_name(change, server);
    let ask = !settings.yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    // A question says what the change will do besides itself: the users are read whole for it
    // (only when one may be asked).
    let mut known = known;
    let foreseen = if ask {
        foresee(client, change, targets, &mut known, settings.concurrency).await?
    } else {
        None
    };
    let guard = Guard {
        max_changes: settings.max_changes,
        ask,
        foreseen,
        what: format!("{name} on {}", client.base_url()),
        verdict: Arc::new(Mutex::new(None)),
    };
    let verdict = Arc::clone(&guard.verdict);
    let journal = match &settings.journal {
        Some(path) => {
            let writer = JournalWriter::open(path).map_err(|e| CliError {
                kind: crate::error::Kind::Usage,
                error: e,
            })?;
            writer.start(&journal::Start {
                portal: client.base_url(),
                server: &server.to_string(),
                change: ChangeRecord::of(change),
                ids: targets.ids(),
                receiver: settings.reassign_to,
                unresolved: &targets.unresolved(),
            });
            eprintln!(
                "Journal: {} (`docspace-people resume` or `undo` it).",
                writer.path().display()
            );
            Some(Arc::new(writer))
        }
        None => None,
    };
    // Held for the run: another run on this portal meanwhile is warned of this one.
    let _portal_lock = journal.as_ref().and_then(|writer| {
        match journal::PortalLock::take(client.base_url(), writer.path()) {
            Ok(lock) => lock,
            Err(other) => {
                eprintln!(
                    "warning: another run is changing users on {} now (its journal: {other}); \
                     two runs in opposite directions undo each other's changes.",
                    client.base_url()
                );
                None
            }
        }
    });
    let outcomes = Arc::new(Mutex::new(Outcomes::new(targets.len())));
    let report = execute(
        client,
        change,
        &name,
        options,
        targets.ids(),
        known,
        Arc::clone(&outcomes),
        guard,
        journal.clone(),
        settings.reassign_to,
        &settings.caller,
    )
    .await?;
    let declined = verdict.lock().ok().and_then(|v| v.clone());
    if let Some(journal) = &journal {
        journal.append(&[Record::End {
            at: journal::now(),
            stopped_until: report
                .stopped_by_limit
                .map(|stop| chrono::DateTime::<chrono::Utc>::from(stop.until).to_rfc3339()),
            declined: declined.is_some(),
        }]);
        if let Some(error) = journal.error() {
            eprintln!(
                "warning: the journal {} is incomplete: {error}",
                journal.path().display()
            );
        }
    }
    match declined {
        Some(Declined::TooMany { would, max }) => {
            return Err(CliError::usage(format_args!(
                "this run would change {would} users, more than --max-changes {max}; nothing \
                 was sent"
            )));
        }
        Some(Declined::NotConfirmed) => {
            return Err(CliError::usage("not confirmed; nothing was sent"));
        }
        None => {}
    }
    let outcomes = std::mem::take(
        &mut *outcomes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let mut report = to_report(&name, targets, &report, &outcomes);
    // Every read of the command: the users' state, look-ups, who signed in, the server.
    report.reads = usize::try_from(client.requests_sent())
        .unwrap_or(usize::MAX)
        .saturating_sub(report.requests);
    report.next = settings.journal.as_ref().map(|journal| {
        format!(
            "docspace-people resume {}",
            crate::output::shell_word(&journal.display().to_string())
        )
    });
    finish(&report, report_file)
}

/// Says who the command runs as: from the profile, when `login` kept who signed in (nothing is
/// sent: the credentials are checked by the first request), else from `people/@self`. A key
/// that may change people but not read its own profile (DocSpace 3.7.1's
/// `accounts:read`/`accounts:write` scopes without `accounts.self:read`) gets 403 there: the
/// command still runs, and refusals that depend on who asks are left to the portal. Any other
/// failure stops the command.
pub async fn sign_in(client: &Client, global: &GlobalArgs) -> CliResult<Caller> {
    let quiet = global.demo;
    if let Some((_, stored)) = crate::session::profile_in_use(global, client)
        && let (Some(name), Some(id)) = (&stored.user, stored.user_id)
    {
        if !quiet {
            eprintln!(
                "Signed in to {} as {} (the profile's sign-in).",
                client.base_url(),
                crate::output::escape(name, false)
            );
        }
        return Ok(Caller::Id(id));
    }
    match client.me().await {
        Ok(me) => {
            // Whatever the command runs (a bulk change, an offboarding, invitations, a sync
            // plan) takes who asks from here rather than reading it again.
            client.assume_caller(&me);
            if !quiet {
                // The name comes from the server: escape what a terminal would obey.
                eprintln!(
                    "Signed in to {} as {}.",
                    client.base_url(),
                    crate::output::escape(&describe(&me), false)
                );
            }
            Ok(Caller::Read(Box::new(me)))
        }
        Err(docspace_people::Error::Forbidden { .. }) => {
            eprintln!(
                "Connected to {} with credentials that cannot read their own profile (an API \
                 key without the accounts.self:read scope?): refusals that depend on who asks \
                 are left to the portal.",
                client.base_url()
            );
            Ok(Caller::Unknown)
        }
        Err(e) => Err(CliError::portal(
            e,
            format_args!("cannot sign in to {}", client.base_url()),
        )),
    }
}

/// The signed-in user, for messages.
pub fn describe(user: &User) -> String {
    match (&user.display_name, &user.email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(name), None) => name.clone(),
        (None, Some(email)) => email.clone(),
        (None, None) => user.id.to_string(),
    }
}

/// Runs the bulk job with a progress bar, cancelling it on Ctrl-C.
/// Users above which a run on a terminal asks for confirmation.
const CONFIRM_ABOVE: usize = 20;

/// Why a run sent nothing.
#[derive(Debug, Clone)]
enum Declined {
    TooMany { would: usize, max: usize },
    NotConfirmed,
}

/// The guard rails of a run made by hand: `--max-changes`, and a question on a terminal.
struct Guard {
    max_changes: Option<usize>,
    ask: bool,
    what: String,
    /// What the change will do besides itself, said in the question.
    foreseen: Option<String>,
    verdict: Arc<Mutex<Option<Declined>>>,
}

impl Guard {
    /// Whether the plan may go ahead; asks on the terminal when it is big.
    fn allows(&self, plan: &Plan, bar: &Bar) -> bool {
        let declined = match self.max_changes {
            Some(max) if plan.to_send > max => Some(Declined::TooMany {
                would: plan.to_send,
                max,
            }),
            _ if self.ask && plan.to_send > CONFIRM_ABOVE => {
                let foreseen = self
                    .foreseen
                    .as_deref()
                    .map_or_else(String::new, |f| format!("\nIt also does this: {f}."));
                let question = format!(
                    "About to send {}: {} users would change ({} already so, {} refused or \
                     unknown, {} unreadable).{foreseen}\nContinue? [y/N] ",
                    self.what, plan.to_send, plan.already_in_target, plan.refused, plan.failed
                );
                let yes = tokio::task::block_in_place(|| bar.suspend(|| ask(&question)));
                (!yes).then_some(Declined::NotConfirmed)
            }
            _ => None,
        };
        let allowed = declined.is_none();
        if let Ok(mut verdict) = self.verdict.lock() {
            *verdict = declined;
        }
        allowed
    }
}

/// What `change` will do to the targets besides itself, in a sentence; the users it reads are
/// added to `known`.
async fn foresee(
    client: &Client,
    change: &Change,
    targets: &Targets,
    known: &mut std::collections::HashMap<Uuid, User>,
    concurrency: usize,
) -> CliResult<Option<String>> {
    let (consequences, _) =
        crate::targets::consequences(client, change, targets, known, concurrency).await?;
    Ok(crate::output::foreseen(&consequences))
}

/// The guard of a run that knows its size before sending (new invitations, a sync): refused
/// over `--max-changes` (`what` names the changes, e.g. "invitations"), and asked with
/// `question` on a terminal above [`CONFIRM_ABOVE`] unless `--yes`. Nothing is sent on a no.
pub fn guard_up_front(
    count: usize,
    settings: &Settings,
    what: &str,
    question: impl FnOnce() -> String,
) -> CliResult<()> {
    if let Some(max) = settings.max_changes
        && count > max
    {
        return Err(CliError::usage(format_args!(
            "this run would make up to {count} {what}, more than --max-changes {max}; nothing \
             was sent"
        )));
    }
    let on_terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !settings.yes && on_terminal && count > CONFIRM_ABOVE && !ask(&question()) {
        return Err(CliError::usage("not confirmed; nothing was sent"));
    }
    Ok(())
}

/// Asks on stderr and reads the answer from stdin: `y` or `yes` is a yes.
pub fn ask(question: &str) -> bool {
    matches!(
        read_answer(question).trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    )
}

/// Asks on stderr and returns the line read from stdin (empty if none could be read).
pub fn read_answer(question: &str) -> String {
    eprint!("{question}");
    let _ = io::stderr().flush();
    let mut answer = String::new();
    if io::stdin().read_line(&mut answer).is_err() {
        answer.clear();
    }
    answer
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
async fn execute(
    client: &Client,
    change: &Change,
    name: &str,
    options: BulkOptions,
    ids: &[Uuid],
    known: std::collections::HashMap<Uuid, User>,
    outcomes: Arc<Mutex<Outcomes>>,
    guard: Guard,
    journal: Option<Arc<JournalWriter>>,
    receiver: Option<Uuid>,
    caller: &Caller,
) -> CliResult<BulkReport> {
    // The engine reads the users' states first; the count, the distinct users, comes with
    // the first progress.
    let bar = Bar::reading(name);
    let cancel = CancellationToken::new();
    let progress_bar = bar.clone();
    let job = caller
        .tell(client.bulk(change.clone()))
        .options(options)
        .known_users(known.into_values())
        .with_cancel_token(cancel.clone())
        .on_progress(move |p| {
            progress_bar.counting(p.total);
            progress_bar.set(p.done);
            let jobs = if p.by_job > 0 {
                format!("type-change jobs {}/{}, ", p.jobs_done, p.by_job)
            } else {
                String::new()
            };
            progress_bar.message(format!(
                "{jobs}{} refused, {} failed, {} unknown",
                p.refused, p.failed, p.unknown
            ));
        });
    let guard_bar = bar.clone();
    let mut job = job.confirm(move |plan| guard.allows(plan, &guard_bar));
    if let Some(receiver) = receiver {
        job = job.reassign_to(receiver);
    }
    if let Some(journal) = journal.clone() {
        job = job.on_sending(move |users| journal.sending(users));
    }
    job = job.on_entries(move |entries| {
        if let Some(journal) = &journal {
            journal.entries(entries);
        }
        outcomes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .record(entries);
    });
    let watcher = tokio::spawn(cancel_on_ctrl_c(cancel, bar.clone()));
    let result = job.run(ids).await;
    watcher.abort();
    bar.finish();
    // Only bad input (caught before sending) fails the whole job.
    result.map_err(|e| CliError::portal(e, "cannot start the change"))
}

/// Set by the first Ctrl-C of the process: a command made of several runs (`undo`, one run
/// per kind of restore) starts no further run once it is set.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether Ctrl-C was pressed during a run of this process.
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

async fn cancel_on_ctrl_c(cancel: CancellationToken, bar: Bar) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    bar.note(
        "Interrupted: sending no more requests and waiting for those in flight \
         (Ctrl-C again to quit at once, without the report).",
    );
    cancel.cancel();
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("Interrupted again: quitting.");
        std::process::exit(130);
    }
}

/// The report of a run: a row per distinct user, made from `outcomes` as it is written;
/// positions index `targets`.
fn to_report<'a>(
    change: &str,
    targets: &'a Targets,
    bulk: &BulkReport,
    outcomes: &'a Outcomes,
) -> Report<'a> {
    let row = move |position: usize| {
        let (outcome, detail) = outcomes.get(position)?;
        let (source, input) = source_and_input(targets, position);
        Some(Row {
            source,
            input,
            id: targets.ids().get(position).copied().unwrap_or_default(),
            outcome,
            detail,
        })
    };
    let (skipped_refused, skipped_failed) = targets.skipped_counts();
    let duplicates = duplicate_rows(targets, &bulk.duplicates);
    Report {
        change: change.to_owned(),
        dry_run: false,
        cancelled: bulk.cancelled,
        from_journal: false,
        stopped_by_limit: bulk.stopped_by_limit.map(crate::report::limit_stop),
        requests: bulk.requests,
        reads: bulk.reads,
        counts: vec![
            ("changed", bulk.counts.changed),
            ("already_in_target", bulk.counts.already_in_target),
            ("refused", bulk.counts.refused + skipped_refused),
            ("failed", bulk.counts.failed + skipped_failed),
            ("unknown", bulk.counts.unknown),
            ("duplicates", bulk.duplicates.len()),
        ],
        users: Rows::Made {
            len: bulk.counts.total(),
            positions: targets.len(),
            row: Box::new(row),
        },
        duplicates,
        skipped: targets.skipped().iter().map(|s| s.row(false)).collect(),
        next: None,
    }
}

/// The report of a command none of whose inputs named a user: nothing to send or plan, each
/// input reported for its reason.
pub fn report_skipped(
    change: String,
    targets: &Targets,
    dry_run: bool,
    report_file: Option<ReportFile>,
) -> CliResult<ExitCode> {
    let (refused, failed) = targets.skipped_counts();
    let counts = if dry_run {
        vec![("not_found", refused), ("state_unknown", failed)]
    } else {
        vec![("refused", refused), ("failed", failed)]
    };
    let report = Report {
        change,
        dry_run,
        cancelled: false,
        from_journal: false,
        stopped_by_limit: None,
        requests: 0,
        reads: 0,
        counts,
        users: Rows::Listed(Vec::new()),
        duplicates: Vec::new(),
        skipped: targets.skipped().iter().map(|s| s.row(dry_run)).collect(),
        next: None,
    };
    eprintln!("None of the inputs names a user on the portal: nothing to send.");
    finish(&report, report_file)
}

/// A row for each repeated input: "same user as line N; sent once".
pub fn duplicate_rows(
    targets: &Targets,
    duplicates: &[docspace_people::bulk::Duplicate],
) -> Vec<Row> {
    duplicates
        .iter()
        .map(|duplicate| {
            let (source, input) = source_and_input(targets, duplicate.position);
            Row {
                source,
                input,
                id: duplicate.id,
                outcome: "duplicate",
                detail: Some(format!(
                    "same user as {}; sent once",
                    source_of(targets, duplicate.first_position)
                )),
            }
        })
        .collect()
}

/// Where the input at `position` came from, and what it said: report columns SOURCE, INPUT.
pub fn source_and_input(targets: &Targets, position: usize) -> (String, String) {
    if position < targets.len() {
        (
            targets.origin(position).to_string(),
            targets.input(position),
        )
    } else {
        (format!("#{}", position + 1), String::new())
    }
}

fn source_of(targets: &Targets, position: usize) -> String {
    source_and_input(targets, position).0
}

/// Prints the summary, writes the report file, and picks the exit code.
pub fn finish(report: &Report<'_>, report_file: Option<ReportFile>) -> CliResult<ExitCode> {
    let report_path = report_file.as_ref().map(|f| f.path().to_path_buf());
    let report_on_stdout = report_file.as_ref().is_some_and(ReportFile::is_stdout);
    crate::output::to_stdout_unless(report_on_stdout, |out| {
        write_summary(out, report, report_path.as_deref())
    })
    .map_err(CliError::failed)?;
    if let Some(file) = report_file {
        let path = file.path().to_path_buf();
        file.write(report).map_err(CliError::failed)?;
        if !report_on_stdout {
            eprintln!("Per-user report written to {}.", path.display());
        }
    }
    if report.stopped_by_limit.is_some() {
        return Ok(ExitCode::from(crate::error::STOPPED_BY_LIMIT));
    }
    if report.cancelled && interrupted() {
        // As a shell reports a command ended by Ctrl-C (128 + SIGINT).
        return Ok(ExitCode::from(130));
    }
    let trouble = report
        .counts
        .iter()
        .any(|(name, n)| is_trouble(name) && *n > 0);
    Ok(if trouble {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether a row's outcome means the user did not end as asked.
fn is_trouble(outcome: &str) -> bool {
    // `partly_done` is the offboarding count of users stopped after a first step, `partial`
    // their row's outcome.
    matches!(
        outcome,
        "refused" | "failed" | "unknown" | "partial" | "partly_done"
    )
}

/// Rows of the "Not changed" table shown on the terminal; the report has every one.
const MAX_ROWS_SHOWN: usize = 50;

/// More users than this with the same outcome and reason are shown as one line.
const SUMMARIZE_ABOVE: usize = 3;

fn write_summary(
    out: &mut dyn Write,
    report: &Report<'_>,
    report_path: Option<&std::path::Path>,
) -> io::Result<()> {
    let users = report.users.len();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if report.from_journal {
        // A journal does not record requests: say so rather than count zero.
        writeln!(
            out,
            "{}: {users} user{}, from the journal (requests are not recorded there).",
            report.change,
            plural(users),
        )?;
    } else {
        writeln!(
            out,
            "{}: {users} user{}, {} change request{}, {} read{}.",
            report.change,
            plural(users),
            report.requests,
            plural(report.requests),
            report.reads,
            plural(report.reads),
        )?;
    }
    for (name, count) in &report.counts {
        writeln!(out, "  {:<20} {count}", name.replace('_', " "))?;
    }
    // Identical reasons (a cancelled run's "not sent", a limit's stop) are one line with a
    // count, so that the few different ones and the next step stay on the screen.
    let mut by_reason: std::collections::HashMap<(&'static str, String), usize> =
        std::collections::HashMap::new();
    for r in report.all_rows().filter(|r| is_trouble(r.outcome)) {
        *by_reason
            .entry((r.outcome, r.detail.clone().unwrap_or_default()))
            .or_default() += 1;
    }
    let mut total = 0;
    let mut trouble: Vec<[String; 5]> = Vec::new();
    let mut summarized: Vec<(usize, String)> = Vec::new();
    let mut shown = std::collections::HashSet::new();
    for r in report.all_rows().filter(|r| is_trouble(r.outcome)) {
        let detail = r.detail.clone().unwrap_or_default();
        let count = by_reason
            .get(&(r.outcome, detail.clone()))
            .copied()
            .unwrap_or(1);
        if count > SUMMARIZE_ABOVE {
            if shown.insert((r.outcome, detail.clone())) {
                summarized.push((
                    count,
                    format!(
                        "{count} users {}: {detail} (the first: {} {})",
                        r.outcome.replace('_', " "),
                        r.source,
                        r.input
                    ),
                ));
            }
            continue;
        }
        total += 1;
        if trouble.len() < MAX_ROWS_SHOWN {
            trouble.push([
                r.source.clone(),
                r.input.clone(),
                r.id.to_string(),
                r.outcome.to_owned(),
                detail,
            ]);
        }
    }
    if !trouble.is_empty() || !summarized.is_empty() {
        writeln!(out, "Not changed:")?;
    }
    if !trouble.is_empty() {
        write_aligned(
            out,
            &["SOURCE", "INPUT", "ID", "OUTCOME", "DETAIL"],
            &trouble,
        )?;
        if total > trouble.len() {
            writeln!(
                out,
                "... and {} more not changed; {}",
                total - trouble.len(),
                match report_path {
                    Some(path) => format!("the report {} lists them all.", path.display()),
                    None => "run with --report FILE to get them all.".to_owned(),
                }
            )?;
        }
    }
    summarized.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
    for (_, line) in &summarized {
        writeln!(out, "  {}", crate::output::escape(line, false))?;
    }
    let again = match &report.next {
        Some(_) => "`resume` sends only the users not settled",
        None => {
            "running the same command again finishes the job: the users already changed are \
             found in the target state and skipped"
        }
    };
    if let Some((wait, until)) = &report.stopped_by_limit {
        writeln!(
            out,
            "Stopped by the portal's rate limit: it asks to wait {wait} s, until about {until}. \
             Nothing more was sent; {again}."
        )?;
    }
    if report.cancelled {
        writeln!(
            out,
            "Cancelled: the users not sent are reported as failed; {again}."
        )?;
    }
    if report
        .counts
        .iter()
        .any(|(name, n)| *name == "unknown" && *n > 0)
    {
        writeln!(
            out,
            "Unknown: the portal's answer was lost and the user could not be read back; check \
             those users before running again."
        )?;
    }
    let unsettled = report.cancelled
        || report.stopped_by_limit.is_some()
        || report
            .counts
            .iter()
            .any(|(name, n)| matches!(*name, "failed" | "unknown") && *n > 0);
    if let Some(next) = report.next.as_deref().filter(|_| unsettled) {
        match &report.stopped_by_limit {
            Some((_, until)) => writeln!(out, "Next, after {until}: {next}")?,
            None => writeln!(out, "Next: {next}")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_of(details: impl Fn(usize) -> String, n: usize) -> String {
        let rows = (0..n)
            .map(|i| Row {
                source: format!("line {}", i + 1),
                input: format!("u{i}@example.com"),
                id: Uuid::nil(),
                outcome: "failed",
                detail: Some(details(i)),
            })
            .collect();
        let report = Report {
            change: "status Terminated".into(),
            dry_run: false,
            cancelled: false,
            stopped_by_limit: None,
            from_journal: false,
            requests: 1,
            reads: 1,
            counts: vec![("failed", n)],
            users: Rows::Listed(rows),
            duplicates: Vec::new(),
            skipped: Vec::new(),
            next: Some("docspace-people resume run.jsonl".into()),
        };
        let mut out = Vec::new();
        write_summary(&mut out, &report, None).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn long_tables_of_different_reasons_are_cut_and_the_next_step_is_last() {
        let text = report_of(|i| format!("reason {i}"), 60);
        assert_eq!(text.matches("reason ").count(), 50, "{text}");
        assert!(
            text.contains("... and 10 more not changed; run with --report FILE"),
            "{text}"
        );
        assert_eq!(
            text.lines().last(),
            Some("Next: docspace-people resume run.jsonl")
        );
        let text = report_of(|i| format!("reason {}", i % 2), 60);
        assert!(
            text.contains("30 users failed: reason 0 (the first: line 1"),
            "{text}"
        );
        assert!(
            text.contains("30 users failed: reason 1 (the first: line 2"),
            "{text}"
        );
        assert_eq!(text.matches("reason ").count(), 2, "{text}");
    }

    #[test]
    fn users_left_part_way_are_trouble() {
        for name in ["refused", "failed", "unknown", "partial", "partly_done"] {
            assert!(is_trouble(name), "{name}");
        }
        for name in ["changed", "already_in_target", "duplicates"] {
            assert!(!is_trouble(name), "{name}");
        }
    }
}
