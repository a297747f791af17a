//! Finding users: `GET /api/2.0/people/filter`, one page or every page.

use std::sync::Arc;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use uuid::Uuid;

use docspace_people_gen::{paths, types};

use super::{MAX_PAGE_SIZE, fetch_one, page_through};
use crate::client::Client;
use crate::enums::{ActivationStatus, UserStatus, UserType};
use crate::transport::{Attempts, Failure, Request, envelope};
use crate::{Error, LoginKind, User};

/// What to sort users by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortBy {
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Display name.
    DisplayName,
    /// Email address.
    Email,
    /// User type.
    Type,
    /// Department.
    Department,
}

impl SortBy {
    fn as_wire(self) -> &'static str {
        match self {
            SortBy::FirstName => "firstname",
            SortBy::LastName => "lastname",
            SortBy::DisplayName => "displayname",
            SortBy::Email => "email",
            SortBy::Type => "type",
            SortBy::Department => "department",
        }
    }
}

/// Filters, order and page size of a user search. Every filter is optional; all given filters
/// must match.
///
/// ```
/// use docspace_people::{UserQuery, UserStatus, UserType, SortBy};
///
/// let query = UserQuery::new()
///     .text("smith")
///     .status(UserStatus::Active)
///     .user_type(UserType::Guest)
///     .sort_by(SortBy::LastName)
///     .page_size(50);
/// # let _ = query;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserQuery {
    text: Option<String>,
    status: Option<UserStatus>,
    activation_status: Option<ActivationStatus>,
    user_type: Option<UserType>,
    is_admin: Option<bool>,
    group_id: Option<Uuid>,
    login_kind: Option<LoginKind>,
    without_group: bool,
    paid: Option<bool>,
    quota_kind: Option<QuotaKind>,
    invited_by: Option<Uuid>,
    sort_by: Option<SortBy>,
    descending: bool,
    page_size: Option<u32>,
}

impl UserQuery {
    /// A query for every user, 100 per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only users whose name or email contains this text.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Only users with this status.
    pub fn status(mut self, status: UserStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only users with this activation status.
    pub fn activation_status(mut self, status: ActivationStatus) -> Self {
        self.activation_status = Some(status);
        self
    }

    /// Only users of this type.
    pub fn user_type(mut self, user_type: UserType) -> Self {
        self.user_type = Some(user_type);
        self
    }

    /// Only administrators (`true`) or only non-administrators (`false`).
    pub fn administrators(mut self, is_admin: bool) -> Self {
        self.is_admin = Some(is_admin);
        self
    }

    /// Only members of this group.
    pub fn group(mut self, group_id: Uuid) -> Self {
        self.group_id = Some(group_id);
        self
    }

    /// Only accounts that sign in this way (DocSpace).
    pub fn login_kind(mut self, kind: LoginKind) -> Self {
        self.login_kind = Some(kind);
        self
    }

    /// Only users who are members of no group (DocSpace).
    pub fn without_group(mut self) -> Self {
        self.without_group = true;
        self
    }

    /// Only users who take a paid seat (`true`: the owner, DocSpace admins and room admins), or
    /// only those who do not (`false`: users and guests) (DocSpace).
    pub fn paid(mut self, paid: bool) -> Self {
        self.paid = Some(paid);
        self
    }

    /// Only users on the portal's default quota, or only those with a quota of their own
    /// (DocSpace; the server applies it for DocSpace admin callers only).
    pub fn quota_kind(mut self, kind: QuotaKind) -> Self {
        self.quota_kind = Some(kind);
        self
    }

    /// Only users this user invited (their `createdBy`) (DocSpace).
    pub fn invited_by(mut self, inviter: Uuid) -> Self {
        self.invited_by = Some(inviter);
        self
    }

    /// The first selector set that only DocSpace has, by its name: Workspace ignores them, so a
    /// query with one would select everyone there.
    fn docspace_only(&self) -> Option<&'static str> {
        [
            (self.login_kind.is_some(), "login kind"),
            (self.without_group, "having no group"),
            (self.paid.is_some(), "paid seat"),
            (self.quota_kind.is_some(), "quota kind"),
            (self.invited_by.is_some(), "inviter"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// Sort by this field, ascending unless [`descending`](Self::descending) is set.
    pub fn sort_by(mut self, sort_by: SortBy) -> Self {
        self.sort_by = Some(sort_by);
        self
    }

    /// Sort in descending order.
    pub fn descending(mut self, descending: bool) -> Self {
        self.descending = descending;
        self
    }

    /// Users per page, 1 to [`MAX_PAGE_SIZE`] (the default). Checked when the query is sent.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// The `people/filter` request of this query for the page at `start_index` of `page_size`
    /// users: the one place the selectors become query parameters.
    pub(crate) fn request(&self, start_index: u32, page_size: u32) -> Result<Request, Error> {
        let start = i32::try_from(start_index)
            .map_err(|_| Error::invalid_input(format!("start index {start_index} is too large")))?;
        let mut request = Request::get(paths::GET_FILTERED_USERS)
            .query("count", page_size)
            .query("startIndex", start);
        if let Some(text) = &self.text {
            request = request.query("filterValue", text);
        }
        if let Some(status) = &self.status {
            request = request.query(
                "employeeStatus",
                filter_number(status, status.number(), "status")?,
            );
        }
        if let Some(status) = &self.activation_status {
            request = request.query(
                "activationStatus",
                filter_number(status, status.number(), "activation status")?,
            );
        }
        if let Some(user_type) = &self.user_type {
            request = request.query(
                "employeeType",
                filter_number(user_type, user_type.number(), "type")?,
            );
        }
        if let Some(is_admin) = self.is_admin {
            request = request.query("isAdministrator", is_admin);
        }
        if let Some(group) = self.group_id {
            request = request.query("groupId", group);
        }
        if let Some(kind) = self.login_kind {
            request = request.query("accountLoginType", kind.filter_number());
        }
        if self.without_group {
            request = request.query("withoutGroup", true);
        }
        if let Some(paid) = self.paid {
            request = request.query("payments", if paid { 0 } else { 1 });
        }
        if let Some(kind) = self.quota_kind {
            request = request.query(
                "quotaFilter",
                match kind {
                    QuotaKind::Default => 1,
                    QuotaKind::Custom => 2,
                },
            );
        }
        if let Some(inviter) = self.invited_by {
            request = request.query("inviterId", inviter);
        }
        if let Some(sort_by) = self.sort_by {
            request = request.query("sortBy", sort_by.as_wire());
        }
        if self.descending {
            request = request.query("sortOrder", "descending");
        }
        Ok(request)
    }

    fn effective_page_size(&self) -> Result<u32, Error> {
        match self.page_size {
            None => Ok(MAX_PAGE_SIZE),
            Some(size @ 1..=MAX_PAGE_SIZE) => Ok(size),
            Some(size) => Err(Error::invalid_input(format!(
                "page size {size} is out of range 1..={MAX_PAGE_SIZE}"
            ))),
        }
    }
}

/// Whose quota a user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuotaKind {
    /// The portal's default quota.
    Default,
    /// A quota of their own.
    Custom,
}

/// One page of a user search.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UserPage {
    /// The users of this page.
    pub users: Vec<User>,
    /// Index of the first user of the page among all matches.
    pub start_index: u32,
    /// The number of matches across all pages, when the server says.
    pub total: Option<u64>,
    /// The start index of the next page, or `None` if this is the last.
    pub next_start_index: Option<u32>,
}

fn filter_number<T: std::fmt::Display>(
    value: &T,
    number: Option<i64>,
    what: &str,
) -> Result<i32, Error> {
    number
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| Error::invalid_input(format!("{what} {value} has no number to filter by")))
}

impl Client {
    /// One page of users matching `query`, starting at `start_index` (0 for the first page).
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// use docspace_people::{UserQuery, UserStatus};
    ///
    /// let page = client.find_users(&UserQuery::new().status(UserStatus::Terminated), 0).await?;
    /// println!("{} of {:?} terminated users", page.users.len(), page.total);
    /// # Ok(()) }
    /// ```
    pub async fn find_users(&self, query: &UserQuery, start_index: u32) -> Result<UserPage, Error> {
        let page_size = query.effective_page_size()?;
        // An API key is refused before sending on a server without them (Workspace), and so is
        // a selector Workspace would ignore, selecting everyone.
        let docspace_only = query.docspace_only();
        if let Some(server) = self.server_if(docspace_only.is_some()).await?
            && let Some(name) = docspace_only
            && server.is_workspace()
        {
            return Err(Error::Unsupported(format!(
                "{server} cannot select users by {name}: it has no such filter"
            )));
        }
        let request = query.request(start_index, page_size)?;
        tracing::debug!(start_index, page_size, "GET people/filter");
        let answer = self.transport().send(&request).await?;
        let envelope: types::EmployeeFullListEnvelope = answer.json()?;
        envelope::check(envelope.error, envelope.status, envelope.status_code)?;
        let total = envelope.total.and_then(|t| u64::try_from(t).ok());
        let users: Vec<User> = envelope.response.into_iter().map(User::from).collect();
        let end = u64::from(start_index) + users.len() as u64;
        let last = users.len() < page_size as usize || total.is_some_and(|total| end >= total);
        let next_start_index = if last { None } else { u32::try_from(end).ok() };
        Ok(UserPage {
            users,
            start_index,
            total,
            next_start_index,
        })
    }

    /// Every user matching `query`, page after page, as a stream. Stops at the first error,
    /// which it yields.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// use docspace_people::{TryStreamExt, UserQuery};
    ///
    /// let everyone: Vec<_> = client.find_all_users(UserQuery::new()).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn find_all_users(
        &self,
        query: UserQuery,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'static + use<> {
        let client = self.clone();
        let query = Arc::new(query);
        stream::try_unfold(Some(0u32), move |start| {
            let client = client.clone();
            let query = Arc::clone(&query);
            async move {
                let Some(start) = start else {
                    return Ok::<_, Error>(None);
                };
                let page = client.find_users(&query, start).await?;
                let next = page.next_start_index;
                Ok(Some((stream::iter(page.users).map(Ok), next)))
            }
        })
        .try_flatten()
    }

    /// The users with these ids, read the cheapest way: one `GET people/{id}` each when they
    /// are few, pages of the user list when that takes fewer requests (anyone the pages do not
    /// show is then read alone). Ids that name no user are left out of the answer; any other
    /// failure to read one is an error. `concurrency` requests go at once (at most 15).
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client, ids: Vec<uuid::Uuid>) -> Result<(), docspace_people::Error> {
    /// let users = client.users_by_id(&ids, 4).await?;
    /// for id in ids.iter().filter(|id| !users.contains_key(id)) {
    ///     println!("no user has the id {id}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn users_by_id(
        &self,
        ids: &[Uuid],
        concurrency: usize,
    ) -> Result<std::collections::HashMap<Uuid, User>, Error> {
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        self.for_each_user_by_id(ids, concurrency, &mut |user: User| {
            found.insert(user.id, user);
        })
        .await?;
        Ok(found)
    }

    /// [`users_by_id`](Self::users_by_id), passing each user to `each` as it is read rather
    /// than keeping them: reading a million users then holds a few bytes per id. Returns the
    /// ids that name no user. Each id's user is passed once.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client, ids: Vec<uuid::Uuid>) -> Result<(), docspace_people::Error> {
    /// let mut guests = 0;
    /// let absent = client
    ///     .for_each_user_by_id(&ids, 4, &mut |user| {
    ///         guests += usize::from(user.is_visitor == Some(true));
    ///     })
    ///     .await?;
    /// println!("{guests} guests; {} ids name no user", absent.len());
    /// # Ok(()) }
    /// ```
    pub async fn for_each_user_by_id(
        &self,
        ids: &[Uuid],
        concurrency: usize,
        each: &mut (dyn FnMut(User) + Send + Sync),
    ) -> Result<Vec<Uuid>, Error> {
        let concurrency = concurrency.clamp(1, crate::server::MAX_IN_FLIGHT);
        // Sorted ids and a flag each: 17 bytes per id, whatever the users weigh.
        let mut wanted: Vec<Uuid> = ids.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut seen = vec![false; wanted.len()];
        let attempts = Attempts {
            policy: self.retry_policy(),
            cancel: None,
            on_send: &|| {},
        };
        let mut take = |user: User, seen: &mut [bool]| match wanted.binary_search(&user.id) {
            Ok(at) if !seen[at] => {
                seen[at] = true;
                each(user);
                true
            }
            _ => false,
        };
        if wanted.len() > MAX_PAGE_SIZE as usize {
            // A page that cannot be read leaves its users to be read alone.
            let mut keep = |user: User| take(user, &mut seen);
            page_through::<User>(self, wanted.len(), concurrency, &attempts, &mut keep).await;
        }
        let missing: Vec<Uuid> = wanted
            .iter()
            .zip(&seen)
            .filter(|(_, seen)| !**seen)
            .map(|(id, _)| *id)
            .collect();
        let mut absent = Vec::new();
        let mut singles = stream::iter(missing)
            .map(|id| {
                let attempts = &attempts;
                crate::boxed::boxed(
                    async move { (id, fetch_one::<User>(self, id, attempts).await) },
                )
            })
            .buffer_unordered(concurrency);
        while let Some((id, result)) = singles.next().await {
            match result {
                Ok(user) if user.is_lost_user() => absent.push(id),
                Ok(user) if user.id == id => {
                    take(user, &mut seen);
                }
                Ok(user) => {
                    return Err(Error::UndecodableResponse {
                        status: 200,
                        reason: format!("asked for the user {id}, the server answered {}", user.id),
                        snippet: String::new(),
                    });
                }
                Err(Failure::Error(Error::NotFound { .. })) => absent.push(id),
                Err(Failure::Error(e)) => return Err(e),
                Err(Failure::Cancelled) => return Err(Error::Cancelled),
            }
        }
        absent.sort_unstable();
        Ok(absent)
    }

    /// The users with these email addresses (any case), keyed by the address in lower case,
    /// read the cheapest way: pages of the whole user list when that takes fewer requests than
    /// one search per address, else one search each. Addresses no user has are left out; an
    /// address several users share maps to all of them. An answer is complete or an error,
    /// never a guess (a page that cannot be read is an error, so that "not on the portal" is a
    /// fact). `concurrency` requests go at once (at most 15).
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let found = client.users_by_email(&["jane@example.com", "Joe@Example.com"], 4).await?;
    /// match found.get("joe@example.com").map(Vec::as_slice) {
    ///     Some([joe]) => println!("{}", joe.id),
    ///     Some(several) => println!("{} users share the address", several.len()),
    ///     None => println!("no such user"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn users_by_email(
        &self,
        emails: &[impl AsRef<str> + Sync],
        concurrency: usize,
    ) -> Result<std::collections::HashMap<String, Vec<User>>, Error> {
        let lookup = self.look_up_emails(emails, concurrency).await?;
        match lookup.failed.into_values().next() {
            Some(error) => Err(error),
            None => Ok(lookup.found),
        }
    }

    /// [`users_by_email`](Self::users_by_email), address by address where the portal fails: an
    /// address whose search still fails after the retries (a 5xx, a broken connection) is in
    /// [`EmailLookup::failed`] and the others are settled. A page of the list that fails
    /// settles nobody, so the addresses are then searched one by one. An error that would fail
    /// every search alike (credentials refused, the rate limit's stop, bad input) is returned
    /// whole.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let lookup = client.look_up_emails(&["jane@example.com", "joe@example.com"], 4).await?;
    /// for (email, error) in &lookup.failed {
    ///     println!("{email}: could not look up ({error})");
    /// }
    /// println!("{} addresses found", lookup.found.len());
    /// # Ok(()) }
    /// ```
    pub async fn look_up_emails(
        &self,
        emails: &[impl AsRef<str> + Sync],
        concurrency: usize,
    ) -> Result<EmailLookup, Error> {
        use std::collections::hash_map::Entry;
        let mut lookup = EmailLookup::default();
        let key = |index: usize| super::emails::normalized(emails[index].as_ref()).into_owned();
        let mut found = |indices: &[usize], user: User| {
            let Some(&first) = indices.first() else {
                return;
            };
            let users: &mut Vec<User> = lookup.found.entry(key(first)).or_default();
            // A user may be listed on two pages when the list moves meanwhile.
            if !users.iter().any(|u| u.id == user.id) {
                users.push(user);
            }
        };
        let mut failed = Vec::new();
        super::emails::look_up(
            self,
            emails,
            concurrency,
            &mut found,
            &mut |indices, error| {
                failed.extend(indices.first().map(|&i| (i, error)));
            },
        )
        .await?;
        for (index, error) in failed {
            if let Entry::Vacant(slot) = lookup.failed.entry(key(index)) {
                slot.insert(error);
            }
        }
        Ok(lookup)
    }

    /// [`look_up_emails`](Self::look_up_emails), keeping only the ids of the users found, by
    /// the place of each address in `emails`: a look-up of a million addresses then holds about
    /// 40 bytes per address and no copy of them.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// let emails = ["jane@example.com", "JOE@example.com"];
    /// let lookup = client.look_up_email_ids(&emails, 4).await?;
    /// for (index, email) in emails.iter().enumerate() {
    ///     match (lookup.failed(index), lookup.ids(index)) {
    ///         (Some(error), _) => println!("{email}: could not look up ({error})"),
    ///         (None, [id]) => println!("{email} is {id}"),
    ///         (None, []) => println!("{email}: no such user"),
    ///         (None, several) => println!("{email}: {} users share it", several.len()),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn look_up_email_ids(
        &self,
        emails: &[impl AsRef<str> + Sync],
        concurrency: usize,
    ) -> Result<EmailIds, Error> {
        let mut ids = EmailIds {
            one: vec![None; emails.len()],
            ..EmailIds::default()
        };
        let mut failed = Vec::new();
        super::emails::look_up(
            self,
            emails,
            concurrency,
            &mut |indices, user| {
                for &index in indices {
                    ids.add(index, user.id);
                }
            },
            &mut |indices, error| failed.push((indices.to_vec(), error)),
        )
        .await?;
        for (indices, error) in failed {
            let error = std::sync::Arc::new(error);
            for index in indices {
                ids.failed.insert(index, std::sync::Arc::clone(&error));
            }
        }
        Ok(ids)
    }

    /// The users whose email address is exactly `email` (ignoring case and surrounding spaces):
    /// normally none or one. The People API has no lookup by email, so this searches with the
    /// address as text and keeps the exact matches.
    ///
    /// ```no_run
    /// # async fn run(client: docspace_people::Client) -> Result<(), docspace_people::Error> {
    /// match client.users_with_email("jane@example.com").await?.as_slice() {
    ///     [user] => println!("{}", user.id),
    ///     [] => println!("no such user"),
    ///     _ => println!("several users share that address"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn users_with_email(&self, email: &str) -> Result<Vec<User>, Error> {
        let email = email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(Error::invalid_input(format!(
                "`{email}` is not an email address"
            )));
        }
        self.find_all_users(UserQuery::new().text(email))
            .try_filter(|user| {
                let matches = user
                    .email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email));
                futures::future::ready(matches)
            })
            .try_collect()
            .await
    }
}

/// What [`Client::look_up_emails`] (or [`Client::look_up_email_ids`]) settled, address by
/// address (addresses in lower case): the users whole, or only their ids.
#[derive(Debug)]
#[non_exhaustive]
pub struct EmailLookup<T = User> {
    /// The users of each address found; an address no user has is in neither map.
    pub found: std::collections::HashMap<String, Vec<T>>,
    /// The addresses whose look-up failed after the retries, with the last error: whether a
    /// user has them is unknown.
    pub failed: std::collections::HashMap<String, Error>,
}

impl<T> Default for EmailLookup<T> {
    fn default() -> Self {
        EmailLookup {
            found: std::collections::HashMap::new(),
            failed: std::collections::HashMap::new(),
        }
    }
}

/// What [`Client::look_up_email_ids`] settled, by the place of each address in the list
/// asked.
#[derive(Debug, Default)]
pub struct EmailIds {
    /// The one user of each address, when one has it.
    one: Vec<Option<Uuid>>,
    /// Every user of an address several users share.
    several: std::collections::HashMap<usize, Vec<Uuid>>,
    /// The addresses whose look-up failed after the retries, with the last error.
    failed: std::collections::HashMap<usize, std::sync::Arc<Error>>,
}

impl EmailIds {
    /// The users of the address at `index`: none (no user has it, or its look-up failed), one,
    /// or several sharing it.
    pub fn ids(&self, index: usize) -> &[Uuid] {
        if let Some(several) = self.several.get(&index) {
            return several;
        }
        match self.one.get(index) {
            Some(Some(id)) => std::slice::from_ref(id),
            _ => &[],
        }
    }

    /// Why the look-up of the address at `index` failed, if it did: whether a user has it is
    /// then unknown.
    pub fn failed(&self, index: usize) -> Option<&Error> {
        self.failed.get(&index).map(|e| &**e)
    }

    fn add(&mut self, index: usize, id: Uuid) {
        let Some(one) = self.one.get_mut(index) else {
            return;
        };
        match one {
            None => *one = Some(id),
            Some(first) if *first == id => {}
            Some(first) => {
                let first = *first;
                let several = self.several.entry(index).or_insert_with(|| vec![first]);
                if !several.contains(&id) {
                    several.push(id);
                }
            }
        }
    }
}
