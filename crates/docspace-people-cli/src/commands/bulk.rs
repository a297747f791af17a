//! `status set`, `type set`, `quota set` and `quota reset`: a change for many users through the
//! bulk engine, with a progress bar, Ctrl-C, a summary and a report.

use std::process::ExitCode;

use docspace_people::bulk::Change;

use super::plan;
use super::runner::{Context, send, sign_in};
use crate::cli::{BulkArgs, GlobalArgs, JobArgs};
use crate::error::{CliError, CliResult};
use crate::journal;
use crate::output::change_name;
use crate::report::ReportFile;
use crate::session::{self, connect};
use crate::settings::Settings;
use crate::targets::{self, Targets};

/// Neither listed nor selected: clap makes this impossible; an error rather than a panic.
fn unreachable_targets() -> CliResult<Targets> {
    Err(CliError::usage("no target users given"))
}

/// [`run`] with the default job settings.
pub async fn run(global: &GlobalArgs, wanted: Wanted, args: BulkArgs) -> CliResult<ExitCode> {
    run_with_jobs(global, wanted, args, JobArgs::default()).await
}

/// The change a bulk command asks for: a type is named in the portal's words and means a
/// number only once the server is known.
pub enum Wanted {
    /// A change that means the same everywhere.
    Change(Change),
    /// A type change, by name.
    TypeNamed(String),
}

/// Reads and checks the targets, connects, resolves emails, then runs the change (or, with
/// `--dry-run`, shows what it would do). Demotions go through the portal's type-change job,
/// `jobs.jobs` at a time, handing rooms to `jobs.reassign_to`.
pub async fn run_with_jobs(
    global: &GlobalArgs,
    wanted: Wanted,
    args: BulkArgs,
    jobs: JobArgs,
) -> CliResult<ExitCode> {
    run_selected(global, wanted, args, jobs, None).await
}

/// Users chosen by what the portal knows rather than listed.
#[derive(Debug, Clone, Copy)]
pub enum Select {
    /// Every user still Pending.
    AllPending,
}

impl Select {
    /// The ids of the users selected, in the portal's order.
    async fn ids(
        self,
        client: &docspace_people::Client,
    ) -> CliResult<(&'static str, Vec<docspace_people::Uuid>)> {
        use futures::TryStreamExt;
        let (label, query) = match self {
            Select::AllPending => (
                "Pending users",
                docspace_people::UserQuery::new().status(docspace_people::UserStatus::Pending),
            ),
        };
        let ids = client
            .find_all_users(query)
            .map_ok(|user| user.id)
            .try_collect()
            .await
            .map_err(|e| CliError::portal(e, format_args!("cannot list {label}")))?;
        Ok((label, ids))
    }
}

/// [`run_with_jobs`], on the users `select` chooses when given (the arguments then name none).
pub async fn run_selected(
    global: &GlobalArgs,
    wanted: Wanted,
    args: BulkArgs,
    jobs: JobArgs,
    select: Option<Select>,
) -> CliResult<ExitCode> {
    // Everything that can be checked without the portal is checked first.
    let selecting = args.select.any();
    crate::select::check_not_both(
        &args.select,
        !args.targets.is_empty() || args.from.is_some(),
    )?;
    let listed = match select {
        None if selecting => None,
        None => Some(targets::read_skipping(
            &args.targets,
            args.from.as_deref(),
            args.column.as_deref(),
            args.skip_unknown || args.dry_run,
        )?),
        Some(_) => None,
    };
    let report_file = args
        .run
        .report
        .as_deref()
        .map(|path| ReportFile::create(path, args.run.report_format, args.from.as_deref()))
        .transpose()?;
    let concurrency = Settings::new(&args.run, None).concurrency;

    let session = connect(global)?;
    let client = &session.client;
    let server = session::server(client, global).await?;
    let change = match wanted {
        Wanted::Change(change) => change,
        Wanted::TypeNamed(name) => Change::Type(
            server
                .user_type_named(&name)
                .map_err(|e| CliError::portal(e, "type set"))?,
        ),
    };
    let caller = sign_in(client, global).await?;
    let mut selected_users = std::collections::HashMap::new();
    let mut targets = match (listed, select) {
        (Some(targets), _) => targets,
        (None, None) if selecting => {
            let Some((targets, users)) =
                crate::select::chosen(client, &server, &args.select).await?
            else {
                return Ok(ExitCode::SUCCESS);
            };
            selected_users = users;
            targets
        }
        (None, Some(select)) => {
            let (label, ids) = select.ids(client).await?;
            if ids.is_empty() {
                println!("No users to send to: the portal has no {label}.");
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("{} users: {label}.", ids.len());
            Targets::numbered(label, ids)?
        }
        (None, None) => unreachable_targets()?,
    };
    // A dry run shows the whole plan, unknown inputs included.
    let mut resolved = targets::resolve(
        client,
        &mut targets,
        concurrency,
        args.skip_unknown || args.dry_run,
    )
    .await?;
    resolved.known.extend(selected_users);
    let receiver = match &jobs.reassign_to {
        Some(user) => Some(crate::targets::resolve_one(client, user, "--reassign-to").await?),
        None => None,
    };
    if targets.is_empty() {
        return super::runner::report_skipped(
            change_name(&change, &server),
            &targets,
            args.dry_run,
            report_file,
        );
    }
    if args.dry_run {
        let connection = plan::Connection {
            client,
            server: &server,
        };
        return plan::dry_run(
            connection,
            &change,
            &targets,
            resolved,
            concurrency,
            report_file,
        )
        .await;
    }

    let journal = match (&args.journal, global.demo) {
        (Some(path), _) => Some(path.clone()),
        // The demo portal vanishes with the command: nothing to resume or undo.
        (None, true) => None,
        (None, false) => Some(journal::default_path(&change).map_err(CliError::failed)?),
    };
    let mut settings = Settings::new(&args.run, journal).with_jobs(&jobs);
    settings.reassign_to = receiver;
    settings.caller = caller;
    send(
        Context {
            client,
            server: &server,
        },
        &change,
        resolved.known,
        &targets,
        &settings,
        report_file,
    )
    .await
}
