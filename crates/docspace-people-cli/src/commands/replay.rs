//! `resume` and `undo`: runs made from a journal.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::ExitCode;

use docspace_people::Uuid;
use docspace_people::bulk::Change;

use super::runner::{self, Context};
use crate::cli::{GlobalArgs, JournalReportArgs, ReplayArgs, UndoArgs};
use crate::error::{CliError, CliResult, Kind};
use crate::journal::{self, Journal};
use crate::output::change_name;
use crate::report::{Report, ReportFile, Row, Rows};
use crate::session::{self, connect};
use crate::settings::Settings;
use crate::targets::Targets;

/// Reads a journal, naming the file in any error.
fn read(path: &Path) -> CliResult<Journal> {
    Journal::read(path).map_err(|error| CliError {
        kind: Kind::Usage,
        error,
    })
}

/// Reads a journal that will decide whom a command changes: one whose seals do not verify is
/// refused unless `trust` (`--trust-journal`), and then only with a warning.
fn read_trusted(path: &Path, trust: bool) -> CliResult<Journal> {
    let journal = read(path)?;
    if let Some(problem) = journal.sealed.problem() {
        if !trust {
            return Err(CliError::usage(format_args!(
                "the journal {} cannot be trusted: {problem}. Check it, then pass \
                 --trust-journal to use it anyway",
                path.display()
            )));
        }
        eprintln!(
            "warning: {}: {problem}; used as --trust-journal asks.",
            path.display()
        );
    }
    Ok(journal)
}

/// The global options, pointed at the journal's portal when none was given. Credentials go only
/// to a portal the user named for them: a token or API key given on the command line or in the
/// environment is refused for the journal's portal unless `--portal` (or `DOCSPACE_URL`) names
/// it too, since a journal handed over could name any host; a stored profile's token goes only
/// to that profile's own portal.
fn global_for(global: &GlobalArgs, journal: &Journal) -> CliResult<GlobalArgs> {
    let mut global = global.clone();
    match &global.portal {
        None if global.token.is_some() || global.api_key.is_some() => {
            return Err(CliError::usage(format_args!(
                "the journal names the portal {}; your token or API key is sent there only if \
                 you name it too: pass --portal {} (or set DOCSPACE_URL) if that is the portal \
                 your credentials are for",
                session::shown_url(&journal.portal),
                session::shown_url(&journal.portal)
            )));
        }
        None => {
            // The stored profile of the journal's portal, when the one given is for another.
            let given =
                crate::config::path(global.config_dir.as_deref(), global.profile.as_deref())
                    .ok()
                    .and_then(|path| crate::config::load(&path).ok().flatten());
            if !given.is_some_and(|c| c.is_for(&journal.portal))
                && let Ok(profiles) = crate::config::profiles(global.config_dir.as_deref())
                && let Some((name, _)) = profiles
                    .into_iter()
                    .find(|(_, c)| c.is_for(&journal.portal))
            {
                if let Some(name) = &name {
                    eprintln!("Using the profile `{name}`, which is for the journal's portal.");
                }
                global.profile = name;
            }
            global.portal = Some(journal.portal.clone());
        }
        Some(portal)
            if portal.trim().trim_end_matches('/') != journal.portal.trim_end_matches('/') =>
        {
            return Err(CliError::usage(format_args!(
                "the journal is of {}, not {}",
                journal.portal,
                session::shown_url(portal)
            )));
        }
        Some(_) => {}
    }
    Ok(global)
}

/// Targets named by the journal, for the report: `JOURNAL line N`.
fn targets(path: &Path, ids: Vec<Uuid>) -> CliResult<Targets> {
    Targets::numbered(&path.display().to_string(), ids)
}

/// The change a journal records.
fn change_of(journal: &Journal) -> CliResult<Change> {
    Ok(journal.change.change())
}

/// Sends `change` for `ids` named by the journal at `path`, with no state known beforehand.
async fn send_ids(
    context: Context<'_>,
    change: &Change,
    ids: Vec<Uuid>,
    known: HashMap<Uuid, docspace_people::User>,
    path: &Path,
    settings: &Settings,
    report_file: Option<ReportFile>,
) -> CliResult<ExitCode> {
    let targets = targets(path, ids)?;
    runner::send(context, change, known, &targets, settings, report_file).await
}

/// The journals of a run of several changes (a sync's journal directory), in the order they
/// were written.
fn journals_in(dir: &Path) -> CliResult<Vec<std::path::PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::usage(format_args!("cannot read {}: {e}", dir.display())))?;
    let mut journals: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    journals.sort();
    if journals.is_empty() {
        return Err(CliError::usage(format_args!(
            "{} holds no journals (*.jsonl)",
            dir.display()
        )));
    }
    Ok(journals)
}

/// Whether a part's exit code stops the parts after it: the rate limit, Ctrl-C.
fn stops(code: ExitCode) -> bool {
    code == ExitCode::from(crate::error::STOPPED_BY_LIMIT) || code == ExitCode::from(130)
}

/// `resume JOURNAL`, or every journal of a directory in order.
pub async fn resume(global: &GlobalArgs, args: ReplayArgs) -> CliResult<ExitCode> {
    if !args.journal.is_dir() {
        return resume_one(global, args).await;
    }
    let mut worst = ExitCode::SUCCESS;
    for (index, path) in journals_in(&args.journal)?.into_iter().enumerate() {
        eprintln!("{}:", path.display());
        let mut part = args.clone();
        part.run.report = args
            .run
            .report
            .as_deref()
            .map(|r| crate::report::numbered(r, index));
        part.journal = path;
        let code = resume_one(global, part).await?;
        if stops(code) {
            return Ok(code);
        }
        if worst == ExitCode::SUCCESS {
            worst = code;
        }
    }
    Ok(worst)
}

async fn resume_one(global: &GlobalArgs, args: ReplayArgs) -> CliResult<ExitCode> {
    let journal = read_trusted(&args.journal, args.trust_journal)?;
    if matches!(journal.change, journal::ChangeRecord::Offboard { .. }) {
        return Err(CliError::usage(format_args!(
            "{} is the journal of an offboarding, which `resume` does not continue; run the \
             same `offboard` command again: users already disabled go on to the next steps, \
             and users already deleted are reported as not found",
            args.journal.display()
        )));
    }
    // A declined first run sent nothing and stays declined; a declined resume of a run that
    // sent leaves that run's users to resume.
    if journal.declined && !journal.sent_any() {
        return Err(CliError::usage(format_args!(
            "the last run of {} was declined (not confirmed, or over --max-changes) and sent \
             nothing; `resume` does not send what was declined: run the command again if you \
             want the change",
            args.journal.display()
        )));
    }
    let change = change_of(&journal)?;
    let ids = journal.unsettled(change.is_safe_to_resend());
    if ids.is_empty() && journal.unresolved.is_empty() {
        println!(
            "Nothing to resume: every one of the {} users of {} has a known outcome.",
            journal.ids.len(),
            args.journal.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let report_file = args
        .run
        .report
        .as_deref()
        .map(|path| ReportFile::create(path, args.run.report_format, Some(&args.journal)))
        .transpose()?;
    let global = global_for(global, &journal)?;
    let session = connect(&global)?;
    let client = &session.client;
    let server = session::server(client, &global).await?;
    eprintln!(
        "Resuming {} for {} of {} users ({} have a known outcome and are not sent again).",
        change_name(&change, &server),
        ids.len(),
        journal.ids.len(),
        journal.ids.len() - ids.len()
    );
    // Addresses the last run could not look up are looked up again; one that names no user
    // now is reported refused.
    let mut targets = Targets::numbered(&args.journal.display().to_string(), ids)?;
    if !journal.unresolved.is_empty() {
        eprintln!(
            "Looking up again the {} email addresses the last run could not.",
            journal.unresolved.len()
        );
        targets.add_emails(&journal.unresolved)?;
    }
    let concurrency = Settings::new(&args.run, None).concurrency;
    let resolved = crate::targets::resolve(client, &mut targets, concurrency, true).await?;
    let mut settings = Settings::new(&args.run, Some(args.journal.clone()));
    // Demoted users' rooms go where the first run sent them.
    settings.reassign_to = journal.receiver;
    // What the run needs is in `targets` and `settings`: the journal read goes before it starts.
    drop(journal);
    let context = Context {
        client,
        server: &server,
    };
    if targets.is_empty() {
        return runner::report_skipped(
            change_name(&change, &server),
            &targets,
            args.dry_run,
            report_file,
        );
    }
    if args.dry_run {
        let connection = super::plan::Connection {
            client,
            server: &server,
        };
        return super::plan::dry_run(
            connection,
            &change,
            &targets,
            resolved,
            concurrency,
            report_file,
        )
        .await;
    }
    runner::send(
        context,
        &change,
        resolved.known,
        &targets,
        &settings,
        report_file,
    )
    .await
}

/// `undo JOURNAL`, or every journal of a directory, the last first.
pub async fn undo(global: &GlobalArgs, args: UndoArgs) -> CliResult<ExitCode> {
    let dir = args.replay.journal.clone();
    if !dir.is_dir() {
        return undo_one(global, args).await;
    }
    let invitations = dir.join("00-invitations.json");
    if invitations.exists() {
        eprintln!(
            "Invitations sent cannot be taken back; {} lists them.",
            invitations.display()
        );
    }
    let mut worst = ExitCode::SUCCESS;
    let journals = journals_in(&dir)?;
    for (index, path) in journals.into_iter().rev().enumerate() {
        eprintln!("{}:", path.display());
        let mut part = args.clone();
        part.replay.run.report = args
            .replay
            .run
            .report
            .as_deref()
            .map(|r| crate::report::numbered(r, index));
        part.replay.journal = path;
        // Each part's own journal, when one is named, gets its own file.
        part.own_journal = args
            .own_journal
            .as_deref()
            .map(|j| crate::report::numbered(j, index));
        let code = undo_one(global, part).await?;
        if stops(code) {
            return Ok(code);
        }
        if worst == ExitCode::SUCCESS {
            worst = code;
        }
    }
    Ok(worst)
}

async fn undo_one(global: &GlobalArgs, args: UndoArgs) -> CliResult<ExitCode> {
    let journal = read_trusted(&args.replay.journal, args.replay.trust_journal)?;
    let done = change_of(&journal)?;
    // Users the offboarding deleted though it did not disable them (disabled before): not
    // changed, and not to be left out of the account.
    let mut deleted_only: Vec<Uuid> = journal
        .deleted
        .iter()
        .filter(|id| !journal.is_changed(id))
        .copied()
        .collect();
    deleted_only.sort_unstable();
    if journal.changed().next().is_none() {
        println!(
            "Nothing to undo: the run of {} changed no user.",
            args.replay.journal.display()
        );
        for id in &deleted_only {
            println!(
                "  {id}: not undoable: deleted for good by the offboarding (disabled before \
                 it): a deletion cannot be undone"
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let global_args = global_for(global, &journal)?;
    let session = connect(&global_args)?;
    let client = &session.client;
    let server = session::server(client, &global_args).await?;
    let (mut groups, mut not_undoable, changed_count) = undo_groups(&journal, &done, &server);
    let receiver = match &journal.change {
        journal::ChangeRecord::Offboard {
            offboard: journal::OffboardRecord { receiver, .. },
        } => *receiver,
        _ => None,
    };
    // What the rest needs is in `groups`: the journal read goes before the users are.
    drop(journal);
    for id in deleted_only {
        not_undoable.push((
            id,
            "deleted for good by the offboarding (disabled before it): a deletion cannot be \
             undone"
                .to_owned(),
        ));
    }
    // Only users still as the run left them are restored: a later decision is not undone.
    // Each user is judged as read and let go, group by group: only those no longer as left
    // are kept, and, up to as many users as a plan names, the users whole, so that the runs do
    // not read them again (past that, the runs read their light state themselves).
    let restorable: usize = groups.values().map(|(_, ids)| ids.len()).sum();
    let keep_whole = restorable <= crate::targets::WHOLE_USERS_LIMIT;
    let mut now: HashMap<Uuid, docspace_people::User> = HashMap::new();
    let mut emails: HashMap<Uuid, String> = HashMap::new();
    let concurrency = Settings::new(&args.replay.run, None).concurrency;
    let dry_run = args.replay.dry_run;
    let mut changed_since = 0;
    for (_, ids) in groups.values_mut() {
        let mut not_as_left: Vec<Uuid> = Vec::new();
        let mut absent = client
            .for_each_user_by_id(ids, concurrency, &mut |user| {
                if done.is_satisfied_on(&user, &server) != Some(true) {
                    not_as_left.push(user.id);
                }
                if dry_run && let Some(email) = &user.email {
                    emails.insert(user.id, email.clone());
                }
                if keep_whole {
                    now.insert(user.id, user);
                }
            })
            .await
            .map_err(|e| CliError::portal(e, "cannot read the users to undo"))?;
        absent.sort_unstable();
        not_as_left.sort_unstable();
        ids.retain(|id| {
            let reason = if absent.binary_search(id).is_ok() {
                "no longer exists"
            } else if not_as_left.binary_search(id).is_err() || args.force {
                return true;
            } else {
                "changed since the run (not as it left them); not undone without --force"
            };
            changed_since += 1;
            not_undoable.push((*id, reason.to_owned()));
            false
        });
    }
    groups.retain(|_, (_, ids)| !ids.is_empty());
    if changed_since > 0 {
        eprintln!("{changed_since} users are no longer as the run left them and are not undone.");
    }
    println!(
        "Undo of {} ({} users changed):",
        args.replay.journal.display(),
        changed_count
    );
    for (name, (_, ids)) in &groups {
        println!("  {name}: {} users", ids.len());
    }
    for (id, reason) in &not_undoable {
        println!("  {id}: not undoable: {reason}");
    }
    if let Some(receiver) = receiver {
        println!("  Note: data moved to {receiver} stays there; undo only re-enables the users.");
    }
    if args.replay.dry_run {
        // Who would be restored, one row each, as every other dry run shows it.
        let rows: Vec<[String; 3]> = groups
            .iter()
            .flat_map(|(name, (_, ids))| {
                ids.iter().map(|id| {
                    let email = emails.get(id).cloned().unwrap_or_default();
                    [id.to_string(), email, name.clone()]
                })
            })
            .collect();
        if !rows.is_empty() {
            crate::output::to_stdout(|out| {
                crate::output::write_aligned(out, &["USER", "EMAIL", "WOULD RESTORE"], &rows)
            })
            .map_err(CliError::failed)?;
        }
        println!("Dry run: nothing is sent.");
        return Ok(ExitCode::SUCCESS);
    }
    let own_journal = match args.own_journal {
        Some(path) => Some(path),
        None if global.demo => None,
        None => Some(journal::default_path(&done).map_err(CliError::failed)?),
    };
    let settings = Settings::new(&args.replay.run, own_journal);
    let mut worst = 0u8;
    for (index, (name, (change, ids))) in groups.into_iter().enumerate() {
        if runner::interrupted() {
            // One Ctrl-C stops the whole undo, not only the run it came in.
            eprintln!("Interrupted: {name} for {} users not started.", ids.len());
            worst = worst.max(1);
            continue;
        }
        let report_file = args
            .replay
            .run
            .report
            .as_deref()
            .map(|path| {
                let path = crate::report::numbered(path, index);
                ReportFile::create(
                    &path,
                    args.replay.run.report_format,
                    Some(&args.replay.journal),
                )
            })
            .transpose()?;
        let context = Context {
            client,
            server: &server,
        };
        // The users just read to check them (when kept) are not read again by the run.
        let known = ids
            .iter()
            .filter_map(|id| now.get(id).map(|user| (*id, user.clone())))
            .collect();
        let code = send_ids(
            context,
            &change,
            ids,
            known,
            &args.replay.journal,
            &settings,
            report_file,
        )
        .await?;
        worst = worst.max(exit_number(code));
    }
    if !not_undoable.is_empty() {
        worst = worst.max(1);
    }
    Ok(ExitCode::from(worst))
}

/// The users a journal's run changed, by the change that restores them (in a stable order),
/// the users none can restore with why, and how many users the run changed. Each group's list
/// is made at its final size: for a million users, a list grown by doubling would hold twice
/// its ids for a moment, beside the journal.
fn undo_groups(
    journal: &Journal,
    done: &Change,
    server: &docspace_people::Server,
) -> (UndoGroups, Vec<(Uuid, String)>, usize) {
    let restoring = |id: &Uuid, prior: Option<&docspace_people::bulk::Prior>| {
        if journal.deleted.contains(id) {
            Err("deleted for good by the offboarding: a deletion cannot be undone".to_owned())
        } else {
            done.undo(prior, server)
                .map_err(|reason| reason.to_string())
        }
    };
    // First how many each change restores, then the lists at that size.
    let mut sizes: BTreeMap<String, (Change, usize)> = BTreeMap::new();
    let mut not_undoable = Vec::new();
    let mut changed_count = 0;
    for (id, prior) in journal.changed() {
        changed_count += 1;
        match restoring(&id, prior.as_ref()) {
            Ok(change) => {
                sizes
                    .entry(change_name(&change, server))
                    .or_insert((change, 0))
                    .1 += 1
            }
            Err(reason) => not_undoable.push((id, reason)),
        }
    }
    let mut groups: UndoGroups = sizes
        .into_iter()
        .map(|(name, (change, size))| (name, (change, Vec::with_capacity(size))))
        .collect();
    for (id, prior) in journal.changed() {
        if let Ok(change) = restoring(&id, prior.as_ref())
            && let Some((_, ids)) = groups.get_mut(&change_name(&change, server))
        {
            ids.push(id);
        }
    }
    (groups, not_undoable, changed_count)
}

/// The users to undo by the change that restores them, named as the run names it.
type UndoGroups = BTreeMap<String, (Change, Vec<Uuid>)>;

/// `report JOURNAL`: the per-user report of every run the journal holds, by each user's last
/// outcome; users never settled (the run died first) are failed "not sent".
pub fn report(args: JournalReportArgs) -> CliResult<ExitCode> {
    if !args.journal.is_dir() {
        return report_one(args);
    }
    let mut worst = ExitCode::SUCCESS;
    for (index, path) in journals_in(&args.journal)?.into_iter().enumerate() {
        eprintln!("{}:", path.display());
        let part = JournalReportArgs {
            journal: path,
            report: args
                .report
                .as_deref()
                .map(|r| crate::report::numbered(r, index)),
            report_format: args.report_format,
        };
        let code = report_one(part)?;
        if worst == ExitCode::SUCCESS {
            worst = code;
        }
    }
    Ok(worst)
}

fn report_one(args: JournalReportArgs) -> CliResult<ExitCode> {
    let journal = read(&args.journal)?;
    if let Some(problem) = journal.sealed.problem() {
        eprintln!("warning: {}: {problem}.", args.journal.display());
    }
    let change = change_of(&journal)?;
    let report_file = args
        .report
        .as_deref()
        .map(|path| ReportFile::create(path, args.report_format, Some(&args.journal)))
        .transpose()?;
    if let journal::ChangeRecord::Offboard {
        offboard: journal::OffboardRecord { receiver, delete },
    } = &journal.change
    {
        let targets = targets(&args.journal, journal.ids.clone())?;
        let report = super::offboard::journal_report(&journal, &targets, *receiver, *delete);
        return runner::finish(&report, report_file);
    }
    // Each user is the journal's id at its place, shown as such: no second copy of the ids.
    let source: std::sync::Arc<str> = std::sync::Arc::from(args.journal.display().to_string());
    let outcome_of = |id: &Uuid| {
        journal
            .outcome(id)
            .map_or("failed", |(outcome, _, _)| outcome)
    };
    let row = |position: usize| {
        let id = *journal.ids.get(position)?;
        let (outcome, detail) = match journal.outcome(&id) {
            Some((outcome, detail, _)) => (outcome, detail),
            None => (
                "failed",
                Some("not sent: the run stopped before it (resume it)".to_owned()),
            ),
        };
        let origin = crate::targets::Origin::Line {
            source: std::sync::Arc::clone(&source),
            line: position as u64 + 1,
        };
        Some(Row {
            source: origin.to_string(),
            input: id.to_string(),
            id,
            outcome,
            detail,
        })
    };
    let mut counts: Vec<(&'static str, usize)> = [
        "changed",
        "already_in_target",
        "refused",
        "failed",
        "unknown",
    ]
    .into_iter()
    .map(|name| (name, 0))
    .collect();
    for id in &journal.ids {
        let outcome = outcome_of(id);
        if let Some(count) = counts.iter_mut().find(|(name, _)| *name == outcome) {
            count.1 += 1;
        }
    }
    counts.push(("duplicates", 0));
    // A run the daily limit stopped: say until when, as the run itself did.
    let stopped_by_limit = journal.stopped_until.as_deref().map(|until| {
        match chrono::DateTime::parse_from_rfc3339(until) {
            Ok(at) => {
                let at = at.with_timezone(&chrono::Utc);
                let wait = (at - chrono::Utc::now()).num_seconds();
                let shown = at.format("%Y-%m-%d %H:%M UTC").to_string();
                (u64::try_from(wait).unwrap_or(0), shown)
            }
            Err(_) => (0, until.to_owned()),
        }
    });
    let report = Report {
        change: change.to_string(),
        dry_run: false,
        cancelled: false,
        stopped_by_limit,
        from_journal: true,
        requests: 0,
        reads: 0,
        counts,
        users: Rows::Made {
            len: journal.ids.len(),
            positions: journal.ids.len(),
            row: Box::new(row),
        },
        duplicates: Vec::new(),
        skipped: Vec::new(),
        next: None,
    };
    runner::finish(&report, report_file)
}

fn exit_number(code: ExitCode) -> u8 {
    if code == ExitCode::SUCCESS {
        0
    } else if code == ExitCode::from(1) {
        1
    } else {
        4
    }
}
