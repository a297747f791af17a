//! What a failed answer means: the one classifier behind every decision to resend, to read
//! back, or to report a refusal. The transport asks it before resending; the bulk engine, the
//! jobs and offboarding ask it before settling users.
//!
//! Three facts of the servers shape it:
//! - some 500s are answers, not failures: DocSpace 3.6 and Workspace refuse to delete an active
//!   user with "The user is not suspended", every version refuses a deletion during a
//!   reassignment with "Data reassign process ... is not complete", and Workspace answers
//!   permission, validation, quota and sign-in failures with a 500 in its JSON error envelope.
//!   Sending them again gives the same answer (or, for a sign-in block, extends it);
//! - a 500 whose body is not the product's own error shape (a proxy's HTML page, an overload)
//!   is a failure on every product, and may be retried;
//! - 502, 503, 504, 429 and refused connections show that the server did not take the
//!   request; a timeout or a broken answer does not say.

use crate::{Error, Server};

/// What a failed answer means for the request that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// The server considered the request and answered no: 400, 402, 403, 404, or a 500 that is
    /// one of its considered answers ([`Error::ServerRefused`]). Sending it again gives the
    /// same answer. Some of these refuse after part of the request was applied (402 at the
    /// seat limit, a 3.7 type change's 403, Workspace quota errors): read back to tell.
    Answer,
    /// The credentials were refused (401).
    Unauthorized,
    /// Certainly not taken (no connection, 429, 502, 503, 504): safe to send again.
    NotTaken,
    /// May or may not have been taken (a timeout, an answer that broke off, a 500 that is not
    /// the product's): sending again is safe only for a request that does no harm twice.
    MaybeTaken,
    /// Nothing to resend: a refusal before sending, a redirect away, an answer too large or
    /// not understood, another status.
    Final,
}

/// What `error` means (see [`Meaning`]).
pub(crate) fn meaning(error: &Error) -> Meaning {
    match error {
        Error::BadRequest { .. }
        | Error::Forbidden { .. }
        | Error::NotFound { .. }
        | Error::PaymentRequired { .. }
        | Error::ServerRefused { .. } => Meaning::Answer,
        Error::Unauthorized { .. } => Meaning::Unauthorized,
        Error::RateLimited { .. } => Meaning::NotTaken,
        Error::Server { status, .. } if (502..=504).contains(status) => Meaning::NotTaken,
        Error::Server { status: 500, .. } => Meaning::MaybeTaken,
        Error::Transport(e) if e.is_connect() => Meaning::NotTaken,
        Error::Transport(e) if !e.is_builder() && !e.is_redirect() => Meaning::MaybeTaken,
        _ => Meaning::Final,
    }
}

impl Error {
    /// Whether sending the same request again may succeed: rate limiting, 502/503/504, a 500
    /// that is not one of the server's considered answers, and transport failures (refused or
    /// dropped connections, timeouts). [`Error::ServerRefused`] is never retryable.
    pub fn is_retryable(&self) -> bool {
        matches!(meaning(self), Meaning::NotTaken | Meaning::MaybeTaken)
    }
}

/// Messages of 500s that are answers on every product (always in English on the servers).
const DETERMINISTIC_500S: &[&str] = &[
    "The user is not suspended",
    "Data reassign process",
    "Login Fail. Too many attempts",
    "User authentication failed",
];

/// Turns a 500 that is one of the server's considered answers into [`Error::ServerRefused`]:
/// one in the product's JSON error envelope whose message is one of the deterministic ones, or
/// any such envelope from Workspace. `server` is what is known of the server (`None` before it
/// is detected); `body` is the start of the error body.
pub(crate) fn refine(server: Option<&Server>, error: Error, body: &[u8]) -> Error {
    let Error::Server {
        status: 500,
        message: Some(message),
    } = &error
    else {
        return error;
    };
    if !crate::error::is_product_error(body) {
        return error;
    }
    let deterministic = DETERMINISTIC_500S
        .iter()
        .any(|known| message.contains(known));
    if deterministic || server.is_some_and(Server::is_workspace) {
        return Error::ServerRefused {
            status: 500,
            message: message.clone(),
        };
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(message: &str) -> Error {
        Error::Server {
            status: 500,
            message: Some(message.to_owned()),
        }
    }

    const ENVELOPE: &[u8] = br#"{"error":{"message":"x"},"status":1,"statusCode":500}"#;

    #[test]
    fn deterministic_500s_are_answers_on_any_server() {
        let e = refine(None, server_error("The user is not suspended"), ENVELOPE);
        assert!(
            matches!(e, Error::ServerRefused { status: 500, .. }),
            "{e:?}"
        );
        assert_eq!(meaning(&e), Meaning::Answer);
        assert!(!e.is_retryable());
        let e = refine(
            Some(&"DocSpace 3.7.1".parse().unwrap()),
            server_error("Data reassign process for 1 is not complete."),
            ENVELOPE,
        );
        assert!(matches!(e, Error::ServerRefused { .. }), "{e:?}");
    }

    #[test]
    fn only_the_products_envelope_is_a_refusal() {
        let workspace: Server = "Workspace 12.7".parse().unwrap();
        let e = refine(Some(&workspace), server_error("Access denied"), ENVELOPE);
        assert!(matches!(e, Error::ServerRefused { .. }), "{e:?}");
        // A proxy's page is a failure, retried, on every product.
        let html = b"<html><body>500 Internal Server Error</body></html>";
        let e = refine(Some(&workspace), server_error("<html>"), html);
        assert!(matches!(e, Error::Server { status: 500, .. }), "{e:?}");
        assert!(e.is_retryable());
        // On DocSpace an unknown 500 in the envelope stays a failure.
        let docspace: Server = "DocSpace 3.7.1".parse().unwrap();
        let e = refine(Some(&docspace), server_error("Deadlock"), ENVELOPE);
        assert_eq!(meaning(&e), Meaning::MaybeTaken);
    }

    #[test]
    fn not_taken_and_maybe_taken() {
        let e = Error::Server {
            status: 503,
            message: None,
        };
        assert_eq!(meaning(&e), Meaning::NotTaken);
        let e = Error::RateLimited {
            retry_after: None,
            message: None,
        };
        assert_eq!(meaning(&e), Meaning::NotTaken);
        assert_eq!(meaning(&Error::Cancelled), Meaning::Final);
        assert_eq!(
            meaning(&Error::Unauthorized { message: None }),
            Meaning::Unauthorized
        );
    }
}
