//! The one error type of the crate, and how server responses become it.

mod decode;

use std::collections::BTreeMap;
use std::time::Duration;

pub(crate) use decode::{from_envelope, is_product_error, snippet};

/// Everything that can go wrong when talking to a portal.
///
/// Match on the variant to decide what to do; [`Error::is_retryable`] says whether sending the
/// same request again may succeed (the classification lives with the servers' rules, in
/// `src/server/answers.rs`). No variant ever holds a token, password or API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: no credentials, or credentials the portal does not accept (or, when signing in, a
    /// wrong password).
    #[error("unauthorized (401){}", suffix(message))]
    Unauthorized {
        /// The server's message; absent when it sent an empty body, as it usually does.
        message: Option<String>,
    },
    /// 403: the caller may not do this. For permission failures the server's message is always
    /// "Access denied"; an API key without the needed scope gets no message.
    #[error("forbidden (403){}", suffix(message))]
    Forbidden {
        /// The server's message, if it sent one.
        message: Option<String>,
    },
    /// 400: the server refused the request as malformed or invalid. Nothing was changed.
    #[error("bad request (400){}{}", suffix(message), details_suffix(details))]
    BadRequest {
        /// The server's message or problem title.
        message: Option<String>,
        /// Validation messages by field, from a ProblemDetails body.
        details: BTreeMap<String, Vec<String>>,
    },
    /// 404: the user (or other resource) does not exist.
    #[error("not found (404){}", suffix(message))]
    NotFound {
        /// The server's message, e.g. "The user could not be found".
        message: Option<String>,
    },
    /// 402: the portal's licence or payment does not allow this.
    #[error("payment required (402){}", suffix(message))]
    PaymentRequired {
        /// The server's message; absent for an unpaid portal.
        message: Option<String>,
    },
    /// 429: rate limited.
    #[error("rate limited (429){}", retry_suffix(retry_after))]
    RateLimited {
        /// How long the server asked to wait, from `Retry-After`.
        retry_after: Option<Duration>,
        /// The server's message, if it sent one.
        message: Option<String>,
    },
    /// 5xx: the portal (or a proxy in front of it) failed.
    #[error("server error ({status}){}", suffix(message))]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's message, or the start of a non-JSON body such as a proxy's HTML page.
        message: Option<String>,
    },
    /// A 5xx that is the server's considered answer, not a failure: sending the request again
    /// gives the same answer, so it is never retried. Workspace answers permission, validation,
    /// quota and sign-in failures this way, and some rules of every version too ("The user is
    /// not suspended", "Data reassign process ... is not complete").
    #[error("refused by the server ({status}): {message}")]
    ServerRefused {
        /// The HTTP status (500).
        status: u16,
        /// The server's message.
        message: String,
    },
    /// Another status that the API does not use for this operation.
    #[error("unexpected HTTP status {status}{}", suffix(message))]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
        /// The server's message, or the start of the body.
        message: Option<String>,
    },
    /// The call was cancelled (its [`CancellationToken`](crate::bulk::CancellationToken) fired)
    /// before it had an answer.
    #[error("cancelled")]
    Cancelled,
    /// The request was refused before anything was sent: an empty id list, a malformed id, a
    /// value out of range, a base URL that is not http(s), ...
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The portal could not be reached, the connection broke, or the request timed out.
    ///
    /// The message says which (timeout, connection, body); the reqwest error, with the
    /// details, is the [`source`](std::error::Error::source), not repeated in the message.
    #[error("transport error ({})", transport_kind(.0))]
    Transport(#[source] reqwest::Error),
    /// A user is not in a state the operation needs (deleting a user who is not terminated,
    /// moving the data of an active user, ...); refused before anything was sent.
    #[error("user {user} {reason}")]
    Precondition {
        /// The user.
        user: uuid::Uuid,
        /// What is wrong, and what to do first.
        reason: String,
    },
    /// The connected server does not have this operation (for example a quota reset or an API
    /// key on Workspace); refused before anything was sent.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// The answer was larger than the client's limit
    /// ([`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size)); it was not read
    /// whole.
    #[error("the answer (HTTP {status}) is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server redirected the request to another origin (or in a way that would change the
    /// request), which the client does not follow: the other server's answer would say nothing
    /// about the portal. The location is shown without its query.
    #[error("the server redirected to {location}, which the client does not follow")]
    Redirected {
        /// Where the server pointed, without query or credentials.
        location: String,
    },
    /// A plain `http://` base URL to another machine, refused before anything was sent:
    /// credentials would cross the network unencrypted. Use `https://`, or allow it with
    /// [`ClientBuilder::allow_insecure_http`](crate::ClientBuilder::allow_insecure_http).
    #[error(
        "refusing plain http:// to {host}, which is not this machine: credentials would travel \
         unencrypted; use https:// or allow insecure http explicitly"
    )]
    InsecureHttp {
        /// The host of the base URL.
        host: String,
    },
    /// The portal answered, but not in a form this crate understands.
    #[error("undecodable response (HTTP {status}): {reason}; body starts with {snippet:?}")]
    UndecodableResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
        /// The first few hundred characters of the body.
        snippet: String,
    },
}

impl Error {
    /// How long the server asked to wait before retrying, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status of a response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::BadRequest { .. } => Some(400),
            Error::NotFound { .. } => Some(404),
            Error::PaymentRequired { .. } => Some(402),
            Error::RateLimited { .. } => Some(429),
            Error::Server { status, .. }
            | Error::ServerRefused { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::UndecodableResponse { status, .. } => Some(*status),
            Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::InvalidInput(_)
            | Error::Cancelled
            | Error::Precondition { .. }
            | Error::Unsupported(_)
            | Error::Redirected { .. }
            | Error::InsecureHttp { .. } => None,
        }
    }

    /// The server's own message, if it sent one.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { message }
            | Error::Forbidden { message }
            | Error::BadRequest { message, .. }
            | Error::NotFound { message }
            | Error::PaymentRequired { message }
            | Error::RateLimited { message, .. }
            | Error::Server { message, .. }
            | Error::UnexpectedStatus { message, .. } => message.as_deref(),
            Error::ServerRefused { message, .. } => Some(message),
            _ => None,
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }
}

fn transport_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the answer broke off"
    } else if error.is_request() {
        "the request could not be sent"
    } else {
        "the request failed"
    }
}

fn suffix(message: &Option<String>) -> String {
    message
        .as_deref()
        .map_or_else(String::new, |m| format!(": {m}"))
}

fn details_suffix(details: &BTreeMap<String, Vec<String>>) -> String {
    details
        .iter()
        .map(|(field, messages)| format!("; {field}: {}", messages.join(" ")))
        .collect()
}

fn retry_suffix(retry_after: &Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| format!(": retry after {} s", d.as_secs()))
}

impl From<crate::ParseQuotaError> for Error {
    fn from(e: crate::ParseQuotaError) -> Self {
        Error::InvalidInput(e.to_string())
    }
}

impl From<crate::enums::ParseEnumError> for Error {
    fn from(e: crate::enums::ParseEnumError) -> Self {
        Error::InvalidInput(e.to_string())
    }
}

/// The error with its causes, for a report line.
pub(crate) fn describe(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
