//! `GET /people/filter`: matching, sorting and paging over all users without copying them.

use std::cmp::Ordering;

use uuid::Uuid;

use crate::error::ApiError;
use crate::model::{PortalState, User};
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

/// A parsed filter query.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterQuery {
    pub(crate) count: usize,
    pub(crate) start_index: usize,
    pub(crate) text: Option<String>,
    pub(crate) status: Option<i32>,
    pub(crate) activation: Option<i32>,
    pub(crate) user_type: Option<i32>,
    pub(crate) is_admin: Option<bool>,
    pub(crate) group: Option<Uuid>,
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
                    query.text = (!text.is_empty()).then_some(text);
                }
                "employeestatus" => {
                    query.status = Some(params::employee_status("employeeStatus", value)?);
                }
                "activationstatus" => {
                    query.activation = Some(params::activation_status("activationStatus", value)?);
                }
                "employeetype" => {
                    query.user_type = Some(params::employee_type("employeeType", value)?);
                }
                "isadministrator" => {
                    query.is_admin = Some(params::boolean("isAdministrator", value)?);
                }
                "groupid" => query.group = Some(params::guid("groupId", value)?),
                "sortby" => {
                    query.sort_by = match value.trim().to_ascii_lowercase().as_str() {
                        "lastname" => SortBy::LastName,
                        "displayname" => SortBy::DisplayName,
                        "email" => SortBy::Email,
                        "type" => SortBy::Type,
                        "department" => SortBy::Department,
                        _ => SortBy::FirstName,
                    };
                }
                "sortorder" => query.descending = value.trim().eq_ignore_ascii_case("descending"),
                _ => {}
            }
        }
        Ok(query)
    }
}

fn matches(query: &FilterQuery, group: Option<Option<u16>>, user: &User, workspace: bool) -> bool {
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

/// Runs a query: the indexes of the requested page and the number of matches.
pub(crate) fn run(state: &PortalState, query: &FilterQuery) -> (Vec<usize>, usize) {
    // Some(None): a group id that names no group, so nothing matches.
    let group = query.group.map(|id| {
        state
            .groups
            .iter()
            .position(|g| g.id == id)
            .and_then(|i| u16::try_from(i).ok())
    });
    let mut hits: Vec<usize> = state
        .users
        .iter()
        .enumerate()
        .filter(|(_, user)| matches(query, group, user, state.version.is_workspace()))
        .map(|(i, _)| i)
        .collect();
    let total = hits.len();
    let end = query.start_index.saturating_add(query.count).min(total);
    if query.start_index >= end {
        return (Vec::new(), total);
    }
    let users = &state.users;
    let order = |a: &usize, b: &usize| {
        let ordering = compare(query.sort_by, &users[*a], &users[*b]).then_with(|| a.cmp(b));
        if query.descending {
            ordering.reverse()
        } else {
            ordering
        }
    };
    // Only the first `end` matches need sorting.
    if end < hits.len() {
        hits.select_nth_unstable_by(end, order);
        hits.truncate(end);
    }
    hits.sort_unstable_by(order);
    hits.drain(..query.start_index);
    (hits, total)
}
