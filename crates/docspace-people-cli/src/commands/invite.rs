//! `invite`: new invitations by e-mail, each address reported as the portal shows it after.

use std::process::ExitCode;

use docspace_people::bulk::Outcome;
use docspace_people::{Invitation, InviteOptions, InviteReport, Uuid};

use super::runner::{finish, guard_up_front, sign_in};
use crate::cli::{GlobalArgs, InviteArgs};
use crate::error::{CliError, CliResult};
use crate::report::{Report, ReportFile, Row, Rows};
use crate::session::{self, connect};
use crate::settings::Settings;
use crate::targets::{self, Targets};

/// Reads the addresses, then invites them (or, with `--dry-run`, shows who would be invited).
pub async fn run(global: &GlobalArgs, args: InviteArgs) -> CliResult<ExitCode> {
    let targets = targets::read(&args.emails, args.from.as_deref(), args.column.as_deref())?;
    let ids: Vec<String> = (0..targets.len())
        .filter(|&p| !targets.is_email(p))
        .map(|p| {
            format!(
                "{}: `{}` is a user id; invitations go to e-mail addresses",
                targets.origin(p),
                targets.input(p)
            )
        })
        .collect();
    if !ids.is_empty() {
        return Err(targets::input_problems(
            "the input has user ids where addresses are needed",
            ids,
        ));
    }
    let report_file = args
        .run
        .report
        .as_deref()
        .map(|path| ReportFile::create(path, args.run.report_format, args.from.as_deref()))
        .transpose()?;
    let settings = Settings::new(&args.run, None);

    let session = connect(global)?;
    let client = &session.client;
    let server = session::server(client, global).await?;
    if !server.has_invitations() {
        return Err(CliError::usage(format_args!(
            "{server} has no invitations by e-mail; nothing was sent"
        )));
    }
    let user_type = server
        .user_type_named(&args.user_type)
        .map_err(|e| CliError::portal(e, "invite --type"))?;
    sign_in(client, global).await?;
    let emails: Vec<String> = (0..targets.len()).map(|p| targets.input(p)).collect();
    let type_name = server.type_name(&user_type).unwrap_or("?");

    let invitations: Vec<Invitation> = emails
        .iter()
        .map(|email| Invitation::new(email.clone(), user_type.clone()))
        .collect();
    if args.dry_run {
        // The same checks as the run, so that the table says what the run would do.
        let planned = client
            .plan_invitations(&invitations)
            .await
            .map_err(|e| CliError::portal(e, "cannot look the addresses up"))?;
        let rows: Vec<[String; 2]> = planned
            .entries
            .iter()
            .map(|entry| {
                let plan = match entry.outcome {
                    Outcome::Unknown => format!("invite as {type_name}"),
                    _ => entry.detail.clone().unwrap_or_default(),
                };
                [entry.email.clone(), plan]
            })
            .collect();
        crate::output::to_stdout(|out| {
            crate::output::write_aligned(out, &["ADDRESS", "PLAN"], &rows)
        })
        .map_err(CliError::failed)?;
        eprintln!("Dry run: nothing was sent.");
        return Ok(ExitCode::SUCCESS);
    }

    let count = emails.len();
    guard_up_front(count, &settings, "invitations", || {
        format!(
            "Invite up to {count} addresses as {type_name} on {}? [y/N] ",
            client.base_url()
        )
    })?;
    let report = client
        .invite(&invitations, &InviteOptions::default())
        .await
        .map_err(|e| CliError::portal(e, "invite"))?;
    let report = to_report(&format!("invite as {type_name}"), &targets, &report);
    finish(&report, report_file)
}

/// The CLI report of an invitation run: one row per address.
pub fn to_report(name: &str, targets: &Targets, invited: &InviteReport) -> Report<'static> {
    to_report_with(
        name,
        &|position| {
            (
                targets.origin(position).to_string(),
                targets.input(position),
            )
        },
        invited,
    )
}

/// The same, with each position's source and input from `given`.
pub fn to_report_with(
    name: &str,
    given: &dyn Fn(usize) -> (String, String),
    invited: &InviteReport,
) -> Report<'static> {
    let row = |position: usize, id: Option<Uuid>, outcome: &'static str, detail: Option<String>| {
        let (source, input) = given(position);
        Row {
            source,
            input,
            id: id.unwrap_or_else(Uuid::nil),
            outcome,
            detail,
        }
    };
    let users = invited
        .entries
        .iter()
        .map(|e| row(e.position, e.id, e.outcome.as_str(), e.detail.clone()))
        .collect();
    let duplicates = invited
        .duplicates
        .iter()
        .map(|&(position, first)| {
            let detail = Some(format!("same address as {}; sent once", given(first).0));
            row(position, None, "duplicate", detail)
        })
        .collect();
    let counts = Outcome::ALL
        .into_iter()
        .map(|o| (o.as_str(), invited.count(o)))
        .collect();
    Report {
        change: name.to_owned(),
        dry_run: false,
        cancelled: false,
        stopped_by_limit: None,
        from_journal: false,
        requests: invited.requests as usize,
        reads: 0,
        counts,
        users: Rows::Listed(users),
        duplicates,
        skipped: Vec::new(),
        next: None,
    }
}
