//! Errors the portal answers with, in the four shapes the real server uses.
//!
//! 1. Thrown errors: `{"error": {"message", "type", "hresult"}, "status": 1, "statusCode": N}`
//!    (400 argument, 403 security or invalid operation, 404 not found, 500 anything else).
//! 2. Binding and validation failures: a ProblemDetails object in `response`, status 400.
//! 3. Empty bodies: 401 (no or bad credentials) and scope-based 403.
//! 4. 429 from the rate limiter (see [`crate::faults`]).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::config::ServerVersion;

/// The .NET exceptions a thrown error can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Thrown {
    /// `ArgumentException`: 400.
    Argument,
    /// `SecurityException`: 403, always "Access denied".
    Security,
    /// `AuthenticationException`: 401 on sign-in.
    Authentication,
    /// `ItemNotFoundException`: 404.
    NotFound,
    /// `InvalidOperationException`: 403 with its own message.
    InvalidOperation,
    /// A plain `Exception`: 500.
    Generic,
    /// `TenantQuotaException`: 402, the paid seats are all taken.
    Quota,
}

impl Thrown {
    fn type_name(self) -> &'static str {
        match self {
            Self::Argument => "System.ArgumentException",
            Self::Security => "System.Security.SecurityException",
            Self::Authentication => "System.Security.Authentication.AuthenticationException",
            Self::NotFound => "ASC.Common.Web.ItemNotFoundException",
            Self::InvalidOperation => "System.InvalidOperationException",
            Self::Generic => "System.Exception",
            Self::Quota => "ASC.Core.Tenants.TenantQuotaException",
        }
    }

    fn hresult(self) -> i32 {
        match self {
            Self::Argument => -2147024809,
            Self::Security => -2146233078,
            Self::Authentication => -2146233087,
            Self::NotFound => -2146233088,
            Self::InvalidOperation => -2146233079,
            Self::Generic => -2146233088,
            Self::Quota => -2146233088,
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::Argument => StatusCode::BAD_REQUEST,
            Self::Security => StatusCode::FORBIDDEN,
            Self::Authentication => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidOperation => StatusCode::FORBIDDEN,
            Self::Generic => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Quota => StatusCode::PAYMENT_REQUIRED,
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ApiError {
    /// No or unacceptable credentials: 401, empty body.
    #[error("unauthorized")]
    Unauthorized,
    /// An API key without the needed scope: 403, empty body.
    #[error("missing scope")]
    MissingScope,
    /// A thrown error.
    #[error("{message}")]
    Thrown {
        /// The exception.
        kind: Thrown,
        /// Its message.
        message: String,
    },
    /// A binding or validation failure: field name to messages.
    #[error("validation failed")]
    Validation(BTreeMap<String, Vec<String>>),
    /// A body larger than the portal takes: 413, empty body.
    #[error("payload too large")]
    PayloadTooLarge,
}

impl ApiError {
    /// 403 "Access denied".
    pub(crate) fn access_denied() -> Self {
        Self::Thrown {
            kind: Thrown::Security,
            message: "Access denied".to_owned(),
        }
    }

    /// 404 "The user could not be found".
    pub(crate) fn user_not_found() -> Self {
        Self::Thrown {
            kind: Thrown::NotFound,
            message: "The user could not be found".to_owned(),
        }
    }

    /// 404 for a user that is not there, in the words of `version`: DocSpace 3.0 says "The
    /// record could not be found".
    pub(crate) fn user_not_found_in(version: ServerVersion) -> Self {
        if version.says_record_not_found() {
            Self::Thrown {
                kind: Thrown::NotFound,
                message: "The record could not be found".to_owned(),
            }
        } else {
            Self::user_not_found()
        }
    }

    /// 403 with a thrown `InvalidOperationException`, whose message the client sees.
    pub(crate) fn invalid_operation(message: impl Into<String>) -> Self {
        Self::Thrown {
            kind: Thrown::InvalidOperation,
            message: message.into(),
        }
    }

    /// 402: the portal's paid seats are all taken.
    pub(crate) fn seats_taken() -> Self {
        Self::Thrown {
            kind: Thrown::Quota,
            message: "The number of paid users exceeds the limit of the tariff".to_owned(),
        }
    }

    /// 500 with a thrown plain `Exception`.
    pub(crate) fn server_error(message: impl Into<String>) -> Self {
        Self::Thrown {
            kind: Thrown::Generic,
            message: message.into(),
        }
    }

    /// 400 with a thrown `ArgumentException`.
    pub(crate) fn bad_argument(message: impl Into<String>) -> Self {
        Self::Thrown {
            kind: Thrown::Argument,
            message: message.into(),
        }
    }

    /// 401 with a thrown `AuthenticationException` (wrong password at sign-in).
    pub(crate) fn authentication_failed() -> Self {
        Self::Thrown {
            kind: Thrown::Authentication,
            message: "User authentication failed".to_owned(),
        }
    }

    /// A validation failure about one field.
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.into(), vec![message.into()]);
        Self::Validation(errors)
    }

    /// The HTTP status of this error.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::MissingScope => StatusCode::FORBIDDEN,
            Self::Thrown { kind, .. } => kind.status(),
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemDetails<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    errors: &'a BTreeMap<String, Vec<String>>,
    trace_id: String,
}

fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-00", &b[..16])
}

/// A JSON response with the given status and body.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        // Serialising our own structs cannot fail; answer 500 rather than panic if it ever does.
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Unauthorized | Self::MissingScope | Self::PayloadTooLarge => {
                status.into_response()
            }
            Self::Thrown { kind, message } => json_response(
                status,
                &json!({
                    "error": {
                        "message": message,
                        "type": kind.type_name(),
                        "hresult": kind.hresult(),
                    },
                    "status": 1,
                    "statusCode": status.as_u16(),
                }),
            ),
            Self::Validation(errors) => json_response(
                status,
                &json!({
                    "response": ProblemDetails {
                        kind: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                        title: "One or more validation errors occurred.",
                        status: 400,
                        errors,
                        trace_id: trace_id(),
                    },
                    "status": 1,
                    "statusCode": 400,
                }),
            ),
        }
    }
}
