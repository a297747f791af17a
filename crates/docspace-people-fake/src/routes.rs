//! The HTTP routes and their handlers.
//!
//! Every extractor's rejection is turned into one of the server's error shapes, so axum's
//! plain-text rejections never reach a client.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use axum::{Router, middleware};
use chrono::Utc;

use crate::auth::{self, AUTH_COOKIE, Caller};
use crate::dates::api_date;
use crate::error::{ApiError, json_response};
use crate::filter::FilterQuery;
use crate::lifecycle_routes;
use crate::limiter::limit_layer;
use crate::model::PortalState;
use crate::params;
use crate::rules::{self, Target};
use crate::server::{Shared, fault_layer};
use crate::wire::{AuthToken, Envelope, Link, Renderer};
use crate::workspace::workspace_layer;

type AppState = State<Arc<Shared>>;

/// `GET` and `DELETE` on `people/{name}`, for a literal `name` that has its own route for other
/// methods: ASP.NET Core picks among the routes whose template matches by method, so on the
/// real server `GET /api/2.0/people/userquota` is `GET /api/2.0/people/{userid}` with the user
/// name "userquota" (a 404), not a 405.
fn as_user_name(name: &'static str) -> MethodRouter<Arc<Shared>> {
    get(move |s, h, u| get_user_named(s, h, u, name))
        .delete(move |s, h, u| lifecycle_routes::delete_user_named(s, h, u, name))
}

/// The portal's router.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/2.0/authentication", post(authenticate))
        .route("/api/2.0/settings/version/build", get(version_build))
        .route(
            "/api/2.0/security/audit/login/filter",
            get(crate::audit::login_events),
        )
        .route("/api/2.0/group", get(crate::portal_routes::groups))
        .route(
            "/api/2.0/portal/payment/quota",
            get(crate::portal_routes::plan_quota),
        )
        .route("/api/2.0/settings/userquota", put(update_workspace_quota))
        .route(
            "/api/2.0/people/@self",
            get(get_self).delete(|s, h, u| lifecycle_routes::delete_user_named(s, h, u, "@self")),
        )
        .route(
            "/api/2.0/people/filter",
            get(get_filtered)
                .delete(|s, h, u| lifecycle_routes::delete_user_named(s, h, u, "filter")),
        )
        .route(
            "/api/2.0/people/{userid}",
            get(get_user).delete(lifecycle_routes::delete_user),
        )
        .route("/api/2.0/people/status/{status}", put(update_status))
        // Literal segments win over `{type}`, as on the real server.
        .route("/api/2.0/people/type/{type}", put(update_type))
        .route(
            "/api/2.0/people/type/terminate",
            put(lifecycle_routes::terminate_type_job),
        )
        .route(
            "/api/2.0/people/type/progress/{userid}",
            get(lifecycle_routes::type_job_progress),
        )
        .route(
            "/api/2.0/people/type",
            as_user_name("type").post(lifecycle_routes::start_type_job),
        )
        .route(
            "/api/2.0/people/reassign/start",
            post(lifecycle_routes::start_reassign),
        )
        .route(
            "/api/2.0/people/reassign/progress",
            get(lifecycle_routes::workspace_reassign_progress),
        )
        .route(
            "/api/2.0/people/reassign/progress/{userid}",
            get(lifecycle_routes::reassign_progress),
        )
        .route(
            "/api/2.0/people/reassign/terminate",
            put(lifecycle_routes::terminate_reassign),
        )
        .route(
            "/api/2.0/people/reassign/necessary",
            get(lifecycle_routes::reassign_necessary),
        )
        .route(
            "/api/2.0/people/delete",
            as_user_name("delete").put(lifecycle_routes::delete_users),
        )
        .route(
            "/api/2.0/people/userquota",
            as_user_name("userquota").put(update_quota),
        )
        .route(
            "/api/2.0/people/resetquota",
            as_user_name("resetquota").put(reset_quota),
        )
        .route(
            "/api/2.0/people/invite",
            as_user_name("invite")
                .put(resend_invitations)
                .post(invite_users),
        )
        .fallback(|| async { StatusCode::NOT_FOUND })
        .method_not_allowed_fallback(|| async { StatusCode::METHOD_NOT_ALLOWED })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            workspace_layer,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), fault_layer))
        // Outermost: injected latency counts as time in flight, as a slow server's does; the
        // limiter's own 429s are not in the request counters (see `FakePortal::rate_limited`).
        .layer(middleware::from_fn_with_state(shared.clone(), limit_layer))
        .with_state(shared)
}

pub(crate) fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::invalid("", "Failed to read the request body.")
    }
}

pub(crate) fn path_value(
    path: Result<Path<String>, PathRejection>,
    field: &str,
) -> Result<String, ApiError> {
    path.map(|Path(value)| value)
        .map_err(|_| ApiError::invalid(field, "The value is not valid."))
}

impl Shared {
    pub(crate) fn renderer<'a>(&'a self, state: &'a PortalState) -> Renderer<'a> {
        Renderer {
            state,
            base_url: &self.base_url,
            offset: self.offset,
        }
    }

    pub(crate) fn link(&self, uri: &Uri, action: &str) -> Link {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        Link {
            href: format!("{}{path}", self.base_url),
            action: action.to_owned(),
        }
    }

    /// The response of a bulk operation: the users in request order, `count` 1.
    fn bulk_response(&self, state: &PortalState, targets: &[Target], uri: &Uri) -> Response {
        let renderer = self.renderer(state);
        let users: Vec<_> = targets
            .iter()
            .map(|target| match target {
                Target::User(index) => renderer.full(&state.users[*index], false),
                Target::Lost => renderer.lost_user(),
            })
            .collect();
        json_response(
            StatusCode::OK,
            &Envelope::ok(users, 1, None, self.link(uri, "PUT")),
        )
    }

    /// Authenticates, and for writes checks the `accounts:write` scope.
    pub(crate) fn caller(
        &self,
        state: &PortalState,
        headers: &HeaderMap,
        write: bool,
    ) -> Result<Caller, ApiError> {
        let caller = auth::authenticate(state, headers, Utc::now())?;
        if write && !caller.can_write {
            return Err(ApiError::MissingScope);
        }
        Ok(caller)
    }
}

async fn authenticate(
    State(shared): AppState,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let (user_name, password) = params::auth_request(&body)?;
    let now = Utc::now();
    let mut state = shared.state.write();
    let index = auth::check_password(&mut state, &user_name, &password, now)?;
    let user_id = state.users[index].id;
    crate::audit::record_sign_in(&mut state, user_id, now);
    let (token, session) = state.open_session(user_id, now);
    drop(state);
    let expires = api_date(session.expires, shared.offset);
    let mut response = json_response(
        StatusCode::OK,
        &Envelope::ok(
            AuthToken {
                token: token.clone(),
                expires,
            },
            1,
            None,
            shared.link(&uri, "POST"),
        ),
    );
    let cookie = format!(
        "{AUTH_COOKIE}={token}; expires={}; path=/; samesite=lax; httponly",
        session.expires.format("%a, %d %b %Y %H:%M:%S GMT")
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /api/2.0/settings/version/build`: anonymous; but a request carrying an API key
/// limited to `accounts:*` is refused (403, empty body), as the scope filter runs first.
async fn version_build(State(shared): AppState, headers: HeaderMap, uri: Uri) -> Response {
    let state = shared.state.read();
    let scoped = auth::api_key(&headers)
        .and_then(|key| state.api_keys.get(key))
        .is_some_and(|key| !key.scope.is_global());
    if scoped && state.version.has_api_key_scopes() {
        return ApiError::MissingScope.into_response();
    }
    let version = state.version;
    drop(state);
    json_response(
        StatusCode::OK,
        &Envelope::ok(version.version_build(), 1, None, shared.link(&uri, "GET")),
    )
}

async fn get_self(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    if !caller.global {
        // `accounts.self:read` is not part of `accounts:*`.
        return Err(ApiError::MissingScope);
    }
    let user = shared
        .renderer(&state)
        .full(&state.users[caller.index], true);
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(user, 1, None, shared.link(&uri, "GET")),
    ))
}

async fn get_user(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let state = shared.state.read();
    shared.caller(&state, &headers, false)?;
    let raw = path_value(path, "userid")?;
    user_response(&shared, &state, &uri, &raw)
}

/// `GET /api/2.0/people/{userid}` reached through a path that has its own route for other
/// methods (`userquota`, `resetquota`).
async fn get_user_named(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    name: &'static str,
) -> Result<Response, ApiError> {
    let state = shared.state.read();
    shared.caller(&state, &headers, false)?;
    user_response(&shared, &state, &uri, name)
}

/// One user, looked up as the real server does: `{userid}` is a string there, tried as a user
/// name and then as a GUID, and anything that finds no one is a 404 "The user could not be
/// found" (not a binding error). A GUID is looked up by id directly: no user name is a GUID.
fn user_response(
    shared: &Shared,
    state: &PortalState,
    uri: &Uri,
    raw: &str,
) -> Result<Response, ApiError> {
    let index = state
        .find(raw)
        .ok_or_else(|| ApiError::user_not_found_in(state.version))?;
    let user = shared.renderer(state).full(&state.users[index], false);
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(user, 1, None, shared.link(uri, "GET")),
    ))
}

async fn get_filtered(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (state, generation) = shared.state.read_with_generation();
    shared.caller(&state, &headers, false)?;
    let Query(pairs) =
        query.map_err(|_| ApiError::invalid("", "The query string is not valid."))?;
    let query = FilterQuery::parse(&pairs)?;
    let (page, total) = shared.filter_cache.run(&state, generation, &query);
    let renderer = shared.renderer(&state);
    let users: Vec<_> = page
        .iter()
        .map(|index| renderer.full(&state.users[*index], false))
        .collect();
    let count = users.len() as u64;
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(users, count, Some(total as u64), shared.link(&uri, "GET")),
    ))
}

async fn update_status(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    let caller = shared.caller(&state, &headers, true)?;
    let status = params::employee_status("status", &path_value(path, "status")?)?;
    let ids = params::members_request(&body.map_err(body_error)?)?;
    let targets = rules::update_status(&mut state, caller, status, &ids)?;
    Ok(shared.bulk_response(&state, &targets, &uri))
}

pub(crate) async fn update_type(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    let caller = shared.caller(&state, &headers, true)?;
    let user_type = params::employee_type("type", &path_value(path, "type")?)?;
    let ids = params::members_request(&body.map_err(body_error)?)?;
    let targets = rules::update_type(&mut state, caller, user_type, &ids)?;
    Ok(shared.bulk_response(&state, &targets, &uri))
}

/// `PUT /api/2.0/settings/userquota`: Workspace's per-user quota; DocSpace has no such route.
async fn update_workspace_quota(
    state: AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if !state.0.state.read().version.is_workspace() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    set_quota(state, headers, uri, body).await
}

/// `PUT /api/2.0/people/userquota`: DocSpace's per-user quota; Workspace has no such route.
async fn update_quota(
    state: AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if state.0.state.read().version.is_workspace() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    set_quota(state, headers, uri, body).await
}

async fn set_quota(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    let caller = shared.caller(&state, &headers, true)?;
    let (ids, quota) = params::quota_request(&body.map_err(body_error)?)?;
    let targets = rules::update_quota(&mut state, caller, quota, &ids)?;
    Ok(shared.bulk_response(&state, &targets, &uri))
}

async fn reset_quota(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    if state.version.is_workspace() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let caller = shared.caller(&state, &headers, true)?;
    let ids = params::members_request(&body.map_err(body_error)?)?;
    let targets = rules::reset_quota(&mut state, caller, &ids)?;
    Ok(shared.bulk_response(&state, &targets, &uri))
}

/// `POST /api/2.0/people/invite`: DocSpace only. Answers every Pending user, short form.
async fn invite_users(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    if state.version.is_workspace() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let caller = shared.caller(&state, &headers, true)?;
    let invitations = params::invite_request(&body.map_err(body_error)?)?;
    let pending = rules::invite_users(&mut state, caller, &invitations, Utc::now())?;
    let renderer = shared.renderer(&state);
    let users: Vec<_> = pending
        .iter()
        .map(|index| renderer.short(&state.users[*index]))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(users, 1, None, shared.link(&uri, "POST")),
    ))
}

/// `PUT /api/2.0/people/invite`: DocSpace only.
async fn resend_invitations(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    if state.version.is_workspace() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let caller = shared.caller(&state, &headers, true)?;
    let (ids, all) = params::resend_request(&body.map_err(body_error)?)?;
    let targets = rules::resend_invitations(&mut state, caller, &ids, all)?;
    Ok(shared.bulk_response(&state, &targets, &uri))
}
