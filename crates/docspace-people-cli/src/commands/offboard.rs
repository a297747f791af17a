//! `offboard`: for each user, disable, then optionally move their data to a receiver, then
//! optionally delete them, through the library's offboarding; with a plan, a confirmation that
//! names the number of deletions, a journal and a per-user report of every step.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use docspace_people::bulk::{CancellationToken, Change, Outcome};
use docspace_people::lifecycle::{
    OffboardOptions, OffboardPlan, OffboardReport, OffboardUser, Step,
};
use docspace_people::{UserStatus, Uuid};

use super::plan;
use super::runner::{ask, duplicate_rows, finish, read_answer, sign_in, source_and_input};
use crate::cli::JobArgs;
use crate::cli::{GlobalArgs, OffboardArgs};
use crate::error::{CliError, CliResult};
use crate::journal::{self, ChangeRecord, JournalWriter, Record};
use crate::progress::Bar;
use crate::report::{Report, ReportFile, Row, Rows};
use crate::session::{self, connect};
use crate::settings::Settings;
use crate::targets::{self, Targets};

/// Runs `offboard`.
pub async fn run(global: &GlobalArgs, args: OffboardArgs) -> CliResult<ExitCode> {
    let bulk = &args.bulk;
    let skip_unknown = bulk.skip_unknown || bulk.dry_run;
    let selecting = bulk.select.any();
    crate::select::check_not_both(
        &bulk.select,
        !bulk.targets.is_empty() || bulk.from.is_some(),
    )?;
    let mut targets = if selecting {
        Targets::default()
    } else {
        targets::read_skipping(
            &bulk.targets,
            bulk.from.as_deref(),
            bulk.column.as_deref(),
            skip_unknown,
        )?
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if args.delete && !bulk.run.yes && !interactive && !bulk.dry_run {
        return Err(CliError::usage(
            "--delete deletes users for good; without a terminal to confirm on, pass --yes too",
        ));
    }
    let report_file = bulk
        .run
        .report
        .as_deref()
        .map(|path| ReportFile::create(path, bulk.run.report_format, bulk.from.as_deref()))
        .transpose()?;
    let settings = Settings::new(&bulk.run, None).with_jobs(&JobArgs {
        jobs: args.jobs,
        ..JobArgs::default()
    });
    let concurrency = settings.concurrency;
    let session = connect(global)?;
    let client = &session.client;
    let server = session::server(client, global).await?;
    // With --reassign-to a user is deleted only after their data moved, in this run.
    if args.delete
        && server.deletion_destroys_documents()
        && args.reassign_to.is_none()
        && !args.destroy_documents
    {
        return Err(CliError::usage(format_args!(
            "on {server}, --delete also deletes each user's My Documents, Trash, mail and Talk \
             files for good; nothing was sent. Move their data first with --reassign-to USER \
             (each user is deleted only once their data has moved), offboard without --delete, \
             or pass --destroy-documents to accept the loss"
        )));
    }
    let caller = sign_in(client, global).await?;
    let mut selected_users = std::collections::HashMap::new();
    if selecting {
        let Some((chosen, users)) = crate::select::chosen(client, &server, &bulk.select).await?
        else {
            return Ok(ExitCode::SUCCESS);
        };
        targets = chosen;
        selected_users = users;
    }
    let mut resolved = targets::resolve(client, &mut targets, concurrency, skip_unknown).await?;
    resolved.known.extend(selected_users);
    let receiver = match &args.reassign_to {
        Some(user) => Some(crate::targets::resolve_one(client, user, "--reassign-to").await?),
        None => None,
    };
    // The receiver by name, as the administrator knows them.
    let receiver_name = match receiver {
        Some(id) => Some(match client.user(id).await {
            Ok(user) => crate::output::escape(&super::runner::describe(&user), false).into_owned(),
            Err(_) => id.to_string(),
        }),
        None => None,
    };
    let steps = steps_text(
        receiver_name.as_deref(),
        args.delete,
        args.destroy_documents,
    );
    if targets.is_empty() {
        return super::runner::report_skipped(
            format!("offboard ({steps})"),
            &targets,
            bulk.dry_run,
            report_file,
        );
    }
    // What offboarding does besides disabling, for the plan and the question.
    let foreseen = if bulk.dry_run || (interactive && !bulk.run.yes) {
        let mut options = OffboardOptions::default()
            .delete(args.delete)
            .destroy_documents(args.destroy_documents);
        if let Some(receiver) = receiver {
            options = options.receiver(receiver);
        }
        let consequences = client
            .offboarding_consequences(targets.ids(), &options)
            .await
            .map_err(|e| CliError::portal(e, "cannot foresee the offboarding's consequences"))?;
        if bulk.dry_run {
            let mut lines: Vec<String> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (position, id) in targets.ids().iter().enumerate() {
                if !seen.insert(*id) {
                    continue;
                }
                if let Some(list) = consequences.by_user.get(id) {
                    let said: Vec<String> = list.iter().map(ToString::to_string).collect();
                    lines.push(format!(
                        "  {}: {}",
                        crate::output::escape(&targets.input(position), false),
                        said.join("; ")
                    ));
                }
            }
            if !lines.is_empty() {
                println!("Besides disabling:");
                for line in lines {
                    println!("{line}");
                }
            }
        }
        crate::output::foreseen(&consequences)
    } else {
        None
    };
    if bulk.dry_run {
        println!("Offboarding: {steps}. The first step:");
        let connection = plan::Connection {
            client,
            server: &server,
        };
        return plan::dry_run(
            connection,
            &Change::Status(UserStatus::Terminated),
            &targets,
            resolved,
            concurrency,
            report_file,
        )
        .await;
    }
    let mut options = OffboardOptions::default()
        .delete(args.delete)
        .destroy_documents(args.destroy_documents)
        .bulk(settings.bulk_options());
    if let Some(receiver) = receiver {
        options = options.receiver(receiver);
    }
    let journal = match (&bulk.journal, global.demo) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => None,
        (None, false) => Some(journal::default_path_named("offboard").map_err(CliError::failed)?),
    };
    let journal = match journal {
        Some(path) => {
            let writer = JournalWriter::open(&path).map_err(|e| CliError {
                kind: crate::error::Kind::Usage,
                error: e,
            })?;
            writer.start(&journal::Start {
                portal: client.base_url(),
                server: &server.to_string(),
                change: ChangeRecord::Offboard {
                    offboard: journal::OffboardRecord {
                        receiver,
                        delete: args.delete,
                    },
                },
                ids: targets.ids(),
                receiver,
                unresolved: &targets.unresolved(),
            });
            eprintln!(
                "Journal: {} (`docspace-people undo` re-enables the users not deleted).",
                writer.path().display()
            );
            Some(Arc::new(writer))
        }
        None => None,
    };

    let mut distinct = targets.ids().to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    // Who a deletion takes, named in the question (read only when it is asked).
    let mut deleting = Vec::new();
    if args.delete && interactive && !bulk.run.yes {
        let mut known = resolved.known.clone();
        targets::fetch_missing(client, &distinct, &mut known, concurrency).await?;
        for id in targets.ids() {
            let name = known
                .get(id)
                .map_or_else(|| id.to_string(), super::runner::describe);
            let name = crate::output::escape(&name, false).into_owned();
            if !deleting.contains(&name) {
                deleting.push(name);
            }
        }
    }
    let bar = Bar::new(distinct.len(), "Offboarding");
    let verdict: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let guard = Guard {
        yes: bulk.run.yes,
        interactive,
        max_changes: bulk.run.max_changes,
        portal: client.base_url().to_owned(),
        steps: steps.clone(),
        foreseen,
        deleting,
        verdict: Arc::clone(&verdict),
        bar: bar.clone(),
    };
    let cancel = CancellationToken::new();
    let mut offboard = caller
        .tell_offboard(client.offboard(options))
        .with_cancel_token(cancel.clone())
        .confirm(move |plan| guard.allows(plan));
    let step_bar = bar.clone();
    let step_journal = journal.clone();
    offboard = offboard.on_step(move |id, step| {
        // A user is done at the last step, or at the first that does not succeed.
        let stops = !matches!(step.outcome, Outcome::Changed | Outcome::AlreadyInTarget);
        if stops || step.step == *last_step(receiver, args.delete) {
            step_bar.inc(1);
        }
        if let Some(journal) = &step_journal {
            journal.append(&[Record::Step {
                id,
                step: step.step.as_str().to_owned(),
                outcome: step.outcome.as_str().to_owned(),
                detail: step.detail.clone(),
            }]);
        }
    });
    if let Some(journal) = journal.clone() {
        offboard = offboard.on_sending(move |users| journal.sending(users));
    }
    {
        let journal = journal.clone();
        let disable_bar = bar.clone();
        let only_disable = receiver.is_none() && !args.delete;
        offboard = offboard.on_disabled(move |entries| {
            if let Some(journal) = &journal {
                journal.entries(entries);
            }
            // Users who stop here (or whose only step this is) are done.
            let stopped = entries
                .iter()
                .filter(|e| {
                    only_disable
                        || !matches!(e.outcome, Outcome::Changed | Outcome::AlreadyInTarget)
                })
                .count();
            disable_bar.inc(stopped);
        });
    }
    let watcher = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        }
    });
    let result = offboard.run(targets.ids()).await;
    watcher.abort();
    bar.finish();
    let report = result.map_err(|e| CliError::portal(e, "cannot start the offboarding"))?;
    if let Some(journal) = &journal {
        journal.append(&[Record::End {
            at: journal::now(),
            stopped_until: None,
            // `resume` never continues an offboarding; a declined one is not marked.
            declined: false,
        }]);
        if let Some(error) = journal.error() {
            eprintln!(
                "warning: the journal {} is incomplete: {error}",
                journal.path().display()
            );
        }
    }
    if let Some(declined) = verdict.lock().ok().and_then(|v| v.clone()) {
        return Err(CliError::usage(format_args!(
            "{declined}; nothing was sent"
        )));
    }
    finish(&to_report(&steps, &targets, &report), report_file)
}

fn last_step(receiver: Option<Uuid>, delete: bool) -> &'static Step {
    if delete {
        &Step::Delete
    } else if receiver.is_some() {
        &Step::Reassign
    } else {
        &Step::Disable
    }
}

fn steps_text(receiver: Option<&str>, delete: bool, destroy_documents: bool) -> String {
    let mut steps = vec!["disable".to_owned()];
    if let Some(receiver) = receiver {
        steps.push(format!("move their data to {receiver}"));
    }
    if delete && destroy_documents {
        steps.push("DELETE for good with their documents, mail and Talk files".to_owned());
    } else if delete {
        steps.push("DELETE for good".to_owned());
    }
    steps.join(", then ")
}

/// The guard rails: `--max-changes`, and a question on a terminal; deletion asks for the count.
struct Guard {
    yes: bool,
    interactive: bool,
    max_changes: Option<usize>,
    portal: String,
    steps: String,
    /// What offboarding does besides disabling, said in the question.
    foreseen: Option<String>,
    /// The users a deletion would take, by name, for the question.
    deleting: Vec<String>,
    verdict: Arc<Mutex<Option<String>>>,
    bar: Bar,
}

/// Names listed in the deletion question; the rest are counted.
const DELETING_SHOWN: usize = 30;

impl Guard {
    fn allows(&self, plan: &OffboardPlan) -> bool {
        let users = plan.to_disable + plan.already_disabled;
        let declined = match self.max_changes {
            Some(max) if users > max => Some(format!(
                "this offboarding would touch {users} users, more than --max-changes {max}"
            )),
            _ if self.yes || !self.interactive => None,
            _ if plan.to_delete > 0 => {
                let mut listed: String = self
                    .deleting
                    .iter()
                    .take(DELETING_SHOWN)
                    .map(|name| format!("  {name}\n"))
                    .collect();
                if self.deleting.len() > DELETING_SHOWN {
                    listed.push_str(&format!(
                        "  ... and {} more (--dry-run --report FILE lists them all)\n",
                        self.deleting.len() - DELETING_SHOWN
                    ));
                }
                let foreseen = self
                    .foreseen
                    .as_deref()
                    .map_or_else(String::new, |f| format!("It also does this: {f}.\n"));
                let question = format!(
                    "About to offboard {users} users on {} ({}): {} to disable, {} already \
                     disabled, {} refused or unknown.\nThese users, but those refused, will be \
                     DELETED for good:\n{listed}{foreseen}{} users will be DELETED for good; \
                     this cannot be undone. Type {} to confirm: ",
                    self.portal,
                    self.steps,
                    plan.to_disable,
                    plan.already_disabled,
                    plan.refused,
                    plan.to_delete,
                    plan.to_delete
                );
                let answer =
                    tokio::task::block_in_place(|| self.bar.suspend(|| read_answer(&question)));
                (answer.trim() != plan.to_delete.to_string()).then(|| "not confirmed".to_owned())
            }
            _ if users > 20 => {
                let foreseen = self
                    .foreseen
                    .as_deref()
                    .map_or_else(String::new, |f| format!("\nIt also does this: {f}."));
                let question = format!(
                    "About to offboard {users} users on {} ({}).{foreseen}\nContinue? [y/N] ",
                    self.portal, self.steps
                );
                let yes = tokio::task::block_in_place(|| self.bar.suspend(|| ask(&question)));
                (!yes).then(|| "not confirmed".to_owned())
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

/// One row per user: the outcome of the step where their pipeline ended, and every step in
/// the detail.
pub(super) fn to_report(
    steps: &str,
    targets: &Targets,
    report: &OffboardReport,
) -> Report<'static> {
    let planned = report.steps.len();
    let (skipped_refused, skipped_failed) = targets.skipped_counts();
    let mut counts = [0usize; ROW_OUTCOMES.len()];
    let users: Vec<Row> = report
        .users
        .iter()
        .map(|user| {
            let (source, input) = source_and_input(targets, user.position);
            let outcome = row_outcome(user, planned);
            let index = ROW_OUTCOMES.iter().position(|o| *o == outcome).unwrap_or(3);
            counts[index] += 1;
            let mut detail: Vec<String> = user
                .steps
                .iter()
                .map(|s| match &s.detail {
                    Some(d) => format!("{}: {} ({d})", s.step.as_str(), s.outcome.as_str()),
                    None => format!("{}: {}", s.step.as_str(), s.outcome.as_str()),
                })
                .collect();
            if user.steps.len() < planned {
                detail.push("stopped: later steps not run".to_owned());
            }
            Row {
                source,
                input,
                id: user.id,
                outcome,
                detail: Some(detail.join("; ")),
            }
        })
        .collect();
    Report {
        change: format!("offboard ({steps})"),
        dry_run: false,
        cancelled: report.cancelled,
        from_journal: false,
        stopped_by_limit: report.stopped_by_limit.map(crate::report::limit_stop),
        requests: report.requests,
        reads: report.reads,
        counts: vec![
            ("completed", counts[0]),
            ("already_offboarded", counts[1]),
            ("refused", counts[2] + skipped_refused),
            ("failed", counts[3] + skipped_failed),
            ("unknown", counts[4]),
            ("partly_done", counts[5]),
            ("duplicates", report.duplicates.len()),
        ],
        users: Rows::Listed(users),
        duplicates: duplicate_rows(targets, &report.duplicates),
        skipped: targets.skipped().iter().map(|s| s.row(false)).collect(),
        next: None,
    }
}

/// What a report row can say: `changed` when every step succeeded and one changed something,
/// `already_in_target` when every step found its work done, the outcome of the step that
/// stopped the pipeline when nothing had changed before it, and `partial` when an earlier step
/// changed the user (disabled them, say) and a later one did not succeed.
const ROW_OUTCOMES: [&str; 6] = [
    "changed",
    "already_in_target",
    "refused",
    "failed",
    "unknown",
    "partial",
];

fn row_outcome(user: &OffboardUser, planned: usize) -> &'static str {
    let outcomes: Vec<&str> = user.steps.iter().map(|s| s.outcome.as_str()).collect();
    steps_outcome(&outcomes, planned)
}

/// A user's row outcome from the outcomes of the steps run for them, in order, of `planned`.
fn steps_outcome(outcomes: &[&str], planned: usize) -> &'static str {
    let succeeded = |o: &str| matches!(o, "changed" | "already_in_target");
    let changed_any = outcomes.contains(&"changed");
    if outcomes.len() >= planned && outcomes.iter().all(|o| succeeded(o)) {
        return if changed_any {
            "changed"
        } else {
            "already_in_target"
        };
    }
    match outcomes.iter().find(|o| !succeeded(o)) {
        Some(_) if changed_any => "partial",
        Some(&"refused") => "refused",
        Some(&"unknown") => "unknown",
        Some(_) => "failed",
        // Every step run succeeded, but not all ran: cancelled between steps.
        None if changed_any => "partial",
        None => "failed",
    }
}

/// The report of an offboarding from its journal: every step of every user, as the run's own
/// report gives them.
pub(super) fn journal_report<'a>(
    journal: &'a journal::Journal,
    targets: &'a Targets,
    receiver: Option<Uuid>,
    delete: bool,
) -> Report<'a> {
    let mut planned = vec!["disable"];
    if receiver.is_some() {
        planned.push("reassign");
    }
    if delete {
        planned.push("delete");
    }
    let planned_len = planned.len();
    let row = move |position: usize| {
        let id = *journal.ids.get(position)?;
        let (outcome, detail) = journal_row(journal, id, planned_len);
        let (source, input) = source_and_input(targets, position);
        Some(Row {
            source,
            input,
            id,
            outcome,
            detail: Some(detail),
        })
    };
    let mut counts = [0usize; ROW_OUTCOMES.len()];
    for id in &journal.ids {
        let outcome = journal_row(journal, *id, planned_len).0;
        if let Some(index) = ROW_OUTCOMES.iter().position(|o| *o == outcome) {
            counts[index] += 1;
        }
    }
    Report {
        change: format!(
            "offboard ({})",
            steps_text(receiver.map(|r| r.to_string()).as_deref(), delete, false)
        ),
        dry_run: false,
        cancelled: false,
        from_journal: true,
        stopped_by_limit: None,
        requests: 0,
        reads: 0,
        counts: vec![
            ("completed", counts[0]),
            ("already_offboarded", counts[1]),
            ("refused", counts[2]),
            ("failed", counts[3]),
            ("unknown", counts[4]),
            ("partly_done", counts[5]),
        ],
        users: Rows::Made {
            len: journal.ids.len(),
            positions: journal.ids.len(),
            row: Box::new(row),
        },
        duplicates: Vec::new(),
        skipped: Vec::new(),
        next: None,
    }
}

/// One user's outcome and steps, from the journal.
fn journal_row(journal: &journal::Journal, id: Uuid, planned: usize) -> (&'static str, String) {
    let Some((disable, disable_detail, _)) = journal.outcome(&id) else {
        return (
            "failed",
            "not sent: the run stopped before it (run the same offboard again)".to_owned(),
        );
    };
    let disable = journal::outcome_name(disable);
    let mut outcomes = vec![disable];
    let mut detail = vec![match disable_detail {
        Some(d) => format!("disable: {disable} ({d})"),
        None => format!("disable: {disable}"),
    }];
    for step in journal.steps.get(&id).into_iter().flatten() {
        outcomes.push(step.outcome.as_str());
        detail.push(match &step.detail {
            Some(d) => format!("{}: {} ({d})", step.step, step.outcome),
            None => format!("{}: {}", step.step, step.outcome),
        });
    }
    if outcomes.len() < planned {
        detail.push("stopped: later steps not run".to_owned());
    }
    (steps_outcome(&outcomes, planned), detail.join("; "))
}
