//! Counts of the requests the portal served, by endpoint and outcome, for tests to assert on.

use std::collections::BTreeMap;
use std::fmt;

use axum::http::Method;

use crate::faults::FaultKind;

/// The operations the portal serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `POST /api/2.0/authentication`
    Authenticate,
    /// `GET /api/2.0/people/@self`
    GetSelf,
    /// `GET /api/2.0/people/filter`
    Filter,
    /// `GET /api/2.0/people/{userid}`
    GetUser,
    /// `PUT /api/2.0/people/status/{status}`
    UpdateStatus,
    /// `PUT /api/2.0/people/type/{type}`
    UpdateType,
    /// `PUT /api/2.0/people/userquota`
    UpdateQuota,
    /// `PUT /api/2.0/people/resetquota`
    ResetQuota,
    /// `POST /api/2.0/people/type`
    StartTypeJob,
    /// `GET /api/2.0/people/type/progress/{userid}`
    TypeJobProgress,
    /// `PUT /api/2.0/people/type/terminate`
    TerminateTypeJob,
    /// `POST /api/2.0/people/reassign/start`
    StartReassign,
    /// `GET /api/2.0/people/reassign/progress/{userid}`
    ReassignProgress,
    /// `PUT /api/2.0/people/reassign/terminate`
    TerminateReassign,
    /// `GET /api/2.0/people/reassign/necessary`
    ReassignNecessary,
    /// `DELETE /api/2.0/people/{userid}`
    DeleteUser,
    /// `PUT /api/2.0/people/delete`
    DeleteUsers,
    /// Anything else (unknown paths and methods).
    Other,
}

impl Endpoint {
    /// The endpoint a request goes to.
    pub(crate) fn classify(method: &Method, path: &str) -> Self {
        let rest = path.trim_end_matches('/');
        let people = rest.strip_prefix("/api/2.0/people/");
        match (method.as_str(), rest, people) {
            ("POST", "/api/2.0/authentication", _) => Self::Authenticate,
            ("GET", _, Some("@self")) => Self::GetSelf,
            ("GET", _, Some("filter")) => Self::Filter,
            ("GET", _, Some(id)) if !id.contains('/') => Self::GetUser,
            ("DELETE", _, Some(id)) if !id.contains('/') => Self::DeleteUser,
            ("POST", _, Some("type")) => Self::StartTypeJob,
            ("GET", _, Some(p)) if one_below(p, "type/progress/") => Self::TypeJobProgress,
            ("PUT", _, Some("type/terminate")) => Self::TerminateTypeJob,
            ("POST", _, Some("reassign/start")) => Self::StartReassign,
            ("GET", _, Some(p)) if one_below(p, "reassign/progress/") => Self::ReassignProgress,
            ("PUT", _, Some("reassign/terminate")) => Self::TerminateReassign,
            ("GET", _, Some("reassign/necessary")) => Self::ReassignNecessary,
            ("PUT", _, Some("delete")) => Self::DeleteUsers,
            ("PUT", _, Some(p)) if p.starts_with("status/") && p.matches('/').count() == 1 => {
                Self::UpdateStatus
            }
            ("PUT", _, Some(p)) if p.starts_with("type/") && p.matches('/').count() == 1 => {
                Self::UpdateType
            }
            ("PUT", _, Some("userquota")) => Self::UpdateQuota,
            ("PUT", _, Some("resetquota")) => Self::ResetQuota,
            _ => Self::Other,
        }
    }
}

/// Whether `path` is `prefix` followed by one non-empty segment.
fn one_below(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Authenticate => "POST /api/2.0/authentication",
            Self::GetSelf => "GET /api/2.0/people/@self",
            Self::Filter => "GET /api/2.0/people/filter",
            Self::GetUser => "GET /api/2.0/people/{userid}",
            Self::UpdateStatus => "PUT /api/2.0/people/status/{status}",
            Self::UpdateType => "PUT /api/2.0/people/type/{type}",
            Self::UpdateQuota => "PUT /api/2.0/people/userquota",
            Self::ResetQuota => "PUT /api/2.0/people/resetquota",
            Self::StartTypeJob => "POST /api/2.0/people/type",
            Self::TypeJobProgress => "GET /api/2.0/people/type/progress/{userid}",
            Self::TerminateTypeJob => "PUT /api/2.0/people/type/terminate",
            Self::StartReassign => "POST /api/2.0/people/reassign/start",
            Self::ReassignProgress => "GET /api/2.0/people/reassign/progress/{userid}",
            Self::TerminateReassign => "PUT /api/2.0/people/reassign/terminate",
            Self::ReassignNecessary => "GET /api/2.0/people/reassign/necessary",
            Self::DeleteUser => "DELETE /api/2.0/people/{userid}",
            Self::DeleteUsers => "PUT /api/2.0/people/delete",
            Self::Other => "other",
        })
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Handled; the HTTP status the handler answered with.
    Status(u16),
    /// Replaced (or, for [`crate::DropMode::AfterHandling`], cut off) by an injected fault.
    Fault(FaultKind),
}

/// A snapshot of the request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request seen.
    pub total: u64,
    /// Requests by endpoint and outcome.
    pub by_outcome: BTreeMap<(Endpoint, Outcome), u64>,
}

impl Counters {
    pub(crate) fn record(&mut self, endpoint: Endpoint, outcome: Outcome) {
        self.total += 1;
        *self.by_outcome.entry((endpoint, outcome)).or_default() += 1;
    }

    /// Requests to `endpoint` that ended with `outcome`.
    pub fn get(&self, endpoint: Endpoint, outcome: Outcome) -> u64 {
        self.by_outcome
            .get(&(endpoint, outcome))
            .copied()
            .unwrap_or(0)
    }

    /// Requests to `endpoint`, whatever their outcome.
    pub fn endpoint(&self, endpoint: Endpoint) -> u64 {
        self.by_outcome
            .iter()
            .filter(|((e, _), _)| *e == endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests that ended with an injected fault of this kind.
    pub fn faults(&self, kind: FaultKind) -> u64 {
        self.by_outcome
            .iter()
            .filter(|((_, o), _)| *o == Outcome::Fault(kind))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests that a handler answered with this HTTP status.
    pub fn status(&self, status: u16) -> u64 {
        self.by_outcome
            .iter()
            .filter(|((_, o), _)| *o == Outcome::Status(status))
            .map(|(_, n)| n)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        let c = |m: Method, p: &str| Endpoint::classify(&m, p);
        assert_eq!(
            c(Method::POST, "/api/2.0/authentication"),
            Endpoint::Authenticate
        );
        assert_eq!(c(Method::GET, "/api/2.0/people/@self"), Endpoint::GetSelf);
        assert_eq!(c(Method::GET, "/api/2.0/people/filter"), Endpoint::Filter);
        assert_eq!(c(Method::GET, "/api/2.0/people/abc"), Endpoint::GetUser);
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/status/2"),
            Endpoint::UpdateStatus
        );
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/type/1"),
            Endpoint::UpdateType
        );
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/userquota"),
            Endpoint::UpdateQuota
        );
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/resetquota"),
            Endpoint::ResetQuota
        );
        assert_eq!(
            c(Method::DELETE, "/api/2.0/people/abc"),
            Endpoint::DeleteUser
        );
        assert_eq!(
            c(Method::POST, "/api/2.0/people/type"),
            Endpoint::StartTypeJob
        );
        assert_eq!(
            c(Method::GET, "/api/2.0/people/type/progress/abc"),
            Endpoint::TypeJobProgress
        );
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/type/terminate"),
            Endpoint::TerminateTypeJob
        );
        assert_eq!(
            c(Method::POST, "/api/2.0/people/reassign/start"),
            Endpoint::StartReassign
        );
        assert_eq!(
            c(Method::GET, "/api/2.0/people/reassign/progress/abc"),
            Endpoint::ReassignProgress
        );
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/reassign/terminate"),
            Endpoint::TerminateReassign
        );
        assert_eq!(
            c(Method::GET, "/api/2.0/people/reassign/necessary"),
            Endpoint::ReassignNecessary
        );
        assert_eq!(
            c(Method::PUT, "/api/2.0/people/delete"),
            Endpoint::DeleteUsers
        );
        assert_eq!(
            c(Method::GET, "/api/2.0/people/type/progress/"),
            Endpoint::Other
        );
        assert_eq!(c(Method::POST, "/api/2.0/people/abc"), Endpoint::Other);
    }
}
