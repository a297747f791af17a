//! [`FakePortal`]: a running fake portal and the accessors tests use to look inside it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Utc};
use parking_lot::Mutex;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::{PortalConfig, ServerVersion};
use crate::counters::Counters;
use crate::faults::{FaultState, Faults};
use crate::jobs::{JobKind, JobProgress, JobStore};
use crate::model::{PortalState, User, status};
use crate::seed::{self, ADMIN_EMAIL, OWNER_API_KEY, OWNER_EMAIL, USER_EMAIL};
use crate::server::{Shared, StateLock};

/// A user as tests see it: a plain summary of the portal's record (names not HTML-encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    /// The user's id.
    pub id: Uuid,
    /// Email address, also the sign-in name.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// "First Last", not HTML-encoded (the wire's `displayName` is).
    pub display_name: String,
    /// `EmployeeStatus` number: 1 Active, 2 Terminated, 4 Pending.
    pub status: i32,
    /// `EmployeeActivationStatus` number: 0 NotActivated, 1 Activated, 2 Pending.
    pub activation_status: i32,
    /// `EmployeeType` number: 1 RoomAdmin, 2 Guest, 3 DocSpaceAdmin, 4 User.
    pub user_type: i32,
    /// The quota in effect, in bytes (`-1` for no limit): custom or the portal default.
    pub quota: i64,
    /// The custom quota, if one is set.
    pub custom_quota: Option<i64>,
    /// Storage used, in bytes.
    pub used_space: i64,
    /// The portal owner.
    pub is_owner: bool,
    /// Owner or DocSpace administrator.
    pub is_admin: bool,
    /// Synchronised from LDAP.
    pub is_ldap: bool,
    /// Signs in through SSO.
    pub is_sso: bool,
    /// Department names.
    pub departments: Vec<String>,
    /// Rooms the user owns (type-change and reassignment jobs move them to the receiver).
    pub rooms_owned: u32,
    /// Who invited the user (`createdBy`), if anyone.
    pub invited_by: Option<Uuid>,
    /// When the user joined the portal.
    pub registered: chrono::DateTime<chrono::Utc>,
}

/// A department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeGroup {
    /// The group's id (for `groupId`).
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// A fake portal serving HTTP on loopback, in-process.
///
/// Dropping it stops the server (like [`FakePortal::shutdown`], without waiting).
#[derive(Debug)]
pub struct FakePortal {
    addr: SocketAddr,
    shared: Arc<Shared>,
    config: PortalConfig,
    owner_token: String,
    admin_token: String,
    user_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
    workers: Vec<JoinHandle<()>>,
}

impl FakePortal {
    /// Seeds the portal and serves it on `config.bind` (a free loopback port by default), on
    /// the current tokio runtime. Fails outside a runtime or when the address cannot be bound.
    ///
    /// It is a plain function, not `async`, although it needs a runtime: it binds the address
    /// and spawns the server, so the portal is listening when it returns, and a test can start
    /// one without awaiting (`FakePortal::start(config)?` inside `#[tokio::test]`).
    pub fn start(config: PortalConfig) -> io::Result<FakePortal> {
        let runtime = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
        let listener = std::net::TcpListener::bind(config.bind)?;
        listener.set_nonblocking(true)?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let addr = listener.local_addr()?;
        let offset = FixedOffset::east_opt(config.utc_offset_minutes.saturating_mul(60))
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "UTC offset out of range")
            })?;

        let started = std::time::Instant::now();
        let mut state = seed::build(&config);
        let now = Utc::now();
        crate::audit::seed(&mut state, now);
        let mut token_for = |email: &str| -> io::Result<String> {
            let index = state
                .index_by_email(email)
                .ok_or_else(|| io::Error::other("seed lacks a documented account"))?;
            let id = state.users[index].id;
            Ok(state.open_session(id, now).0)
        };
        let owner_token = token_for(OWNER_EMAIL)?;
        let admin_token = token_for(ADMIN_EMAIL)?;
        let user_token = token_for(USER_EMAIL)?;
        tracing::debug!(users = state.users.len(), elapsed = ?started.elapsed(), "seeded portal");

        let shared = Arc::new(Shared {
            state: StateLock::new(state),
            filter_cache: Default::default(),
            faults: Mutex::new(FaultState::new(config.faults.clone())),
            limiter: Mutex::new(crate::limiter::Limiter::new(config.rate_limit)),
            counters: Mutex::new(Counters::default()),
            base_url: format!("http://{addr}"),
            offset,
            jobs: Mutex::new(JobStore::new(config.job_record_ttl)),
            job_signals: Default::default(),
            job_duration: config.job_duration,
        });
        let workers = {
            let _guard = runtime.enter();
            crate::job_runner::spawn_workers(&shared, config.job_workers)
        };
        let app = crate::routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = runtime.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A dropped sender also stops the server.
                    let _ = stopped.await;
                })
                .await
        });
        Ok(FakePortal {
            addr,
            shared,
            config,
            owner_token,
            admin_token,
            user_token,
            stop: Some(stop),
            task: Some(task),
            workers,
        })
    }

    /// Sets how many rooms a user owns. Returns whether the user exists.
    pub fn set_rooms_owned(&self, id: Uuid, rooms: u32) -> bool {
        let mut state = self.shared.state.write();
        match state.index_of(id) {
            Some(index) => {
                state.users[index].rooms_owned = rooms;
                true
            }
            None => false,
        }
    }

    /// The progress record of `user`'s job of this kind, as `GET .../progress/{userid}` would
    /// show it now (`None` when that answers without a `response`).
    pub fn job(&self, user: Uuid, kind: JobKind) -> Option<JobProgress> {
        self.shared.jobs.lock().progress(user, kind, Instant::now())
    }

    /// Makes the next job (of any kind) about `user` fail with `message` once its progress
    /// passes 40 %: it ends with status 4, `error` = `message`, percentage 40. The work of
    /// the steps up to 40 % is done (a type job has moved the rooms by then). A test knob.
    pub fn fail_job_for(&self, user: Uuid, message: &str) {
        self.shared.jobs.lock().fail_next(user, message);
    }

    /// Holds the job workers before they start their next job (`true`) or lets them go on
    /// (`false`). Jobs started while paused stay queued at status 1, percentage 0, so a test
    /// can terminate them deterministically; a job already running finishes.
    pub fn pause_jobs(&self, paused: bool) {
        self.shared.jobs.lock().set_paused(paused);
        if !paused {
            self.shared.job_signals.wake_all();
        }
    }

    /// Waits until no job is queued or running. While the workers are paused with jobs
    /// queued, it waits until they are released and done.
    pub async fn wait_jobs_idle(&self) {
        let mut active = self.shared.jobs.lock().watch_active();
        // The sender lives as long as the portal; an error cannot happen while `self` does.
        let _ = active.wait_for(|n| *n == 0).await;
    }

    /// Marks a user as managed by LDAP (or not): such users' status cannot be changed. A test
    /// knob for mixing protected users into large runs. Returns whether the user exists.
    pub fn set_ldap(&self, id: Uuid, ldap: bool) -> bool {
        let mut state = self.shared.state.write();
        match state.index_of(id) {
            Some(index) => {
                state.users[index].is_ldap = ldap;
                true
            }
            None => false,
        }
    }

    /// Ends the rate limiter's day: every caller's daily write budget is full again.
    pub fn next_day(&self) {
        self.shared.limiter.lock().next_day();
    }

    /// The users whose documents a deletion destroyed, in order (Workspace deletes a user's
    /// My Documents, Trash, mail and Talk files with them; DocSpace destroys none here).
    pub fn destroyed_documents(&self) -> Vec<Uuid> {
        self.shared.state.read().destroyed_documents.clone()
    }

    /// The users an invitation was mailed to again (`PUT people/invite`), in order, a user once
    /// per mail.
    pub fn invitations_sent(&self) -> Vec<Uuid> {
        self.shared.state.read().invitations_sent.clone()
    }

    /// How many requests the rate limiter refused with 429 so far.
    pub fn rate_limited(&self) -> u64 {
        self.shared.limiter.lock().refused
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The address the portal listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the portal was started with (faults and version as at start).
    pub fn config(&self) -> &PortalConfig {
        &self.config
    }

    /// A session token of the owner ([`OWNER_EMAIL`]).
    pub fn owner_token(&self) -> String {
        self.owner_token.clone()
    }

    /// A session token of a DocSpace administrator ([`ADMIN_EMAIL`]).
    pub fn admin_token(&self) -> String {
        self.admin_token.clone()
    }

    /// A session token of a regular user, not an administrator ([`USER_EMAIL`]).
    pub fn user_token(&self) -> String {
        self.user_token.clone()
    }

    /// The owner's API key ([`OWNER_API_KEY`]), sent as `Authorization: Bearer sk-...`.
    pub fn api_key(&self) -> String {
        OWNER_API_KEY.to_owned()
    }

    /// Opens a session for the user with this email address, as signing in would, and returns
    /// its token. `None` if there is no such user or they are terminated.
    pub fn token_for(&self, email: &str) -> Option<String> {
        let mut state = self.shared.state.write();
        let index = state.index_by_email(email)?;
        let user = &state.users[index];
        if user.status == status::TERMINATED {
            return None;
        }
        let id = user.id;
        Some(state.open_session(id, Utc::now()).0)
    }

    /// Every user, in seeding order.
    pub fn snapshot(&self) -> Vec<FakeUser> {
        let state = self.shared.state.read();
        state.users.iter().map(|u| summary(&state, u)).collect()
    }

    /// The ids of the users `keep` selects, in seeding order.
    pub fn user_ids_where(&self, keep: impl Fn(&FakeUser) -> bool) -> Vec<Uuid> {
        let state = self.shared.state.read();
        state
            .users
            .iter()
            .map(|u| summary(&state, u))
            .filter(|u| keep(u))
            .map(|u| u.id)
            .collect()
    }

    /// The ids of the generated users ([`crate::Seed::extra_users`], email addresses at
    /// `scale.example`) still on the portal, in seeding order.
    pub fn generated_user_ids(&self) -> Vec<Uuid> {
        let state = self.shared.state.read();
        let domain = format!("@{}", seed::GENERATED_DOMAIN);
        state
            .users
            .iter()
            .filter(|u| u.email.ends_with(&domain))
            .map(|u| u.id)
            .collect()
    }

    /// The user with this id (`None` once deleted).
    pub fn user(&self, id: Uuid) -> Option<FakeUser> {
        let state = self.shared.state.read();
        let index = state.index_of(id)?;
        Some(summary(&state, &state.users[index]))
    }

    /// The user with this email address (any case).
    pub fn user_by_email(&self, email: &str) -> Option<FakeUser> {
        let state = self.shared.state.read();
        let index = state.index_by_email(email)?;
        Some(summary(&state, &state.users[index]))
    }

    /// The id of the user with this email address.
    pub fn id_of(&self, email: &str) -> Option<Uuid> {
        let state = self.shared.state.read();
        state.index_by_email(email).map(|i| state.users[i].id)
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.shared.state.read().users.len()
    }

    /// Each user's last successful sign-in, from the login history (users who never signed
    /// in are absent). Kept out of [`FakeUser`], whose equality says whether a change touched
    /// a user: signing in is not a change.
    pub fn last_sign_ins(&self) -> std::collections::HashMap<Uuid, chrono::DateTime<chrono::Utc>> {
        let state = self.shared.state.read();
        state
            .users
            .iter()
            .filter_map(|u| u.last_sign_in.map(|at| (u.id, at)))
            .collect()
    }

    /// The departments.
    pub fn groups(&self) -> Vec<FakeGroup> {
        let state = self.shared.state.read();
        state
            .groups
            .iter()
            .map(|g| FakeGroup {
                id: g.id,
                name: g.name.clone(),
            })
            .collect()
    }

    /// Number of requests served (faulted ones included).
    pub fn request_count(&self) -> u64 {
        self.shared.counters.lock().total
    }

    /// The request counters by endpoint and outcome.
    pub fn counters(&self) -> Counters {
        self.shared.counters.lock().clone()
    }

    /// Sets the counters back to zero.
    pub fn reset_counters(&self) {
        *self.shared.counters.lock() = Counters::default();
    }

    /// Replaces the injected faults; their request counter and generator restart.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock() = FaultState::new(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults.lock().faults().clone()
    }

    /// Switches the imitated server generation.
    pub fn set_version(&self, version: ServerVersion) {
        self.shared.state.write().version = version;
    }

    /// The imitated server generation.
    pub fn version(&self) -> ServerVersion {
        self.shared.state.read().version
    }

    /// Stops the server and waits (up to five seconds) for open connections to finish. Jobs
    /// still queued or running are abandoned.
    pub async fn shutdown(mut self) {
        for worker in self.workers.drain(..) {
            worker.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for FakePortal {
    fn drop(&mut self) {
        for worker in self.workers.drain(..) {
            worker.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn summary(state: &PortalState, user: &User) -> FakeUser {
    FakeUser {
        id: user.id,
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        display_name: user.display_name(),
        status: user.status,
        activation_status: user.activation,
        user_type: user.user_type.number(),
        quota: state.quota_of(user),
        custom_quota: user.custom_quota,
        used_space: user.used_space,
        is_owner: user.is_owner,
        is_admin: user.is_admin(),
        is_ldap: user.is_ldap,
        is_sso: user.is_sso,
        departments: user
            .groups
            .iter()
            .filter_map(|g| state.groups.get(usize::from(*g)))
            .map(|g| g.name.clone())
            .collect(),
        rooms_owned: user.rooms_owned,
        invited_by: user
            .created_by
            .and_then(|i| state.users.get(i))
            .map(|u| u.id),
        registered: user.registered,
    }
}
