//! Reading users, the one home of every read by id or by page: before a change (so that
//! "already in target" and "changed" are facts), after an answer that was lost or refused (so
//! that the report says what the server did, not what the engine guessed), and for callers
//! ([`Client::users_by_id`], [`Client::find_users`]). The rule for when paging through the
//! whole list is cheaper than single reads lives here too ([`paging_is_cheaper`]).

mod emails;
mod groups;
mod logins;
mod search;
mod seats;
mod whole;

pub use groups::PortalGroup;
pub use logins::{InactiveUser, SignIns};
pub use search::{EmailIds, EmailLookup, QuotaKind, SortBy, UserPage, UserQuery};
pub use seats::PaidSeats;
pub(crate) use whole::{Whole, read_whole};

use docspace_people_gen::paths;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::boxed::boxed;
use crate::state::UserState;
use crate::transport::{Answer, Attempts, Failure, Request, envelope, fill};
use crate::{Client, Error, User};

/// The largest page the server returns.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Whether paging through the rest of a user list of `total` users (its first page read)
/// takes fewer requests than reading `missing` users one by one.
pub(crate) fn paging_is_cheaper(total: usize, missing: usize) -> bool {
    total.div_ceil(MAX_PAGE_SIZE as usize).saturating_sub(1) < missing
}

/// A form in which users are read: whole ([`User`]) or only the fields that decide a change
/// ([`UserState`], a few bytes per user).
pub(crate) trait Listed: DeserializeOwned + Send + Sync + 'static {
    /// The users of a list answer, and its `total`.
    fn list(answer: &Answer) -> Result<(Vec<Self>, Option<i64>), Error>;
    /// The user of a single-user answer.
    fn one(answer: &Answer) -> Result<Self, Error>;
}

impl Listed for UserState {
    fn list(answer: &Answer) -> Result<(Vec<Self>, Option<i64>), Error> {
        envelope::states(answer)
    }
    fn one(answer: &Answer) -> Result<Self, Error> {
        envelope::state(answer)
    }
}

impl Listed for User {
    fn list(answer: &Answer) -> Result<(Vec<Self>, Option<i64>), Error> {
        envelope::users_and_total(answer)
    }
    fn one(answer: &Answer) -> Result<Self, Error> {
        envelope::user(answer)
    }
}

/// What reading one user found.
#[derive(Debug, Clone)]
pub(crate) enum Seen {
    /// The user as the server reports them now.
    State(UserState),
    /// The server has no such user (404).
    Missing,
    /// The user could not be read; the error, described.
    Unreadable(String),
}

/// The signed-in user, whose rights some refusals depend on; `None` if it cannot be read.
pub(crate) async fn read_caller(client: &Client, attempts: &Attempts<'_>) -> Option<UserState> {
    if let Some(caller) = client.inner.caller.get() {
        return Some(caller.clone());
    }
    let request = Request::get(paths::GET_SELF_PROFILE);
    match client.transport().execute(&request, attempts).await {
        Ok(answer) => envelope::state(&answer).ok(),
        Err(_) => None,
    }
}

/// Reads each id with its own request, `concurrency` at a time.
pub(crate) async fn read_each(
    client: &Client,
    ids: &[Uuid],
    concurrency: usize,
    attempts: &Attempts<'_>,
) -> Vec<(Uuid, Seen)> {
    futures::stream::iter(ids.iter().copied())
        .map(|id| boxed(async move { (id, read_one(client, id, attempts).await) }))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// Reads one user in form `T` (`GET people/{id}`): the user, or the error.
pub(crate) async fn fetch_one<T: Listed>(
    client: &Client,
    id: Uuid,
    attempts: &Attempts<'_>,
) -> Result<T, Failure> {
    let request = Request::get(fill(paths::GET_PROFILE_BY_USER_ID, "userid", id));
    let answer = client.transport().execute(&request, attempts).await?;
    T::one(&answer).map_err(Failure::Error)
}

/// Reads one user: their state, missing (404), or why they could not be read.
pub(crate) async fn read_one(client: &Client, id: Uuid, attempts: &Attempts<'_>) -> Seen {
    let result = match fetch_one::<UserState>(client, id, attempts).await {
        Ok(state) => Ok(state),
        Err(Failure::Error(error)) => Err(error),
        Err(Failure::Cancelled) => return Seen::Unreadable("cancelled".to_owned()),
    };
    match result {
        Ok(state) if state.id == id => Seen::State(state),
        Ok(state) => Seen::Unreadable(format!(
            "the server answered with another user ({})",
            state.id
        )),
        Err(Error::NotFound { .. }) => Seen::Missing,
        Err(error) => Seen::Unreadable(crate::error::describe(&error)),
    }
}

/// Pages through the whole user list if that is cheaper than reading `wanted` users one by
/// one, passing every user listed to `keep`, which says whether it was one of them. Stops
/// quietly on any error: the users not found are then read one by one.
pub(crate) async fn page_through<T: Listed>(
    client: &Client,
    wanted: usize,
    concurrency: usize,
    attempts: &Attempts<'_>,
    keep: &mut (dyn FnMut(T) -> bool + Send + Sync),
) {
    let Some(first) = first_page(client, attempts, keep).await else {
        return;
    };
    let missing = wanted.saturating_sub(first.found);
    if !paging_is_cheaper(first.total, missing) {
        tracing::debug!(missing, "reading the rest one by one is cheaper");
        return;
    }
    rest_pages(client, first.total, concurrency, attempts, keep).await;
}

/// What the first page of the user list told.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FirstPage {
    /// The users the list has.
    pub(crate) total: usize,
    /// Those of its first page that `keep` wanted.
    pub(crate) found: usize,
}

impl FirstPage {
    /// The requests the rest of the list takes.
    pub(crate) fn pages_left(&self) -> usize {
        self.total
            .div_ceil(MAX_PAGE_SIZE as usize)
            .saturating_sub(1)
    }
}

/// Reads the first page of the user list, passing its users to `keep`; `None` if it cannot be
/// read.
pub(crate) async fn first_page<T: Listed>(
    client: &Client,
    attempts: &Attempts<'_>,
    keep: &mut (dyn FnMut(T) -> bool + Send + Sync),
) -> Option<FirstPage> {
    let first = match read_page::<T>(client, 0, attempts).await {
        Ok(page) => page,
        Err(error) => {
            tracing::debug!(%error, "cannot page through the users; reading them one by one");
            return None;
        }
    };
    let total = first.1.and_then(|t| usize::try_from(t).ok()).unwrap_or(0);
    let found = first
        .0
        .into_iter()
        .map(&mut *keep)
        .filter(|kept| *kept)
        .count();
    Some(FirstPage { total, found })
}

/// Reads the pages of the user list after the first, of `total` users, passing every user to
/// `keep`. A page that fails is skipped: its users are then read one by one.
pub(crate) async fn rest_pages<T: Listed>(
    client: &Client,
    total: usize,
    concurrency: usize,
    attempts: &Attempts<'_>,
    keep: &mut (dyn FnMut(T) -> bool + Send + Sync),
) {
    let page_size = MAX_PAGE_SIZE as usize;
    let mut rest = futures::stream::iter(1..total.div_ceil(page_size))
        .map(|page| boxed(read_page(client, page * page_size, attempts)))
        .buffer_unordered(concurrency.max(1));
    while let Some(result) = rest.next().await {
        match result {
            Ok((users, _)) => {
                for user in users {
                    keep(user);
                }
            }
            Err(error) => tracing::debug!(%error, "a page of users could not be read"),
        }
    }
}

async fn read_page<T: Listed>(
    client: &Client,
    start: usize,
    attempts: &Attempts<'_>,
) -> Result<(Vec<T>, Option<i64>), Error> {
    let start = u32::try_from(start)
        .map_err(|_| Error::invalid_input(format!("start index {start} is too large")))?;
    let request = UserQuery::new().request(start, MAX_PAGE_SIZE)?;
    match client.transport().execute(&request, attempts).await {
        Ok(answer) => T::list(&answer),
        Err(Failure::Error(error)) => Err(error),
        Err(Failure::Cancelled) => Err(Error::Cancelled),
    }
}
