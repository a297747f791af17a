//! The wrapper against a loopback HTTP server that answers like the real portal: what goes out
//! on the wire, and how every recorded kind of answer comes back.

use docspace_people::{Server, Version};
use std::time::Duration;

use docspace_people::{
    ActivationStatus, Client, Error, Quota, RetryPolicy, SortBy, Theme, UserQuery, UserStatus,
    UserType,
};
use futures::TryStreamExt;
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "864FE52C-1C1C-469F-9308-51DAFEFE7436";
const ID1: Uuid = Uuid::from_u128(0x75a5f745_f697_4418_b38d_0fe0d277e258);
const ID2: Uuid = Uuid::from_u128(0x9924256a_739c_462b_af15_e652a3b1b6eb);

/// The server these tests imitate, set so that the client does not ask.
const DOCSPACE_37: Server = Server::docspace(Version::new(3, 7, 1));

/// A client that does not retry: these tests look at one answer each.
fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .server(DOCSPACE_37)
        .token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn user(id: Uuid, extra: Value) -> Value {
    let mut user = json!({"id": id, "displayName": "Mike Zanyatski", "status": 1});
    if let (Some(user), Some(extra)) = (user.as_object_mut(), extra.as_object()) {
        user.extend(extra.clone());
    }
    user
}

fn envelope(response: Value) -> Value {
    json!({"response": response, "count": 1, "links": [{"href": "x", "action": "PUT"}], "status": 0, "statusCode": 200})
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

#[tokio::test]
async fn set_status_sends_the_number_the_ids_and_the_cookie() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/status/2"))
        .and(body_json(json!({"userIds": [ID1, ID2]})))
        .and(header("cookie", format!("asc_auth_key={TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!([
            user(ID1, json!({"status": 2})),
            user(ID2, json!({"status": 2}))
        ]))))
        .expect(1)
        .mount(&server)
        .await;
    let users = client(&server)
        .set_status(UserStatus::Terminated, &[ID1, ID2])
        .await
        .unwrap();
    assert_eq!(users.iter().map(|u| u.id).collect::<Vec<_>>(), [ID1, ID2]);
    assert!(
        users
            .iter()
            .all(|u| u.status == Some(UserStatus::Terminated))
    );
    let request = only_request(&server).await;
    assert!(
        request.headers.get("authorization").is_none(),
        "token goes in one place only"
    );
    assert_eq!(request.headers["content-type"], "application/json");
}

#[tokio::test]
async fn set_type_sends_the_number_whatever_name_was_used() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/type/4"))
        .and(body_json(json!({"userIds": [ID1]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!([user(
                ID1,
                json!({"isCollaborator": true})
            )]))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let collaborator: UserType = "Collaborator".parse().unwrap();
    let users = client(&server)
        .set_type(collaborator, &[ID1])
        .await
        .unwrap();
    assert_eq!(users[0].user_type(), Some(UserType::User));
}

#[tokio::test]
async fn set_quota_sends_an_integer_and_api_keys_go_in_the_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/userquota"))
        .and(body_json(json!({"userIds": [ID1], "quota": -1})))
        .and(header("authorization", "Bearer sk-abc"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(envelope(json!([user(ID1, json!({"quotaLimit": -1}))]))),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/userquota"))
        .and(body_json(
            json!({"userIds": [ID1], "quota": 10_737_418_240_i64}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!([user(
                ID1,
                json!({"quotaLimit": 10_737_418_240_i64})
            )]))),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .server(DOCSPACE_37)
        .api_key("sk-abc")
        .build()
        .unwrap();
    let users = client.set_quota(Quota::Unlimited, &[ID1]).await.unwrap();
    assert_eq!(users[0].quota_limit, Some(Quota::Unlimited));
    let users = client
        .set_quota("10GiB".parse().unwrap(), &[ID1])
        .await
        .unwrap();
    assert_eq!(users[0].quota_limit, Some(Quota::Bytes(10 << 30)));
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.headers.get("cookie").is_none()));
}

#[tokio::test]
async fn login_posts_the_credentials_and_uses_the_token_as_a_cookie() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/2.0/authentication"))
        .and(body_json(
            json!({"userName": "owner@example.com", "password": "pa55"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("set-cookie", "asc_auth_key=tok123; path=/; HttpOnly")
                .set_body_json(envelope(
                    json!({"token": "tok123", "expires": "2026-12-22T10:00:00.0000000+03:00"}),
                )),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/@self"))
        .and(header("cookie", "asc_auth_key=tok123"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(envelope(user(ID1, json!({"theme": "System"})))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::login(server.uri(), "owner@example.com", "pa55")
        .await
        .unwrap();
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("tok123") && !shown.contains("pa55"),
        "{shown}"
    );
    let me = client.me().await.unwrap();
    assert_eq!(me.theme, Some(Theme::System));
}

#[tokio::test]
async fn login_failures_are_typed() {
    let server = MockServer::start().await;
    Mock::given(path("/api/2.0/authentication"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"message": "User authentication failed", "type": "System.Security.Authentication.AuthenticationException", "hresult": -2146233087},
            "status": 1, "statusCode": 401
        })))
        .mount(&server)
        .await;
    let err = Client::login(server.uri(), "owner@example.com", "wrong-password")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { message: Some(ref m) } if m == "User authentication failed")
    );
    assert!(!format!("{err:?} {err}").contains("wrong-password"));
}

#[tokio::test]
async fn decodes_what_the_real_server_sends() {
    let server = MockServer::start().await;
    let body = r#"{"response":{"id":"75a5f745-f697-4418-b38d-0fe0d277e258","displayName":"Ana &amp; Bo&#39;s","firstName":"Ana",
        "status":2,"activationStatus":1,"mobilePhoneActivationStatus":0,"theme":"System",
        "terminated":"2021-03-09T17:52:55.0000000+08:00","registrationDate":"0001-01-01T00:00:00.0000000Z",
        "groups":[{"id":"9924256a-739c-462b-af15-e652a3b1b6eb","name":"Sales","manager":"Jake"}],
        "contacts":[{"type":"mail","value":"a@b.c"}],"isVisitor":false,"isCollaborator":true,
        "usedSpace":1024.0,"createdBy":{"id":"9924256a-739c-462b-af15-e652a3b1b6eb","displayName":"Ow &lt;ner&gt;"},
        "aFieldFromServer4":{"nested":[1,2]}},"count":1,"status":0,"statusCode":200}"#;
    Mock::given(method("GET"))
        .and(path(format!("/api/2.0/people/{ID1}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body, "application/json; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let user = client(&server).user(ID1).await.unwrap();
    assert_eq!(user.display_name.as_deref(), Some("Ana & Bo's"));
    assert_eq!(user.status, Some(UserStatus::Terminated));
    assert_eq!(user.activation_status, Some(ActivationStatus::Activated));
    assert_eq!(user.theme, Some(Theme::System));
    assert_eq!(
        user.terminated.unwrap().to_rfc3339(),
        "2021-03-09T17:52:55+08:00"
    );
    assert_eq!(
        user.registration_date, None,
        ".NET's minimum date means never"
    );
    assert_eq!(user.groups[0].name.as_deref(), Some("Sales"));
    assert_eq!(user.contacts[0].value.as_deref(), Some("a@b.c"));
    assert_eq!(user.user_type(), Some(UserType::User));
    assert_eq!(
        user.created_by.unwrap().display_name.as_deref(),
        Some("Ow <ner>")
    );
    assert_eq!(user.email, None, "omitted fields are None");
    assert_eq!(user.quota_limit, None);
}

#[tokio::test]
async fn unknown_enum_values_never_fail_a_response() {
    let server = MockServer::start().await;
    Mock::given(path("/api/2.0/people/status/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!([
            user(
                ID1,
                json!({"status": 16, "activationStatus": "Frozen", "theme": "HighContrast"})
            ),
            user(
                Uuid::from_u128(0x4a515a15_d4d6_4b8e_828e_e0586f18f3a3),
                json!({"displayName": "Unknown Unknown"})
            )
        ]))))
        .mount(&server)
        .await;
    let users = client(&server)
        .set_status(UserStatus::Active, &[ID1, ID2])
        .await
        .unwrap();
    assert!(
        matches!(&users[0].status, Some(UserStatus::Unknown(raw)) if raw.number() == Some(16)),
        "{:?}",
        users[0].status
    );
    assert!(
        matches!(&users[0].activation_status, Some(ActivationStatus::Unknown(raw)) if raw.name() == Some("Frozen")),
        "{:?}",
        users[0].activation_status
    );
    assert_eq!(
        users[0].theme.as_ref().map(ToString::to_string).as_deref(),
        Some("HighContrast")
    );
    assert!(users[1].is_lost_user());
    assert!(!users[0].is_lost_user());
}

async fn answer(status: u16, template: ResponseTemplate) -> Error {
    let _ = status;
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(template)
        .mount(&server)
        .await;
    client(&server)
        .set_status(UserStatus::Terminated, &[ID1])
        .await
        .unwrap_err()
}

#[tokio::test]
async fn each_error_shape_becomes_a_typed_error() {
    let thrown = answer(403, ResponseTemplate::new(403).set_body_json(json!({
        "error": {"message": "Access denied", "type": "System.Security.SecurityException", "stack": "", "hresult": -2146233078},
        "status": 1, "statusCode": 403
    })))
    .await;
    assert!(
        matches!(thrown, Error::Forbidden { message: Some(ref m) } if m == "Access denied"),
        "{thrown:?}"
    );
    assert!(!thrown.is_retryable());

    let problem = answer(400, ResponseTemplate::new(400).set_body_json(json!({
        "response": {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.",
                     "status": 400, "errors": {"$.userIds[0]": ["The JSON value could not be converted to System.Guid."]}, "traceId": "00-abc-01"},
        "status": 1, "statusCode": 400
    })))
    .await;
    let Error::BadRequest { message, details } = &problem else {
        panic!("{problem:?}")
    };
    assert_eq!(
        message.as_deref(),
        Some("One or more validation errors occurred.")
    );
    assert_eq!(details["$.userIds[0]"].len(), 1);
    assert!(
        problem.to_string().contains("$.userIds[0]: The JSON value"),
        "{problem}"
    );

    for (status, expected) in [
        (401, "unauthorized (401)"),
        (402, "payment required (402)"),
        (403, "forbidden (403)"),
    ] {
        let err = answer(status, ResponseTemplate::new(status)).await;
        assert_eq!(err.to_string(), expected);
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.server_message(), None);
    }

    let limited = answer(
        429,
        ResponseTemplate::new(429).insert_header("retry-after", "12"),
    )
    .await;
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(12)));
    assert!(limited.is_retryable());

    let html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    let bad_gateway = answer(
        502,
        ResponseTemplate::new(502).set_body_raw(html, "text/html"),
    )
    .await;
    assert!(
        matches!(bad_gateway, Error::Server { status: 502, message: Some(ref m) } if m.contains("502 Bad Gateway"))
    );
    assert!(bad_gateway.is_retryable());

    let not_found = answer(404, ResponseTemplate::new(404).set_body_json(json!({"error": {"message": "The user could not be found"}, "status": 1, "statusCode": 404}))).await;
    assert_eq!(
        not_found.server_message(),
        Some("The user could not be found")
    );
    assert!(matches!(not_found, Error::NotFound { .. }));
}

#[tokio::test]
async fn an_error_inside_a_success_body_is_an_error() {
    let err = answer(
        200,
        ResponseTemplate::new(200).set_body_json(json!({
            "error": {"message": "Access denied"}, "status": 1, "statusCode": 403
        })),
    )
    .await;
    assert!(
        matches!(err, Error::Forbidden { message: Some(ref m) } if m == "Access denied"),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_success_bodies_are_undecodable_with_a_snippet() {
    let err = answer(
        200,
        ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
    )
    .await;
    let Error::UndecodableResponse {
        status, snippet, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 200);
    assert_eq!(snippet, "<html>maintenance</html>");
    let err = answer(
        200,
        ResponseTemplate::new(200).set_body_json(json!({"response": [{"displayName": "no id"}]})),
    )
    .await;
    assert!(matches!(err, Error::UndecodableResponse { .. }), "{err:?}");
    let err = answer(204, ResponseTemplate::new(204)).await;
    assert!(
        matches!(err, Error::UndecodableResponse { status: 204, .. }),
        "{err:?}"
    );
    let err = answer(409, ResponseTemplate::new(409).set_body_string("conflict")).await;
    assert!(
        matches!(err, Error::UnexpectedStatus { status: 409, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    let checks = [
        client.set_status(UserStatus::Active, &[]).await,
        client.set_status(UserStatus::Active, &[ID1, ID1]).await,
        client.set_status(UserStatus::Pending, &[ID1]).await,
        client.set_status(UserStatus::from_number(8), &[ID1]).await,
        client.set_type(UserType::All, &[ID1]).await,
        client
            .set_type(serde_json::from_value(json!("Boss")).unwrap(), &[ID1])
            .await,
        client.set_quota(Quota::Bytes(u64::MAX), &[ID1]).await,
    ];
    for result in checks {
        assert!(matches!(result, Err(Error::InvalidInput(_))), "{result:?}");
    }
    let page = client.find_users(&UserQuery::new().page_size(0), 0).await;
    assert!(matches!(page, Err(Error::InvalidInput(_))));
    let page = client.find_users(&UserQuery::new().page_size(101), 0).await;
    assert!(matches!(page, Err(Error::InvalidInput(_))));
    assert!(matches!(
        Client::login(server.uri(), "", "x").await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        Client::builder("not a url").build(),
        Err(Error::InvalidInput(_))
    ));
    server.verify().await;
}

#[tokio::test]
async fn search_sends_the_filters_and_streams_every_page() {
    let server = MockServer::start().await;
    let ids: Vec<Uuid> = (1..=5).map(Uuid::from_u128).collect();
    for (start, chunk) in [(0, &ids[0..2]), (2, &ids[2..4]), (4, &ids[4..5])] {
        let users: Vec<Value> = chunk.iter().map(|id| user(*id, json!({}))).collect();
        Mock::given(method("GET"))
            .and(path("/api/2.0/people/filter"))
            .and(query_param("count", "2"))
            .and(query_param("startIndex", start.to_string()))
            .and(query_param("employeeStatus", "1"))
            .and(query_param("employeeType", "2"))
            .and(query_param("filterValue", "an"))
            .and(query_param("sortBy", "lastname"))
            .and(query_param("sortOrder", "descending"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "response": users, "count": chunk.len(), "total": 5, "status": 0, "statusCode": 200
            })))
            // The first page is fetched twice: once alone, once by the stream.
            .expect(if start == 0 { 2 } else { 1 })
            .mount(&server)
            .await;
    }
    let query = UserQuery::new()
        .text("an")
        .status(UserStatus::Active)
        .user_type(UserType::Guest)
        .sort_by(SortBy::LastName)
        .descending(true)
        .page_size(2);
    let client = client(&server);
    let first = client.find_users(&query, 0).await.unwrap();
    assert_eq!(first.total, Some(5));
    assert_eq!(first.next_start_index, Some(2));
    let all: Vec<Uuid> = client
        .find_all_users(query)
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, ids);
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(format!("http://{address}"))
        .token(TOKEN)
        .build()
        .unwrap();
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(!format!("{err:?}").contains(TOKEN));
}

#[tokio::test]
async fn bulk_requests_carry_the_number_the_body_and_the_cookie() {
    use docspace_people::bulk::{Change, Outcome};
    let server = MockServer::start().await;
    // The engine reads each user before it changes them.
    for id in [ID1, ID2] {
        Mock::given(method("GET"))
            .and(path(format!("/api/2.0/people/{id}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(envelope(user(id, json!({"isVisitor": true})))),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/type/1"))
        .and(body_json(json!({"userIds": [ID1, ID2]})))
        .and(header("cookie", format!("asc_auth_key={TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!([
            user(ID1, json!({"isRoomAdmin": true})),
            user(ID2, json!({"isVisitor": true}))
        ]))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/userquota"))
        .and(body_json(json!({"userIds": [ID1], "quota": 1_000_000})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!([user(
                ID1,
                json!({"quotaLimit": 1_000_000})
            )]))),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/people/resetquota"))
        .and(body_json(json!({"userIds": [ID2]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!([user(
                ID2,
                json!({"isCustomQuota": false})
            )]))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let report = client
        .bulk(Change::Type(UserType::RoomAdmin))
        .run(&[ID1, ID2])
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = report.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Changed, Outcome::Refused],
        "a 200 with the user unchanged is a refusal"
    );
    let report = client
        .bulk(Change::Quota("1MB".parse().unwrap()))
        .run(&[ID1])
        .await
        .unwrap();
    assert_eq!(report.counts.changed, 1);
    let report = client.bulk(Change::ResetQuota).run(&[ID2]).await.unwrap();
    assert_eq!(report.counts.changed, 1);
}

#[tokio::test]
async fn transport_errors_say_what_happened_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(format!("http://{address}"))
        .token(TOKEN)
        .build()
        .unwrap();
    let err = client.me().await.unwrap_err();
    assert_eq!(err.to_string(), "transport error (could not connect)");
    let source = std::error::Error::source(&err).expect("the reqwest error is the source");
    assert!(!source.to_string().contains("transport error"));
}

/// Workspace's wire, exactly: a version answer with only `communityServer`, a 201 sign-in,
/// envelopes without `links`, `null` fields, `isVisitor`, a `quotaLimit` of 0, and per-user
/// quota at `settings/userquota`.
#[tokio::test]
async fn workspace_wire_is_read_and_spoken() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/settings/version/build"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 3, "status": 0, "statusCode": 200,
            "response": {"communityServer": "12.7.1.1948", "documentServer": "8.2.2.22"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/2.0/authentication"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "count": 1, "status": 0, "statusCode": 201,
            "response": {"token": TOKEN, "expires": "2026-12-01T10:00:00.0000000+03:00"}
        })))
        .mount(&server)
        .await;
    let workspace_user = json!({
        "id": ID1, "displayName": "Ada Visitor", "userName": null, "email": null,
        "terminated": null, "status": 1, "activationStatus": 1, "isAdmin": false,
        "isOwner": false, "isVisitor": true, "isLDAP": false, "quotaLimit": 0
    });
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/@self"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "status": 0, "statusCode": 200, "response": workspace_user
        })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/2.0/settings/userquota"))
        .and(body_json(json!({"userIds": [ID1], "quota": 1_000_000})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1, "status": 0, "statusCode": 200, "response": [workspace_user]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::login(server.uri(), "ada@example.com", "secret")
        .await
        .unwrap();
    let detected = client.server().await.unwrap();
    assert_eq!(detected.to_string(), "Workspace 12.7.1.1948");
    let me = client.me().await.unwrap();
    assert_eq!((me.user_name.as_deref(), me.email.as_deref()), (None, None));
    assert_eq!(me.terminated, None);
    assert_eq!(
        me.quota_limit,
        Some(Quota::Bytes(0)),
        "0 is a quota of 0, not 'none'"
    );
    assert_eq!(
        detected.type_name(&me.user_type_on(&detected).unwrap()),
        Some("Visitor")
    );
    let users = client
        .set_quota("1MB".parse().unwrap(), &[ID1])
        .await
        .unwrap();
    assert_eq!(users[0].id, ID1);
    let err = client.reset_quota(&[ID1]).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
}
