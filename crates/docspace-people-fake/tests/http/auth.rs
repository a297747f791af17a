//! Sign-in and request authentication.

use docspace_people_fake::*;
use serde_json::json;

use crate::common::{Api, assert_api_date, plain_user};

#[tokio::test]
async fn sign_in_returns_token_and_sets_cookie() {
    let api = Api::demo().await;
    let reply = api
        .send(
            api.client
                .post(api.url("/api/2.0/authentication"))
                .json(&json!({"userName": OWNER_EMAIL, "password": OWNER_PASSWORD})),
        )
        .await;
    let v = reply.json();
    assert_eq!(v["count"], 1);
    let response = reply.ok();
    let token = response["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 32);
    assert_api_date(response["expires"].as_str().expect("expires"), "+03:00");
    let cookie = reply.headers["set-cookie"].to_str().expect("cookie");
    assert!(
        cookie.starts_with(&format!("asc_auth_key={token};")),
        "{cookie}"
    );

    // The cookie alone authenticates.
    let me = api
        .send(
            api.client
                .get(api.url("/api/2.0/people/@self"))
                .header("Cookie", format!("asc_auth_key={token}")),
        )
        .await
        .ok();
    assert_eq!(me["email"], OWNER_EMAIL);
    assert_eq!(me["isOwner"], true);
    assert_eq!(me["isAdmin"], true);
    assert_eq!(me["theme"], "System");
    assert_api_date(me["registrationDate"].as_str().expect("date"), "+03:00");
}

#[tokio::test]
async fn header_forms_raw_bearer_and_api_key() {
    let api = Api::demo().await;
    let raw = api
        .send(
            api.client
                .get(api.url("/api/2.0/people/@self"))
                .header("Authorization", api.portal.user_token()),
        )
        .await
        .ok();
    assert_eq!(raw["email"], USER_EMAIL);
    assert_eq!(raw["displayName"], "Sean O&#39;Brien");
    assert_eq!(raw["lastName"], "O'Brien");
    assert_eq!(raw["isCollaborator"], true);
    assert_eq!(raw["isAdmin"], false);
    assert_eq!(raw["theme"], "Base");

    let bearer = api
        .get(&api.portal.admin_token(), "/api/2.0/people/@self")
        .await
        .ok();
    assert_eq!(bearer["email"], ADMIN_EMAIL);
    assert_eq!(bearer["theme"], "Dark");

    let key = api
        .get(&api.portal.api_key(), "/api/2.0/people/@self")
        .await
        .ok();
    assert_eq!(key["email"], OWNER_EMAIL);
    assert_eq!(api.portal.api_key(), OWNER_API_KEY);

    // Other users' objects carry no theme.
    let other = api
        .get(
            &api.portal.owner_token(),
            &format!("/api/2.0/people/{}", api.id(USER_EMAIL)),
        )
        .await
        .ok();
    assert!(other.get("theme").is_none());
}

#[tokio::test]
async fn missing_or_bad_credentials_get_empty_401() {
    let api = Api::demo().await;
    api.send(api.client.get(api.url("/api/2.0/people/@self")))
        .await
        .empty(401);
    api.get("not-a-token", "/api/2.0/people/@self")
        .await
        .empty(401);
    api.get("sk-unknown", "/api/2.0/people/filter")
        .await
        .empty(401);
    api.put("nope", "/api/2.0/people/status/2", json!({"userIds": []}))
        .await
        .empty(401);
    // 401 comes before binding: a malformed body does not matter.
    api.put_raw("nope", "/api/2.0/people/userquota", "{")
        .await
        .empty(401);
}

#[tokio::test]
async fn cookie_is_read_first() {
    let api = Api::demo().await;
    // A stale cookie beats a valid header.
    api.send(
        api.client
            .get(api.url("/api/2.0/people/@self"))
            .header("Cookie", "theme=dark; asc_auth_key=stale")
            .header(
                "Authorization",
                format!("Bearer {}", api.portal.owner_token()),
            ),
    )
    .await
    .empty(401);
    // A valid cookie wins over a bad header.
    let me = api
        .send(
            api.client
                .get(api.url("/api/2.0/people/@self"))
                .header(
                    "Cookie",
                    format!("asc_auth_key={}", api.portal.user_token()),
                )
                .header("Authorization", "Bearer garbage"),
        )
        .await
        .ok();
    assert_eq!(me["email"], USER_EMAIL);
}

#[tokio::test]
async fn sign_in_refusals() {
    let api = Api::demo().await;
    let sign_in = |user: &str, password: &str| {
        api.send(
            api.client
                .post(api.url("/api/2.0/authentication"))
                .json(&json!({"userName": user, "password": password})),
        )
    };
    // An unknown user is answered like a wrong password (401), not 404.
    let unknown = sign_in("nobody@example.com", "x").await;
    assert_eq!(unknown.thrown(401), "User authentication failed");
    let wrong = sign_in(OWNER_EMAIL, "wrong").await;
    assert!(!wrong.thrown(401).is_empty());
    assert!(wrong.headers.get("set-cookie").is_none());
    let disabled = sign_in(TERMINATED_USER_EMAIL, DEFAULT_PASSWORD).await;
    assert_eq!(disabled.thrown(403), "User disabled");
    // An invitee never set a password.
    sign_in(PENDING_INVITEE_EMAIL, "").await.thrown(401);
    // Other seeded users share the default password.
    sign_in(ROOM_ADMIN_EMAIL, DEFAULT_PASSWORD).await.ok();
    sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.ok();
    sign_in(USER_EMAIL, USER_PASSWORD).await.ok();
    // A malformed body is a binding error.
    let missing = api
        .send(
            api.client
                .post(api.url("/api/2.0/authentication"))
                .json(&json!({"userName": OWNER_EMAIL})),
        )
        .await;
    assert_eq!(missing.problem(), ["password"]);
}

#[tokio::test]
async fn brute_force_blocks_one_login_for_a_minute_with_a_403() {
    let api = Api::demo().await;
    let sign_in = |user: &str, password: &str| {
        api.send(
            api.client
                .post(api.url("/api/2.0/authentication"))
                .json(&json!({"userName": user, "password": password})),
        )
    };
    for _ in 0..6 {
        sign_in(USER_EMAIL, "wrong").await.thrown(401);
    }
    // Blocked, the right password included; no 429 and no Retry-After.
    let blocked = sign_in(USER_EMAIL, USER_PASSWORD).await;
    assert!(blocked.headers.get("retry-after").is_none());
    assert_eq!(
        blocked.thrown(403),
        "Too many login attempts. Please try again later"
    );
    // Other logins are not.
    sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.ok();
}

#[tokio::test]
async fn a_key_scoped_to_accounts_reads_and_writes_people_only() {
    use docspace_people_fake::seed::SCOPED_API_KEY;
    let api = Api::demo().await;
    api.get(SCOPED_API_KEY, "/api/2.0/people/filter?count=1")
        .await
        .ok();
    let me = api.get(SCOPED_API_KEY, "/api/2.0/people/@self").await;
    assert_eq!(me.status, 403);
    assert!(me.body.is_empty(), "no body: {:?}", me.body);
    // The version endpoint is anonymous, but refuses a request carrying this key.
    let version = api
        .get(SCOPED_API_KEY, "/api/2.0/settings/version/build")
        .await;
    assert_eq!(version.status, 403);
    let anonymous = api
        .send(api.client.get(api.url("/api/2.0/settings/version/build")))
        .await;
    assert_eq!(anonymous.status, 200);
    // Only exactly `Bearer sk-...` is a key.
    let lower = api
        .send(
            api.client
                .get(api.url("/api/2.0/people/filter?count=1"))
                .header("authorization", format!("bearer {SCOPED_API_KEY}")),
        )
        .await;
    assert_eq!(lower.status, 401);
}

#[tokio::test]
async fn read_only_api_key_cannot_write() {
    let api = Api::demo().await;
    let target = api.pick(1, plain_user)[0];
    let before = api.user(target);
    api.get(READONLY_API_KEY, "/api/2.0/people/filter?count=1")
        .await
        .ok();
    api.put(
        READONLY_API_KEY,
        "/api/2.0/people/status/2",
        json!({"userIds": [target]}),
    )
    .await
    .empty(403);
    api.put(
        READONLY_API_KEY,
        "/api/2.0/people/userquota",
        json!({"userIds": [target], "quota": 1}),
    )
    .await
    .empty(403);
    assert_eq!(api.user(target), before);
}

#[tokio::test]
async fn terminating_signs_the_user_out() {
    let api = Api::demo().await;
    let id = api.id(ROOM_ADMIN_EMAIL);
    let token = api.portal.token_for(ROOM_ADMIN_EMAIL).expect("token");
    api.get(&token, "/api/2.0/people/@self").await.ok();
    api.put(
        &api.portal.owner_token(),
        "/api/2.0/people/status/2",
        json!({"userIds": [id]}),
    )
    .await
    .ok();
    api.get(&token, "/api/2.0/people/@self").await.empty(401);
    assert!(api.portal.token_for(ROOM_ADMIN_EMAIL).is_none());
}
