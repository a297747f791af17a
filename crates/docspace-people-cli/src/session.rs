//! Connecting to a portal: the demo portal, or a real one with a token, an API key or the
//! token `login` stored.

use std::path::PathBuf;
use std::time::Duration;

use docspace_people::bulk::BulkJob;
use docspace_people::lifecycle::Offboard;
use docspace_people::{Client, ClientBuilder, RetryPolicy, Server, User, Uuid};
#[cfg(feature = "demo")]
use docspace_people_fake::{FakePortal, OWNER_EMAIL, PortalConfig, ServerVersion};

use crate::cli::GlobalArgs;
use crate::config;
use crate::error::{CliError, CliResult, Kind};

/// A client ready to use, and the demo portal behind it when `--demo` was given (kept alive
/// for as long as the session).
#[derive(Debug)]
pub struct Session {
    /// The client.
    pub client: Client,
    /// The in-process demo portal, if this is a demo session.
    #[cfg(feature = "demo")]
    #[allow(
        dead_code,
        reason = "held so that the demo portal lives as long as the session"
    )]
    pub demo: Option<FakePortal>,
}

/// Who a command runs as, as far as it is known without asking again.
#[derive(Debug, Clone, Default)]
pub enum Caller {
    /// As `people/@self` answered.
    Read(Box<User>),
    /// Who they are, kept with the profile at `login`.
    Id(Uuid),
    /// Not known (credentials that cannot read their own profile).
    #[default]
    Unknown,
}

impl Caller {
    /// Tells `job` who asks, so that it reads `people/@self` only if it must.
    pub fn tell(&self, job: BulkJob) -> BulkJob {
        match self {
            Caller::Read(me) => job.caller(me),
            Caller::Id(id) => job.caller_id(*id),
            Caller::Unknown => job,
        }
    }

    /// Tells an offboarding who asks, as [`tell`](Self::tell) tells a job.
    pub fn tell_offboard(&self, offboard: Offboard) -> Offboard {
        match self {
            Caller::Read(me) => offboard.caller(me),
            Caller::Id(id) => offboard.caller_id(*id),
            Caller::Unknown => offboard,
        }
    }
}

/// Connects as the global options say. Sends nothing: credentials are checked by the first
/// request.
pub fn connect(global: &GlobalArgs) -> CliResult<Session> {
    if global.demo {
        return start_demo(global);
    }
    let config_path = config::path(global.config_dir.as_deref(), global.profile.as_deref())
        .map_err(|error| CliError {
            kind: Kind::Usage,
            error,
        })?;
    let stored = if global.token.is_some() || global.api_key.is_some() {
        None
    } else {
        config::load(&config_path).map_err(|error| CliError {
            kind: Kind::Usage,
            error,
        })?
    };
    if let (Some(profile), None, None, None) =
        (&global.profile, &stored, &global.token, &global.api_key)
    {
        let names: Vec<String> = config::profiles(global.config_dir.as_deref())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, _)| name)
            .collect();
        return Err(CliError::usage(format_args!(
            "no profile named `{profile}`; {}",
            if names.is_empty() {
                "there are no named profiles: `docspace-people login --profile NAME` stores one"
                    .to_owned()
            } else {
                format!("the profiles are: {}", names.join(", "))
            }
        )));
    }
    let portal = match (&global.portal, &stored) {
        (Some(portal), _) => portal.clone(),
        (None, Some(stored)) => stored.portal.clone(),
        (None, None) => {
            return Err(CliError::usage(
                "no portal given: pass --portal URL, set DOCSPACE_URL, run `docspace-people \
                 login`, or try --demo",
            ));
        }
    };
    let mut builder = configure(Client::builder(portal.clone()), global);
    match (&global.token, &global.api_key, &stored) {
        (Some(_), Some(_), _) => {
            return Err(CliError::usage(
                "both a token and an API key were given (--token/DOCSPACE_TOKEN and \
                 --api-key/DOCSPACE_API_KEY); give only one",
            ));
        }
        (Some(token), None, _) => builder = builder.token(token.clone()),
        (None, Some(key), _) => builder = builder.api_key(key.clone()),
        (None, None, Some(stored)) if stored.is_for(&portal) => {
            tracing::debug!(path = %config_path.display(), "using the stored session token");
            builder = builder.token(stored.token.clone());
            if !global.detect_server
                && let Some(server) = stored.fresh_server(config::now_secs())
            {
                tracing::debug!(%server, "using the server kept with the profile");
                builder = builder.server(server);
            }
        }
        (None, None, stored) => {
            let shown = shown_url(&portal);
            // Signing in without --profile would replace the default profile's sign-in.
            let login = match (stored, &global.profile) {
                (Some(other), None) => format!(
                    "`docspace-people login --portal {shown} --profile NAME` (without --profile \
                     it would replace the default profile, which is for {})",
                    other.portal
                ),
                (_, Some(profile)) => {
                    format!("`docspace-people login --portal {shown} --profile {profile}`")
                }
                (None, None) => format!("`docspace-people login --portal {shown}`"),
            };
            return Err(CliError {
                kind: Kind::Portal,
                error: anyhow::anyhow!(
                    "no credentials for {shown}: pass --token or --api-key (or DOCSPACE_TOKEN / \
                     DOCSPACE_API_KEY), or run {login}"
                ),
            });
        }
    }
    let client = build(builder)?;
    Ok(Session {
        client,
        #[cfg(feature = "demo")]
        demo: None,
    })
}

/// The settings every client of the CLI shares: timeout, retries, and plain http if allowed.
pub fn configure(builder: ClientBuilder, global: &GlobalArgs) -> ClientBuilder {
    builder
        .timeout(Duration::from_secs(global.timeout))
        .retry(RetryPolicy::default().max_attempts(global.max_attempts))
        .allow_insecure_http(global.allow_http)
}

/// The server the client talks to (asked once, unless the profile keeps it); shown on stderr
/// with `-v`. An answer the profile does not keep yet is kept.
pub async fn server(client: &Client, global: &GlobalArgs) -> CliResult<Server> {
    let server = client.server().await.map_err(|e| {
        CliError::portal(
            e,
            format_args!("cannot tell which server {} runs", client.base_url()),
        )
    })?;
    if global.verbose > 0 {
        eprintln!("Server: {server} at {}.", client.base_url());
    }
    if let Some((path, mut stored)) = profile_in_use(global, client)
        && stored.fresh_server(config::now_secs()) != Some(server)
    {
        stored.server = Some(config::KnownServer {
            name: server.to_string(),
            checked: config::now_secs(),
        });
        // Only a saving: the command goes on without it.
        if let Err(error) = config::save(&path, &stored) {
            tracing::warn!(%error, "cannot keep the server with the profile");
        }
    }
    Ok(server)
}

/// The stored profile whose token the client uses, and its path: none with `--token`,
/// `--api-key` or `--demo`, or when it is for another portal.
pub fn profile_in_use(global: &GlobalArgs, client: &Client) -> Option<(PathBuf, config::Config)> {
    if global.demo || global.token.is_some() || global.api_key.is_some() {
        return None;
    }
    let path = config::path(global.config_dir.as_deref(), global.profile.as_deref()).ok()?;
    let stored = config::load(&path).ok()??;
    stored.is_for(client.base_url()).then_some((path, stored))
}

/// A URL as given, without its query or fragment, which may carry a secret.
pub fn shown_url(text: &str) -> &str {
    text.split(['?', '#']).next().unwrap_or_default()
}

/// Builds the client.
pub fn build(builder: ClientBuilder) -> CliResult<Client> {
    builder
        .build()
        .map_err(|e| client_error(e, "cannot set up the client"))
}

/// An error of the client before any change was sent; a refused plain-http URL names the flag
/// that allows it.
pub fn client_error(error: docspace_people::Error, context: impl std::fmt::Display) -> CliError {
    match error {
        docspace_people::Error::InsecureHttp { host } => CliError::usage(format_args!(
            "refusing plain http:// to {host}, which is not this machine: the token or password \
             would cross the network unencrypted. Use https://, or pass --allow-http if you \
             accept that"
        )),
        e => CliError::portal(e, context),
    }
}

#[cfg(not(feature = "demo"))]
fn start_demo(_: &GlobalArgs) -> CliResult<Session> {
    Err(CliError::usage(
        "this docspace-people was built without the `demo` feature, so --demo is not available",
    ))
}

#[cfg(feature = "demo")]
fn start_demo(global: &GlobalArgs) -> CliResult<Session> {
    let wanted = global.demo_server.trim();
    let version: ServerVersion = if wanted.eq_ignore_ascii_case("workspace") {
        ServerVersion::Workspace12_7
    } else {
        wanted
            .parse()
            .map_err(|e| CliError::usage(format_args!("--demo-server: {e}")))?
    };
    let config = PortalConfig::demo().with_version(version);
    let portal = FakePortal::start(config).map_err(|e| CliError {
        kind: Kind::Portal,
        error: anyhow::Error::new(e).context("cannot start the demo portal"),
    })?;
    eprintln!(
        "Note: this is the DEMO portal, a fake {} running inside this process at {} \
         ({} seeded users), signed in as its owner {OWNER_EMAIL}. Nothing leaves this machine \
         and every change vanishes when the command ends.",
        portal.version(),
        portal.base_url(),
        portal.user_count()
    );
    let client =
        build(configure(Client::builder(portal.base_url()), global).token(portal.owner_token()))?;
    Ok(Session {
        client,
        demo: Some(portal),
    })
}
