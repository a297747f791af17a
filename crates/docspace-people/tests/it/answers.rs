//! What the newest server source says about answers and credentials, through the library:
//! deterministic 500s are answers (never retried), a proxy's 500 is a failure on every product,
//! 402 at the seat limit is settled by reading back, a scoped API key still works, and sign-in
//! failures are typed the same on both products.

use std::time::Duration;

use docspace_people::bulk::{BulkOptions, Change, Outcome};
use docspace_people::{Client, Error, Refusal, RetryPolicy, Server, UserStatus, Version};
use docspace_people_fake::seed::{OWNER_EMAIL, SCOPED_API_KEY, USER_EMAIL};
use docspace_people_fake::{FakePortal, PortalConfig, ServerVersion};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID1: Uuid = Uuid::from_u128(0x75a5f745_f697_4418_b38d_0fe0d277e258);
const ID2: Uuid = Uuid::from_u128(0x9924256a_739c_462b_af15_e652a3b1b6eb);
const WORKSPACE: Server = Server::workspace(Version::new(12, 7, 1));
const DOCSPACE_37: Server = Server::docspace(Version::new(3, 7, 1));

/// A client that retries quickly, many times: a retried answer shows in the request count.
fn client(server: &MockServer, on: Server) -> Client {
    Client::builder(server.uri())
        .server(on)
        .token("token")
        .retry(
            RetryPolicy::default()
                .max_attempts(5)
                .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

fn thrown(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": "System.Exception"}, "status": 1, "statusCode": status
    }))
}

fn user(id: Uuid, status: i64) -> Value {
    json!({"id": id, "displayName": "A", "status": status, "isVisitor": false})
}

fn envelope(response: Value) -> Value {
    json!({"response": response, "count": 1, "status": 0, "statusCode": 200})
}

/// Reads answer the caller (`@self`, ID2) and ID1, active, for every other user.
async fn mount_reads(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/@self"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user(ID2, 1))))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user(ID1, 1))))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, method_name: &str, to: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == method_name && r.url.path() == to)
        .count()
}

#[tokio::test]
async fn a_deterministic_500_is_an_answer_sent_once() {
    let server = MockServer::start().await;
    let route = format!("/api/2.0/people/{ID1}");
    Mock::given(method("GET"))
        .and(path(route.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user(ID1, 2))))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(route.as_str()))
        .respond_with(thrown(
            500,
            "Data reassign process for 75a5f745 is not complete.",
        ))
        .mount(&server)
        .await;
    let err = client(&server, DOCSPACE_37)
        .delete_user(ID1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ServerRefused { status: 500, ref message } if message.starts_with("Data reassign")),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        requests_to(&server, "DELETE", &route).await,
        1,
        "never resent"
    );
}

#[tokio::test]
async fn workspace_refusals_are_its_json_500s_and_a_proxy_page_is_a_failure() {
    // Workspace's own envelope: a refusal, sent once, reported with its text.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/status/2"))
        .respond_with(thrown(500, "Access denied"))
        .mount(&server)
        .await;
    mount_reads(&server).await;
    let report = client(&server, WORKSPACE)
        .bulk(Change::Status(UserStatus::Terminated))
        .known_users([serde_json::from_value(user(ID1, 1)).unwrap()])
        .run(&[ID1])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Refused, "{report:?}");
    assert_eq!(
        report.entries[0].reason,
        Some(Refusal::Server("Access denied".into()))
    );
    assert_eq!(
        requests_to(&server, "PUT", "/api/2.0/people/status/2").await,
        1
    );

    // An nginx page in front of Workspace: retried, then failed (resumable), never refused.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/status/2"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string(
                "<html><body><h1>500 Internal Server Error</h1>nginx</body></html>",
            ),
        )
        .mount(&server)
        .await;
    mount_reads(&server).await;
    let report = client(&server, WORKSPACE)
        .bulk(Change::Status(UserStatus::Terminated))
        .known_users([serde_json::from_value(user(ID1, 1)).unwrap()])
        .run(&[ID1])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Failed, "{report:?}");
    assert_eq!(
        requests_to(&server, "PUT", "/api/2.0/people/status/2").await,
        5,
        "retried by the policy"
    );
}

#[tokio::test]
async fn a_402_part_way_is_settled_by_reading_back() {
    // The server changed ID1, then met the seat limit at ID2.
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/status/1"))
        .respond_with(ResponseTemplate::new(402))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/2.0/people/{ID1}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user(ID1, 1))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/2.0/people/{ID2}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user(ID2, 2))))
        .mount(&server)
        .await;
    let before = [user(ID1, 2), user(ID2, 2)].map(|u| serde_json::from_value(u).unwrap());
    let report = client(&server, DOCSPACE_37)
        .bulk(Change::Status(UserStatus::Active))
        .known_users(before)
        .options(BulkOptions::default().chunk_size(10))
        .run(&[ID1, ID2])
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(outcomes, [Outcome::Changed, Outcome::Refused], "{report:?}");
    assert_eq!(
        requests_to(&server, "PUT", "/api/2.0/people/status/1").await,
        1
    );
}

#[tokio::test]
async fn a_key_scoped_to_accounts_works_without_reading_itself() {
    let portal = FakePortal::start(PortalConfig::demo()).unwrap();
    let client = Client::builder(portal.base_url())
        .api_key(SCOPED_API_KEY)
        .build()
        .unwrap();
    // The version is asked anonymously; @self is refused to this key.
    assert_eq!(client.server().await.unwrap().version.minor, 7);
    assert!(matches!(client.me().await, Err(Error::Forbidden { .. })));
    let user = portal.id_of(USER_EMAIL).unwrap();
    let owner = portal.id_of(OWNER_EMAIL).unwrap();
    let plan = client
        .bulk(Change::Status(UserStatus::Terminated))
        .plan(&[user, owner])
        .await
        .unwrap();
    assert!(!plan.caller_known, "the caller could not be read");
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[user, owner])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Changed, "{report:?}");
    assert_eq!(report.entries[1].reason, Some(Refusal::Owner));
    assert_eq!(portal.user(user).unwrap().status, 2);
}

#[tokio::test]
async fn the_owner_lowers_an_admin_to_room_admin_with_the_put() {
    for version in [ServerVersion::V3_6, ServerVersion::V3_7] {
        let portal = FakePortal::start(PortalConfig::demo().with_version(version)).unwrap();
        let admin = portal
            .id_of(docspace_people_fake::seed::ADMIN_EMAIL)
            .unwrap();
        let owner = Client::builder(portal.base_url())
            .token(portal.owner_token())
            .build()
            .unwrap();
        let report = owner
            .bulk(Change::Type(docspace_people::UserType::RoomAdmin))
            .run(&[admin])
            .await
            .unwrap();
        assert_eq!(
            report.entries[0].outcome,
            Outcome::Changed,
            "{version}: {report:?}"
        );
        assert_eq!(report.requests, 1, "{version}: one PUT, no job");
        let now = portal.user(admin).unwrap();
        assert!(!now.is_admin, "{version}");
    }
}

#[tokio::test]
async fn a_workspace_quota_saved_while_quotas_are_off_is_not_called_refused() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/settings/userquota"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!([
            {"id": ID1, "displayName": "A", "status": 1, "quotaLimit": -1}
        ]))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            json!({"id": ID1, "displayName": "A", "status": 1, "quotaLimit": -1}),
        )))
        .mount(&server)
        .await;
    let report = client(&server, WORKSPACE)
        .bulk(Change::Quota(docspace_people::Quota::Bytes(5 << 30)))
        .run(&[ID1])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Unknown, "{report:?}");
    assert!(
        report.entries[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("does not show")),
        "{report:?}"
    );
}

#[tokio::test]
async fn an_api_key_never_goes_to_workspace() {
    let server = MockServer::start().await;
    let client = Client::builder(server.uri())
        .server(WORKSPACE)
        .api_key("sk-secret")
        .build()
        .unwrap();
    let err = client
        .find_users(&docspace_people::UserQuery::new(), 0)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    let err = client.user(ID1).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn sign_in_failures_are_typed_alike_on_both_products_and_never_retried() {
    for version in [ServerVersion::V3_7, ServerVersion::Workspace12_7] {
        let portal = FakePortal::start(PortalConfig::demo().with_version(version)).unwrap();
        let login = |user: &'static str, password: &'static str| {
            let url = portal.base_url();
            async move {
                Client::builder(url)
                    .retry(
                        RetryPolicy::default()
                            .max_attempts(5)
                            .backoff(Duration::from_millis(1), Duration::from_millis(2)),
                    )
                    .login(user, password)
                    .await
            }
        };
        // An unknown user is a wrong password: 401 on DocSpace, Workspace's 500.
        let err = login("nobody@example.com", "x").await.unwrap_err();
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "{version}: {err:?}"
        );
        // Five more failures block the login, the right password included.
        for _ in 0..5 {
            let err = login(USER_EMAIL, "wrong").await.unwrap_err();
            assert!(
                matches!(err, Error::Unauthorized { .. }),
                "{version}: {err:?}"
            );
        }
        let _ = login(USER_EMAIL, "wrong").await;
        let before = portal.request_count();
        let err = login(USER_EMAIL, docspace_people_fake::seed::USER_PASSWORD)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden { message: Some(ref m) } if m.contains("Too many")),
            "{version}: {err:?}"
        );
        assert_eq!(
            portal.request_count() - before,
            1,
            "{version}: a block is not retried"
        );
        // Another login is not blocked.
        assert!(
            login(OWNER_EMAIL, docspace_people_fake::seed::OWNER_PASSWORD)
                .await
                .is_ok()
        );
    }
}

#[tokio::test]
async fn an_answer_that_contradicts_itself_is_read_back() {
    let server = MockServer::start().await;
    // The same user listed twice, changed and unchanged; the portal shows them unchanged.
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/status/2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!([user(ID1, 1), user(ID1, 2)]))),
        )
        .mount(&server)
        .await;
    mount_reads(&server).await;
    let report = client(&server, DOCSPACE_37)
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[ID1])
        .await
        .unwrap();
    assert_ne!(report.entries[0].outcome, Outcome::Changed, "{report:?}");
    assert!(report.reads >= 2, "read before and back: {report:?}");
}

#[tokio::test]
async fn a_wait_beyond_the_clock_is_far_ahead_not_in_1970() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"),
        )
        .mount(&server)
        .await;
    mount_reads(&server).await;
    let report = client(&server, DOCSPACE_37)
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[ID1])
        .await
        .unwrap();
    let stop = report.stopped_by_limit.expect("stopped by the limit");
    let year = std::time::Duration::from_secs(365 * 24 * 3600);
    assert!(
        stop.until > std::time::SystemTime::now() + year,
        "{:?}",
        stop.until
    );
    assert_eq!(report.entries[0].outcome, Outcome::Failed);
}

#[tokio::test]
async fn promotions_past_the_paid_seats_stop_part_way_and_are_read_back() {
    let probe = FakePortal::start(PortalConfig::demo()).unwrap();
    let in_use = probe
        .snapshot()
        .iter()
        .filter(|u| u.status == 1 && (u.is_owner || u.user_type == 1 || u.user_type == 3))
        .count();
    drop(probe);
    // One seat left: the first promotion of a chunk takes it, the second meets the limit.
    let portal = FakePortal::start(PortalConfig::demo().with_paid_seats(in_use + 1)).unwrap();
    let guests = portal.user_ids_where(|u| u.status == 1 && u.user_type == 2 && !u.is_ldap);
    let targets = &guests[..3];
    let report = Client::builder(portal.base_url())
        .token(portal.owner_token())
        .build()
        .unwrap()
        .bulk(Change::Type(docspace_people::UserType::RoomAdmin))
        .options(BulkOptions::default().chunk_size(10))
        .run(targets)
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Changed, Outcome::Refused, Outcome::Refused],
        "{report:?}"
    );
    assert!(
        report.entries[1]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("paid users")),
        "{report:?}"
    );
    assert_eq!(portal.user(targets[0]).unwrap().user_type, 1);
    assert_eq!(portal.user(targets[1]).unwrap().user_type, 2);
}
