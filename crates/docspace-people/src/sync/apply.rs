//! Applying a plan: the portal read again (drift, the safeguards again), then each phase
//! through the bulk engine, the invitations, and offboarding.

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;
use uuid::Uuid;

use super::plan::{ActionKind, Observed, PLAN_FORMAT, Seen, SyncAction, SyncPlan, Verdict};
use crate::bulk::{BulkOptions, BulkReport, Change};
use crate::enums::UserStatus;
use crate::invite::{Invitation, InviteOptions, InviteReport};
use crate::offboard::{OffboardOptions, OffboardReport};
use crate::{Client, Error, User, UserQuery};

/// An action left alone because the user is no longer as the plan saw them, nor as it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drifted {
    /// The action.
    pub action: SyncAction,
    /// The user now, or `None` if they are gone.
    pub now: Option<Observed>,
}

impl Drifted {
    /// What changed, in words.
    pub fn describe(&self) -> String {
        match &self.now {
            None => "no longer on the portal".to_owned(),
            Some(now) => format!(
                "{} is now {}, planned from {}",
                aspect(self.action.action),
                now.value_of(self.action.action)
                    .unwrap_or_else(|| "unknown".to_owned()),
                self.action.from.as_deref().unwrap_or("unknown"),
            ),
        }
    }
}

fn aspect(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Type => "the type",
        ActionKind::Quota => "the quota",
        _ => "the status",
    }
}

/// One bulk change of the plan, for the users it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Phase {
    /// The actions' kind.
    pub kind: ActionKind,
    /// The change sent (`None` for offboarding).
    pub change: Option<Change>,
    /// The value set, in the plan's words.
    pub to: Option<String>,
    /// The users, in plan order.
    pub ids: Vec<Uuid>,
    /// Who receives rooms or data (demotions, offboarding).
    pub receiver: Option<Uuid>,
}

/// A plan checked against the portal as it is now.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CheckedPlan {
    /// The safeguards, judged again.
    pub verdict: Verdict,
    /// Actions left alone.
    pub drifted: Vec<Drifted>,
    /// The bulk phases, in order (invitations are apart).
    pub phases: Vec<Phase>,
    /// The invitations.
    pub invitations: Vec<Invitation>,
    /// The users of the phases as read now, for the engine (so it does not read them again).
    pub known: HashMap<Uuid, User>,
}

impl CheckedPlan {
    /// The changes it would send: users in phases plus invitations.
    pub fn len(&self) -> usize {
        self.phases.iter().map(|p| p.ids.len()).sum::<usize>() + self.invitations.len()
    }

    /// Whether it would send nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What applying a plan did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncReport {
    /// Set when a safeguard held the run: nothing was sent.
    pub held: Option<Verdict>,
    /// Actions left alone.
    pub drifted: Vec<Drifted>,
    /// Each bulk phase and its report.
    pub phases: Vec<(Phase, BulkReport)>,
    /// The invitations' report.
    pub invitations: Option<InviteReport>,
    /// The offboarding's report.
    pub offboard: Option<OffboardReport>,
}

/// Whether `now` is as the plan saw the user, or as the plan's actions for them make them:
/// each aspect is its observed value or the one an action of the plan sets, and the address
/// and login kind are unchanged.
fn as_planned(plan: &SyncPlan, mine: &[&SyncAction], now: &Observed) -> bool {
    let Some(then) = plan.observed_of(now.id) else {
        return false;
    };
    if then.email != now.email || then.login != now.login {
        return false;
    }
    [ActionKind::Enable, ActionKind::Type, ActionKind::Quota]
        .into_iter()
        .all(|aspect| {
            let value = now.value_of(aspect);
            value == then.value_of(aspect)
                || mine
                    .iter()
                    .any(|a| same_aspect(a.action, aspect) && a.to.is_some() && a.to == value)
        })
}

fn same_aspect(a: ActionKind, b: ActionKind) -> bool {
    let status = |k| {
        matches!(
            k,
            ActionKind::Enable | ActionKind::Disable | ActionKind::Offboard
        )
    };
    a == b || (status(a) && status(b))
}

impl Client {
    /// Reads the portal and lists the users of every status, for [`SyncPlan::build`]: the plan
    /// of `desired` against the portal as it is now.
    pub async fn plan_sync(
        &self,
        desired: &[super::DesiredUser],
        options: &super::SyncOptions,
        source: super::Source,
    ) -> Result<SyncPlan, Error> {
        options.check()?;
        let server = self.server().await?;
        if options.joiners == super::Joiners::Invite && !server.has_invitations() {
            return Err(Error::Unsupported(format!(
                "{server} has no invitations by e-mail: plan with joiners listed as missing"
            )));
        }
        let policy = *self.retry_policy();
        let attempts = crate::transport::Attempts {
            policy: &policy,
            cancel: None,
            on_send: &|| {},
        };
        let caller = crate::read::read_caller(self, &attempts)
            .await
            .map(|c| c.id);
        if let Some(receiver) = options.reassign_to {
            self.check_receiver_of(receiver, &[]).await?;
        }
        // One page of whole users at a time: a few dozen bytes are kept per user, and their use
        // of storage, for the quota actions' consequences.
        let mut used = std::collections::HashMap::new();
        let seen: Vec<Seen> = self
            .find_all_users(UserQuery::new())
            .map_ok(|user| {
                if let Some(space) = user.used_space {
                    used.insert(user.id, space);
                }
                Seen::of(&user, &server)
            })
            .try_collect()
            .await?;
        let mut plan = SyncPlan::build_from(
            &server,
            self.base_url(),
            caller,
            seen,
            desired,
            options,
            source,
        )?;
        self.foresee_sync(&mut plan, &server, options, &used)
            .await?;
        Ok(plan)
    }

    /// Says on each action what it will do besides itself: the users of the enabling, type and
    /// quota actions are read whole (a few, not the portal) and their consequences found as a
    /// bulk run's; leavers offboarded get their rooms'.
    async fn foresee_sync(
        &self,
        plan: &mut SyncPlan,
        server: &crate::Server,
        options: &super::SyncOptions,
        used: &std::collections::HashMap<Uuid, f64>,
    ) -> Result<(), Error> {
        use std::collections::HashMap;
        let mut groups: Vec<(Change, Vec<Uuid>)> = Vec::new();
        for action in &mut plan.actions {
            let (Some(id), Ok(Some(change))) = (action.id, action.change_on(server)) else {
                continue;
            };
            // A quota's consequence needs only the use read with the list.
            if matches!(change, Change::Quota(_) | Change::ResetQuota) {
                if let Some(consequence) = change.read_only(used.get(&id).copied(), server) {
                    action.consequences = vec![consequence.to_string()];
                }
                continue;
            }
            // Only enabling and type changes can take a seat or move rooms: disabling reads
            // nobody.
            if !matches!(change, Change::Status(UserStatus::Active) | Change::Type(_)) {
                continue;
            }
            match groups.iter_mut().find(|(c, _)| *c == change) {
                Some((_, ids)) => ids.push(id),
                None => groups.push((change, vec![id])),
            }
        }
        let mut said: HashMap<(Uuid, String), Vec<String>> = HashMap::new();
        for (change, ids) in &groups {
            let mut users = self.users_by_id(ids, 4).await?;
            let ordered: Vec<crate::User> = ids.iter().filter_map(|id| users.remove(id)).collect();
            let consequences = self.consequences(change, &ordered).await?;
            for (id, list) in consequences.by_user {
                said.insert(
                    (id, change.to_string()),
                    list.iter().map(ToString::to_string).collect(),
                );
            }
        }
        let leavers: Vec<Uuid> = plan
            .actions
            .iter()
            .filter(|a| a.action == super::ActionKind::Offboard)
            .filter_map(|a| a.id)
            .collect();
        let offboarded = if leavers.is_empty() {
            Default::default()
        } else {
            let mut offboard = crate::offboard::OffboardOptions::default();
            if let Some(receiver) = options.reassign_to {
                offboard = offboard.receiver(receiver);
            }
            self.offboarding_consequences(&leavers, &offboard).await?
        };
        for action in &mut plan.actions {
            let Some(id) = action.id else { continue };
            if action.action == super::ActionKind::Offboard {
                if let Some(list) = offboarded.by_user.get(&id) {
                    action.consequences = list.iter().map(ToString::to_string).collect();
                }
                continue;
            }
            if let Ok(Some(change)) = action.change_on(server)
                && !matches!(change, Change::Quota(_) | Change::ResetQuota)
                && let Some(list) = said.remove(&(id, change.to_string()))
            {
                action.consequences = list;
            }
        }
        Ok(())
    }

    /// Checks `plan` against the portal as it is now: the same portal and server, each user
    /// read again (drift), the safeguards judged again. Sends nothing.
    pub async fn check_sync(&self, plan: &SyncPlan) -> Result<CheckedPlan, Error> {
        if plan.format != PLAN_FORMAT {
            return Err(Error::invalid_input(format!(
                "the plan's format is {}; this version reads format {PLAN_FORMAT}",
                plan.format
            )));
        }
        if plan.portal.trim_end_matches('/') != self.base_url().trim_end_matches('/') {
            return Err(Error::invalid_input(format!(
                "the plan was made for {}, not {}",
                plan.portal,
                self.base_url()
            )));
        }
        let server = self.server().await?;
        if plan.server != server.to_string() {
            return Err(Error::invalid_input(format!(
                "the plan was made on {}; the portal is now {server}: plan again",
                plan.server
            )));
        }
        let wanted: HashSet<Uuid> = plan.actions.iter().filter_map(|a| a.id).collect();
        let mut now: HashMap<Uuid, Observed> = HashMap::with_capacity(wanted.len());
        let mut known: HashMap<Uuid, User> = HashMap::with_capacity(wanted.len());
        let mut in_scope_active = 0usize;
        let options = &plan.options;
        let mut users = std::pin::pin!(self.find_all_users(UserQuery::new()));
        while let Some(user) = users.try_next().await? {
            let seen = Seen::of(&user, &server);
            if seen.status == Some(UserStatus::Active)
                && options.scope.contains(&seen.observed.login)
                && options
                    .protection_of(seen.observed.email.as_deref())
                    .is_none()
            {
                in_scope_active += 1;
            }
            if wanted.contains(&user.id) {
                now.insert(user.id, seen.observed);
                known.insert(user.id, user);
            }
        }
        let mut drifted = Vec::new();
        let mut invitations = Vec::new();
        let mut phases: Vec<Phase> = Vec::new();
        let mut leavers_done = 0usize;
        let mut by_user: HashMap<Uuid, Vec<&SyncAction>> = HashMap::new();
        for action in &plan.actions {
            if let Some(id) = action.id {
                by_user.entry(id).or_default().push(action);
            }
        }
        for action in &plan.actions {
            if action.action == ActionKind::Invite {
                let user_type = server.user_type_named(action.to.as_deref().unwrap_or("User"))?;
                let email = action.email.clone().unwrap_or_default();
                invitations.push(Invitation::new(email, user_type));
                continue;
            }
            let Some(id) = action.id else {
                return Err(Error::invalid_input(format!(
                    "a {} action without a user id",
                    action.action
                )));
            };
            let current = now.get(&id);
            let value = current.and_then(|o| o.value_of(action.action));
            let done = value.is_some() && value == action.to;
            let mine = by_user.get(&id).map_or(&[][..], Vec::as_slice);
            if !current.is_some_and(|c| as_planned(plan, mine, c)) {
                drifted.push(Drifted {
                    action: action.clone(),
                    now: current.cloned(),
                });
                known.remove(&id);
                continue;
            }
            if done && matches!(action.action, ActionKind::Disable | ActionKind::Offboard) {
                leavers_done += 1;
            }
            let change = action.change_on(&server)?;
            let receiver = match action.action {
                ActionKind::Type | ActionKind::Offboard => options.reassign_to,
                _ => None,
            };
            match phases
                .iter_mut()
                .find(|p| p.kind == action.action && p.to == action.to)
            {
                Some(phase) => phase.ids.push(id),
                None => phases.push(Phase {
                    kind: action.action,
                    change,
                    to: action.to.clone(),
                    ids: vec![id],
                    receiver,
                }),
            }
        }
        // Leavers already disabled were active when the plan was made.
        let verdict = Verdict::judge(
            options,
            plan.leavers(),
            plan.source.rows,
            in_scope_active + leavers_done,
        );
        Ok(CheckedPlan {
            verdict,
            drifted,
            phases,
            invitations,
            known,
        })
    }

    /// Applies `plan`: checks it ([`Client::check_sync`]); if a safeguard holds it, sends
    /// nothing and says so; else sends the invitations, then each phase through the bulk engine
    /// (with `options`), then the offboarding. Drifted users are left alone and reported.
    pub async fn apply_sync(
        &self,
        plan: &SyncPlan,
        options: BulkOptions,
    ) -> Result<SyncReport, Error> {
        let checked = self.check_sync(plan).await?;
        let mut report = SyncReport {
            held: None,
            drifted: checked.drifted,
            phases: Vec::new(),
            invitations: None,
            offboard: None,
        };
        if checked.verdict.held {
            report.held = Some(checked.verdict);
            return Ok(report);
        }
        if !checked.invitations.is_empty() {
            report.invitations = Some(
                self.invite(&checked.invitations, &InviteOptions::default())
                    .await?,
            );
        }
        for phase in checked.phases {
            match &phase.change {
                Some(change) => {
                    let known = phase
                        .ids
                        .iter()
                        .filter_map(|id| checked.known.get(id).cloned());
                    let mut job = self
                        .bulk(change.clone())
                        .options(options.clone())
                        .known_users(known);
                    if let Some(receiver) = phase.receiver {
                        job = job.reassign_to(receiver);
                    }
                    let bulk = job.run(&phase.ids).await?;
                    let stopped = bulk.stopped_by_limit.is_some() || bulk.cancelled;
                    report.phases.push((phase, bulk));
                    if stopped {
                        break;
                    }
                }
                None => {
                    let mut offboard = OffboardOptions::default()
                        .delete(false)
                        .bulk(options.clone());
                    if let Some(receiver) = phase.receiver {
                        offboard = offboard.receiver(receiver);
                    }
                    report.offboard = Some(self.offboard(offboard).run(&phase.ids).await?);
                }
            }
        }
        Ok(report)
    }
}
