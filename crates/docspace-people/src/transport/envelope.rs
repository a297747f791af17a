//! Unwrapping the server's success envelope.

use docspace_people_gen::types::{self, ApiErrorDetail};
use serde::Deserialize;

use crate::error::from_envelope;
use crate::state::UserState;
use crate::transport::Answer;
use crate::{Error, User};

/// ONLYOFFICE's own clients treat an `error` (or `"status": 1`) inside a 2xx envelope as a
/// failure, with the status the envelope claims.
pub(crate) fn check(
    error: Option<ApiErrorDetail>,
    status: Option<i32>,
    status_code: Option<i32>,
) -> Result<(), Error> {
    if error.is_some() || status == Some(1) {
        return Err(from_envelope(status_code, error.and_then(|e| e.message)));
    }
    Ok(())
}

/// The users of a list envelope, whole.
pub(crate) fn users(answer: &Answer) -> Result<Vec<User>, Error> {
    let envelope: types::EmployeeFullListEnvelope = answer.json()?;
    check(envelope.error, envelope.status, envelope.status_code)?;
    Ok(envelope.response.into_iter().map(User::from).collect())
}

/// The users of a list envelope, whole, and the `total` of a paged list.
pub(crate) fn users_and_total(answer: &Answer) -> Result<(Vec<User>, Option<i64>), Error> {
    let envelope: types::EmployeeFullListEnvelope = answer.json()?;
    check(envelope.error, envelope.status, envelope.status_code)?;
    let users = envelope.response.into_iter().map(User::from).collect();
    Ok((users, envelope.total))
}

/// The user of a single-user envelope.
pub(crate) fn user(answer: &Answer) -> Result<User, Error> {
    let envelope: types::EmployeeFullEnvelope = answer.json()?;
    check(envelope.error, envelope.status, envelope.status_code)?;
    envelope
        .response
        .map(User::from)
        .ok_or_else(|| Error::UndecodableResponse {
            status: answer.status.as_u16(),
            reason: "the envelope has no `response` user".into(),
            snippet: String::new(),
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateListEnvelope {
    #[serde(default)]
    response: Vec<UserState>,
    #[serde(default)]
    total: Option<i64>,
    #[serde(default)]
    error: Option<ApiErrorDetail>,
    #[serde(default)]
    status: Option<i32>,
    #[serde(default)]
    status_code: Option<i32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateEnvelope {
    #[serde(default)]
    response: Option<UserState>,
    #[serde(default)]
    error: Option<ApiErrorDetail>,
    #[serde(default)]
    status: Option<i32>,
    #[serde(default)]
    status_code: Option<i32>,
}

/// The users of a list envelope, only the fields that decide a change, and the `total` of a
/// paged list.
pub(crate) fn states(answer: &Answer) -> Result<(Vec<UserState>, Option<i64>), Error> {
    let envelope: StateListEnvelope = answer.json()?;
    check(envelope.error, envelope.status, envelope.status_code)?;
    Ok((envelope.response, envelope.total))
}

/// The user of a single-user envelope, only the fields that decide a change.
pub(crate) fn state(answer: &Answer) -> Result<UserState, Error> {
    let envelope: StateEnvelope = answer.json()?;
    check(envelope.error, envelope.status, envelope.status_code)?;
    envelope.response.ok_or_else(|| Error::UndecodableResponse {
        status: answer.status.as_u16(),
        reason: "the envelope has no `response` user".into(),
        snippet: String::new(),
    })
}
