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
use super::runner::{
    ask, duplicate_rows, finish, read_answer, resolve_one, sign_in, source_and_input,
};
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
    let mut targets = targets::read_skipping(
        &bulk.targets,
        bulk.from.as_deref(),
        bulk.column.as_deref(),
        skip_unknown,
    )?;
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
    sign_in(client, global.demo).await?;
    let resolved = targets::resolve(client, &mut targets, concurrency, skip_unknown).await?;
    let receiver = match &args.reassign_to {
        Some(user) => Some(resolve_one(client, user, "--reassign-to").await?),
        None => None,
    };
    let steps = steps_text(receiver, args.delete, args.destroy_documents);
    if targets.is_empty() {
        return super::runner::report_skipped(
            format!("offboard ({steps})"),
            &targets,
            bulk.dry_run,
            report_file,
        );
    }
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
        (None, false) => Some(
            journal::default_path(&Change::Status(UserStatus::Terminated))
                .map_err(CliError::failed)?,
        ),
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
    let bar = Bar::new(distinct.len(), "Offboarding");
    let verdict: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let guard = Guard {
        yes: bulk.run.yes,
        interactive,
        max_changes: bulk.run.max_changes,
        portal: client.base_url().to_owned(),
        steps: steps.clone(),
        verdict: Arc::clone(&verdict),
        bar: bar.clone(),
    };
    let cancel = CancellationToken::new();
    let mut offboard = client
        .offboard(options)
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

fn steps_text(receiver: Option<Uuid>, delete: bool, destroy_documents: bool) -> String {
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
    verdict: Arc<Mutex<Option<String>>>,
    bar: Bar,
}

impl Guard {
    fn allows(&self, plan: &OffboardPlan) -> bool {
        let users = plan.to_disable + plan.already_disabled;
        let declined = match self.max_changes {
            Some(max) if users > max => Some(format!(
                "this offboarding would touch {users} users, more than --max-changes {max}"
            )),
            _ if self.yes || !self.interactive => None,
            _ if plan.to_delete > 0 => {
                let question = format!(
                    "About to offboard {users} users on {} ({}): {} to disable, {} already \
                     disabled, {} refused or unknown.\n{} users will be DELETED for good; this \
                     cannot be undone. Type {} to confirm: ",
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
                let question = format!(
                    "About to offboard {users} users on {} ({}). Continue? [y/N] ",
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
    let succeeded = |o: Outcome| matches!(o, Outcome::Changed | Outcome::AlreadyInTarget);
    let changed_any = user.steps.iter().any(|s| s.outcome == Outcome::Changed);
    if user.completed(planned) {
        return if changed_any {
            "changed"
        } else {
            "already_in_target"
        };
    }
    match user.steps.iter().find(|s| !succeeded(s.outcome)) {
        Some(_) if changed_any => "partial",
        Some(step) => step.outcome.as_str(),
        // Every step run succeeded, but not all ran: cancelled between steps.
        None if changed_any => "partial",
        None => "failed",
    }
}
