//! The rate limiter of a hosted portal, tuned to small numbers: the window, the in-flight
//! limits, the daily write budget and sign-ins, with the reference's headers and empty bodies.

use std::time::Duration;

use docspace_people_fake::{OWNER_EMAIL, OWNER_PASSWORD, PortalConfig, RateLimit};
use serde_json::json;

use crate::common::{Api, plain_user};

fn small() -> RateLimit {
    RateLimit {
        per_window: 20,
        window: Duration::from_secs(60),
        writes_in_flight: 2,
        reads_in_flight: 50,
        writes_per_day: 6,
        day: Duration::from_secs(86_400),
        sign_ins: 2,
        sign_in_window: Duration::from_secs(900),
    }
}

#[tokio::test]
async fn the_daily_write_budget_stops_writes_until_the_next_day() {
    let api = Api::start(PortalConfig::demo().with_rate_limit(small())).await;
    let token = api.portal.owner_token();
    let id = api.pick(1, plain_user)[0];
    for _ in 0..6 {
        let reply = api
            .put(
                &token,
                "/api/2.0/people/userquota",
                json!({"userIds": [id], "quota": 1024}),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        // Only refusals carry X-RateLimit-*.
        assert!(!reply.headers.contains_key("x-ratelimit-remaining"));
    }
    let reply = api
        .put(
            &token,
            "/api/2.0/people/userquota",
            json!({"userIds": [id], "quota": 1024}),
        )
        .await;
    reply.empty(429);
    // The seconds left in the day's fixed window, which began at the first request.
    let left: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((86_300..=86_400).contains(&left), "{left}");
    assert!(reply.headers.contains_key("x-ratelimit-reset"));
    assert_eq!(reply.headers["x-ratelimit-remaining"], "0");
    // Reads go on.
    assert_eq!(api.get(&token, "/api/2.0/people/@self").await.status, 200);
    api.portal.next_day();
    let reply = api
        .put(
            &token,
            "/api/2.0/people/userquota",
            json!({"userIds": [id], "quota": 1024}),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn the_window_refuses_with_a_retry_after() {
    let api = Api::start(PortalConfig::demo().with_rate_limit(small())).await;
    let token = api.portal.owner_token();
    let mut statuses = Vec::new();
    for _ in 0..22 {
        statuses.push(api.get(&token, "/api/2.0/people/@self").await);
    }
    assert!(statuses[..20].iter().all(|r| r.status == 200));
    let refused = &statuses[20];
    refused.empty(429);
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(api.portal.rate_limited(), 2);
}

#[tokio::test]
async fn one_write_more_than_allowed_in_flight_is_refused_at_once() {
    let api = Api::start(
        PortalConfig::demo()
            .with_rate_limit(RateLimit {
                writes_per_day: 1000,
                per_window: 1000,
                ..small()
            })
            .with_faults(
                docspace_people_fake::Faults::none()
                    .with_latency(
                        Duration::from_millis(300),
                        docspace_people_fake::Trigger::Always,
                    )
                    .writes_only(),
            ),
    )
    .await;
    let token = api.portal.owner_token();
    let id = api.pick(1, plain_user)[0];
    let replies = futures::future::join_all((0..4).map(|_| {
        api.put(
            &token,
            "/api/2.0/people/userquota",
            json!({"userIds": [id], "quota": 1024}),
        )
    }))
    .await;
    let refused: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        replies.iter().filter(|r| r.status == 200).count(),
        2,
        "{replies:?}"
    );
    assert_eq!(refused.len(), 2);
    for reply in refused {
        assert!(reply.body.is_empty());
        assert!(
            !reply.headers.contains_key("retry-after"),
            "no Retry-After in flight"
        );
        assert_eq!(reply.headers["x-ratelimit-limit"], "2");
    }
}

#[tokio::test]
async fn sign_ins_are_limited() {
    let api = Api::start(PortalConfig::demo().with_rate_limit(small())).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let reply = api
            .send(
                api.client
                    .post(api.url("/api/2.0/authentication"))
                    .json(&json!({"userName": OWNER_EMAIL, "password": OWNER_PASSWORD})),
            )
            .await;
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [200, 200, 429]);
}

#[tokio::test]
async fn posts_use_the_daily_write_budget_and_deletes_do_not() {
    let api = Api::start(
        PortalConfig::demo()
            .with_job_duration(Duration::from_millis(5))
            .with_rate_limit(RateLimit {
                writes_per_day: 2,
                ..small()
            }),
    )
    .await;
    let token = api.portal.owner_token();
    let target = api.pick(1, plain_user)[0];
    // DELETE is a write in flight but outside the daily budget (this one answers 403).
    for _ in 0..3 {
        let reply = api
            .delete(&token, &format!("/api/2.0/people/{target}"))
            .await;
        assert_eq!(reply.status, 403, "{reply:?}");
    }
    let start = json!({"type": 2, "userId": target});
    for expected in [200, 200, 429] {
        let reply = api
            .post(&token, "/api/2.0/people/type", start.clone())
            .await;
        assert_eq!(reply.status, expected, "{reply:?}");
    }
    api.portal.wait_jobs_idle().await;
}
