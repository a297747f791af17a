//! Limits against a hostile or broken server, and retries of reads: huge `Retry-After`, huge
//! bodies, redirects to another origin, plain http to another machine.

use docspace_people::{Server, Version};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use docspace_people::bulk::{Change, Outcome};
use docspace_people::{Client, Error, RetryPolicy, UserQuery, UserStatus};
use futures::TryStreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: Uuid = Uuid::from_u128(0x75a5f745_f697_4418_b38d_0fe0d277e258);

/// The server these tests imitate, set so that the client does not ask.
const DOCSPACE_37: Server = Server::docspace(Version::new(3, 7, 1));

fn envelope(response: Value) -> Value {
    json!({"response": response, "count": 1, "links": [], "status": 0, "statusCode": 200})
}

fn quick() -> RetryPolicy {
    RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(uri: &str) -> Client {
    Client::builder(uri)
        .server(DOCSPACE_37)
        .token("t")
        .retry(quick())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_huge_retry_after_gives_up_at_once_without_panicking() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[ID])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Failed);
    assert!(
        report.entries[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("rate limited"),
        "{:?}",
        report.entries[0]
    );
}

#[tokio::test]
async fn reads_are_retried_by_the_client_policy() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/filter"))
        .and(query_param("startIndex", "1"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/filter"))
        .and(query_param("startIndex", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "response": [{"id": Uuid::from_u128(2)}], "count": 1, "total": 2, "status": 0, "statusCode": 200
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/filter"))
        .and(query_param("startIndex", "0"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/filter"))
        .and(query_param("startIndex", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "response": [{"id": Uuid::from_u128(1)}], "count": 1, "total": 2, "status": 0, "statusCode": 200
        })))
        .mount(&server)
        .await;
    let users: Vec<_> = client(&server.uri())
        .find_all_users(UserQuery::new().page_size(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

/// Serves one HTTP response on a raw socket: `status`, chunked, `total` bytes of JSON-ish
/// filler, counting the bytes the socket took.
async fn endless_server(status: u16, total: u64) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 1 << 20];
                let framed = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk,
                    b"\r\n".to_vec(),
                ]
                .concat();
                let mut sent = 0u64;
                while sent < total {
                    if socket.write_all(&framed).await.is_err() {
                        return;
                    }
                    sent += framed.len() as u64;
                    counter.fetch_add(framed.len() as u64, Ordering::Relaxed);
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    (format!("http://{address}"), written)
}

#[tokio::test]
async fn a_two_gib_success_body_is_refused_after_the_limit() {
    let (uri, written) = endless_server(200, 2 << 30).await;
    let client = Client::builder(&uri)
        .server(DOCSPACE_37)
        .token("t")
        .retry(RetryPolicy::none())
        .max_body_size(8 << 20)
        .build()
        .unwrap();
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit, .. } if limit == 8 << 20),
        "{err:?}"
    );
    // What the server managed to push is the limit plus the socket buffers, far below 100 MiB.
    let pushed = written.load(Ordering::Relaxed);
    assert!(pushed < 100 << 20, "the client read {pushed} bytes");
}

#[tokio::test]
async fn a_huge_error_body_is_read_only_as_far_as_its_start() {
    let (uri, written) = endless_server(500, 2 << 30).await;
    let client = Client::builder(&uri)
        .server(DOCSPACE_37)
        .token("t")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    let pushed = written.load(Ordering::Relaxed);
    assert!(pushed < 100 << 20, "the client read {pushed} bytes");
    // The bulk path reads errors the same way.
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[ID])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Failed);
    assert!(written.load(Ordering::Relaxed) < 200 << 20);
}

#[tokio::test]
async fn redirects_to_another_origin_are_refused_and_same_origin_ones_followed() {
    let portal = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/2.0/people/@self"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/api/2.0/people/@self?token=secret", elsewhere.uri()).as_str(),
        ))
        .mount(&portal)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/2.0/people/{ID}")))
        .respond_with(ResponseTemplate::new(301).insert_header("Location", "/moved"))
        .mount(&portal)
        .await;
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!({"id": ID, "status": 1}))),
        )
        .mount(&portal)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/api/2.0/people/status/2", elsewhere.uri()).as_str(),
        ))
        .mount(&portal)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(envelope(json!([{"id": ID, "status": 2}]))),
        )
        .mount(&elsewhere)
        .await;
    let client = client(&portal.uri());
    let err = client.me().await.unwrap_err();
    let Error::Redirected { location } = &err else {
        panic!("{err:?}")
    };
    assert!(location.starts_with(&elsewhere.uri()), "{location}");
    assert!(!err.to_string().contains("secret"), "{err}");
    assert_eq!(
        client.user(ID).await.unwrap().id,
        ID,
        "same-origin redirect followed"
    );
    let report = client
        .bulk(Change::Status(UserStatus::Terminated))
        .run(&[ID])
        .await
        .unwrap();
    assert_eq!(report.entries[0].outcome, Outcome::Failed, "{report:?}");
    assert!(
        report.entries[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("redirected")
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[test]
fn plain_http_to_another_machine_needs_consent() {
    let err = Client::builder("http://portal.example.com")
        .token("t")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InsecureHttp { ref host } if host == "portal.example.com"),
        "{err:?}"
    );
    assert!(
        Client::builder("http://portal.example.com")
            .token("t")
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
    assert!(
        Client::builder("http://localhost:8080")
            .token("t")
            .build()
            .is_ok()
    );
    assert!(
        Client::builder("https://portal.example.com")
            .token("t")
            .build()
            .is_ok()
    );
}
