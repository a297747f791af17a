//! Who is calling, as DocSpace 3.7.1 decides it: the `Authorization` header chooses the scheme
//! first. `Bearer sk-...` (exactly `Bearer `, case-sensitive) is an API key, and the cookie is
//! then ignored; a raw or lowercase key is refused (401). Without such a header, the
//! `asc_auth_key` cookie is read first (a present but stale cookie wins over a valid header:
//! 401), then a session token in the header, raw or as `Bearer <token>`.

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::ApiError;
use crate::model::{PortalState, status};

/// The name of the session cookie.
pub const AUTH_COOKIE: &str = "asc_auth_key";

/// An authenticated caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    /// Index of the caller in [`PortalState::users`].
    pub(crate) index: usize,
    /// Whether the credentials carry the `accounts:write` scope.
    pub(crate) can_write: bool,
    /// Whether the credentials reach beyond `accounts:*` (a session, or a key with a global
    /// scope): `people/@self` needs it.
    pub(crate) global: bool,
}

/// The API key of a request, if its `Authorization` header carries one the way the server reads
/// them: exactly `Bearer sk-...`.
pub(crate) fn api_key(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|key| key.starts_with("sk-"))
}

/// The value of the `asc_auth_key` cookie, if the request has one.
fn auth_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim() == AUTH_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))
}

/// The credential in the `Authorization` header, without a `Bearer` prefix.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let credential = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    };
    (!credential.is_empty()).then_some(credential)
}

/// Authenticates a request, or answers 401.
pub(crate) fn authenticate(
    state: &PortalState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Caller, ApiError> {
    let (user, can_write, global) = if let Some(key) = api_key(headers) {
        let key = state.api_keys.get(key).ok_or(ApiError::Unauthorized)?;
        (key.user, key.scope.can_write(), key.scope.is_global())
    } else if let Some(token) = auth_cookie(headers) {
        (session_user(state, token, now)?, true, true)
    } else if let Some(credential) = authorization(headers) {
        if credential.starts_with("sk-") {
            // A key not sent as exactly `Bearer sk-...` (raw, or `bearer`): not a key.
            return Err(ApiError::Unauthorized);
        }
        (session_user(state, credential, now)?, true, true)
    } else {
        return Err(ApiError::Unauthorized);
    };
    let index = state.index_of(user).ok_or(ApiError::Unauthorized)?;
    if state.users[index].status == status::TERMINATED {
        return Err(ApiError::Unauthorized);
    }
    Ok(Caller {
        index,
        can_write,
        global,
    })
}

fn session_user(state: &PortalState, token: &str, now: DateTime<Utc>) -> Result<Uuid, ApiError> {
    match state.sessions.get(token) {
        Some(session) if session.expires > now => Ok(session.user),
        _ => Err(ApiError::Unauthorized),
    }
}

/// Failed sign-ins of one login that block it (DocSpace's brute-force protection): more than
/// this many within [`SIGN_IN_WINDOW`].
const SIGN_IN_FAILURES: usize = 5;
/// The window of failed sign-ins, and how long a block lasts.
const SIGN_IN_WINDOW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Checks a sign-in: the user's index; or 401 for an unknown user or a wrong password (the
/// server does not tell them apart), 403 "User disabled" for a terminated or Pending user with
/// the right password, and 403 "Too many login attempts" once a login has failed more than
/// five times within a minute (for a minute; the right password does not lift it). There is no
/// other limit on sign-in.
pub(crate) fn check_password(
    state: &mut PortalState,
    user_name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let login = user_name.trim().to_lowercase();
    let failures = state.sign_in_failures.entry(login.clone()).or_default();
    failures.retain(|at| now - *at < SIGN_IN_WINDOW);
    if failures.len() > SIGN_IN_FAILURES {
        return Err(ApiError::Thrown {
            kind: crate::error::Thrown::Security,
            message: "Too many login attempts. Please try again later".to_owned(),
        });
    }
    let found = state.index_by_email(user_name).or_else(|| {
        state
            .users
            .iter()
            .position(|u| u.user_name.eq_ignore_ascii_case(user_name.trim()))
    });
    let index = match found {
        Some(index) if state.users[index].password.as_deref() == Some(password) => index,
        _ => {
            state.sign_in_failures.entry(login).or_default().push(now);
            return Err(ApiError::authentication_failed());
        }
    };
    let user = &state.users[index];
    if user.status == status::TERMINATED || user.status == status::PENDING {
        return Err(ApiError::Thrown {
            kind: crate::error::Thrown::Security,
            message: "User disabled".to_owned(),
        });
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; asc_auth_key=tok; b=2"),
        );
        assert_eq!(auth_cookie(&headers), Some("tok"));
    }

    #[test]
    fn strips_bearer() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer  abc "),
        );
        assert_eq!(authorization(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("abc"));
        assert_eq!(authorization(&headers), Some("abc"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer sk-1"),
        );
        assert_eq!(authorization(&headers), Some("sk-1"));
    }
}
