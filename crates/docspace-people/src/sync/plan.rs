//! The plan: what would bring the portal in line with the source, who is left alone and why,
//! and the safeguards' verdict. Made without IO from the users read ([`SyncPlan::build`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use uuid::Uuid;

use super::desired::{DesiredStatus, DesiredUser, QuotaWish, SyncKey};
use super::options::{Joiners, LeaverLimit, Leavers, LoginKind, SyncOptions};
use crate::bulk::Change;
use crate::enums::{UserStatus, UserType};
use crate::server::refusals::rank;
use crate::{Error, Quota, Server, User};

/// The plan file's format version.
pub const PLAN_FORMAT: u32 = 1;

/// What an action does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Invite a joiner by e-mail.
    Invite,
    /// Enable a disabled user who is active in the source.
    Enable,
    /// Change a type (a promotion, or a demotion through the server's job).
    Type,
    /// Set a quota, or return to the portal's default.
    Quota,
    /// Disable a leaver.
    Disable,
    /// Offboard a leaver: disable, then move their data.
    Offboard,
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionKind::Invite => "invite",
            ActionKind::Enable => "enable",
            ActionKind::Type => "type",
            ActionKind::Quota => "quota",
            ActionKind::Disable => "disable",
            ActionKind::Offboard => "offboard",
        })
    }
}

/// One thing the plan will do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SyncAction {
    /// What.
    pub action: ActionKind,
    /// The user's address.
    pub email: Option<String>,
    /// The user, when on the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The value now: a status (`active`, `disabled`), a type in the portal's words, a quota
    /// (`5GiB`, `unlimited`, `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The value the action sets, in the same words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Why, in words.
    pub why: String,
    /// The source's line, when the row has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What the action will do besides itself, in words: a quota below the user's use, a paid
    /// seat taken (or none left), rooms that move ([`crate::bulk::Consequence`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consequences: Vec<String>,
}

impl SyncAction {
    /// The change the bulk engine sends for this action on `server`; `None` for invitations
    /// and offboarding, which are not bulk changes.
    pub fn change_on(&self, server: &Server) -> Result<Option<Change>, Error> {
        let to = || {
            self.to.as_deref().ok_or_else(|| {
                Error::invalid_input(format!("a {} action without `to`", self.action))
            })
        };
        Ok(match self.action {
            ActionKind::Invite | ActionKind::Offboard => None,
            ActionKind::Enable => Some(Change::Status(UserStatus::Active)),
            ActionKind::Disable => Some(Change::Status(UserStatus::Terminated)),
            ActionKind::Type => Some(Change::Type(server.user_type_named(to()?)?)),
            ActionKind::Quota => Some(match to()?.parse::<QuotaWish>()? {
                QuotaWish::Set(quota) => Change::Quota(quota),
                QuotaWish::Default => Change::ResetQuota,
            }),
        })
    }
}

/// Someone the plan leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Listed {
    /// The address.
    pub email: Option<String>,
    /// The user, when on the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Why.
    pub why: String,
    /// The source's line, when the person is in the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// A user as the plan saw them: what [`Client::check_sync`](crate::Client::check_sync)
/// compares to tell drift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Observed {
    /// The user.
    pub id: Uuid,
    /// The address.
    pub email: Option<String>,
    /// `active`, `disabled`, `pending` or `unknown`.
    pub status: String,
    /// The type in the portal's words.
    #[serde(rename = "type")]
    pub user_type: Option<String>,
    /// The quota (`5GiB`, `unlimited`), absent when the portal does not show quotas.
    pub quota: Option<String>,
    /// Whether the quota was set for the user rather than the portal's default.
    pub custom_quota: Option<bool>,
    /// How the user signs in.
    pub login: LoginKind,
}

impl Observed {
    /// The user's value of the aspect `action` changes, in the plan's words.
    pub(crate) fn value_of(&self, action: ActionKind) -> Option<String> {
        match action {
            ActionKind::Enable | ActionKind::Disable | ActionKind::Offboard => {
                Some(self.status.clone())
            }
            ActionKind::Type => self.user_type.clone(),
            ActionKind::Quota => match self.custom_quota {
                Some(false) => Some("default".to_owned()),
                _ => self.quota.clone(),
            },
            ActionKind::Invite => None,
        }
    }
}

/// The source of the desired rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Source {
    /// Its name (a file name).
    pub name: String,
    /// The SHA-256 of its bytes, hex, when read from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Its rows.
    pub rows: usize,
}

impl Source {
    /// A source named `name` with the rows of `desired`.
    pub fn named(name: impl Into<String>, desired: &[DesiredUser]) -> Self {
        Source {
            name: name.into(),
            sha256: None,
            rows: desired.len(),
        }
    }

    /// With the digest of its bytes.
    pub fn with_sha256(mut self, sha256: impl Into<String>) -> Self {
        self.sha256 = Some(sha256.into());
        self
    }
}

/// The safeguards' verdict.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Whether a safeguard holds the plan: nothing may be applied.
    pub held: bool,
    /// Each safeguard that holds it, with how to go on.
    pub reasons: Vec<String>,
    /// The plan's leavers (disable and offboard actions for people absent or disabled in the
    /// source).
    pub leavers: usize,
    /// The most leavers allowed.
    pub allowed_leavers: usize,
    /// Active users in scope (not protected) on the portal.
    pub in_scope_active: usize,
}

impl Verdict {
    /// The verdict for `leavers` leavers and `rows` source rows, against `in_scope_active`.
    pub(crate) fn judge(
        options: &SyncOptions,
        leavers: usize,
        rows: usize,
        in_scope_active: usize,
    ) -> Self {
        let allowed = LeaverLimit::allowed(options.max_leavers, in_scope_active);
        let mut reasons = Vec::new();
        if leavers > allowed {
            let limit = match options.max_leavers {
                Some(limit) => format!("--max-leavers {limit}"),
                None => format!(
                    "the default, {}% of the {in_scope_active} active users in scope and at least {}",
                    LeaverLimit::DEFAULT_PERCENT,
                    LeaverLimit::DEFAULT_FLOOR
                ),
            };
            reasons.push(format!(
                "{leavers} leavers, more than {allowed} ({limit}); if that many people really left, \
                 raise --max-leavers"
            ));
        }
        if !options.allow_small_source && rows * 2 < in_scope_active {
            reasons.push(format!(
                "the source has {rows} rows, fewer than half of the {in_scope_active} active users \
                 in scope: it looks truncated; if it is complete, pass --allow-small-source"
            ));
        }
        Verdict {
            held: !reasons.is_empty(),
            reasons,
            leavers,
            allowed_leavers: allowed,
            in_scope_active,
        }
    }
}

/// A plan: made by [`Client::plan_sync`](crate::Client::plan_sync) or [`SyncPlan::build`],
/// applied by [`Client::apply_sync`](crate::Client::apply_sync). Serializes to the plan file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SyncPlan {
    /// [`PLAN_FORMAT`].
    pub format: u32,
    /// The portal's URL.
    pub portal: String,
    /// The server, as detected.
    pub server: String,
    /// When the plan was made (UTC, RFC 3339).
    pub planned_at: String,
    /// Who made it (the signed-in user), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<Uuid>,
    /// The source of the desired rows.
    pub source: Source,
    /// The options.
    pub options: SyncOptions,
    /// What the plan does, in the order it is applied.
    pub actions: Vec<SyncAction>,
    /// People in the source who are not on the portal and are not invited.
    pub missing: Vec<Listed>,
    /// Users sync leaves alone: the owner, the caller, administrators (never disabled or
    /// demoted), and users matching a protection pattern (never touched).
    pub protected: Vec<Listed>,
    /// Users of login kinds outside the scope that the source or the leaver rule names.
    pub out_of_scope: Vec<Listed>,
    /// Users still Pending (invited, not joined): left alone.
    pub pending: Vec<Listed>,
    /// Rows naming no user (by id), and changes the plan cannot make (a demotion without a
    /// receiver, a quota the portal does not show).
    pub unmatched: Vec<Listed>,
    /// The state of each user an action changes, as read.
    pub observed: Vec<Observed>,
    /// Actions and lists, counted.
    pub counts: BTreeMap<String, usize>,
    /// The safeguards' verdict.
    pub verdict: Verdict,
}

/// A portal user as the plan needs them.
pub(crate) struct Seen {
    pub(crate) observed: Observed,
    pub(crate) status: Option<UserStatus>,
    pub(crate) user_type: Option<UserType>,
    pub(crate) quota: Option<Quota>,
    pub(crate) is_owner: bool,
    pub(crate) is_admin: bool,
}

impl Seen {
    pub(crate) fn of(user: &User, server: &Server) -> Self {
        let user_type = user.user_type_on(server);
        Seen {
            observed: Observed {
                id: user.id,
                email: user.email.as_deref().map(|e| e.trim().to_owned()),
                status: status_word(user.status.as_ref()).to_owned(),
                user_type: user_type
                    .as_ref()
                    .and_then(|t| server.type_name(t))
                    .map(str::to_owned),
                quota: user.quota_limit.map(|q| q.to_string()),
                custom_quota: user.is_custom_quota,
                login: LoginKind::of(user),
            },
            status: user.status.clone(),
            user_type,
            quota: user.quota_limit,
            is_owner: user.is_owner == Some(true),
            is_admin: user.is_admin == Some(true)
                || user.user_type() == Some(UserType::DocSpaceAdmin),
        }
    }

    fn email_key(&self) -> Option<String> {
        self.observed.email.as_deref().map(str::to_lowercase)
    }
}

/// `active`, `disabled`, `pending` or `unknown`.
pub(crate) fn status_word(status: Option<&UserStatus>) -> &'static str {
    match status {
        Some(UserStatus::Active) => "active",
        Some(UserStatus::Terminated) => "disabled",
        Some(UserStatus::Pending) => "pending",
        _ => "unknown",
    }
}

/// Whether sync may never disable or demote this user: the owner, the caller, administrators.
fn guarded(seen: &Seen, caller: Option<Uuid>) -> Option<&'static str> {
    if seen.is_owner {
        Some("the portal owner: sync never disables or demotes them")
    } else if Some(seen.observed.id) == caller {
        Some("yourself (the signed-in user): sync never disables or demotes you")
    } else if seen.is_admin {
        Some("an administrator: sync never disables or demotes them")
    } else {
        None
    }
}

/// The plan being built.
struct Builder<'a> {
    server: &'a Server,
    options: &'a SyncOptions,
    caller: Option<Uuid>,
    plan: SyncPlan,
    observed: HashMap<Uuid, Observed>,
}

impl Builder<'_> {
    fn act(
        &mut self,
        seen: Option<&Seen>,
        action: ActionKind,
        to: Option<String>,
        why: String,
        line: Option<usize>,
        email: Option<String>,
    ) {
        let from = seen.and_then(|s| s.observed.value_of(action));
        if let Some(seen) = seen {
            self.observed
                .entry(seen.observed.id)
                .or_insert_with(|| seen.observed.clone());
        }
        self.plan.actions.push(SyncAction {
            action,
            email: seen.and_then(|s| s.observed.email.clone()).or(email),
            id: seen.map(|s| s.observed.id),
            from,
            to,
            why,
            line,
            consequences: Vec::new(),
        });
    }

    fn listed(seen: &Seen, why: impl Into<String>, line: Option<usize>) -> Listed {
        Listed {
            email: seen.observed.email.clone(),
            id: Some(seen.observed.id),
            why: why.into(),
            line,
        }
    }

    /// The actions for a person in the source who is on the portal.
    fn matched(&mut self, seen: &Seen, row: &DesiredUser) {
        let line = row.line;
        if let Some(pattern) = self.options.protection_of(seen.observed.email.as_deref()) {
            let why = format!("matches the protection `{pattern}`: never touched");
            self.plan.protected.push(Self::listed(seen, why, line));
            return;
        }
        if !self.options.scope.contains(&seen.observed.login) {
            let why = format!("a {} account, outside the scope", seen.observed.login);
            self.plan.out_of_scope.push(Self::listed(seen, why, line));
            return;
        }
        if seen.status == Some(UserStatus::Pending) {
            self.plan
                .pending
                .push(Self::listed(seen, "invited, not joined yet", line));
            return;
        }
        match (row.status, seen.status.as_ref()) {
            (DesiredStatus::Active, Some(UserStatus::Terminated)) => self.act(
                Some(seen),
                ActionKind::Enable,
                Some("active".to_owned()),
                "active in the source".to_owned(),
                line,
                None,
            ),
            (DesiredStatus::Disabled, Some(UserStatus::Active)) => {
                self.leaver(seen, "disabled in the source", line);
                return;
            }
            _ => {}
        }
        if row.status == DesiredStatus::Disabled {
            return;
        }
        if let Some(wanted) = &row.user_type
            && seen.user_type.as_ref() != Some(wanted)
        {
            self.type_change(seen, wanted, line);
        }
        if let Some(wish) = row.quota {
            self.quota_change(seen, wish, line);
        }
    }

    fn type_change(&mut self, seen: &Seen, wanted: &UserType, line: Option<usize>) {
        let Some(name) = self.server.type_name(wanted) else {
            let why = format!("{} has no type {wanted}", self.server);
            self.plan.unmatched.push(Self::listed(seen, why, line));
            return;
        };
        let Some(now) = seen.user_type.as_ref().and_then(rank) else {
            let why = "the portal does not show their type; it cannot be compared";
            self.plan.unmatched.push(Self::listed(seen, why, line));
            return;
        };
        let demotion = rank(wanted).is_some_and(|to| to < now);
        if demotion {
            if let Some(why) = guarded(seen, self.caller) {
                self.plan.protected.push(Self::listed(seen, why, line));
                return;
            }
            if self.options.reassign_to.is_none() {
                let why =
                    format!("a demotion to {name} needs a receiver of their rooms (--reassign-to)");
                self.plan.unmatched.push(Self::listed(seen, why, line));
                return;
            }
        }
        let why = if demotion {
            "a demotion in the source"
        } else {
            "a promotion in the source"
        };
        self.act(
            Some(seen),
            ActionKind::Type,
            Some(name.to_owned()),
            why.to_owned(),
            line,
            None,
        );
    }

    fn quota_change(&mut self, seen: &Seen, wish: QuotaWish, line: Option<usize>) {
        let custom = seen.observed.custom_quota;
        let needed = match wish {
            QuotaWish::Default => custom == Some(true),
            QuotaWish::Set(quota) => {
                if seen.quota.is_none() {
                    let why = "the portal does not show quotas (per-user quotas are off)";
                    self.plan.unmatched.push(Self::listed(seen, why, line));
                    return;
                }
                !(custom != Some(false) && seen.quota == Some(quota))
            }
        };
        if needed {
            self.act(
                Some(seen),
                ActionKind::Quota,
                Some(wish.to_string()),
                "the quota in the source".to_owned(),
                line,
                None,
            );
        }
    }

    /// A leaver: disabled, or offboarded, unless guarded.
    fn leaver(&mut self, seen: &Seen, why: &str, line: Option<usize>) {
        if let Some(guard) = guarded(seen, self.caller) {
            self.plan.protected.push(Self::listed(seen, guard, line));
            return;
        }
        let (action, why) = match self.options.leavers {
            Leavers::Disable => (ActionKind::Disable, why.to_owned()),
            Leavers::Offboard => (
                ActionKind::Offboard,
                format!("{why}; their data moves to the receiver"),
            ),
        };
        self.act(
            Some(seen),
            action,
            Some("disabled".to_owned()),
            why,
            line,
            None,
        );
    }
}

impl SyncPlan {
    /// Builds the plan for `desired` against the portal's `users` (every user, as read), on
    /// `server`, for `caller` (the signed-in user, when known). No IO.
    ///
    /// Refused: invalid options, and a source that names a person twice.
    pub fn build(
        server: &Server,
        portal: &str,
        caller: Option<Uuid>,
        users: impl IntoIterator<Item = User>,
        desired: &[DesiredUser],
        options: &SyncOptions,
        source: Source,
    ) -> Result<SyncPlan, Error> {
        let seen: Vec<Seen> = users.into_iter().map(|u| Seen::of(&u, server)).collect();
        Self::build_from(server, portal, caller, seen, desired, options, source)
    }

    pub(crate) fn build_from(
        server: &Server,
        portal: &str,
        caller: Option<Uuid>,
        seen: Vec<Seen>,
        desired: &[DesiredUser],
        options: &SyncOptions,
        source: Source,
    ) -> Result<SyncPlan, Error> {
        options.check()?;
        check_rows(desired)?;
        let mut by_email: HashMap<String, Vec<usize>> = HashMap::with_capacity(seen.len());
        let mut by_id: HashMap<Uuid, usize> = HashMap::with_capacity(seen.len());
        for (i, s) in seen.iter().enumerate() {
            by_id.insert(s.observed.id, i);
            if let Some(email) = s.email_key() {
                by_email.entry(email).or_default().push(i);
            }
        }
        let mut builder = Builder {
            server,
            options,
            caller,
            plan: SyncPlan {
                format: PLAN_FORMAT,
                portal: portal.to_owned(),
                server: server.to_string(),
                planned_at: chrono::Utc::now().to_rfc3339(),
                caller,
                source,
                options: options.clone(),
                actions: Vec::new(),
                missing: Vec::new(),
                protected: Vec::new(),
                out_of_scope: Vec::new(),
                pending: Vec::new(),
                unmatched: Vec::new(),
                observed: Vec::new(),
                counts: BTreeMap::new(),
                verdict: Verdict::default(),
            },
            observed: HashMap::new(),
        };
        let mut in_source = vec![false; seen.len()];
        for row in desired {
            let found: &[usize] = match &row.key {
                SyncKey::Email(email) => by_email
                    .get(&email.to_lowercase())
                    .map_or(&[], Vec::as_slice),
                SyncKey::Id(id) => by_id.get(id).map_or(&[], std::slice::from_ref),
            };
            match found {
                [] => builder.absent(row),
                [i] => {
                    in_source[*i] = true;
                    builder.matched(&seen[*i], row);
                }
                several => {
                    // Which of them the row means is not known: none is touched, and none is
                    // taken for a leaver.
                    for &i in several {
                        in_source[i] = true;
                    }
                    builder.plan.unmatched.push(Listed {
                        email: Some(row.key.to_string()),
                        id: None,
                        why: format!(
                            "{} users share this address; name them by id (--key id)",
                            several.len()
                        ),
                        line: row.line,
                    });
                }
            }
        }
        for (i, s) in seen.iter().enumerate() {
            if in_source[i] {
                continue;
            }
            if s.status == Some(UserStatus::Pending) {
                let why = "invited, not joined yet; not in the source, left alone";
                builder.plan.pending.push(Builder::listed(s, why, None));
                continue;
            }
            if s.status != Some(UserStatus::Active) {
                continue;
            }
            if let Some(pattern) = options.protection_of(s.observed.email.as_deref()) {
                let why = format!("matches the protection `{pattern}`: never touched");
                builder.plan.protected.push(Builder::listed(s, why, None));
            } else if !options.scope.contains(&s.observed.login) {
                let why = format!(
                    "a {} account, outside the scope; not in the source",
                    s.observed.login
                );
                builder
                    .plan
                    .out_of_scope
                    .push(Builder::listed(s, why, None));
            } else {
                builder.leaver(s, "not in the source", None);
            }
        }
        let in_scope_active = seen
            .iter()
            .filter(|s| {
                s.status == Some(UserStatus::Active)
                    && options.scope.contains(&s.observed.login)
                    && options.protection_of(s.observed.email.as_deref()).is_none()
            })
            .count();
        let mut plan = builder.plan;
        // Applied in this order: enabling first (a disabled user's type cannot change), leavers last.
        plan.actions.sort_by_key(|a| a.action);
        let mut observed: Vec<Observed> = builder.observed.into_values().collect();
        observed.sort_by_key(|o| o.id);
        plan.observed = observed;
        plan.verdict = Verdict::judge(options, plan.leavers(), plan.source.rows, in_scope_active);
        plan.counts = plan.count();
        Ok(plan)
    }

    /// Its leavers: disable and offboard actions.
    pub fn leavers(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| matches!(a.action, ActionKind::Disable | ActionKind::Offboard))
            .count()
    }

    fn count(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for action in &self.actions {
            *counts.entry(action.action.to_string()).or_insert(0) += 1;
        }
        for (name, list) in [
            ("missing", &self.missing),
            ("protected", &self.protected),
            ("out_of_scope", &self.out_of_scope),
            ("pending", &self.pending),
            ("unmatched", &self.unmatched),
        ] {
            counts.insert(name.to_owned(), list.len());
        }
        counts
    }

    /// The observed state of `id`, as the plan saw it.
    pub fn observed_of(&self, id: Uuid) -> Option<&Observed> {
        self.observed
            .binary_search_by_key(&id, |o| o.id)
            .ok()
            .map(|i| &self.observed[i])
    }
}

impl Builder<'_> {
    /// A person in the source who is not on the portal.
    fn absent(&mut self, row: &DesiredUser) {
        let line = row.line;
        match &row.key {
            SyncKey::Id(id) => self.plan.unmatched.push(Listed {
                email: None,
                id: Some(*id),
                why: "no user has this id".to_owned(),
                line,
            }),
            SyncKey::Email(_) if row.status == DesiredStatus::Disabled => {}
            SyncKey::Email(email) => match self.options.joiners {
                Joiners::List => self.plan.missing.push(Listed {
                    email: Some(email.clone()),
                    id: None,
                    why: "not on the portal (invite them with --joiners invite)".to_owned(),
                    line,
                }),
                Joiners::Invite => {
                    let wanted = row.user_type.clone().unwrap_or(UserType::User);
                    match self.server.type_name(&wanted) {
                        Some(name) => self.act(
                            None,
                            ActionKind::Invite,
                            Some(name.to_owned()),
                            "in the source, not on the portal".to_owned(),
                            line,
                            Some(email.clone()),
                        ),
                        None => self.plan.unmatched.push(Listed {
                            email: Some(email.clone()),
                            id: None,
                            why: format!("{} has no type {wanted}", self.server),
                            line,
                        }),
                    }
                }
            },
        }
    }
}

/// Refuses a source that names a person twice, listing the lines.
fn check_rows(desired: &[DesiredUser]) -> Result<(), Error> {
    let mut first: HashMap<String, Option<usize>> = HashMap::with_capacity(desired.len());
    let mut repeats = Vec::new();
    for row in desired {
        let key = match &row.key {
            SyncKey::Email(email) => {
                if email.trim().is_empty() {
                    return Err(Error::invalid_input(format!(
                        "{}an empty e-mail address",
                        line_prefix(row.line)
                    )));
                }
                email.to_lowercase()
            }
            SyncKey::Id(id) => id.to_string(),
        };
        if let Some(earlier) = first.get(&key) {
            repeats.push(format!(
                "{}{} again{}",
                line_prefix(row.line),
                row.key,
                earlier
                    .map(|l| format!(" (first on line {l})"))
                    .unwrap_or_default()
            ));
        } else {
            first.insert(key, row.line);
        }
    }
    if repeats.is_empty() {
        Ok(())
    } else {
        let shown: Vec<_> = repeats.iter().take(10).cloned().collect();
        Err(Error::invalid_input(format!(
            "the source names {} people more than once: {}{}",
            repeats.len(),
            shown.join("; "),
            if repeats.len() > shown.len() {
                "; ..."
            } else {
                ""
            }
        )))
    }
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}
