//! Who is calling: the `asc_auth_key` cookie first, then the `Authorization` header.
//!
//! The header may hold a session token raw or as `Bearer <token>`, or an API key
//! (`Bearer sk-...`). A cookie that is present but stale wins over a valid header (401), as on
//! the real server.

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::ApiError;
use crate::model::{KeyScope, PortalState, status};

/// The name of the session cookie.
pub const AUTH_COOKIE: &str = "asc_auth_key";

/// An authenticated caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    /// Index of the caller in [`PortalState::users`].
    pub(crate) index: usize,
    /// Whether the credentials carry the `accounts:write` scope.
    pub(crate) can_write: bool,
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
    let (user, can_write) = if let Some(token) = auth_cookie(headers) {
        (session_user(state, token, now)?, true)
    } else if let Some(credential) = authorization(headers) {
        if credential.starts_with("sk-") {
            let key = state
                .api_keys
                .get(credential)
                .ok_or(ApiError::Unauthorized)?;
            (key.user, key.scope == KeyScope::Full)
        } else {
            (session_user(state, credential, now)?, true)
        }
    } else {
        return Err(ApiError::Unauthorized);
    };
    let index = state.index_of(user).ok_or(ApiError::Unauthorized)?;
    if state.users[index].status == status::TERMINATED {
        return Err(ApiError::Unauthorized);
    }
    Ok(Caller { index, can_write })
}

fn session_user(state: &PortalState, token: &str, now: DateTime<Utc>) -> Result<Uuid, ApiError> {
    match state.sessions.get(token) {
        Some(session) if session.expires > now => Ok(session.user),
        _ => Err(ApiError::Unauthorized),
    }
}

/// Checks a sign-in: the user's index, or 404 unknown, 403 disabled, 401 wrong password.
pub(crate) fn check_password(
    state: &PortalState,
    user_name: &str,
    password: &str,
) -> Result<usize, ApiError> {
    let index = state
        .index_by_email(user_name)
        .or_else(|| {
            state
                .users
                .iter()
                .position(|u| u.user_name.eq_ignore_ascii_case(user_name.trim()))
        })
        .ok_or_else(ApiError::user_not_found)?;
    let user = &state.users[index];
    if user.status == status::TERMINATED {
        return Err(ApiError::access_denied());
    }
    match &user.password {
        Some(expected) if expected == password => Ok(index),
        _ => Err(ApiError::authentication_failed()),
    }
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
