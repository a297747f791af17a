//! Helpers shared by the integration tests.

use docspace_people_fake::{
    ADMIN_EMAIL, FakePortal, FakeUser, PortalConfig, ROOM_ADMIN_EMAIL, USER_EMAIL,
};
use reqwest::header::HeaderMap;
use serde_json::Value;
use uuid::Uuid;

/// A started portal and a client.
pub struct Api {
    pub portal: FakePortal,
    pub client: reqwest::Client,
}

/// One answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// `response` of a success envelope, checked to be one.
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, 200, "body: {}", self.body);
        let v = self.json();
        assert_eq!(v["status"], 0);
        assert_eq!(v["statusCode"], 200);
        assert!(v["links"].as_array().is_some_and(|l| !l.is_empty()));
        assert_no_nulls(&v);
        v["response"].clone()
    }

    /// Checks a thrown-error envelope and returns its message.
    pub fn thrown(&self, status: u16) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_json(&self.headers);
        let v = self.json();
        assert_eq!(v["status"], 1);
        assert_eq!(v["statusCode"], status);
        assert!(v["error"]["type"].is_string());
        assert!(v["error"]["hresult"].is_i64());
        assert!(v.get("response").is_none());
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Checks a ProblemDetails envelope and returns the names of the fields in `errors`.
    pub fn problem(&self) -> Vec<String> {
        assert_eq!(self.status, 400, "body: {}", self.body);
        assert_json(&self.headers);
        let v = self.json();
        assert_eq!(v["status"], 1);
        assert_eq!(v["statusCode"], 400);
        let pd = &v["response"];
        assert_eq!(pd["status"], 400);
        assert!(
            pd["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("https://"))
        );
        assert!(pd["title"].is_string());
        assert!(pd["traceId"].as_str().is_some_and(|t| t.starts_with("00-")));
        let errors = pd["errors"].as_object().expect("errors object");
        assert!(
            errors
                .values()
                .all(|m| m.as_array().is_some_and(|a| !a.is_empty()))
        );
        errors.keys().cloned().collect()
    }

    /// `response` of a job-progress answer, checked to have exactly the DTO's fields.
    pub fn progress(&self) -> Value {
        let progress = self.ok();
        let mut keys: Vec<&str> = progress
            .as_object()
            .expect("progress object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["error", "id", "isCompleted", "percentage", "status"],
            "{progress}"
        );
        assert_eq!(self.json()["count"], 1);
        progress
    }

    /// Checks a 200 envelope without `response` (a null result): `count` 0.
    pub fn nothing(&self) {
        assert_eq!(self.status, 200, "body: {}", self.body);
        let v = self.json();
        assert!(v.get("response").is_none(), "body: {}", self.body);
        assert_eq!(v["count"], 0);
        assert_eq!(v["status"], 0);
        assert_eq!(v["statusCode"], 200);
        assert!(v["links"].as_array().is_some_and(|l| l.len() == 1));
    }

    /// Checks an empty-bodied answer.
    pub fn empty(&self, status: u16) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert!(self.body.is_empty(), "body: {:?}", self.body);
    }
}

pub fn assert_json(headers: &HeaderMap) {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
}

/// The real server never sends `null`.
pub fn assert_no_nulls(v: &Value) {
    match v {
        Value::Null => panic!("null in response"),
        Value::Array(a) => a.iter().for_each(assert_no_nulls),
        Value::Object(o) => o.values().for_each(assert_no_nulls),
        _ => {}
    }
}

/// The ids of a user list response.
pub fn ids(users: &Value) -> Vec<Uuid> {
    users
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["id"].as_str().and_then(|s| s.parse().ok()).expect("id"))
        .collect()
}

/// An API date: seven fractional digits and an offset.
pub fn assert_api_date(s: &str, offset: &str) {
    let (_, tail) = s.split_once('.').expect("fraction");
    assert_eq!(tail.len(), 7 + offset.len(), "{s}");
    assert!(tail[..7].bytes().all(|b| b.is_ascii_digit()), "{s}");
    assert!(tail.ends_with(offset), "{s}");
}

impl Api {
    pub async fn start(config: PortalConfig) -> Self {
        Self {
            portal: FakePortal::start(config).expect("portal starts"),
            client: reqwest::Client::new(),
        }
    }

    pub async fn demo() -> Self {
        Self::start(PortalConfig::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.portal.base_url())
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body read");
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(
            self.client
                .get(self.url(path))
                .header("Authorization", format!("Bearer {token}")),
        )
        .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(
            self.client
                .put(self.url(path))
                .header("Authorization", format!("Bearer {token}"))
                .json(&body),
        )
        .await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .header("Authorization", format!("Bearer {token}"))
                .json(&body),
        )
        .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Reply {
        self.send(
            self.client
                .delete(self.url(path))
                .header("Authorization", format!("Bearer {token}")),
        )
        .await
    }

    pub async fn put_raw(&self, token: &str, path: &str, body: &str) -> Reply {
        self.send(
            self.client
                .put(self.url(path))
                .header("Authorization", token.to_owned())
                .header("Content-Type", "application/json")
                .body(body.to_owned()),
        )
        .await
    }

    /// The ids of `n` users `keep` selects (panics if there are fewer).
    pub fn pick(&self, n: usize, keep: impl Fn(&FakeUser) -> bool) -> Vec<Uuid> {
        let ids = self.portal.user_ids_where(keep);
        assert!(ids.len() >= n, "only {} users match", ids.len());
        ids[..n].to_vec()
    }

    pub fn user(&self, id: Uuid) -> FakeUser {
        self.portal.user(id).expect("user exists")
    }

    pub fn id(&self, email: &str) -> Uuid {
        self.portal.id_of(email).expect("seeded email")
    }
}

/// An active, activated, non-LDAP regular user other than the documented one.
pub fn plain_user(u: &FakeUser) -> bool {
    u.user_type == 4
        && u.status == 1
        && u.activation_status == 1
        && !u.is_ldap
        && !u.is_sso
        && u.email != USER_EMAIL
}

/// An active user of this type, not the owner, not LDAP or SSO, and none of the documented
/// accounts whose tokens the tests use.
pub fn active_of_type(user_type: i32) -> impl Fn(&FakeUser) -> bool {
    move |u: &FakeUser| {
        u.user_type == user_type
            && u.status == 1
            && u.activation_status == 1
            && !u.is_owner
            && !u.is_ldap
            && !u.is_sso
            && ![USER_EMAIL, ADMIN_EMAIL, ROOM_ADMIN_EMAIL].contains(&u.email.as_str())
    }
}

/// An active guest.
pub fn active_guest(u: &FakeUser) -> bool {
    u.user_type == 2 && u.status == 1
}
