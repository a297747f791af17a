//! Fault injection: it must never change state unless asked to apply-then-drop.

use std::time::{Duration, Instant};

use docspace_people_fake::*;
use serde_json::json;

use crate::common::{Api, plain_user};

#[tokio::test]
async fn too_many_requests_every_second_request() {
    let api = Api::start(
        PortalConfig::demo()
            .with_faults(Faults::none().with_too_many_requests(Trigger::EveryNth(2), 7)),
    )
    .await;
    let token = api.portal.owner_token();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let reply = api.get(&token, "/api/2.0/people/@self").await;
        if reply.status == 429 {
            assert_eq!(reply.headers["retry-after"], "7");
        }
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [200, 429, 200, 429]);
    let counters = api.portal.counters();
    assert_eq!(api.portal.request_count(), 4);
    assert_eq!(counters.get(Endpoint::GetSelf, Outcome::Status(200)), 2);
    assert_eq!(
        counters.get(
            Endpoint::GetSelf,
            Outcome::Fault(FaultKind::TooManyRequests)
        ),
        2
    );
    assert_eq!(counters.faults(FaultKind::TooManyRequests), 2);
    assert_eq!(counters.endpoint(Endpoint::GetSelf), 4);
}

#[tokio::test]
async fn server_errors_have_html_bodies_and_change_nothing() {
    let api = Api::demo().await;
    let victim = api.pick(1, plain_user)[0];
    let token = api.portal.owner_token();
    for (faults, status) in [
        (
            Faults::none().with_internal_server_error(Trigger::Always),
            500,
        ),
        (Faults::none().with_bad_gateway(Trigger::Always), 502),
    ] {
        api.portal.set_faults(faults);
        let reply = api
            .put(
                &token,
                "/api/2.0/people/status/2",
                json!({"userIds": [victim]}),
            )
            .await;
        assert_eq!(reply.status, status);
        let ct = reply.headers["content-type"].to_str().unwrap_or_default();
        assert!(ct.starts_with("text/html"), "{ct}");
        assert!(reply.body.contains(&status.to_string()) && reply.body.contains("<html>"));
        assert_eq!(api.user(victim).status, 1);
    }
    api.portal.set_faults(Faults::none());
    api.put(
        &token,
        "/api/2.0/people/status/2",
        json!({"userIds": [victim]}),
    )
    .await
    .ok();
    assert_eq!(api.user(victim).status, 2);
    let counters = api.portal.counters();
    assert_eq!(
        counters.get(
            Endpoint::UpdateStatus,
            Outcome::Fault(FaultKind::InternalServerError)
        ),
        1
    );
    assert_eq!(
        counters.get(
            Endpoint::UpdateStatus,
            Outcome::Fault(FaultKind::BadGateway)
        ),
        1
    );
    assert_eq!(
        counters.get(Endpoint::UpdateStatus, Outcome::Status(200)),
        1
    );
}

async fn put_expecting_broken_body(api: &Api, path: &str, body: serde_json::Value) {
    let result = api
        .client
        .put(api.url(path))
        .bearer_auth(api.portal.owner_token())
        .json(&body)
        .send()
        .await;
    // Either the connection broke before the headers, or they arrived and the body fails.
    if let Ok(response) = result {
        assert_eq!(response.status(), 200);
        assert!(response.bytes().await.is_err(), "body should be cut off");
    }
}

#[tokio::test]
async fn dropped_connection_before_handling_changes_nothing() {
    let api = Api::start(PortalConfig::demo().with_faults(
        Faults::none().with_dropped_connection(Trigger::FirstN(1), DropMode::BeforeHandling),
    ))
    .await;
    let victim = api.pick(1, plain_user)[0];
    put_expecting_broken_body(
        &api,
        "/api/2.0/people/status/2",
        json!({"userIds": [victim]}),
    )
    .await;
    assert_eq!(api.user(victim).status, 1);
    // The next request is served normally.
    api.put(
        &api.portal.owner_token(),
        "/api/2.0/people/status/2",
        json!({"userIds": [victim]}),
    )
    .await
    .ok();
    assert_eq!(api.user(victim).status, 2);
    assert_eq!(
        api.portal.counters().faults(FaultKind::DroppedConnection),
        1
    );
}

#[tokio::test]
async fn dropped_connection_after_handling_applies_the_change() {
    let api = Api::start(
        PortalConfig::demo().with_faults(
            Faults::none()
                .with_dropped_connection(Trigger::Always, DropMode::AfterHandling)
                .writes_only(),
        ),
    )
    .await;
    let victim = api.pick(1, plain_user)[0];
    // Reads are not affected.
    api.get(&api.portal.owner_token(), "/api/2.0/people/@self")
        .await
        .ok();
    put_expecting_broken_body(
        &api,
        "/api/2.0/people/userquota",
        json!({"userIds": [victim], "quota": GIB}),
    )
    .await;
    assert_eq!(api.user(victim).custom_quota, Some(GIB));
    let counters = api.portal.counters();
    assert_eq!(
        counters.get(
            Endpoint::UpdateQuota,
            Outcome::Fault(FaultKind::DroppedConnection)
        ),
        1
    );
    assert_eq!(counters.get(Endpoint::GetSelf, Outcome::Status(200)), 1);
}

#[tokio::test]
async fn latency_is_added() {
    let api = Api::start(
        PortalConfig::demo()
            .with_faults(Faults::none().with_latency(Duration::from_millis(150), Trigger::Always)),
    )
    .await;
    let started = Instant::now();
    api.get(&api.portal.owner_token(), "/api/2.0/people/@self")
        .await
        .ok();
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn rates_are_deterministic_per_seed() {
    let faults = Faults::none()
        .with_bad_gateway(Trigger::Rate(0.4))
        .with_rng_seed(7);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let api = Api::start(PortalConfig::demo().with_faults(faults.clone())).await;
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(
                api.get(&api.portal.owner_token(), "/api/2.0/people/@self")
                    .await
                    .status,
            );
        }
        assert!(statuses.iter().all(|s| *s == 200 || *s == 502));
        let failures = statuses.iter().filter(|s| **s == 502).count();
        assert!((3..=24).contains(&failures), "{failures} of 30");
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn faults_from_command_line_specs() {
    let faults = Faults::none()
        .add_spec("500@first=1")
        .and_then(|f| f.add_spec("429@every=3"))
        .expect("valid specs");
    let api = Api::start(PortalConfig::demo().with_faults(faults)).await;
    let token = api.portal.owner_token();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(api.get(&token, "/api/2.0/people/@self").await.status);
    }
    assert_eq!(statuses, [500, 200, 429, 200]);
    assert!(Faults::none().add_spec("teapot").is_err());
}
