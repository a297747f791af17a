//! The bulk PUTs on the wire, decoding only what the engine checks.
//!
//! Why not the generated client: it decodes every returned user whole (about forty strings
//! each), and the engine reads ten fields. At portal scale that full decode was half the
//! client's CPU time. The request bodies are still the generated types, and the paths are the
//! spec's; the fake portal, checked against the spec by schemathesis, keeps them honest.

use docspace_people_gen::ClientInfo;
use docspace_people_gen::types::{ApiErrorDetail, UpdateMembersQuotaRequest, UpdateMembersRequest};
use reqwest::header::{ACCEPT, HeaderValue};
use serde::Deserialize;
use uuid::Uuid;

use super::Change;
use crate::enums::{UserStatus, UserType};
use crate::error::snippet;
use crate::{Client, Error};

/// The fields of a returned user the engine looks at; serde skips the rest without allocating.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserState {
    pub(crate) id: Uuid,
    #[serde(default)]
    pub(crate) status: Option<UserStatus>,
    #[serde(default)]
    pub(crate) is_owner: Option<bool>,
    #[serde(default)]
    pub(crate) is_admin: Option<bool>,
    #[serde(default)]
    pub(crate) is_room_admin: Option<bool>,
    #[serde(default)]
    pub(crate) is_visitor: Option<bool>,
    #[serde(default)]
    pub(crate) is_collaborator: Option<bool>,
    #[serde(default)]
    pub(crate) quota_limit: Option<i64>,
    #[serde(default)]
    pub(crate) is_custom_quota: Option<bool>,
}

impl UserState {
    pub(crate) fn user_type(&self) -> Option<UserType> {
        crate::user::type_from_flags(
            self.is_owner,
            self.is_admin,
            self.is_room_admin,
            self.is_visitor,
            self.is_collaborator,
        )
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListEnvelope {
    #[serde(default)]
    response: Vec<UserState>,
    #[serde(default)]
    error: Option<ApiErrorDetail>,
    #[serde(default)]
    status: Option<i32>,
    #[serde(default)]
    status_code: Option<i32>,
}

/// Sends one bulk PUT and returns the users the server reports, in its order.
pub(crate) async fn send(
    client: &Client,
    change: &Change,
    ids: &[Uuid],
) -> Result<Vec<UserState>, Error> {
    let generated = client.generated();
    let members = || UpdateMembersRequest {
        user_ids: ids.to_vec(),
        resend_all: None,
    };
    let number =
        |n: Option<i64>| n.ok_or_else(|| Error::invalid_input("the change has no number to send"));
    let base = generated.baseurl();
    let request = match change {
        Change::Status(status) => generated
            .client()
            .put(format!(
                "{base}/api/2.0/people/status/{}",
                number(status.number())?
            ))
            .json(&members()),
        Change::Type(user_type) => generated
            .client()
            .put(format!(
                "{base}/api/2.0/people/type/{}",
                number(user_type.number())?
            ))
            .json(&members()),
        Change::Quota(quota) => {
            let quota = quota
                .to_wire()
                .ok_or_else(|| Error::invalid_input(format!("quota {quota} is too large")))?;
            generated
                .client()
                .put(format!("{base}/api/2.0/people/userquota"))
                .json(&UpdateMembersQuotaRequest {
                    user_ids: ids.to_vec(),
                    quota,
                })
        }
        Change::ResetQuota => generated
            .client()
            .put(format!("{base}/api/2.0/people/resetquota"))
            .json(&members()),
    };
    let response = request
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .send()
        .await
        .map_err(Error::Transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::Transport)?;
    if !status.is_success() {
        return Err(Error::from_response(status, &headers, &body));
    }
    let envelope: ListEnvelope =
        serde_json::from_slice(&body).map_err(|e| Error::UndecodableResponse {
            status: status.as_u16(),
            reason: e.to_string(),
            snippet: snippet(&body),
        })?;
    crate::envelope::check(envelope.error, envelope.status, envelope.status_code)?;
    Ok(envelope.response)
}
