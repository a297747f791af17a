//! The handlers of the user-lifecycle routes: type-change and reassignment jobs, the
//! reassignment check, and deletion.
//!
//! On a server that lacks a route, the request is answered as if the route were not there:
//! `POST people/type` meets `people/{userid}`, which takes no POST (405);
//! `PUT people/type/terminate` is `PUT people/type/{type}` with a type that does not bind
//! (400); the other paths match nothing (404).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::error::{ApiError, json_response};
use crate::jobs::{JobKind, JobPlan, JobProgress};
use crate::lifecycle;
use crate::params;
use crate::routes::{self, body_error, path_value};
use crate::server::Shared;
use crate::wire::{EmptyEnvelope, Envelope};

type AppState = State<Arc<Shared>>;

/// A progress answer: the record, or (none) an envelope without `response` and `count` 0.
fn progress_response(
    shared: &Shared,
    progress: Option<JobProgress>,
    uri: &Uri,
    action: &str,
) -> Response {
    let link = shared.link(uri, action);
    match progress {
        Some(progress) => json_response(StatusCode::OK, &Envelope::ok(progress, 1, None, link)),
        None => json_response(StatusCode::OK, &EmptyEnvelope::ok(link)),
    }
}

/// A reassignment's progress as Workspace writes it: `{id, status, error, percentage,
/// isCompleted, fromUser, toUser}` with a float percentage and status 0 Queued, 1 Started,
/// 2 Done, 3 Failed; `{}` when there is no job.
fn workspace_progress_response(
    progress: Option<JobProgress>,
    from: Uuid,
    to: Option<Uuid>,
) -> Response {
    use crate::jobs::JobStatus;
    let response = match progress {
        None => serde_json::json!({}),
        Some(p) => {
            let status = match p.status {
                JobStatus::Created => 0,
                JobStatus::Running if p.percentage == 0 => 0,
                JobStatus::Running => 1,
                JobStatus::Completed => 2,
                JobStatus::Canceled | JobStatus::Failed => 3,
            };
            let mut object = serde_json::json!({
                "id": p.id,
                "status": status,
                "error": p.error,
                "percentage": f64::from(p.percentage),
                "isCompleted": p.is_completed,
                "fromUser": from,
            });
            if let Some(to) = to {
                object["toUser"] = serde_json::json!(to);
            }
            object
        }
    };
    json_response(
        StatusCode::OK,
        &serde_json::json!({"count": 1, "status": 0, "statusCode": 200, "response": response}),
    )
}

/// A `{userid:guid}` segment; `None` when it is not a GUID, so the route does not match
/// (404, no body).
/// Starts (or returns) the job of `user`, wakes a worker if it was queued, and answers with
/// its first snapshot.
fn enqueue(shared: &Shared, user: Uuid, plan: JobPlan, uri: &Uri) -> Response {
    let progress = start_job(shared, user, plan);
    progress_response(shared, Some(progress), uri, "POST")
}

/// Starts (or returns) the job of `user` and wakes a worker if it was queued.
fn start_job(shared: &Shared, user: Uuid, plan: JobPlan) -> JobProgress {
    let kind = plan.kind();
    let (progress, queued) = shared.jobs.lock().start(user, plan, Instant::now());
    if queued {
        shared.job_signals.queued(kind);
    }
    progress
}

fn guid_segment(path: Result<Path<String>, PathRejection>) -> Option<Uuid> {
    path.ok()
        .and_then(|Path(raw)| Uuid::parse_str(raw.trim()).ok())
}

fn not_found() -> Result<Response, ApiError> {
    Ok(StatusCode::NOT_FOUND.into_response())
}

/// `POST /api/2.0/people/type`.
pub(crate) async fn start_type_job(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.has_type_jobs() {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, true)?;
    let request = params::type_job_request(&body.map_err(body_error)?)?;
    let (user, plan) = lifecycle::start_type_job(&state, caller, &request)?;
    drop(state);
    Ok(enqueue(&shared, user, plan, &uri))
}

/// `GET /api/2.0/people/type/progress/{userid}`.
pub(crate) async fn type_job_progress(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.has_type_jobs() {
        return not_found();
    }
    let Some(user) = guid_segment(path) else {
        return not_found();
    };
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    lifecycle::watch_type_job(&state, caller)?;
    let progress = shared
        .jobs
        .lock()
        .progress(user, JobKind::UserType, Instant::now());
    Ok(progress_response(&shared, progress, &uri, "GET"))
}

/// `PUT /api/2.0/people/type/terminate`.
pub(crate) async fn terminate_type_job(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.has_type_jobs() {
        let path = Ok(Path("terminate".to_owned()));
        return routes::update_type(State(shared), headers, uri, path, body).await;
    }
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, true)?;
    let user = params::terminate_request(&body.map_err(body_error)?)?;
    lifecycle::watch_type_job(&state, caller)?;
    let progress = shared
        .jobs
        .lock()
        .terminate(user, JobKind::UserType, Instant::now());
    Ok(progress_response(&shared, progress, &uri, "PUT"))
}

/// `POST /api/2.0/people/reassign/start`.
pub(crate) async fn start_reassign(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.has_reassign() {
        return not_found();
    }
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, true)?;
    let request = params::reassign_request(&body.map_err(body_error)?)?;
    let (user, plan) = lifecycle::start_reassign(&state, caller, &request)?;
    let workspace = state.version.reassigns_as_workspace();
    drop(state);
    if workspace {
        let receiver = match &plan {
            JobPlan::Reassign { receiver, .. } => Some(*receiver),
            JobPlan::UserType { .. } => None,
        };
        let progress = start_job(&shared, user, plan);
        return Ok(workspace_progress_response(Some(progress), user, receiver));
    }
    Ok(enqueue(&shared, user, plan, &uri))
}

/// `GET /api/2.0/people/reassign/progress/{userid}`.
pub(crate) async fn reassign_progress(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let version = shared.state.read().version;
    if !version.has_reassign() || version.reassigns_as_workspace() {
        return not_found();
    }
    let Some(user) = guid_segment(path) else {
        return not_found();
    };
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    lifecycle::watch_reassign_job(&state, caller, user)?;
    let progress = shared
        .jobs
        .lock()
        .progress(user, JobKind::Reassign, Instant::now());
    Ok(progress_response(&shared, progress, &uri, "GET"))
}

/// `GET /api/2.0/people/reassign/progress?userId=`: Workspace's progress read. A finished record
/// is returned once: the read that returns it removes it.
pub(crate) async fn workspace_reassign_progress(
    State(shared): AppState,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.reassigns_as_workspace() {
        return not_found();
    }
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    let Query(pairs) =
        query.map_err(|_| ApiError::invalid("", "The query string is not valid."))?;
    let user = pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("userId"))
        .map(|(_, v)| params::guid("userId", v))
        .transpose()?
        .unwrap_or_default();
    lifecycle::watch_reassign_job(&state, caller, user)?;
    drop(state);
    let mut jobs = shared.jobs.lock();
    let receiver = jobs.receiver_of(user, JobKind::Reassign);
    let progress = jobs.progress_once(user, JobKind::Reassign, Instant::now());
    Ok(workspace_progress_response(progress, user, receiver))
}

/// `PUT /api/2.0/people/reassign/terminate`.
pub(crate) async fn terminate_reassign(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.has_reassign() {
        return not_found();
    }
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, true)?;
    let user = params::terminate_request(&body.map_err(body_error)?)?;
    lifecycle::watch_reassign_job(&state, caller, user)?;
    if state.version.reassigns_as_workspace() {
        // Workspace's terminate stops nothing, queued or running, and answers `{}`.
        return Ok(workspace_progress_response(None, user, None));
    }
    let progress = shared
        .jobs
        .lock()
        .terminate(user, JobKind::Reassign, Instant::now());
    Ok(progress_response(&shared, progress, &uri, "PUT"))
}

/// `GET /api/2.0/people/reassign/necessary?userId=&type=`.
pub(crate) async fn reassign_necessary(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    if !shared.state.read().version.has_type_jobs() {
        return not_found();
    }
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    let Query(pairs) =
        query.map_err(|_| ApiError::invalid("", "The query string is not valid."))?;
    let (user, user_type) = params::necessary_query(&pairs)?;
    let necessary = lifecycle::reassign_necessary(&state, caller, user, user_type)?;
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(necessary, 1, None, shared.link(&uri, "GET")),
    ))
}

/// `DELETE /api/2.0/people/{userid}`.
pub(crate) async fn delete_user(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let raw = path_value(path, "userid")?;
    delete_one(&shared, &headers, &uri, &raw)
}

/// `DELETE /api/2.0/people/{userid}` reached through a path that has its own route for other
/// methods (`@self`, `filter`, `delete`, `type`, `userquota`, `resetquota`).
pub(crate) async fn delete_user_named(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    name: &'static str,
) -> Result<Response, ApiError> {
    delete_one(&shared, &headers, &uri, name)
}

fn delete_one(
    shared: &Shared,
    headers: &HeaderMap,
    uri: &Uri,
    raw: &str,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    let caller = shared.caller(&state, headers, true)?;
    let index = lifecycle::check_delete_one(&state, &mut shared.jobs.lock(), caller, raw)?;
    let user = shared.renderer(&state).full(&state.users[index], false);
    lifecycle::delete_users(&mut state, caller, &[index]);
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(user, 1, None, shared.link(uri, "DELETE")),
    ))
}

/// `PUT /api/2.0/people/delete`.
pub(crate) async fn delete_users(
    State(shared): AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let mut state = shared.state.write();
    let caller = shared.caller(&state, &headers, true)?;
    let ids = params::members_request(&body.map_err(body_error)?)?;
    let plan = lifecycle::check_delete_many(&state, &mut shared.jobs.lock(), caller, &ids)?;
    let renderer = shared.renderer(&state);
    let users: Vec<_> = plan
        .returned
        .iter()
        .map(|index| renderer.full(&state.users[*index], false))
        .collect();
    lifecycle::delete_users(&mut state, caller, &plan.deleted);
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(users, 1, None, shared.link(&uri, "PUT")),
    ))
}
