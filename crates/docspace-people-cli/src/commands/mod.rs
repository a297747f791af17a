//! The commands, one module each.

mod bulk;
mod invite;
mod login;
mod offboard;
mod plan;
mod replay;
mod runner;
mod sync;
mod users;

use std::process::ExitCode;

use docspace_people::bulk::Change;

use crate::cli::{
    Cli, Command, InviteCommand, InviteResend, ProfilesCommand, QuotaCommand, StatusCommand,
    TypeCommand, UsersCommand,
};
use crate::error::CliResult;
use crate::output::to_stdout;
use bulk::Wanted;

/// Runs the command the command line names.
pub async fn run(cli: Cli) -> CliResult<ExitCode> {
    let Cli { global, command } = cli;
    match command {
        Command::Login(args) => login::login(&global, args).await,
        Command::Logout => login::logout(&global),
        Command::Whoami => login::whoami(&global).await,
        Command::Profiles(ProfilesCommand::List) => login::profiles(&global),
        Command::Users(UsersCommand::List(args)) => users::list(&global, args).await,
        Command::Status(StatusCommand::Set { status, bulk }) => {
            bulk::run(&global, Wanted::Change(Change::Status(status.into())), bulk).await
        }
        Command::Type(TypeCommand::Set {
            user_type,
            jobs,
            bulk,
        }) => bulk::run_with_jobs(&global, Wanted::TypeNamed(user_type), bulk, jobs).await,
        Command::Invite(InviteCommand { resend: None, new }) => invite::run(&global, new).await,
        Command::Invite(InviteCommand {
            resend: Some(InviteResend::Resend { all_pending, bulk }),
            ..
        }) => {
            let select = all_pending.then_some(bulk::Select::AllPending);
            let wanted = Wanted::Change(Change::ResendInvitation);
            bulk::run_selected(
                &global,
                wanted,
                bulk,
                crate::cli::JobArgs::default(),
                select,
            )
            .await
        }
        Command::Sync(args) => sync::run(&global, args).await,
        Command::Offboard(args) => offboard::run(&global, args).await,
        Command::Quota(QuotaCommand::Set { quota, bulk }) => {
            bulk::run(&global, Wanted::Change(Change::Quota(quota)), bulk).await
        }
        Command::Quota(QuotaCommand::Reset { bulk }) => {
            bulk::run(&global, Wanted::Change(Change::ResetQuota), bulk).await
        }
        Command::Resume(args) => replay::resume(&global, args).await,
        Command::Undo(args) => replay::undo(&global, args).await,
        Command::Report(args) => replay::report(args),
        Command::Completions { shell } => {
            let script = completion_script(shell);
            to_stdout(|out| out.write_all(script.as_bytes()))
                .map_err(crate::error::CliError::failed)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The completion script for `shell`. clap_complete's bash script names the binary two ways
/// (clap-rs/clap#6421): the words typed spell `docspace-people` as `docspace__people`, the
/// cases of the nested commands as `docspace__subcmd__people`, so nothing after the first word
/// was completed. The cases are renamed to the spelling the words get; once clap_complete is
/// mended there is nothing to rename.
fn completion_script(shell: clap_complete::Shell) -> String {
    const BIN: &str = "docspace-people";
    let mut command = crate::cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, BIN, &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        clap_complete::Shell::Bash => {
            script.replace(&BIN.replace('-', "__subcmd__"), &BIN.replace('-', "__"))
        }
        _ => script,
    }
}
