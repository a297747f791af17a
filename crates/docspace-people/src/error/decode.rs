//! Turning the server's error answers, in all four shapes, into [`Error`] (the shapes are
//! described in the repository's `docs/wire.md`).
//!
//! 1. Thrown errors: `{"error": {"message", ...}, "status": 1, "statusCode": 403}`.
//! 2. Binding and validation failures: `{"response": {ProblemDetails}, "status": 1, "statusCode": 400}`.
//! 3. Empty bodies (401, 402, scope-based 403).
//! 4. 429 from the rate limiter, with `Retry-After`.
//!
//! Anything else (a proxy's HTML page, plain text) still maps by status, with the start of the
//! body as the message.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;

use super::Error;

/// Characters of a body kept in a message or snippet.
const SNIPPET_CHARS: usize = 200;

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: Option<ThrownError>,
    #[serde(default)]
    response: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ThrownError {
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ProblemDetails {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    errors: BTreeMap<String, Vec<String>>,
}

impl Error {
    /// Decodes an error answer of the People API, in any of its four shapes, from its status,
    /// headers and (possibly empty, possibly not JSON) body. Useful with the
    /// [`generated`](crate::generated) client, whose error responses are raw.
    ///
    /// ```
    /// use docspace_people::Error;
    /// use reqwest::{StatusCode, header::HeaderMap};
    ///
    /// let body = br#"{"error":{"message":"Access denied"},"status":1,"statusCode":403}"#;
    /// let err = Error::from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
    /// assert_eq!(err.server_message(), Some("Access denied"));
    /// ```
    pub fn from_response(
        status: reqwest::StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Self {
        from_status_and_body(status, headers, body)
    }
}

/// Maps an error status and its body (possibly empty, possibly not JSON) to an [`Error`].
pub(crate) fn from_status_and_body(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let blank = body.iter().all(u8::is_ascii_whitespace);
    let parsed = if blank {
        None
    } else {
        serde_json::from_slice::<ErrorBody>(body).ok()
    };
    let (message, details) = match parsed {
        Some(body) => messages_of(body),
        None if blank => (None, BTreeMap::new()),
        None => (Some(page_or_snippet(body)), BTreeMap::new()),
    };
    from_parts(status.as_u16(), retry_after(headers), message, details)
}

/// Whether an error body is the product's own JSON error envelope (a thrown error with its
/// message), rather than a proxy's page or another body.
pub(crate) fn is_product_error(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.error)
        .is_some_and(|e| e.message.is_some())
}

/// Maps an `error` found in a 2xx envelope, with the status the envelope claims.
pub(crate) fn from_envelope(status_code: Option<i32>, message: Option<String>) -> Error {
    let status = status_code
        .and_then(|code| u16::try_from(code).ok())
        .filter(|code| (400..=599).contains(code))
        .unwrap_or(500);
    from_parts(status, None, message, BTreeMap::new())
}

fn from_parts(
    status: u16,
    retry_after: Option<Duration>,
    message: Option<String>,
    details: BTreeMap<String, Vec<String>>,
) -> Error {
    match status {
        400 => Error::BadRequest { message, details },
        401 => Error::Unauthorized { message },
        402 => Error::PaymentRequired { message },
        403 => Error::Forbidden { message },
        404 => Error::NotFound { message },
        429 => Error::RateLimited {
            retry_after,
            message,
        },
        code @ 500..=599 => Error::Server {
            status: code,
            message,
        },
        code => Error::UnexpectedStatus {
            status: code,
            message,
        },
    }
}

fn messages_of(body: ErrorBody) -> (Option<String>, BTreeMap<String, Vec<String>>) {
    if let Some(message) = body.error.and_then(|e| e.message) {
        return (Some(message), BTreeMap::new());
    }
    let problem = body
        .response
        .and_then(|value| serde_json::from_value::<ProblemDetails>(value).ok());
    match problem {
        Some(problem) => (problem.title.or(problem.detail), problem.errors),
        None => (None, BTreeMap::new()),
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The start of a body, as text, for messages.
/// A proxy's HTML error page (nginx's 502, say) as its title, not its markup; any other body
/// as its [`snippet`].
fn page_or_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    if !(lower.trim_start().starts_with('<')
        && (lower.contains("<html") || lower.contains("<!doctype")))
    {
        return snippet(body);
    }
    let title = lower
        .find("<title>")
        .map(|start| start + "<title>".len())
        .and_then(|start| {
            let end = start + lower[start..].find("</title>")?;
            text.get(start..end)
        })
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty());
    // Without a title, the page's text without its tags.
    let title = title.unwrap_or_else(|| {
        let mut plain = String::with_capacity(text.len());
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    plain.push(' ');
                }
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        plain.split_whitespace().collect::<Vec<_>>().join(" ")
    });
    if title.is_empty() {
        "an HTML page".to_owned()
    } else {
        format!("an HTML page: {}", snippet(title.as_bytes()))
    }
}

pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let mut out: String = trimmed.chars().take(SNIPPET_CHARS).collect();
    if trimmed.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(status: u16, body: &str) -> Error {
        from_status_and_body(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    #[test]
    fn thrown_error_shape() {
        let e = decode(
            403,
            r#"{"error":{"message":"Access denied","type":"System.Security.SecurityException","hresult":-2146233078},"status":1,"statusCode":403}"#,
        );
        assert!(matches!(e, Error::Forbidden { message: Some(ref m) } if m == "Access denied"));
    }

    #[test]
    fn problem_details_shape() {
        let e = decode(
            400,
            r#"{"response":{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"userIds[0]":["The JSON value could not be converted to System.Guid."]},"traceId":"00-1"},"status":1,"statusCode":400}"#,
        );
        let Error::BadRequest { message, details } = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            message.as_deref(),
            Some("One or more validation errors occurred.")
        );
        assert_eq!(
            details["userIds[0]"],
            ["The JSON value could not be converted to System.Guid."]
        );
    }

    #[test]
    fn empty_and_html_bodies() {
        assert!(matches!(
            decode(401, ""),
            Error::Unauthorized { message: None }
        ));
        assert!(matches!(
            decode(402, "  "),
            Error::PaymentRequired { message: None }
        ));
        let e = decode(
            502,
            "<html><head><title>502 Bad Gateway</title></head></html>",
        );
        assert!(
            matches!(e, Error::Server { status: 502, message: Some(ref m) } if m == "an HTML page: 502 Bad Gateway"),
            "{e:?}"
        );
        assert!(e.is_retryable());
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn snippets_are_short() {
        let long = "x".repeat(1000);
        assert_eq!(snippet(long.as_bytes()).chars().count(), SNIPPET_CHARS + 1);
    }
}
