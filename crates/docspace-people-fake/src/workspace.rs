//! Workspace's wire, made from DocSpace's: the handlers answer as DocSpace does, and this layer
//! rewrites the answers as Workspace (CommunityServer 12.7) sends them.
//!
//! * success envelopes have no `links`; user objects say `isVisitor` but have no
//!   `isRoomAdmin`/`isCollaborator`, and write an empty `userName`, `email` or `terminated` as
//!   `null`;
//! * every POST answers 201;
//! * 401 has the text body `Unauthorized`; there are no `sk-` API keys;
//! * a failed sign-in is 500 "User authentication failed", and a permission failure on the
//!   People PUTs is 500 with its message;
//! * thrown errors are `{"status":1,"statusCode":N,"error":{"message","hresult","data":{}}}`.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::server::Shared;

/// The largest answer rewritten; the fake's own answers are far smaller.
const MAX_BODY: usize = 256 * 1024 * 1024;

pub(crate) async fn workspace_layer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if !shared.state.read().version.is_workspace() {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let sign_in = request.uri().path().ends_with("/authentication");
    // Anonymous endpoints ignore credentials they cannot use.
    let anonymous = sign_in || request.uri().path().ends_with("/settings/version/build");
    let api_key = !anonymous
        && request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim()
                    .trim_start_matches("Bearer ")
                    .trim()
                    .starts_with("sk-")
            });
    if api_key {
        return unauthorized();
    }
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let status = parts.status;
    if status == StatusCode::UNAUTHORIZED && !sign_in {
        return unauthorized();
    }
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    if sign_in && !status.is_success() {
        // Workspace answers every failed sign-in with a 500, its brute-force block too.
        let blocked = parsed
            .as_ref()
            .and_then(|v| v["error"]["message"].as_str())
            .is_some_and(|m| m.starts_with("Too many"));
        let message = if blocked {
            "Login Fail. Too many attempts"
        } else {
            "User authentication failed"
        };
        return thrown(StatusCode::INTERNAL_SERVER_ERROR, message);
    }
    if !status.is_success() {
        let message = parsed
            .as_ref()
            .and_then(|v| v["error"]["message"].as_str())
            .map(str::to_owned);
        return match (message, status) {
            // Workspace does not map the security exception of the People PUTs.
            (Some(message), StatusCode::FORBIDDEN) if method == Method::PUT => {
                thrown(StatusCode::INTERNAL_SERVER_ERROR, &message)
            }
            (Some(message), status) => thrown(status, &message),
            (None, _) => Response::from_parts(parts, Body::from(bytes)),
        };
    }
    let Some(mut value) = parsed else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(envelope) = value.as_object_mut() {
        envelope.remove("links");
        if method == Method::POST {
            parts.status = StatusCode::CREATED;
            envelope.insert("statusCode".into(), json!(201));
        }
        match envelope.get_mut("response") {
            Some(Value::Array(users)) => users.iter_mut().for_each(as_workspace_user),
            Some(user @ Value::Object(_)) => as_workspace_user(user),
            _ => {}
        }
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// A user object as Workspace writes it.
fn as_workspace_user(user: &mut Value) {
    let Some(user) = user.as_object_mut() else {
        return;
    };
    if !user.contains_key("displayName") {
        return;
    }
    user.remove("isRoomAdmin");
    user.remove("isCollaborator");
    user.remove("hasPersonalFolder");
    for field in ["userName", "email", "terminated"] {
        let empty = user
            .get(field)
            .is_none_or(|v| v.as_str().is_some_and(str::is_empty));
        if empty {
            user.insert(field.into(), Value::Null);
        }
    }
}

fn unauthorized() -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn thrown(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "status": 1,
        "statusCode": status.as_u16(),
        "error": {"message": message, "hresult": -2146233088, "data": {}},
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
