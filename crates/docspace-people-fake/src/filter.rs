//! `GET /people/filter`: matching, sorting and paging over all users without copying them, with
//! the sorted matches of the recent queries cached for paging through them.

use std::cmp::Ordering;
use std::sync::Arc;

use parking_lot::Mutex;

use uuid::Uuid;

use crate::error::ApiError;
use crate::model::{PortalState, User, UserType};
use crate::params;

/// The largest page the server returns.
pub(crate) const MAX_COUNT: usize = 100;

/// What to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SortBy {
    #[default]
    FirstName,
    LastName,
    DisplayName,
    Email,
    Type,
    Department,
}

/// A parsed filter query: which page of which matches.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterQuery {
    pub(crate) count: usize,
    pub(crate) start_index: usize,
    pub(crate) criteria: Criteria,
}

/// What a query matches and how the matches are ordered: the query without its page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Criteria {
    pub(crate) text: Option<String>,
    pub(crate) status: Option<i32>,
    pub(crate) activation: Option<i32>,
    pub(crate) user_type: Option<i32>,
    pub(crate) is_admin: Option<bool>,
    pub(crate) group: Option<Uuid>,
    /// `accountLoginType`: 0 SSO, 1 LDAP, 2 standard.
    pub(crate) login_type: Option<i32>,
    /// `withoutGroup`: members of no group (DocSpace).
    pub(crate) without_group: bool,
    /// `payments`: 0 those who take a paid seat (the owner, DocSpace admins, room admins), 1 the
    /// others (DocSpace).
    pub(crate) payments: Option<i32>,
    /// `quotaFilter`: 1 on the portal's default quota, 2 with a quota of their own (DocSpace).
    pub(crate) quota_filter: Option<i32>,
    /// `inviterId`: users this user invited, by `createdBy` (DocSpace).
    pub(crate) inviter: Option<Uuid>,
    pub(crate) sort_by: SortBy,
    pub(crate) descending: bool,
}

impl FilterQuery {
    /// Reads the query string pairs. Keys match case-insensitively. `count` and `startIndex`
    /// that are not numbers are ignored (a `count` below 1 means the default, 100; above 100 is
    /// capped); the enum, boolean and GUID filters answer 400 when malformed.
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut query = Self {
            count: MAX_COUNT,
            ..Self::default()
        };
        for (key, value) in pairs {
            match key.to_ascii_lowercase().as_str() {
                "count" => {
                    if let Ok(n) = value.trim().parse::<i64>() {
                        query.count = if n < 1 {
                            MAX_COUNT
                        } else {
                            (n as usize).min(MAX_COUNT)
                        };
                    }
                }
                "startindex" => {
                    if let Ok(n) = value.trim().parse::<i64>() {
                        query.start_index = usize::try_from(n).unwrap_or(0);
                    }
                }
                "filtervalue" => {
                    let text = value.trim().to_lowercase();
                    query.criteria.text = (!text.is_empty()).then_some(text);
                }
                "employeestatus" => {
                    query.criteria.status = Some(params::employee_status("employeeStatus", value)?);
                }
                "activationstatus" => {
                    query.criteria.activation =
                        Some(params::activation_status("activationStatus", value)?);
                }
                "employeetype" => {
                    query.criteria.user_type = Some(params::employee_type("employeeType", value)?);
                }
                "isadministrator" => {
                    query.criteria.is_admin = Some(params::boolean("isAdministrator", value)?);
                }
                "groupid" => query.criteria.group = Some(params::guid("groupId", value)?),
                "accountlogintype" => {
                    query.criteria.login_type =
                        Some(params::login_type("accountLoginType", value)?);
                }
                "withoutgroup" => {
                    query.criteria.without_group = params::boolean("withoutGroup", value)?;
                }
                "payments" => query.criteria.payments = Some(params::payments("payments", value)?),
                "quotafilter" => {
                    query.criteria.quota_filter = Some(params::quota_filter("quotaFilter", value)?);
                }
                "inviterid" => query.criteria.inviter = Some(params::guid("inviterId", value)?),
                "sortby" => {
                    query.criteria.sort_by = match value.trim().to_ascii_lowercase().as_str() {
                        "lastname" => SortBy::LastName,
                        "displayname" => SortBy::DisplayName,
                        "email" => SortBy::Email,
                        "type" => SortBy::Type,
                        "department" => SortBy::Department,
                        _ => SortBy::FirstName,
                    };
                }
                "sortorder" => {
                    query.criteria.descending = value.trim().eq_ignore_ascii_case("descending")
                }
                _ => {}
            }
        }
        Ok(query)
    }
}

/// What a query's ids name among the portal's groups and users: `Some(None)` for an id that
/// names none (so nothing matches).
struct Resolved {
    group: Option<Option<u16>>,
    inviter: Option<Option<usize>>,
}

fn matches(query: &Criteria, resolved: &Resolved, user: &User, workspace: bool) -> bool {
    // Workspace has none of these selectors: it ignores them, as it ignores any parameter it
    // does not know.
    if !workspace && !matches_docspace_only(query, resolved, user) {
        return false;
    }
    let group = resolved.group;
    if let Some(text) = &query.text {
        let k = &user.keys;
        if !(k.first.contains(text.as_str())
            || k.last.contains(text.as_str())
            || k.display.contains(text.as_str())
            || k.email.contains(text.as_str()))
        {
            return false;
        }
    }
    if let Some(s) = query.status
        && s != 0
        && user.status & s == 0
    {
        return false;
    }
    if let Some(a) = query.activation
        && user.activation != a
    {
        return false;
    }
    if let Some(t) = query.user_type
        && t != 0
        && user.user_type.number() != t
        // On Workspace, type 1 (User) is everyone who is not a Visitor (2).
        && !(workspace && t == 1 && user.user_type.number() != 2)
    {
        return false;
    }
    if let Some(admin) = query.is_admin
        && user.is_admin() != admin
    {
        return false;
    }
    if let Some(kind) = query.login_type {
        let standard = !user.is_sso && !user.is_ldap;
        let matched = match kind {
            0 => user.is_sso,
            1 => user.is_ldap,
            _ => standard,
        };
        if !matched {
            return false;
        }
    }
    match group {
        None => true,
        Some(None) => false,
        Some(Some(g)) => user.groups.contains(&g),
    }
}

fn compare(sort_by: SortBy, a: &User, b: &User) -> Ordering {
    let (ka, kb) = (&a.keys, &b.keys);
    match sort_by {
        SortBy::FirstName => ka.first.cmp(&kb.first).then_with(|| ka.last.cmp(&kb.last)),
        SortBy::LastName => ka.last.cmp(&kb.last).then_with(|| ka.first.cmp(&kb.first)),
        SortBy::DisplayName => ka.display.cmp(&kb.display),
        SortBy::Email => ka.email.cmp(&kb.email),
        SortBy::Type => {
            let rank = |u: &User| if u.is_owner { 0 } else { u.user_type.rank() };
            rank(a)
                .cmp(&rank(b))
                .then_with(|| ka.display.cmp(&kb.display))
        }
        SortBy::Department => ka
            .department
            .cmp(&kb.department)
            .then_with(|| ka.display.cmp(&kb.display)),
    }
}

/// The selectors only DocSpace has.
fn matches_docspace_only(query: &Criteria, resolved: &Resolved, user: &User) -> bool {
    if query.without_group && !user.groups.is_empty() {
        return false;
    }
    if let Some(payments) = query.payments {
        let paid = user.is_owner
            || matches!(
                user.user_type,
                UserType::DocSpaceAdmin | UserType::RoomAdmin
            );
        if paid != (payments == 0) {
            return false;
        }
    }
    match query.quota_filter {
        Some(1) if user.custom_quota.is_some() => return false,
        Some(2) if user.custom_quota.is_none() => return false,
        _ => {}
    }
    match resolved.inviter {
        Some(inviter) => inviter.is_some() && user.created_by == inviter,
        None => true,
    }
}

/// The indexes of the users `criteria` match, in seeding order.
fn matching(state: &PortalState, criteria: &Criteria) -> Vec<usize> {
    // Some(None): a group id that names no group, so nothing matches.
    let group = criteria.group.map(|id| {
        state
            .groups
            .iter()
            .position(|g| g.id == id)
            .and_then(|i| u16::try_from(i).ok())
    });
    let inviter = criteria
        .inviter
        .map(|id| state.users.iter().position(|u| u.id == id));
    let resolved = Resolved { group, inviter };
    let workspace = state.version.is_workspace();
    state
        .users
        .iter()
        .enumerate()
        .filter(|(_, user)| matches(criteria, &resolved, user, workspace))
        .map(|(i, _)| i)
        .collect()
}

/// The order of the matches: by the sort key, ties by seeding order (so it is total and every
/// way of sorting gives the same pages).
fn order(state: &PortalState, criteria: &Criteria) -> impl Fn(&usize, &usize) -> Ordering {
    let users = &state.users;
    let (sort_by, descending) = (criteria.sort_by, criteria.descending);
    move |a: &usize, b: &usize| {
        let ordering = compare(sort_by, &users[*a], &users[*b]).then_with(|| a.cmp(b));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}

/// The page of `query` out of matches that are already sorted.
fn page_of(sorted: &[usize], query: &FilterQuery) -> Vec<usize> {
    let start = query.start_index.min(sorted.len());
    let end = query
        .start_index
        .saturating_add(query.count)
        .min(sorted.len());
    sorted[start..end].to_vec()
}

/// The page of `query` out of unsorted matches, sorting only the matches up to the end of the
/// page: the indexes of the requested page and the number of matches.
fn page_of_unsorted(
    state: &PortalState,
    query: &FilterQuery,
    mut hits: Vec<usize>,
) -> (Vec<usize>, usize) {
    let total = hits.len();
    let end = query.start_index.saturating_add(query.count).min(total);
    if query.start_index >= end {
        return (Vec::new(), total);
    }
    let order = order(state, &query.criteria);
    // Only the first `end` matches need sorting.
    if end < hits.len() {
        hits.select_nth_unstable_by(end, &order);
        hits.truncate(end);
    }
    hits.sort_unstable_by(&order);
    hits.drain(..query.start_index);
    (hits, total)
}

/// All matches of one query, sorted, as of one generation of the portal state.
#[derive(Debug)]
struct Sorted {
    generation: u64,
    criteria: Criteria,
    hits: Arc<Vec<usize>>,
}

/// The sorted matches of the most recent queries that asked for more than their first page, so
/// that paging through a million users costs one sort and then a page's worth per request,
/// even when a client pages through several queries at once (the bulk engine reads a few
/// groups side by side). A server pages with its database's indexes; without this, each page
/// of interleaved queries would cost the fake a scan and a sort of every match.
///
/// An entry is used only for the same criteria at the same generation of the state
/// ([`crate::server::StateLock`]), so any change to the portal since it was made (indeed any
/// write lock) makes it stale.
#[derive(Debug, Default)]
pub(crate) struct FilterCache {
    /// The newest first, at most [`FilterCache::KEPT`].
    recent: Mutex<std::collections::VecDeque<Sorted>>,
}

impl FilterCache {
    /// How many queries' matches are kept.
    const KEPT: usize = 8;

    /// Runs a query against `state`, read at `generation`: the indexes of the requested page
    /// and the number of matches.
    ///
    /// Without a usable entry, a request for the first page selects and sorts just that page
    /// (as cheap as it gets for a one-off look, and the entry kept for a paging client stays);
    /// a request for a later page sorts every match and keeps them for the pages after it.
    pub(crate) fn run(
        &self,
        state: &PortalState,
        generation: u64,
        query: &FilterQuery,
    ) -> (Vec<usize>, usize) {
        let cached = self
            .recent
            .lock()
            .iter()
            .find(|s| s.generation == generation && s.criteria == query.criteria)
            .map(|s| s.hits.clone());
        let sorted = match cached {
            Some(sorted) => sorted,
            None => {
                let mut hits = matching(state, &query.criteria);
                if query.start_index == 0 {
                    return page_of_unsorted(state, query, hits);
                }
                hits.sort_unstable_by(order(state, &query.criteria));
                let hits = Arc::new(hits);
                // The generation cannot have moved: the caller holds a read guard.
                let mut recent = self.recent.lock();
                recent.retain(|s| s.generation == generation);
                recent.push_front(Sorted {
                    generation,
                    criteria: query.criteria.clone(),
                    hits: hits.clone(),
                });
                recent.truncate(Self::KEPT);
                hits
            }
        };
        (page_of(&sorted, query), sorted.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PortalConfig;
    use crate::model::status;
    use crate::seed;

    /// Every match sorted by the whole order, then sliced: what any page must equal.
    fn reference(state: &PortalState, query: &FilterQuery) -> (Vec<usize>, usize) {
        let mut hits = matching(state, &query.criteria);
        let users = &state.users;
        hits.sort_by(|a, b| {
            compare(query.criteria.sort_by, &users[*a], &users[*b]).then_with(|| a.cmp(b))
        });
        if query.criteria.descending {
            hits.reverse();
        }
        let total = hits.len();
        let page = hits
            .into_iter()
            .skip(query.start_index)
            .take(query.count)
            .collect();
        (page, total)
    }

    fn query(pairs: &[(&str, &str)]) -> FilterQuery {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        FilterQuery::parse(&pairs).expect("valid query")
    }

    /// The newest entry.
    fn entry(cache: &FilterCache) -> Option<(u64, Arc<Vec<usize>>)> {
        cache
            .recent
            .lock()
            .front()
            .map(|s| (s.generation, s.hits.clone()))
    }

    /// The entry of `q`'s criteria.
    fn entry_of(cache: &FilterCache, q: &FilterQuery) -> Option<Arc<Vec<usize>>> {
        cache
            .recent
            .lock()
            .iter()
            .find(|s| s.criteria == q.criteria)
            .map(|s| s.hits.clone())
    }

    /// Pages of several queries asked in turn (as the bulk engine reads its groups) are each
    /// sorted once; past [`FilterCache::KEPT`] queries, the oldest goes.
    #[test]
    fn interleaved_queries_keep_their_sorted_matches() {
        let state = seed::build(&PortalConfig::demo().with_extra_users(1_000));
        let cache = FilterCache::default();
        let groups: Vec<FilterQuery> = [
            [("employeeStatus", "2")],
            [("employeeStatus", "4")],
            [("isAdministrator", "true")],
            [("employeeStatus", "1")],
        ]
        .iter()
        .map(|pairs| {
            let mut q = query(pairs);
            q.count = 3;
            q
        })
        .collect();
        let mut first: Vec<Option<Arc<Vec<usize>>>> = vec![None; groups.len()];
        for start in [3, 6, 9] {
            for (at, group) in groups.iter().enumerate() {
                let mut q = query(&[]);
                q.criteria = group.criteria.clone();
                q.count = 3;
                q.start_index = start;
                assert_eq!(cache.run(&state, 1, &q), reference(&state, &q));
                let kept = entry_of(&cache, &q).expect("kept");
                match &first[at] {
                    None => first[at] = Some(kept),
                    Some(sorted) => assert!(Arc::ptr_eq(sorted, &kept), "sorted once"),
                }
            }
        }
        for extra in 0..FilterCache::KEPT {
            let mut q = query(&[(
                "filterValue",
                ["a", "e", "i", "o", "u", "n", "r", "s"][extra],
            )]);
            q.start_index = 1;
            cache.run(&state, 1, &q);
        }
        assert_eq!(cache.recent.lock().len(), FilterCache::KEPT);
        assert!(entry_of(&cache, &groups[0]).is_none(), "the oldest went");
    }

    #[test]
    fn cached_pages_equal_a_full_sort() {
        let state = seed::build(&PortalConfig::demo().with_extra_users(3_000));
        let cache = FilterCache::default();
        let criteria: [&[(&str, &str)]; 8] = [
            &[],
            &[("sortBy", "email"), ("sortOrder", "descending")],
            &[("sortBy", "lastname")],
            &[("sortBy", "displayname"), ("sortOrder", "descending")],
            &[("sortBy", "type")],
            &[("sortBy", "department"), ("employeeStatus", "1")],
            &[("filterValue", "james"), ("employeeType", "1")],
            &[("isAdministrator", "false"), ("activationStatus", "1")],
        ];
        let total_users = state.users.len();
        for (generation, pairs) in criteria.iter().enumerate() {
            let generation = generation as u64;
            for (start, count) in [
                (0, 100),
                (1, 7),
                (100, 100),
                (0, 1),
                (2_999, 100),
                (total_users - 3, 100),
                (total_users, 100),
                (10 * total_users, 100),
            ] {
                let mut q = query(pairs);
                q.start_index = start;
                q.count = count;
                let expected = reference(&state, &q);
                assert_eq!(
                    cache.run(&state, generation, &q),
                    expected,
                    "{pairs:?} {start}"
                );
                // Again, now from the cache (filled by any page but the first).
                assert_eq!(
                    cache.run(&state, generation, &q),
                    expected,
                    "{pairs:?} {start}"
                );
            }
        }
    }

    #[test]
    fn a_first_page_neither_fills_nor_evicts_and_a_new_generation_misses() {
        let mut state = seed::build(&PortalConfig::demo().with_extra_users(500));
        let cache = FilterCache::default();
        let mut q = query(&[("sortBy", "email")]);
        q.count = 10;
        cache.run(&state, 1, &q);
        assert!(
            entry(&cache).is_none(),
            "the first page is answered without sorting all"
        );

        q.start_index = 10;
        cache.run(&state, 1, &q);
        let (generation, sorted) = entry(&cache).expect("filled by the second page");
        assert_eq!(generation, 1);
        assert_eq!(sorted.len(), state.users.len());
        q.start_index = 20;
        cache.run(&state, 1, &q);
        q.start_index = 0;
        cache.run(&state, 1, &q);
        let other = query(&[("sortBy", "lastname"), ("count", "5")]);
        cache.run(&state, 1, &other);
        let (_, again) = entry(&cache).expect("still there");
        assert!(
            Arc::ptr_eq(&sorted, &again),
            "later pages reuse the sorted matches"
        );

        // A change under a new generation is seen at once.
        let mut active = query(&[("employeeStatus", "1"), ("startIndex", "1")]);
        let (page, total) = cache.run(&state, 1, &active);
        let victim = page[0];
        state.users[victim].status = status::TERMINATED;
        let (page, total_after) = cache.run(&state, 2, &active);
        assert_eq!(total_after, total - 1);
        assert!(!page.contains(&victim));
        active.start_index = 0;
        active.count = MAX_COUNT;
        assert_eq!(cache.run(&state, 2, &active), reference(&state, &active));
        assert_eq!(entry(&cache).map(|(g, _)| g), Some(2));
    }
}
