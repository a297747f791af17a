//! `sync plan`, `sync apply` and `sync --desired FILE`: the portal brought in line with a
//! source of truth, a plan first, then exactly that plan.
//!
//! Applying runs the invitations, then one bulk change per phase of the plan through the shared
//! runner (each with its own journal in the run's journal directory), then the offboarding.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docspace_people::sync::{
    ActionKind, CheckedPlan, Joiners, Leavers, LoginKind, SyncOptions, SyncPlan,
};
use docspace_people::{Client, InviteOptions, Server};

use super::runner::{Context, guard_up_front, send, sign_in};
use crate::cli::{
    GlobalArgs, JoinersArg, LeaversArg, ScopeArg, SyncApplyArgs, SyncCommand, SyncSourceArgs,
    SyncStep,
};
use crate::desired::{self, Desired};
use crate::error::{CliError, CliResult, HELD_BY_SAFEGUARD, STOPPED_BY_LIMIT};
use crate::report::ReportFile;
use crate::session::{self, connect};
use crate::settings::Settings;
use crate::targets::Targets;

/// Rows of each group shown on the terminal; the plan file has every one.
const MAX_SHOWN: usize = 20;

/// Runs `sync`.
pub async fn run(global: &GlobalArgs, args: SyncCommand) -> CliResult<ExitCode> {
    match args.step {
        Some(SyncStep::Plan { source, out }) => {
            let local = Local::read(&source, Some(&out))?;
            let session = connect(global)?;
            let client = &session.client;
            let server = session::server(client, global).await?;
            sign_in(client, global).await?;
            let plan = make_plan(client, &server, &source, local).await?;
            write_plan(&plan, &out)?;
            show_plan(&plan, Some(&out))?;
            Ok(verdict_code(&plan))
        }
        Some(SyncStep::Apply { plan, apply }) => {
            let text = std::fs::read_to_string(&plan).map_err(|e| {
                CliError::usage(format_args!("cannot read {}: {e}", plan.display()))
            })?;
            let mut read: SyncPlan = serde_json::from_str(&text).map_err(|e| {
                CliError::usage(format_args!("{} is not a sync plan: {e}", plan.display()))
            })?;
            let report = apply.run.report.clone();
            let session = connect(global)?;
            let client = &session.client;
            let server = session::server(client, global).await?;
            if global.demo {
                // Each command starts its own demo portal, identical to the one planned on.
                read.portal = client.base_url().to_owned();
            }
            sign_in(client, global).await?;
            apply_plan(client, &server, &read, &apply, report, global.demo).await
        }
        None => {
            let once = args.once;
            let local = Local::read(&once.source, once.out.as_deref())?;
            let report = once.apply.run.report.clone();
            let session = connect(global)?;
            let client = &session.client;
            let server = session::server(client, global).await?;
            sign_in(client, global).await?;
            let plan = make_plan(client, &server, &once.source, local).await?;
            if let Some(out) = &once.out {
                write_plan(&plan, out)?;
            }
            show_plan(&plan, once.out.as_deref())?;
            if plan.verdict.held {
                return Ok(verdict_code(&plan));
            }
            apply_plan(client, &server, &plan, &once.apply, report, global.demo).await
        }
    }
}

/// What is read and checked before the portal is asked anything.
struct Local {
    desired: Desired,
    options: SyncOptions,
}

impl Local {
    fn read(source: &SyncSourceArgs, out: Option<&Path>) -> CliResult<Self> {
        let path = source
            .desired
            .as_deref()
            .ok_or_else(|| CliError::usage("--desired FILE is needed"))?;
        if let Some(out) = out
            && same_file(path, out)
        {
            return Err(CliError::usage(format_args!(
                "--out {} is the desired-state file; the plan never overwrites an input",
                out.display()
            )));
        }
        let desired = desired::read(path, source.key)?;
        let mut options = SyncOptions::default()
            .joiners(match source.joiners {
                JoinersArg::List => Joiners::List,
                JoinersArg::Invite => Joiners::Invite,
            })
            .leavers(match source.leavers {
                LeaversArg::Disable => Leavers::Disable,
                LeaversArg::Offboard => Leavers::Offboard,
            })
            .scope(source.scope.iter().map(|s| match s {
                ScopeArg::Standard => LoginKind::Standard,
                ScopeArg::Sso => LoginKind::Sso,
                ScopeArg::Ldap => LoginKind::Ldap,
            }))
            .allow_small_source(source.allow_small_source);
        for pattern in &source.protect {
            options = options.protect(pattern.clone());
        }
        if let Some(file) = &source.protect_file {
            for pattern in desired::protect_file(file)? {
                options = options.protect(pattern);
            }
        }
        if let Some(limit) = &source.max_leavers {
            options = options.max_leavers(
                limit
                    .parse()
                    .map_err(|e| CliError::portal(e, "--max-leavers"))?,
            );
        }
        if source.leavers == LeaversArg::Offboard && source.reassign_to.is_none() {
            return Err(CliError::usage(
                "--leavers offboard needs --reassign-to USER, who receives the leavers' data",
            ));
        }
        Ok(Local { desired, options })
    }
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

async fn make_plan(
    client: &Client,
    server: &Server,
    source: &SyncSourceArgs,
    local: Local,
) -> CliResult<SyncPlan> {
    let Local {
        desired,
        mut options,
    } = local;
    let rows = desired.on(server)?;
    if let Some(user) = &source.reassign_to {
        options =
            options.reassign_to(crate::targets::resolve_one(client, user, "--reassign-to").await?);
    }
    let origin = desired.source();
    eprintln!("Reading every user of {} ...", client.base_url());
    client
        .plan_sync(&rows, &options, origin)
        .await
        .map_err(|e| CliError::portal(e, "cannot plan the sync"))
}

/// Writes the plan atomically, readable by its owner only: it lists people.
fn write_plan(plan: &SyncPlan, out: &Path) -> CliResult<()> {
    write_json(plan, out)?;
    eprintln!("Plan written to {}.", out.display());
    Ok(())
}

/// Writes `value` as JSON to `out` atomically: a temporary file in the same directory (0600),
/// flushed and synced, then renamed over `out`.
fn write_json(value: &impl serde::Serialize, out: &Path) -> CliResult<()> {
    let dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let write = || -> anyhow::Result<()> {
        let mut temp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut buffered = std::io::BufWriter::new(temp.as_file_mut());
            serde_json::to_writer_pretty(&mut buffered, value)?;
            buffered.write_all(b"\n")?;
            buffered.flush()?;
        }
        temp.as_file().sync_all()?;
        temp.persist(out)?;
        Ok(())
    };
    write().map_err(|e| CliError::failed(e.context(format!("cannot write {}", out.display()))))
}

fn verdict_code(plan: &SyncPlan) -> ExitCode {
    if plan.verdict.held {
        ExitCode::from(HELD_BY_SAFEGUARD)
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints the plan as a readable diff, grouped by action, with counts.
fn show_plan(plan: &SyncPlan, out: Option<&Path>) -> CliResult<()> {
    let escape = |t: &str| crate::output::escape(t, false).into_owned();
    crate::output::to_stdout(|w| {
        writeln!(
            w,
            "Plan for {} ({}), from {} ({} rows):",
            plan.portal, plan.server, plan.source.name, plan.source.rows
        )?;
        if plan.actions.is_empty() {
            writeln!(w, "  nothing to change")?;
        }
        for kind in [
            ActionKind::Invite,
            ActionKind::Enable,
            ActionKind::Type,
            ActionKind::Quota,
            ActionKind::Disable,
            ActionKind::Offboard,
        ] {
            let group: Vec<_> = plan.actions.iter().filter(|a| a.action == kind).collect();
            if group.is_empty() {
                continue;
            }
            writeln!(w, "  {kind} ({}):", group.len())?;
            for action in group.iter().take(MAX_SHOWN) {
                let who = escape(action.email.as_deref().unwrap_or("-"));
                let change = match (&action.from, &action.to, kind) {
                    (_, Some(to), ActionKind::Invite) => format!(" as {to}"),
                    (Some(from), Some(to), ActionKind::Type | ActionKind::Quota) => {
                        format!(": {from} -> {to}")
                    }
                    _ => String::new(),
                };
                let besides = if action.consequences.is_empty() {
                    String::new()
                } else {
                    format!("; {}", escape(&action.consequences.join("; ")))
                };
                writeln!(w, "    {who}{change} ({}{besides})", escape(&action.why))?;
            }
            if group.len() > MAX_SHOWN {
                writeln!(w, "    ... and {} more", group.len() - MAX_SHOWN)?;
            }
        }
        writeln!(
            w,
            "Left alone: {} protected, {} out of scope, {} pending, {} missing, {} unmatched.",
            plan.protected.len(),
            plan.out_of_scope.len(),
            plan.pending.len(),
            plan.missing.len(),
            plan.unmatched.len()
        )?;
        for (name, list) in [("missing", &plan.missing), ("unmatched", &plan.unmatched)] {
            for item in list.iter().take(MAX_SHOWN) {
                let who = item
                    .email
                    .clone()
                    .or_else(|| item.id.map(|id| id.to_string()))
                    .unwrap_or_default();
                let line = item
                    .line
                    .map(|l| format!(" (line {l})"))
                    .unwrap_or_default();
                writeln!(w, "  {name}: {}{line}: {}", escape(&who), escape(&item.why))?;
            }
        }
        let v = &plan.verdict;
        if v.held {
            writeln!(w, "Safeguards: HELD; nothing will be changed:")?;
            for reason in &v.reasons {
                writeln!(w, "  - {reason}")?;
            }
        } else {
            writeln!(
                w,
                "Safeguards: passed ({} leavers, at most {}; {} active users in scope).",
                v.leavers, v.allowed_leavers, v.in_scope_active
            )?;
        }
        if let Some(out) = out {
            writeln!(w, "The whole plan: {}.", out.display())?;
        }
        Ok(())
    })
    .map_err(CliError::failed)
}

/// Checks the plan against the portal and applies what is still as planned.
async fn apply_plan(
    client: &Client,
    server: &Server,
    plan: &SyncPlan,
    args: &SyncApplyArgs,
    report: Option<PathBuf>,
    demo: bool,
) -> CliResult<ExitCode> {
    let mut checked: CheckedPlan = client
        .check_sync(plan)
        .await
        .map_err(|e| CliError::portal(e, "cannot check the plan against the portal"))?;
    if !checked.drifted.is_empty() {
        eprintln!(
            "Drifted since the plan, left alone ({}):",
            checked.drifted.len()
        );
        for d in &checked.drifted {
            eprintln!(
                "  {} {}: {}",
                d.action.action,
                crate::output::escape(d.action.email.as_deref().unwrap_or("-"), false),
                d.describe()
            );
        }
    }
    if checked.verdict.held {
        eprintln!(
            "A safeguard holds the plan against the portal as it is now; nothing was changed:"
        );
        for reason in &checked.verdict.reasons {
            eprintln!("  - {reason}");
        }
        return Ok(ExitCode::from(HELD_BY_SAFEGUARD));
    }
    let drift_code = if checked.drifted.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let total = checked.len();
    if total == 0 {
        println!("Nothing to apply.");
        return Ok(drift_code);
    }
    let invites = checked.invitations.len();
    let phases: Vec<String> = (invites > 0)
        .then(|| format!("invite {invites}"))
        .into_iter()
        .chain(checked.phases.iter().map(|p| match &p.to {
            Some(to) if matches!(p.kind, ActionKind::Type | ActionKind::Quota) => {
                format!("{} {to} {}", p.kind, p.ids.len())
            }
            _ => format!("{} {}", p.kind, p.ids.len()),
        }))
        .collect();
    if args.dry_run {
        println!("Would apply {total} changes: {}.", phases.join(", "));
        eprintln!("Dry run: nothing was sent.");
        return Ok(drift_code);
    }
    guard_up_front(total, &Settings::new(&args.run, None), "changes", || {
        format!(
            "Apply {total} changes ({}) to {}? [y/N] ",
            phases.join(", "),
            client.base_url()
        )
    })?;
    let journal_dir = match (&args.journal, demo) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => None,
        (None, false) => Some(crate::journal::default_dir("sync").map_err(CliError::failed)?),
    };
    if let Some(dir) = &journal_dir {
        crate::config::create_private_dir(dir).map_err(CliError::failed)?;
        // The plan beside its journals: what `report DIR` and a reader of the trail start from.
        write_plan(plan, &dir.join("plan.json"))?;
    }
    let mut worst = drift_code;
    let mut report_index = 0usize;
    let mut next_report = |run: &crate::cli::RunOptions| -> CliResult<Option<ReportFile>> {
        let file = report
            .as_deref()
            .map(|path| {
                ReportFile::create(
                    &crate::report::numbered(path, report_index),
                    run.report_format,
                    None,
                )
            })
            .transpose();
        report_index += 1;
        file
    };

    if !checked.invitations.is_empty() {
        eprintln!("Inviting {} addresses ...", checked.invitations.len());
        let invited = client
            .invite(&checked.invitations, &InviteOptions::default())
            .await
            .map_err(|e| CliError::portal(e, "invite"))?;
        if let Some(dir) = &journal_dir {
            // Invitations are not undone; their record says what was sent.
            write_json(&invited, &dir.join("00-invitations.json"))?;
        }
        let emails: Vec<String> = checked
            .invitations
            .iter()
            .map(|i| i.email.clone())
            .collect();
        let report = super::invite::to_report_with(
            "sync: invite",
            &|position| {
                (
                    format!("plan invitation {}", position + 1),
                    emails.get(position).cloned().unwrap_or_default(),
                )
            },
            &invited,
        );
        let code = super::runner::finish(&report, next_report(&args.run)?)?;
        worst = worse(worst, code);
    }
    let ctx = Context { client, server };
    let address: std::collections::HashMap<docspace_people::Uuid, &str> = plan
        .actions
        .iter()
        .filter_map(|a| Some((a.id?, a.email.as_deref()?)))
        .collect();
    for (index, phase) in checked.phases.iter().enumerate() {
        let label = match &phase.to {
            Some(to) => format!("{}-{}", phase.kind, file_part(to)),
            None => phase.kind.to_string(),
        };
        let targets = Targets::labelled(&format!("sync {label}"), &phase.ids, |id| {
            address.get(id).map(|e| (*e).to_owned())
        })?;
        let code = match &phase.change {
            Some(change) => {
                let journal = journal_dir
                    .as_ref()
                    .map(|dir| dir.join(format!("{:02}-{label}.jsonl", index + 1)));
                let mut settings = Settings::new(&args.run, journal);
                settings.yes = true;
                settings.max_changes = None;
                settings.reassign_to = phase.receiver;
                let known = phase
                    .ids
                    .iter()
                    .filter_map(|id| checked.known.remove(id).map(|u| (*id, u)))
                    .collect();
                send(
                    ctx,
                    change,
                    known,
                    &targets,
                    &settings,
                    next_report(&args.run)?,
                )
                .await?
            }
            None => {
                eprintln!(
                    "Offboarding {} leavers (not journaled: check them with `report` of the \
                     status journals, or the report file)...",
                    phase.ids.len()
                );
                let mut options = docspace_people::lifecycle::OffboardOptions::default()
                    .delete(false)
                    .bulk(Settings::new(&args.run, None).bulk_options());
                if let Some(receiver) = phase.receiver {
                    options = options.receiver(receiver);
                }
                let done = client
                    .offboard(options)
                    .run(&phase.ids)
                    .await
                    .map_err(|e| CliError::portal(e, "offboard"))?;
                let report = super::offboard::to_report("disable, move data", &targets, &done);
                super::runner::finish(&report, next_report(&args.run)?)?
            }
        };
        worst = worse(worst, code);
        if code == ExitCode::from(STOPPED_BY_LIMIT) || code == ExitCode::from(130) {
            eprintln!("The rest of the plan was not applied; run `sync apply` again later.");
            return Ok(code);
        }
    }
    if let Some(dir) = &journal_dir {
        eprintln!(
            "Journals: {} (`docspace-people report|resume|undo {}`).",
            dir.display(),
            dir.display()
        );
    }
    Ok(worst)
}

fn worse(a: ExitCode, b: ExitCode) -> ExitCode {
    if a == ExitCode::SUCCESS { b } else { a }
}

/// A value as part of a file name: letters, digits, `-` and `.`.
fn file_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
