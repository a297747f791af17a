//! Users chosen by what the portal knows (`--type guest --inactive-for 180d`, ...): the query
//! the selectors make, with group names and inviters resolved, and the users it selects, each
//! with why.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use docspace_people::{Client, LoginKind, QuotaKind, Server, User, UserQuery, Uuid};
use futures::TryStreamExt;

use crate::cli::{QuotaKindArg, ScopeArg, SelectArgs};
use crate::error::{CliError, CliResult};
use crate::targets::Targets;

/// The users a selection chose, in the portal's order, and why each.
#[derive(Debug, Default)]
pub struct Selected {
    /// What chose them, as the command line said it (`--type guest --inactive-for 180d`).
    pub label: String,
    /// The users, whole.
    pub users: Vec<User>,
    /// Why a user was chosen, beyond the filters: their last sign-in before the window, or
    /// that they never signed in.
    pub why: HashMap<Uuid, String>,
}

impl Selected {
    /// The selected users as targets (`user@example.com (no sign-in since ...)`, numbered in
    /// the portal's order), and the users, whole, so that nobody is read twice.
    pub fn targets(self) -> CliResult<(Targets, HashMap<Uuid, User>)> {
        let ids: Vec<Uuid> = self.users.iter().map(|u| u.id).collect();
        let by_id: HashMap<Uuid, User> = self.users.into_iter().map(|u| (u.id, u)).collect();
        let targets = Targets::labelled(&format!("selected by {}", self.label), &ids, |id| {
            let user = by_id.get(id)?;
            let name = user.email.clone().or_else(|| user.display_name.clone())?;
            Some(match self.why.get(id) {
                Some(why) => format!("{name} ({why})"),
                None => name,
            })
        })?;
        Ok((targets, by_id))
    }
}

/// The users `args` select as targets, with the count said on stderr first; `None`, said on
/// stdout, when none match (the command then has nothing to do).
pub async fn chosen(
    client: &Client,
    server: &Server,
    args: &SelectArgs,
) -> CliResult<Option<(Targets, HashMap<Uuid, User>)>> {
    let selected = select(client, server, args).await?;
    if selected.users.is_empty() {
        println!("No users match {}: nothing to do.", selected.label);
        return Ok(None);
    }
    eprintln!("{} users match {}.", selected.users.len(), selected.label);
    selected.targets().map(Some)
}

/// Refuses a list of users given with selectors: a command acts on one or the other.
pub fn check_not_both(args: &SelectArgs, listed: bool) -> CliResult<()> {
    if args.any() && listed {
        return Err(CliError::usage(format_args!(
            "give either users (as arguments or --from) or selectors ({}), not both",
            describe(args)
        )));
    }
    Ok(())
}

/// The query of `args`, with `--group` and `--invited-by` resolved on the portal.
pub async fn query(client: &Client, server: &Server, args: &SelectArgs) -> CliResult<UserQuery> {
    let mut query = UserQuery::new();
    if let Some(text) = &args.text {
        query = query.text(text.clone());
    }
    if let Some(status) = args.status {
        query = query.status(status.into());
    }
    if let Some(name) = &args.user_type {
        let user_type = server
            .user_type_named(name)
            .map_err(|e| CliError::usage(format_args!("--type: {e}")))?;
        query = query.user_type(user_type);
    }
    if let Some(activation) = args.activation {
        query = query.activation_status(activation.into());
    }
    if args.admins {
        query = query.administrators(true);
    } else if args.non_admins {
        query = query.administrators(false);
    }
    if let Some(kind) = args.login_type {
        query = query.login_kind(match kind {
            ScopeArg::Standard => LoginKind::Standard,
            ScopeArg::Sso => LoginKind::Sso,
            ScopeArg::Ldap => LoginKind::Ldap,
        });
    }
    if let Some(group) = &args.group {
        let group = client
            .group_named(group)
            .await
            .map_err(|e| CliError::portal(e, "--group"))?;
        query = query.group(group.id);
    }
    if args.without_group {
        query = query.without_group();
    }
    if args.paid {
        query = query.paid(true);
    } else if args.free {
        query = query.paid(false);
    }
    if let Some(kind) = args.quota_kind {
        query = query.quota_kind(match kind {
            QuotaKindArg::Default => QuotaKind::Default,
            QuotaKindArg::Custom => QuotaKind::Custom,
        });
    }
    if let Some(user) = &args.invited_by {
        let inviter = crate::targets::resolve_one(client, user, "--invited-by").await?;
        query = query.invited_by(inviter);
    }
    Ok(query)
}

/// The start of the `--inactive-for` window, if given.
pub fn inactive_since(args: &SelectArgs) -> Option<DateTime<Utc>> {
    args.inactive_for.map(|d| Utc::now() - d)
}

/// The users `args` select: the query's, narrowed to the inactive ones when asked.
pub async fn select(client: &Client, server: &Server, args: &SelectArgs) -> CliResult<Selected> {
    let query = query(client, server, args).await?;
    let label = describe(args);
    let mut selected = Selected {
        label,
        ..Selected::default()
    };
    match inactive_since(args) {
        None => {
            selected.users = client
                .find_all_users(query)
                .try_collect()
                .await
                .map_err(|e| CliError::portal(e, "cannot list the users selected"))?;
        }
        Some(since) => {
            let idle = client
                .users_inactive_since(since, query)
                .await
                .map_err(|e| CliError::portal(e, "--inactive-for"))?;
            for inactive in idle {
                let why = match inactive.registered {
                    Some(joined) => format!(
                        "no sign-in since {}; joined {}",
                        since.format("%Y-%m-%d"),
                        joined.format("%Y-%m-%d")
                    ),
                    None => format!("no sign-in since {}", since.format("%Y-%m-%d")),
                };
                selected.why.insert(inactive.user.id, why);
                selected.users.push(inactive.user);
            }
        }
    }
    Ok(selected)
}

/// The selectors as the command line gave them.
pub fn describe(args: &SelectArgs) -> String {
    let mut parts = Vec::new();
    let mut flag = |name: &str, value: Option<String>| match value {
        Some(v) => parts.push(format!("--{name} {v}")),
        None => parts.push(format!("--{name}")),
    };
    if let Some(v) = &args.text {
        flag("text", Some(v.clone()));
    }
    if let Some(v) = args.status {
        flag("status", Some(format!("{v:?}").to_lowercase()));
    }
    if let Some(v) = &args.user_type {
        flag("type", Some(v.clone()));
    }
    if let Some(v) = args.activation {
        flag("activation", Some(format!("{v:?}").to_lowercase()));
    }
    if args.admins {
        flag("admins", None);
    }
    if args.non_admins {
        flag("non-admins", None);
    }
    if let Some(v) = args.login_type {
        flag("login-type", Some(format!("{v:?}").to_lowercase()));
    }
    if let Some(v) = &args.group {
        flag("group", Some(v.clone()));
    }
    if args.without_group {
        flag("without-group", None);
    }
    if args.paid {
        flag("paid", None);
    }
    if args.free {
        flag("free", None);
    }
    if let Some(v) = args.quota_kind {
        flag("quota-kind", Some(format!("{v:?}").to_lowercase()));
    }
    if let Some(v) = &args.invited_by {
        flag("invited-by", Some(v.clone()));
    }
    if let Some(v) = args.inactive_for {
        let hours = v.num_hours();
        let shown = if hours % 24 == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{hours}h")
        };
        flag("inactive-for", Some(shown));
    }
    parts.join(" ")
}
