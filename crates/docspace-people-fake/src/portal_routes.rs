//! What selecting and predicting need besides users: the groups (`GET group`) and the plan's
//! paid seats (`GET portal/payment/quota`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::error::{ApiError, json_response};
use crate::server::Shared;
use crate::wire::Envelope;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupDto {
    id: Uuid,
    name: String,
    members_count: usize,
    #[serde(rename = "isLDAP")]
    is_ldap: bool,
}

/// `GET group`: groups whose name contains `filterValue` (any case), paged.
pub(crate) async fn groups(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let state = shared.state.read();
    shared.caller(&state, &headers, false)?;
    let mut count = 100usize;
    let mut start = 0usize;
    let mut text = None;
    for (key, value) in &pairs {
        match key.to_ascii_lowercase().as_str() {
            "count" => count = value.trim().parse::<usize>().unwrap_or(100).clamp(1, 100),
            "startindex" => start = value.trim().parse().unwrap_or(0),
            "filtervalue" => text = Some(value.trim().to_lowercase()),
            _ => {}
        }
    }
    let matching: Vec<(usize, &crate::model::Group)> = state
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            text.as_deref()
                .is_none_or(|t| g.name.to_lowercase().contains(t))
        })
        .collect();
    let total = matching.len() as u64;
    let page: Vec<GroupDto> = matching
        .into_iter()
        .skip(start)
        .take(count)
        .map(|(index, g)| GroupDto {
            id: g.id,
            name: g.name.clone(),
            members_count: state
                .users
                .iter()
                .filter(|u| u.groups.iter().any(|&m| usize::from(m) == index))
                .count(),
            is_ldap: false,
        })
        .collect();
    let n = page.len() as u64;
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(page, n, Some(total), shared.link(&uri, "GET")),
    ))
}

/// `GET portal/payment/quota`: the paid seats (`manager`: the limit, -1 for none, and the seats
/// in use) and whether the plan keeps the login history (`audit`). Administrators see `used`.
pub(crate) async fn plan_quota(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let state = shared.state.read();
    let caller = shared.caller(&state, &headers, false)?;
    let me = &state.users[caller.index];
    let admin = me.is_owner || me.is_admin();
    let seats = state.paid_seats.map_or(-1, |s| s as i64);
    let used = crate::rules::seats_in_use(&state);
    let mut manager =
        json!({"id": "manager", "title": "Admins/Power users", "type": "count", "value": seats});
    if admin {
        manager["used"] = json!({"value": used, "title": format!("{used}")});
    }
    let quota = json!({
        "id": 1,
        "title": "Business",
        "features": [
            manager,
            {"id": "audit", "title": "Audit trail", "type": "flag", "value": state.login_history},
        ],
    });
    Ok(json_response(
        StatusCode::OK,
        &Envelope::ok(quota, 1, None, shared.link(&uri, "GET")),
    ))
}
