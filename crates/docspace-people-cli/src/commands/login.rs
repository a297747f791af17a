//! `login` and `logout`: the stored session token.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use docspace_people::Client;
use docspace_people::secrecy::ExposeSecret;

use crate::cli::{GlobalArgs, LoginArgs};
use crate::config::{self, Config};
use crate::error::{CliError, CliResult, Kind};
use crate::session;

/// The environment variable a password may come from.
const PASSWORD_VAR: &str = "DOCSPACE_PASSWORD";

/// Signs in with a user name and password and stores the session token.
pub async fn login(global: &GlobalArgs, args: LoginArgs) -> CliResult<ExitCode> {
    if global.demo {
        return Err(CliError::usage(
            "login does not work with --demo: the demo portal ends with the command; use --demo \
             with any other command instead",
        ));
    }
    let path =
        config::path(global.config_dir.as_deref(), global.profile.as_deref()).map_err(usage)?;
    let portal = match &global.portal {
        Some(portal) => portal.clone(),
        None => match config::load(&path).map_err(usage)? {
            Some(stored) => stored.portal,
            None => {
                return Err(CliError::usage(
                    "which portal? pass --portal URL or set DOCSPACE_URL",
                ));
            }
        },
    };
    let user = match args.user {
        Some(user) => user,
        None => ask_user_name()?,
    };
    let password = read_password(args.password_stdin)?;
    let client = session::configure(Client::builder(portal.clone()), global)
        .login(&user, &password)
        .await
        .map_err(|e| {
            let shown = session::shown_url(&portal);
            session::client_error(e, format_args!("cannot sign in to {shown} as {user}"))
        })?;
    drop(password);
    let token = client
        .session_token()
        .map(|t| t.expose_secret().to_owned())
        .ok_or_else(|| CliError {
            kind: Kind::Portal,
            error: anyhow::anyhow!("the portal issued no session token"),
        })?;
    let (name, user_id) = match client.me().await {
        Ok(me) => (super::runner::describe(&me), Some(me.id)),
        Err(e) => {
            tracing::warn!(error = %e, "signed in, but cannot read the profile");
            (user, None)
        }
    };
    // Kept, so that later commands need not ask (see `config::SERVER_KEPT`).
    let server = client
        .server()
        .await
        .ok()
        .map(|server| config::KnownServer {
            name: server.to_string(),
            checked: config::now_secs(),
        });
    let config = Config {
        portal: client.base_url().to_owned(),
        token,
        user: Some(name.clone()),
        user_id,
        server,
    };
    if let Ok(Some(replaced)) = config::load(&path)
        && !replaced.is_for(&config.portal)
    {
        eprintln!(
            "This replaces the stored sign-in for {} ({}); `login --profile NAME` keeps \
             several.",
            replaced.portal,
            global.profile.as_deref().map_or_else(
                || "the default profile".to_owned(),
                |p| format!("the profile `{p}`")
            )
        );
    }
    config::save(&path, &config).map_err(CliError::failed)?;
    println!(
        "Signed in to {} as {}. The session token is stored in {} (readable only by you).",
        config.portal,
        crate::output::escape(&name, false),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Forgets the stored session token.
pub fn logout(global: &GlobalArgs) -> CliResult<ExitCode> {
    let path =
        config::path(global.config_dir.as_deref(), global.profile.as_deref()).map_err(usage)?;
    if config::remove(&path).map_err(CliError::failed)? {
        println!("Removed the stored session token ({}).", path.display());
    } else {
        println!("No stored session token ({}).", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `whoami`: who the credentials sign in as, on which portal and server, and whether they
/// still work (exit 0), or why not (exit 3).
pub async fn whoami(global: &GlobalArgs) -> CliResult<ExitCode> {
    let session = session::connect(global)?;
    let client = &session.client;
    let credentials = match (&global.token, &global.api_key, &global.profile) {
        (Some(_), _, _) => "the token given".to_owned(),
        (None, Some(_), _) => "the API key given".to_owned(),
        _ if global.demo => "the demo portal's owner".to_owned(),
        (None, None, Some(profile)) => format!("the profile `{profile}`"),
        (None, None, None) => "the default profile".to_owned(),
    };
    let server = session::server(client, global).await?;
    let user = match client.me().await {
        Ok(me) => {
            let kind = me
                .user_type_on(&server)
                .map(|t| format!(", {}", crate::output::type_name(Some(&t), &server)))
                .unwrap_or_default();
            format!(
                "{}{kind}",
                crate::output::escape(&super::runner::describe(&me), false)
            )
        }
        Err(docspace_people::Error::Forbidden { .. }) => {
            "an API key that cannot read its own profile (no accounts.self:read scope)".to_owned()
        }
        Err(e) => {
            return Err(CliError::portal(
                e,
                format_args!("{credentials} does not work on {}", client.base_url()),
            ));
        }
    };
    println!("Portal:      {}", client.base_url());
    println!("Server:      {server}");
    println!("Signed in:   {user}");
    println!("Credentials: {credentials}, working.");
    Ok(ExitCode::SUCCESS)
}

/// Lists the stored profiles and their portals.
pub fn profiles(global: &GlobalArgs) -> CliResult<ExitCode> {
    let found = config::profiles(global.config_dir.as_deref()).map_err(usage)?;
    if found.is_empty() {
        println!("No stored profile: `docspace-people login [--profile NAME]` stores one.");
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 3]> = found
        .into_iter()
        .map(|(name, config)| {
            [
                name.unwrap_or_else(|| "(default)".to_owned()),
                config.portal,
                config.user.map_or_else(
                    || "-".to_owned(),
                    |u| crate::output::escape(&u, false).into_owned(),
                ),
            ]
        })
        .collect();
    crate::output::to_stdout(|out| {
        crate::output::write_aligned(out, &["PROFILE", "PORTAL", "SIGNED IN AS"], &rows)?;
        writeln!(
            out,
            "`docspace-people whoami [--profile NAME]` checks that a sign-in still works."
        )
    })
    .map_err(CliError::failed)?;
    Ok(ExitCode::SUCCESS)
}

fn usage(error: anyhow::Error) -> CliError {
    CliError {
        kind: Kind::Usage,
        error,
    }
}

fn ask_user_name() -> CliResult<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::usage(
            "no user name: pass --user EMAIL (stdin is not a terminal to ask on)",
        ));
    }
    eprint!("User name (email): ");
    std::io::stderr().flush().map_err(CliError::failed)?;
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format_args!("cannot read the user name: {e}")))?;
    let user = line.trim().to_owned();
    if user.is_empty() {
        return Err(CliError::usage("no user name given"));
    }
    Ok(user)
}

fn read_password(from_stdin: bool) -> CliResult<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::usage(format_args!("cannot read the password: {e}")))?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            return Err(CliError::usage("no password on standard input"));
        }
        return Ok(password);
    }
    if let Ok(password) = std::env::var(PASSWORD_VAR)
        && !password.is_empty()
    {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ")
            .map_err(|e| CliError::usage(format_args!("cannot read the password: {e}")));
    }
    Err(CliError::usage(format_args!(
        "no password: use --password-stdin, set {PASSWORD_VAR}, or run on a terminal"
    )))
}
