//! The login history (`GET security/audit/login/filter`), to select users nobody has signed
//! in as for a while.
//!
//! Two facts of the server shape this: it takes the page of the newest events first and applies
//! the filters to that page, so going back in time means reading the pages unfiltered; and on a
//! plan without the audit feature it ignores every filter and answers the last 20 events, so
//! the history is first checked to be real (a window no event can fall in must come back empty).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use docspace_people_gen::{paths, types};
use futures::{Stream, TryStreamExt};
use uuid::Uuid;

use super::MAX_PAGE_SIZE;
use super::search::UserQuery;
use crate::transport::{Request, envelope};
use crate::{Client, Error, User};

/// Successful sign-ins, as the server's `MessageAction` numbers them: `LoginSuccess` (1000),
/// via a social account (1001), SMS (1007), the API (1010), a social app (1011), the API with
/// SMS (1012), SSO (1015), the API with a social account (1019), a two-factor app (1021), the
/// API with two factors (1024), OAuth (1028), a password (1029).
const SIGN_INS: [i32; 12] = [
    1000, 1001, 1007, 1010, 1011, 1012, 1015, 1019, 1021, 1024, 1028, 1029,
];

/// A user nobody signed in as since a time.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InactiveUser {
    /// The user.
    pub user: User,
    /// Since when they count as inactive: their registration, when they joined after the
    /// history starts or never signed in; `None` when the portal did not say.
    pub registered: Option<DateTime<Utc>>,
}

/// What the history says of the users in a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignIns {
    /// Each user's last sign-in at or after the window's start.
    pub last: HashMap<Uuid, DateTime<Utc>>,
    /// Pages of the history read.
    pub pages: usize,
}

impl Client {
    /// The users matching `query` whom nobody signed in as since `since`: those with no
    /// successful sign-in in the login history from `since` on, and who joined before it
    /// (users who never signed in count from their registration date).
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when the portal's plan keeps no login history (it ignores the
    /// audit filters and answers the last 20 events): inactivity cannot be computed there,
    /// and a naive filter would select nearly everyone. [`Error::Forbidden`] for callers who
    /// are not administrators; the errors of reading.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// use chrono::{Duration, Utc};
    /// use docspace_people::{UserQuery, UserType};
    ///
    /// let since = Utc::now() - Duration::days(180);
    /// let idle = client
    ///     .users_inactive_since(since, UserQuery::new().user_type(UserType::Guest))
    ///     .await?;
    /// println!("{} guests have not signed in for 180 days", idle.len());
    /// # Ok(()) }
    /// ```
    pub async fn users_inactive_since(
        &self,
        since: DateTime<Utc>,
        query: UserQuery,
    ) -> Result<Vec<InactiveUser>, Error> {
        self.inactive_users(since, query).try_collect().await
    }

    /// [`users_inactive_since`](Self::users_inactive_since) as a stream, page after page of the
    /// user list once the history is read: only the ids of those who signed in are kept, not
    /// the users.
    pub fn inactive_users(
        &self,
        since: DateTime<Utc>,
        query: UserQuery,
    ) -> impl Stream<Item = Result<InactiveUser, Error>> + Send + 'static + use<> {
        let client = self.clone();
        futures::stream::once(async move {
            let active: HashSet<Uuid> = client
                .sign_ins_since(since)
                .await?
                .last
                .into_keys()
                .collect();
            let users = client.find_all_users(query).try_filter_map(move |user| {
                let registered = user.registration_date.map(|d| d.with_timezone(&Utc));
                let idle = !active.contains(&user.id) && registered.is_none_or(|r| r < since);
                futures::future::ready(Ok(idle.then_some(InactiveUser { user, registered })))
            });
            Ok::<_, Error>(users)
        })
        .try_flatten()
    }

    /// The last successful sign-in of every user who signed in at or after `since`, from the
    /// login history, newest first, page after page until `since`. Refuses a plan that keeps
    /// no history, as [`users_inactive_since`](Self::users_inactive_since) says.
    pub async fn sign_ins_since(&self, since: DateTime<Utc>) -> Result<SignIns, Error> {
        self.server_if(false).await?;
        self.check_login_history().await?;
        let mut signed_in = SignIns::default();
        let mut start: i32 = 0;
        let mut previous_first: Option<(Option<i64>, Option<String>)> = None;
        loop {
            let events = self.login_page(start, None).await?;
            signed_in.pages += 1;
            let page = events.len();
            // A server that answers the same page again would keep this loop going for ever.
            let first = events.first().map(|e| (e.id, e.date.clone()));
            if first.is_some() && first == previous_first {
                return Err(Error::UndecodableResponse {
                    status: 200,
                    reason: format!(
                        "the login history answered the same page for startIndex {start} as \
                         for the page before"
                    ),
                    snippet: String::new(),
                });
            }
            previous_first = first;
            let mut reached = false;
            for event in events {
                let Some(at) = event.date.as_deref().and_then(crate::dates::parse) else {
                    continue;
                };
                let at = at.with_timezone(&Utc);
                if at < since {
                    reached = true;
                    continue;
                }
                if let Some(user) = event.user_id
                    && event.action_id.is_some_and(|a| SIGN_INS.contains(&a))
                {
                    let last = signed_in.last.entry(user).or_insert(at);
                    *last = (*last).max(at);
                }
            }
            if reached || page < MAX_PAGE_SIZE as usize {
                return Ok(signed_in);
            }
            start = start.checked_add(MAX_PAGE_SIZE as i32).ok_or_else(|| {
                Error::invalid_input("the login history is longer than it can be read")
            })?;
        }
    }

    /// Refuses a plan whose login history ignores its filters: a window in the far future must
    /// come back empty from a real filter.
    async fn check_login_history(&self) -> Result<(), Error> {
        let events = self
            .login_page(0, Some("2999-01-01T00:00:00.0000000Z"))
            .await?;
        if events.is_empty() {
            Ok(())
        } else {
            Err(Error::Unsupported(
                "this portal's plan keeps no login history (it ignores the audit filters and \
                 answers the last 20 sign-ins), so inactivity cannot be computed"
                    .to_owned(),
            ))
        }
    }

    async fn login_page(
        &self,
        start: i32,
        from: Option<&str>,
    ) -> Result<Vec<types::LoginEventDto>, Error> {
        let mut request = Request::get(paths::GET_LOGIN_EVENTS_BY_FILTER)
            .query("count", MAX_PAGE_SIZE)
            .query("startIndex", start);
        if let Some(from) = from {
            request = request.query("from", from);
        }
        let answer = match self.transport().send(&request).await {
            Ok(answer) => answer,
            // Workspace and older DocSpace have no such route.
            Err(Error::NotFound { .. }) => {
                let server = self.server().await?;
                return Err(Error::Unsupported(format!(
                    "{server} has no login history at security/audit/login/filter, so \
                     inactivity cannot be computed"
                )));
            }
            Err(e) => return Err(e),
        };
        let envelope: types::LoginEventListEnvelope = answer.json()?;
        envelope::check(None, envelope.status, envelope.status_code)?;
        Ok(envelope.response)
    }
}
