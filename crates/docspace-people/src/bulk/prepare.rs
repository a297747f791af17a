//! Before anything is sent: read every target's current state and decide its route: settled
//! at once (already in the target state, a predicted refusal, no such user, unreadable), sent in
//! a chunk, or lowered through the type-change job.

use uuid::Uuid;

use super::deciding;
use super::index::Index;
use super::job::KnownCaller;
use super::report::{Counts, Duplicate, Outcome};
use super::run::Run;
use super::slots::{Route, Slots};
use crate::Change;
use crate::read::{self, Seen};
use crate::state::UserState;
use crate::transport::Attempts;
use crate::{MAX_PAGE_SIZE, Refusal};

/// Users read one by one per batch: bounds the memory of the reads, not their concurrency.
const READ_BATCH: usize = 4096;

/// Every target read and routed, with the counts of those settled.
pub(super) struct Prepared {
    pub(super) slots: Slots,
    pub(super) counts: Counts,
    /// Users to send in chunks.
    pub(super) to_send: usize,
    /// Users to lower through the type-change job.
    pub(super) by_job: usize,
    /// The signed-in user, read when some refusal depends on who asks.
    pub(super) caller: Option<UserState>,
    /// Whether the caller was needed (and so read, or tried).
    pub(super) caller_needed: bool,
}

/// What to do with one user.
pub(super) enum Decision {
    /// Settled without sending.
    Settled(Outcome, Option<String>),
    /// Refused by a rule, without sending.
    Refused(Refusal),
    /// Sent in a chunk.
    Chunk,
    /// Through the type-change job.
    Job,
}

/// How much of the targets' state must be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Every target, so that each one's state is shown (a plan).
    Every,
    /// What decides the outcomes: the deciding users when that is cheaper (see
    /// [`super::deciding`]), the others being what they must be; the write answers settle them.
    Deciding,
}

/// Reads the state of the targets the caller did not supply (the deciding users, or pages of
/// the user list, whichever take fewer requests, then one by one) and routes each.
pub(super) async fn prepare(
    run: &Run<'_>,
    ids: &[Uuid],
    index: &Index<'_>,
    duplicates: &[Duplicate],
    reading: Reading,
) -> Prepared {
    let job = run.job;
    let mut slots = Slots::new(ids.len());
    for duplicate in duplicates {
        slots.set_repeat(duplicate.position);
    }
    for (id, user) in &job.known {
        if let Some(position) = index.find(*id) {
            slots.set(position, Seen::State(UserState::from(user)));
        }
    }
    for id in &job.absent {
        if let Some(position) = index.find(*id) {
            slots.set(position, Seen::Missing);
        }
    }
    let attempts = Attempts {
        policy: &run.policy,
        cancel: Some(&job.cancel),
        on_send: &|| run.count_read(),
    };
    let unread = (0..ids.len()).filter(|&p| slots.is_unread(p)).count();
    if unread > MAX_PAGE_SIZE as usize {
        read_many(run, ids, index, &mut slots, unread, reading, &attempts).await;
    }
    let mut next = 0;
    loop {
        let batch: Vec<usize> = (next..ids.len())
            .filter(|&p| slots.is_unread(p))
            .take(READ_BATCH)
            .collect();
        let Some(&last) = batch.last() else { break };
        next = last + 1;
        let batch_ids: Vec<Uuid> = batch.iter().map(|&p| ids[p]).collect();
        for (id, seen) in read::read_each(&job.client, &batch_ids, run.concurrency, &attempts).await
        {
            if let Some(position) = index.find(id) {
                slots.set(position, seen);
            }
        }
    }
    // Some refusals depend on who is asking: read the caller once, if anyone may be sent and
    // the job was not told who asks, or was told only who but a refusal depends on rights.
    let mut may_send = false;
    let mut rights_matter = false;
    for (p, id) in ids.iter().enumerate() {
        if let Some(user) = slots.state(p, *id)
            && job.change.is_satisfied_by_state(&user, Some(&run.server)) != Some(true)
        {
            may_send = true;
            rights_matter |= job.change.caller_rights_matter(&user, &run.server);
        }
    }
    let caller_needed = may_send && matches!(job.change, Change::Status(_) | Change::Type(_));
    let caller = match &job.caller {
        _ if !caller_needed => None,
        Some(KnownCaller::Read(caller)) => Some(caller.clone()),
        Some(KnownCaller::Id(id)) if !rights_matter => Some(UserState::only_id(*id)),
        Some(KnownCaller::Id(_)) | None => read::read_caller(&job.client, &attempts).await,
    };
    let mut prepared = Prepared {
        slots,
        counts: Counts::default(),
        to_send: 0,
        by_job: 0,
        caller,
        caller_needed,
    };
    for (position, id) in ids.iter().enumerate() {
        if !prepared.slots.is_first(position) {
            continue;
        }
        let seen = prepared.slots.seen(position, *id);
        let route = match decide(run, prepared.caller.as_ref(), seen) {
            Decision::Settled(outcome, _) => {
                prepared.counts.add(outcome);
                Route::Settled
            }
            Decision::Refused(_) => {
                prepared.counts.add(Outcome::Refused);
                Route::Settled
            }
            Decision::Chunk => {
                prepared.to_send += 1;
                Route::Chunk
            }
            Decision::Job => {
                prepared.by_job += 1;
                Route::Job
            }
        };
        prepared.slots.set_route(position, route);
    }
    prepared
}

/// Reads many targets the cheapest way: the first page of the user list tells its size; then
/// the deciding users, if the change has them and they take fewer requests than the rest of the
/// list and than single reads (the others' state is then implied), or else the rest of the list
/// if it takes fewer requests than single reads. Who is left is read one by one.
async fn read_many(
    run: &Run<'_>,
    ids: &[Uuid],
    index: &Index<'_>,
    slots: &mut Slots,
    unread: usize,
    reading: Reading,
    attempts: &Attempts<'_>,
) {
    let job = run.job;
    let Some(first) = read::first_page(&job.client, attempts, &mut keeper(index, slots)).await
    else {
        return;
    };
    let unread = unread.saturating_sub(first.found);
    let deciding = match reading {
        Reading::Deciding => deciding::deciding(&job.change, &run.server),
        Reading::Every => None,
    };
    if let Some((queries, rest)) = deciding
        && first.pages_left() > queries.len()
    {
        let budget = unread.min(first.pages_left());
        let whole = read::read_whole(
            &job.client,
            &queries,
            budget,
            run.concurrency,
            attempts,
            &mut keeper(index, slots),
        )
        .await;
        if whole == read::Whole::Read {
            for (position, &id) in ids.iter().enumerate() {
                if slots.is_unread(position) {
                    slots.set_implied(position, &rest.state(id));
                }
            }
            return;
        }
    }
    let unread = (0..ids.len()).filter(|&p| slots.is_unread(p)).count();
    if read::paging_is_cheaper(first.total, unread) {
        let mut keep = keeper(index, slots);
        let total = first.total;
        read::rest_pages(&job.client, total, run.concurrency, attempts, &mut keep).await;
    }
}

/// Keeps a listed user's state if they are a target not read yet; says whether they were.
fn keeper<'a>(
    index: &'a Index<'_>,
    slots: &'a mut Slots,
) -> impl FnMut(UserState) -> bool + Send + Sync + 'a {
    move |user: UserState| match index.find(user.id) {
        Some(position) if slots.is_unread(position) => {
            slots.set(position, Seen::State(user));
            true
        }
        _ => false,
    }
}

/// The route of a user from what reading them found: the same answer every time it is asked,
/// so a settled user's entry is made again when it is reported rather than kept.
pub(super) fn decide(run: &Run<'_>, caller: Option<&UserState>, seen: Option<Seen>) -> Decision {
    let change = &run.job.change;
    match seen {
        Some(Seen::State(user)) => {
            match change.is_satisfied_by_state(&user, Some(&run.server)) {
                Some(true) => return Decision::Settled(Outcome::AlreadyInTarget, None),
                _ => {
                    // The server's rules refuse it for certain: not sent.
                    if let Some(reason) = change.refusal_of_state(&user, caller, Some(&run.server))
                    {
                        return Decision::Refused(reason);
                    }
                }
            }
            if change.needs_job(&user, &run.server) {
                Decision::Job
            } else {
                Decision::Chunk
            }
        }
        Some(Seen::Missing) => Decision::Refused(Refusal::UnknownUser),
        Some(Seen::Unreadable(error)) => Decision::Settled(
            Outcome::Failed,
            Some(format!(
                "not sent: its current state could not be read: {error}"
            )),
        ),
        None => Decision::Settled(
            Outcome::Failed,
            Some("not sent: its current state was not read".to_owned()),
        ),
    }
}
