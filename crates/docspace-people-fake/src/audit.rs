//! The login history: `GET security/audit/login/filter`, with the server's page-then-filter
//! order, and a plan without the audit feature (every filter ignored, the last 20 events).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::dates::api_date;
use crate::error::{ApiError, json_response};
use crate::model::PortalState;
use crate::server::Shared;
use crate::wire::Envelope;

/// `LoginSuccess`.
pub(crate) const LOGIN_SUCCESS: i32 = 1000;

/// Events a plan without the audit feature answers, whatever was asked.
const LAST_EVENTS: usize = 20;

/// One sign-in.
#[derive(Debug, Clone)]
pub(crate) struct LoginEvent {
    pub(crate) id: u64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) user: Uuid,
    pub(crate) action: i32,
}

/// A year of sign-ins for the seeded users, oldest first: most signed in within the last
/// 400 days (some twice), every seventh never did, nor did anyone still Pending. The same
/// portal gets the same history, relative to `now`.
pub(crate) fn seed(state: &mut PortalState, now: DateTime<Utc>) {
    // Every portal of a process dates its history from the same moment, so that two portals
    // started one after the other hold the same users with the same history.
    static ANCHOR: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();
    let now = *ANCHOR.get_or_init(|| now);
    let mut events = Vec::new();
    for (i, user) in state.users.iter().enumerate() {
        if i % 7 == 3 || user.status == 4 {
            continue;
        }
        let days = (i as i64 * 37) % 400;
        let last = now - Duration::days(days) - Duration::minutes(i as i64 % 600);
        events.push((last, user.id));
        if i % 2 == 0 {
            events.push((last - Duration::days(30), user.id));
        }
    }
    events.sort_by_key(|(at, _)| *at);
    for (at, user) in &events {
        if let Some(index) = state.index_of(*user) {
            state.users[index].last_sign_in = Some(*at);
        }
    }
    state.login_events = events
        .into_iter()
        .enumerate()
        .map(|(id, (at, user))| LoginEvent {
            id: id as u64 + 1,
            at,
            user,
            action: LOGIN_SUCCESS,
        })
        .collect();
}

/// Records a successful sign-in.
pub(crate) fn record_sign_in(state: &mut PortalState, user: Uuid, at: DateTime<Utc>) {
    if let Some(index) = state.index_of(user) {
        state.users[index].last_sign_in = Some(at);
    }
    let id = state.login_events.len() as u64 + 1;
    state.login_events.push(LoginEvent {
        id,
        at,
        user,
        action: LOGIN_SUCCESS,
    });
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginEventDto {
    id: u64,
    date: String,
    user_id: Uuid,
    user: String,
    login: String,
    action: &'static str,
    action_id: i32,
    page: &'static str,
}

/// A time as the server reads `from` and `to`: its own date form or RFC 3339.
fn parse_time(field: &str, value: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::invalid(field, format!("The value '{value}' is not valid.")))
}

/// `GET security/audit/login/filter`.
pub(crate) async fn login_events(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    let me = &state.users[caller.index];
    if !(me.is_owner || me.is_admin()) {
        return Err(ApiError::access_denied());
    }
    let mut count = 100usize;
    let mut start = 0usize;
    let mut user = None;
    let (mut from, mut to) = (None, None);
    for (key, value) in &pairs {
        match key.to_ascii_lowercase().as_str() {
            "count" => count = value.trim().parse::<usize>().unwrap_or(100).clamp(1, 100),
            "startindex" => start = value.trim().parse().unwrap_or(0),
            "userid" => user = Some(crate::params::guid("userId", value)?),
            "from" => from = Some(parse_time("from", value)?),
            "to" => to = Some(parse_time("to", value)?),
            _ => {}
        }
    }
    let newest_first = state.login_events.iter().rev();
    let events: Vec<&LoginEvent> = if state.login_history {
        // The server pages the newest events first, then filters that page.
        newest_first
            .skip(start)
            .take(count)
            .filter(|e| user.is_none_or(|u| e.user == u))
            .filter(|e| from.is_none_or(|f| e.at >= f))
            .filter(|e| to.is_none_or(|t| e.at <= t))
            .collect()
    } else {
        newest_first.take(LAST_EVENTS).collect()
    };
    let dtos: Vec<LoginEventDto> = events
        .into_iter()
        .map(|e| {
            let who = state.index_of(e.user).map(|i| &state.users[i]);
            LoginEventDto {
                id: e.id,
                date: api_date(e.at, shared.offset),
                user_id: e.user,
                user: who.map_or_else(|| "Unknown".to_owned(), |u| u.display_name()),
                login: who.map_or_else(String::new, |u| u.email.clone()),
                action: "Login Success",
                action_id: e.action,
                page: "/",
            }
        })
        .collect();
    let n = dtos.len() as u64;
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(dtos, n, None, shared.link(&uri, "GET")),
    ))
}
