//! New invitations by e-mail (`POST people/invite`; DocSpace only), each address reported as the
//! portal shows it afterwards.
//!
//! The server handles a request's invitations in order and stops at the first bad one, after
//! the earlier ones were handled; it answers with every Pending user, not with the invited ones.
//! So the rules that make a refusal certain are applied before sending (a malformed address,
//! a guest, a type above the caller, the address of a disabled user), and every request is
//! settled by reading its addresses back: on the portal means invited, absent means not. An
//! address that already belongs to a user is never sent (the server would not mail it).
//!
//! Sending the same invitations again is safe: an address that is on the portal by then is
//! not sent, so a run whose answers were lost is completed by running it again.

use std::collections::HashMap;

use docspace_people_gen::paths;
use reqwest::Method;
use uuid::Uuid;

use crate::bulk::Outcome;
use crate::enums::{UserStatus, UserType};
use crate::read::read_caller;
use crate::server::answers::{Meaning, meaning};
use crate::server::refusals;
use crate::transport::{Attempts, Failure, Request, Resend};
use crate::{Client, Error, Refusal, User};

/// The most invitations one request carries by default.
pub const DEFAULT_INVITE_BATCH: usize = 50;
/// The most invitations one request may carry.
pub const MAX_INVITE_BATCH: usize = 100;

/// One invitation: an address and the type to invite its owner as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The e-mail address.
    pub email: String,
    /// The type: User, or RoomAdmin and DocSpaceAdmin for callers who may make them. Guests
    /// are invited through rooms, not here.
    pub user_type: UserType,
}

impl Invitation {
    /// An invitation of `email` as `user_type`.
    pub fn new(email: impl Into<String>, user_type: UserType) -> Self {
        Invitation {
            email: email.into(),
            user_type,
        }
    }
}

/// How invitations are sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InviteOptions {
    /// Invitations per request (1 to [`MAX_INVITE_BATCH`]).
    pub batch_size: usize,
    /// The language of the mails (`en-US`), or the portal's.
    pub culture: Option<String>,
}

impl Default for InviteOptions {
    fn default() -> Self {
        InviteOptions {
            batch_size: DEFAULT_INVITE_BATCH,
            culture: None,
        }
    }
}

impl InviteOptions {
    /// Sets the invitations per request.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets the language of the mails.
    pub fn culture(mut self, culture: impl Into<String>) -> Self {
        self.culture = Some(culture.into());
        self
    }
}

/// How one invitation ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct InviteEntry {
    /// The address, as given (trimmed).
    pub email: String,
    /// Its position in the input, counting from 0.
    pub position: usize,
    /// The user the address belongs to, when the portal showed one.
    pub id: Option<Uuid>,
    /// [`Outcome::Changed`]: invited (the portal now has the address, Pending). [`Outcome::
    /// AlreadyInTarget`]: the address already belonged to a user of that type or higher;
    /// nothing was sent. [`Outcome::Refused`]: not invited, `reason` says why. [`Outcome::
    /// Failed`]: not on the portal after a request that failed; running again may succeed.
    /// [`Outcome::Unknown`]: sent, and the portal could not be read back.
    pub outcome: Outcome,
    /// The reason or a note.
    pub detail: Option<String>,
    /// Why it was refused, typed.
    #[serde(skip)]
    pub reason: Option<Refusal>,
}

/// What an invitation run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[non_exhaustive]
pub struct InviteReport {
    /// One entry per distinct address, in input order.
    pub entries: Vec<InviteEntry>,
    /// Positions of repeated addresses, with the position of their first occurrence: sent once.
    pub duplicates: Vec<(usize, usize)>,
    /// Requests sent that invite (reads not counted).
    pub requests: u64,
}

impl InviteReport {
    /// How many entries ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }

    /// Whether every address was invited or already on the portal.
    pub fn is_complete_success(&self) -> bool {
        self.entries
            .iter()
            .all(|e| matches!(e.outcome, Outcome::Changed | Outcome::AlreadyInTarget))
    }
}

/// The wire form of `POST people/invite`.
#[derive(serde::Serialize)]
struct Body<'a> {
    invitations: Vec<Wire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    culture: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct Wire<'a> {
    #[serde(rename = "type")]
    user_type: i64,
    email: &'a str,
}

impl Client {
    /// Invites each address with its type (`POST people/invite`), and reports each as the
    /// portal shows it afterwards (see [`InviteEntry::outcome`]).
    ///
    /// Refused before anything is sent: Workspace (no invitations), an empty list, a batch size
    /// out of range. Per address, before sending: malformed or punycode addresses, guests,
    /// types above the caller, and addresses of disabled users; addresses already on the
    /// portal are not sent.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// use docspace_people::bulk::Outcome;
    /// use docspace_people::{Invitation, InviteOptions, UserType};
    ///
    /// let hires = [Invitation::new("new.hire@example.com", UserType::User)];
    /// let report = client.invite(&hires, &InviteOptions::default()).await?;
    /// for entry in report.entries.iter().filter(|e| e.outcome != Outcome::Changed) {
    ///     println!("{}: {} {}", entry.email, entry.outcome, entry.detail.as_deref().unwrap_or(""));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn invite(
        &self,
        invitations: &[Invitation],
        options: &InviteOptions,
    ) -> Result<InviteReport, Error> {
        if !(1..=MAX_INVITE_BATCH).contains(&options.batch_size) {
            return Err(Error::invalid_input(format!(
                "batch size {} is out of range (1 to {MAX_INVITE_BATCH})",
                options.batch_size
            )));
        }
        let (attempts_policy, mut report, mut queue) =
            self.prepare_invitations(invitations).await?;
        let attempts = Attempts {
            policy: &attempts_policy,
            cancel: None,
            on_send: &|| {},
        };
        let type_of: HashMap<usize, &UserType> = invitations
            .iter()
            .enumerate()
            .map(|(position, i)| (position, &i.user_type))
            .collect();
        let culture = options.culture.as_deref();
        let mut sent_ok: Vec<usize> = Vec::new();
        while !queue.is_empty() {
            let batch: Vec<usize> = (0..options.batch_size.min(queue.len()))
                .filter_map(|_| queue.pop_front())
                .collect();
            let body = Body {
                invitations: batch
                    .iter()
                    .map(|&i| Wire {
                        user_type: type_of
                            .get(&report.entries[i].position)
                            .and_then(|t| t.number())
                            .unwrap_or(-1),
                        email: report.entries[i].email.as_str(),
                    })
                    .collect(),
                culture,
            };
            let request =
                Request::with_json(Method::POST, paths::INVITE_USERS, &body, Resend::IfNotTaken)?;
            report.requests += 1;
            let error = match self.transport().execute(&request, &attempts).await {
                Ok(_) => {
                    sent_ok.extend(batch);
                    continue;
                }
                Err(Failure::Error(error)) => error,
                Err(Failure::Cancelled) => Error::Cancelled,
            };
            let text = crate::error::describe(&error);
            if matches!(meaning(&error), Meaning::Unauthorized | Meaning::NotTaken)
                || matches!(error, Error::Cancelled)
            {
                // Not taken: this batch and the rest are not sent (sending on after a 401 would
                // feed the portal's sign-in lockout).
                for i in batch.into_iter().chain(queue.drain(..)) {
                    report.entries[i].outcome = Outcome::Failed;
                    report.entries[i].detail = Some(format!("not sent: {text}"));
                }
                break;
            }
            tracing::debug!(error = %text, "an invitation request failed; reading its addresses back");
            let emails: Vec<&str> = batch
                .iter()
                .map(|&i| report.entries[i].email.as_str())
                .collect();
            let seen = match self.users_by_email(&emails, 4).await {
                Ok(seen) => seen,
                Err(read) => {
                    let note = format!(
                        "the request failed ({text}) and the portal could not be read back ({})",
                        crate::error::describe(&read)
                    );
                    for &i in &batch {
                        report.entries[i].outcome = Outcome::Unknown;
                        report.entries[i].detail = Some(note.clone());
                    }
                    continue;
                }
            };
            let is_400 = matches!(error, Error::BadRequest { .. });
            let mut stopped_at = None;
            for (n, &i) in batch.iter().enumerate() {
                let entry = &mut report.entries[i];
                if let Some(user) = seen
                    .get(&entry.email.to_lowercase())
                    .and_then(|u| u.first())
                {
                    invited(entry, user);
                    continue;
                }
                match meaning(&error) {
                    // A 400 stops the request at the bad invitation: the first address not on
                    // the portal is that one, and the ones after it were never handled.
                    Meaning::Answer if is_400 => {
                        let message = error.server_message().unwrap_or(&text).to_owned();
                        entry.outcome = Outcome::Refused;
                        entry.detail = Some(message.clone());
                        entry.reason = Some(Refusal::Server(message));
                        stopped_at = Some(n);
                        break;
                    }
                    Meaning::Answer => {
                        let message = error.server_message().unwrap_or(&text).to_owned();
                        entry.outcome = Outcome::Refused;
                        entry.detail = Some(message.clone());
                        entry.reason = Some(Refusal::Server(message));
                    }
                    _ => {
                        entry.outcome = Outcome::Failed;
                        entry.detail = Some(format!("not on the portal after: {text}"));
                    }
                }
            }
            if let Some(n) = stopped_at {
                for &i in batch[n + 1..].iter().rev() {
                    queue.push_front(i);
                }
            }
        }

        if !sent_ok.is_empty() {
            let emails: Vec<&str> = sent_ok
                .iter()
                .map(|&i| report.entries[i].email.as_str())
                .collect();
            match self.users_by_email(&emails, 4).await {
                Ok(seen) => {
                    for i in sent_ok {
                        let entry = &mut report.entries[i];
                        match seen
                            .get(&entry.email.to_lowercase())
                            .and_then(|u| u.first())
                        {
                            Some(user) => invited(entry, user),
                            None => {
                                entry.outcome = Outcome::Failed;
                                entry.detail = Some(
                                    "the portal took the request but shows no user with this address"
                                        .to_owned(),
                                );
                            }
                        }
                    }
                }
                Err(read) => {
                    let note = format!(
                        "sent; the portal could not be read back ({})",
                        crate::error::describe(&read)
                    );
                    for i in sent_ok {
                        report.entries[i].outcome = Outcome::Unknown;
                        report.entries[i].detail = Some(note.clone());
                    }
                }
            }
        }
        Ok(report)
    }
}

impl Client {
    /// What [`Client::invite`] would do, sending nothing: every address checked as the run checks
    /// it (the certain refusals, addresses already on the portal, repeats). An address that
    /// would be sent has [`Outcome::Unknown`] and the detail "would be invited".
    pub async fn plan_invitations(
        &self,
        invitations: &[Invitation],
    ) -> Result<InviteReport, Error> {
        let (_, mut report, queue) = self.prepare_invitations(invitations).await?;
        for i in queue {
            report.entries[i].detail = Some("would be invited".to_owned());
        }
        Ok(report)
    }

    /// Checks the invitations and reads the portal for their addresses: the report with every
    /// address settled that will not be sent, and the entries to send, in order.
    async fn prepare_invitations(
        &self,
        invitations: &[Invitation],
    ) -> Result<
        (
            crate::RetryPolicy,
            InviteReport,
            std::collections::VecDeque<usize>,
        ),
        Error,
    > {
        if invitations.is_empty() {
            return Err(Error::invalid_input("no invitations to send"));
        }
        let server = self.server().await?;
        if !server.has_invitations() {
            return Err(Error::Unsupported(format!(
                "{server} has no invitations by e-mail"
            )));
        }
        let policy = *self.retry_policy();
        let attempts = Attempts {
            policy: &policy,
            cancel: None,
            on_send: &|| {},
        };
        let caller = read_caller(self, &attempts).await;

        let mut report = InviteReport::default();
        let mut first_of: HashMap<String, usize> = HashMap::new();
        for (position, invitation) in invitations.iter().enumerate() {
            let email = invitation.email.trim();
            let key = email.to_lowercase();
            if let Some(&first) = first_of.get(&key) {
                report.duplicates.push((position, first));
                continue;
            }
            first_of.insert(key, report.entries.len());
            let reason = refusals::invitation(email, &invitation.user_type, caller.as_ref());
            report.entries.push(InviteEntry {
                email: email.to_owned(),
                position,
                id: None,
                outcome: if reason.is_some() {
                    Outcome::Refused
                } else {
                    Outcome::Unknown
                },
                detail: reason.as_ref().map(|r| format!("{r}; not sent")),
                reason,
            });
        }
        // Fix the positions of duplicates to the first occurrence's input position.
        for duplicate in &mut report.duplicates {
            duplicate.1 = report.entries[duplicate.1].position;
        }
        // Addresses already on the portal are not sent.
        let open: Vec<usize> = (0..report.entries.len())
            .filter(|&i| report.entries[i].reason.is_none())
            .collect();
        let emails: Vec<&str> = open
            .iter()
            .map(|&i| report.entries[i].email.as_str())
            .collect();
        let existing = self.users_by_email(&emails, 4).await?;
        let mut queue = std::collections::VecDeque::new();
        for i in open {
            let entry = &mut report.entries[i];
            match existing
                .get(&entry.email.to_lowercase())
                .and_then(|u| u.first())
            {
                None => queue.push_back(i),
                Some(user) => {
                    let wanted = invitations.get(entry.position).map(|i| &i.user_type);
                    settle_existing(entry, user, wanted, &server);
                }
            }
        }
        Ok((policy, report, queue))
    }
}

/// An address the portal shows after its request: invited.
fn invited(entry: &mut InviteEntry, user: &User) {
    entry.id = Some(user.id);
    entry.outcome = Outcome::Changed;
    entry.detail = match user.status {
        Some(UserStatus::Pending) | None => None,
        _ => Some("already joined".to_owned()),
    };
}

/// An address that belonged to a user before anything was sent.
fn settle_existing(
    entry: &mut InviteEntry,
    user: &User,
    wanted: Option<&UserType>,
    server: &crate::Server,
) {
    entry.id = Some(user.id);
    let now = user.user_type_on(server);
    let rank = |t: Option<&UserType>| t.and_then(refusals::rank);
    if user.status == Some(UserStatus::Terminated) {
        entry.outcome = Outcome::Refused;
        entry.detail = Some(format!("{}; not sent", Refusal::DisabledAddress));
        entry.reason = Some(Refusal::DisabledAddress);
    } else if rank(now.as_ref()) < rank(wanted) {
        entry.outcome = Outcome::Refused;
        entry.detail = Some(format!("{}; not sent", Refusal::AlreadyMember));
        entry.reason = Some(Refusal::AlreadyMember);
    } else {
        entry.outcome = Outcome::AlreadyInTarget;
        entry.detail = Some(match user.status {
            Some(UserStatus::Pending) => {
                "already invited and still Pending; resending mails them again".to_owned()
            }
            _ => "already on the portal; not sent".to_owned(),
        });
    }
}
